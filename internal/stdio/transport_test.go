package stdio

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// pipeServer serves a bare go-sdk server over a Transport on pipes: send writes a line,
// recv returns the next one.
func pipeServer(t testing.TB, maxLine int) (send func(string), recv func() string) {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	srv := mcp.NewServer(&mcp.Implementation{Name: "t", Version: "1"}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Run(ctx, &Transport{Reader: inR, Writer: outW, MaxLineLength: maxLine})
	}()
	t.Cleanup(func() {
		cancel()
		inW.Close()
		outR.Close()
		<-done
	})
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	send = func(s string) {
		if _, err := io.WriteString(inW, s+"\n"); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	recv = func() string {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the server closed its output")
			}
			return l
		case <-time.After(10 * time.Second):
			t.Fatal("no answer")
			return ""
		}
	}
	return send, recv
}

const initLine = `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"%s","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`

func TestLongLineAndOldBatches(t *testing.T) {
	send, recv := pipeServer(t, 300)
	send(`{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"` + strings.Repeat("x", 400) + `"}}`)
	if got := recv(); !strings.Contains(got, `"code":-32600`) || !strings.Contains(got, "longer than 300 bytes") {
		t.Errorf("a long line: %s", got)
	}
	send(strings.Replace(initLine, "%s", "2025-03-26", 1))
	if got := recv(); !strings.Contains(got, `"protocolVersion":"2025-03-26"`) {
		t.Fatalf("initialize: %s", got)
	}
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	// 2025-03-26 has batches: go-sdk answers them as one.
	send(`[{"jsonrpc":"2.0","id":2,"method":"ping"},{"jsonrpc":"2.0","id":3,"method":"ping"}]`)
	var batch []map[string]any
	if got := recv(); json.Unmarshal([]byte(got), &batch) != nil || len(batch) != 2 {
		t.Errorf("a batch under 2025-03-26: %s", got)
	}
	// A batch with an invalid member, or an id twice, is answered and skipped.
	send(`[{"jsonrpc":"2.0","id":4,"method":"ping"},{"id":5}]`)
	if got := recv(); !strings.Contains(got, `"code":-32600`) {
		t.Errorf("a batch with an invalid member: %s", got)
	}
	send(`[{"jsonrpc":"2.0","id":6,"method":"ping"},{"jsonrpc":"2.0","id":6,"method":"ping"}]`)
	if got := recv(); !strings.Contains(got, `"code":-32600`) {
		t.Errorf("a batch with an id twice: %s", got)
	}
	send(`{"jsonrpc":"2.0","id":7,"method":"ping"}`)
	if got := recv(); got != `{"jsonrpc":"2.0","id":7,"result":{}}` {
		t.Errorf("ping: %s", got)
	}
}

// Under protocol 2026-07-28 there is no initialize: the version in a request's _meta counts.
func TestBatchWithMetaVersion(t *testing.T) {
	send, recv := pipeServer(t, 0)
	meta := `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}`
	send(`[{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{` + meta + `}}]`)
	if got := recv(); !strings.Contains(got, `"id":1`) || !strings.Contains(got, "not supported in protocol version 2026-07-28") {
		t.Errorf("a batch naming 2026-07-28: %s", got)
	}
	send(`{"jsonrpc":"2.0","id":2,"method":"ping"}`)
	if got := recv(); got != `{"jsonrpc":"2.0","id":2,"result":{}}` {
		t.Errorf("ping: %s", got)
	}
}

// FuzzTransport: whatever one line holds, the session answers the ping after it.
func FuzzTransport(f *testing.F) {
	for _, s := range []string{`{`, `42`, `[]`, `[1]`, `{"jsonrpc":"2.0"}`, `{"jsonrpc":"2.0","id":{},"method":"x"}`,
		`{"jsonrpc":"2.0","id":1,"result":{}}`, `[{"jsonrpc":"2.0","id":1,"method":"ping"}]`, `null`, `"s"`, "\r", "{}\r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if strings.ContainsAny(line, "\n") || strings.Contains(line, `"id":"pingX"`) {
			return
		}
		send, recv := pipeServer(t, 0)
		send(strings.Replace(initLine, "%s", "2025-06-18", 1))
		recv()
		send(line)
		send(`{"jsonrpc":"2.0","id":"pingX","method":"ping"}`)
		for {
			if got := recv(); strings.Contains(got, `"id":"pingX"`) {
				return
			}
		}
	})
}
