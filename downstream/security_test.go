package downstream

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// rawCall calls a tool of the raw fake and returns its text.
func rawCall(t *testing.T, p *Pool, tool, args string) string {
	t.Helper()
	out, err := p.CallTool(context.Background(), "raw", tool, json.RawMessage(args))
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	text, _ := resultText(t, out)
	return text
}

// A server with 2,000 tools that floods notifications/tools/list_changed once started a
// goroutine and a listing per notification. Now they coalesce: one listing runs, one waits.
func TestListChangedFloodCoalesces(t *testing.T) {
	sc := fakeStdio("raw", "raw")
	sc.Env["RAW_TOOLS"] = "2000"
	p := newTestPool(t, []ServerConfig{sc}, nil)
	if err := p.Wait(context.Background(), "raw"); err != nil {
		t.Fatal(err)
	}
	goroutines := runtime.NumGoroutine()
	peak := goroutines
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 3 {
			rawCall(t, p, "flood", `{"n":1000}`)
		}
	}()
	for {
		select {
		case <-done:
		case <-time.After(time.Millisecond):
			peak = max(peak, runtime.NumGoroutine())
			continue
		}
		break
	}
	// Let a pending listing run (at most one more, after the pace).
	time.Sleep(listChangedPace + 500*time.Millisecond)
	lists, _ := strconv.Atoi(rawCall(t, p, "lists", `{}`))
	// One listing at the start, then at most: one right away, and one per pace interval.
	if lists < 2 || lists > 4 {
		t.Errorf("3,000 notifications caused %d tools/list requests, want 1 to 3 after the first", lists-1)
	}
	if peak-goroutines > 20 {
		t.Errorf("goroutines rose from %d to %d during the flood", goroutines, peak)
	}
	t.Logf("3,000 notifications: %d listings, goroutines %d -> peak %d", lists-1, goroutines, peak)
}

// A result between the stdio transport's own line limit (16 MiB) and the result cap once tore
// the whole session down, failing an innocent call in flight; and a result above the cap must
// fail only its own call.
func TestBigResultFailsOnlyItsCall(t *testing.T) {
	tests := []struct {
		name    string
		max     int
		bytes   int
		wantErr string
	}{
		{"17 MiB under the default cap", 0, 17 << 20, ""},
		{"above the cap", 1 << 20, 2 << 20, "above the 1048576-byte limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestPool(t, []ServerConfig{fakeStdio("raw", "raw")}, &PoolOptions{MaxMessageBytes: tt.max})
			if err := p.Wait(context.Background(), "raw"); err != nil {
				t.Fatal(err)
			}
			pid := p.Status()[0].PID
			bigDone := make(chan error)
			go func() {
				out, err := p.CallTool(context.Background(), "raw", "big", json.RawMessage(`{"bytes":`+strconv.Itoa(tt.bytes)+`}`))
				if err == nil && len(out) < tt.bytes {
					err = fmt.Errorf("result of %d bytes", len(out))
				}
				bigDone <- err
			}()
			for range 20 { // innocent calls while the big one is under way
				if got := rawCall(t, p, "small", `{}`); got != "ok" {
					t.Fatalf("small = %q", got)
				}
			}
			err := <-bigDone
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("big: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("big: %v, want an error with %q", err, tt.wantErr)
			}
			if got := rawCall(t, p, "small", `{}`); got != "ok" || p.Status()[0].PID != pid {
				t.Errorf("after the big result: %q, pid %d -> %d (the session must survive)", got, pid, p.Status()[0].PID)
			}
		})
	}
}

// A line on stdout that is not JSON (a banner) used to end the session, reported as "it exited
// (exit status 0)"; a cut-off answer did the same. Now the first is dropped, the second fails
// its own call, and the session stays.
func TestNonProtocolLinesKeepTheSession(t *testing.T) {
	p := newTestPool(t, []ServerConfig{fakeStdio("raw", "raw")}, nil)
	if err := p.Wait(context.Background(), "raw"); err != nil {
		t.Fatal(err)
	}
	pid := p.Status()[0].PID
	for _, tool := range []string{"junk", "jsonlog"} {
		if got := rawCall(t, p, tool, `{}`); got != "ok" {
			t.Errorf("%s = %q", tool, got)
		}
	}
	_, err := p.CallTool(context.Background(), "raw", "broken", json.RawMessage(`{}`))
	if err == nil || !strings.Contains(err.Error(), "malformed message") {
		t.Errorf("broken: %v, want an error about a malformed message", err)
	}
	if got := rawCall(t, p, "small", `{}`); got != "ok" || p.Status()[0].PID != pid {
		t.Errorf("after bad lines: %q, pid %d -> %d", got, pid, p.Status()[0].PID)
	}
}

func TestIDScanner(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{`{"jsonrpc":"2.0","id":7,"result":{"id":99}}`, "7"},
		{`{"result":{"id":99,"x":"\"id\":5"},"jsonrpc":"2.0","id":"a\"b"}`, `"a\"b"`},
		{`{"jsonrpc":"2.0","id":3,"method":"sampling/createMessage"}`, ""},
		{`{"jsonrpc":"2.0","method":"notifications/progress"}`, ""},
		{`{"jsonrpc":"2.0","id":{"x":1},"result":{}}`, ""},
		{`{"result":"x", "id" : 12 }`, "12"},
		{`{"idx":1,"result":"x"}`, ""},
		{`{"result":{"content":[{"type":"te`, ""},
		{`[{"id":1}]`, ""},
	}
	for _, tt := range tests {
		var s idScanner
		s.feed([]byte(tt.in))
		id, ok := s.responseID()
		if !ok {
			id = nil
		}
		if string(id) != tt.want {
			t.Errorf("%s: id %q, want %q", tt.in, id, tt.want)
		}
	}
}

// rawHTTP is a hand-written Streamable HTTP MCP server whose answers to tools/list and to
// tools/call "big" are streamed, never held in its memory: a listing with a description of
// listBytes, a call result of bigBytes, as JSON or as one server-sent event.
func rawHTTP(t *testing.T, listBytes, bigBytes int, sse bool) *httptest.Server {
	t.Helper()
	stream := func(w http.ResponseWriter, id json.RawMessage, prefix, suffix string, n int) {
		if sse {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "event: message\ndata: ")
		} else {
			w.Header().Set("Content-Type", "application/json")
		}
		io.WriteString(w, prefix)
		chunk := bytes.Repeat([]byte("x"), 1<<20)
		for n > 0 {
			k := min(n, len(chunk))
			if _, err := w.Write(chunk[:k]); err != nil {
				return // the client gave up reading
			}
			n -= k
		}
		fmt.Fprintf(w, `%s,"jsonrpc":"2.0","id":%s}`, suffix, id)
		if sse {
			io.WriteString(w, "\n\n")
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
			Params struct {
				ProtocolVersion string `json:"protocolVersion"`
				Name            string `json:"name"`
			} `json:"params"`
		}
		json.NewDecoder(r.Body).Decode(&msg)
		if msg.ID == nil {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		w.Header().Set("Mcp-Session-Id", "s1")
		switch {
		case msg.Method == "initialize":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"protocolVersion":%q,"capabilities":{"tools":{}},"serverInfo":{"name":"raw","version":"1"}}}`, msg.ID, msg.Params.ProtocolVersion)
		case msg.Method == "tools/list":
			stream(w, msg.ID, `{"result":{"tools":[{"name":"small","inputSchema":{"type":"object"}},{"name":"broken","inputSchema":{"type":"object"}},{"name":"big","inputSchema":{"type":"object"},"description":"`, `"}]}`, listBytes)
		case msg.Method == "tools/call" && msg.Params.Name == "broken":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"content":[{"type":"te`, msg.ID)
		case msg.Method == "tools/call" && msg.Params.Name == "big":
			stream(w, msg.ID, `{"result":{"content":[{"type":"text","text":"`, `"}]}}`, bigBytes)
		default:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"content":[{"type":"text","text":"ok"}]}}`, msg.ID)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// allocated returns the bytes allocated so far by this process.
func allocated() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}

// An HTTP server's answer was read whole before any check: a 1 GiB body took the coordinator to
// 4.8 GB. Now every answer is bounded as it is read, and an oversized one fails only its call.
func TestHTTPAnswersAreBounded(t *testing.T) {
	const limit = 1 << 20
	for _, sse := range []bool{false, true} {
		t.Run(fmt.Sprintf("sse=%v", sse), func(t *testing.T) {
			srv := rawHTTP(t, 10, 200<<20, sse)
			p := newTestPool(t, []ServerConfig{{Name: "raw", Type: TransportHTTP, URL: srv.URL}}, &PoolOptions{MaxMessageBytes: limit})
			if err := p.Wait(context.Background(), "raw"); err != nil {
				t.Fatal(err)
			}
			before := allocated()
			_, err := p.CallTool(context.Background(), "raw", "big", json.RawMessage(`{}`))
			grew := allocated() - before
			t.Logf("%v", err)
			if err == nil || !strings.Contains(err.Error(), "above the 1048576-byte limit") {
				t.Errorf("a 200 MiB answer: %v, want an error about the limit", err)
			}
			if grew > 40<<20 {
				t.Errorf("a 200 MiB answer allocated %d MiB", grew>>20)
			}
			if got := rawCall(t, p, "small", `{}`); got != "ok" {
				t.Errorf("after the big answer: %q", got)
			}
			if !sse { // a cut-off JSON body fails its own call, not the session
				_, err := p.CallTool(context.Background(), "raw", "broken", json.RawMessage(`{}`))
				if err == nil || !strings.Contains(err.Error(), "malformed message") {
					t.Errorf("a cut-off body: %v", err)
				}
				if got := rawCall(t, p, "small", `{}`); got != "ok" || p.Status()[0].State != StateReady {
					t.Errorf("after a cut-off body: %q, %s", got, p.Status()[0].State)
				}
			}
		})
	}
	t.Run("listing", func(t *testing.T) {
		srv := rawHTTP(t, 300<<20, 10, false)
		p := newTestPool(t, []ServerConfig{{Name: "raw", Type: TransportHTTP, URL: srv.URL}}, &PoolOptions{MaxMessageBytes: limit})
		before := allocated()
		err := p.Wait(context.Background(), "raw")
		t.Logf("%v", err)
		if grew := allocated() - before; grew > 40<<20 {
			t.Errorf("a 300 MB listing allocated %d MiB", grew>>20)
		}
		if err == nil || !strings.Contains(err.Error(), "tools/list failed") || !strings.Contains(err.Error(), "limit") {
			t.Errorf("a 300 MB listing: %v, want a failed listing that names the limit", err)
		}
	})
}

// The legacy SSE transport answers every request on one stream, with no request to take the id
// from: an oversized answer was dropped silently and its call waited for its deadline.
func TestLegacySSEOversizedAnswer(t *testing.T) {
	s := mcp.NewServer(&mcp.Implementation{Name: "big"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "big"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: strings.Repeat("x", 2<<20)}}}, nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "small"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "ok"}}}, nil, nil
	})
	srv := httptest.NewServer(mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return s }, nil))
	t.Cleanup(srv.Close) // after the pool's Close: the server waits for the open event stream
	p := newTestPool(t, []ServerConfig{{Name: "raw", Type: TransportSSE, URL: srv.URL}}, &PoolOptions{MaxMessageBytes: 1 << 20})
	if err := p.Wait(context.Background(), "raw"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := p.CallTool(ctx, "raw", "big", json.RawMessage(`{}`))
	if err == nil || !strings.Contains(err.Error(), "above the 1048576-byte limit") {
		t.Errorf("big: %v, want an error about the limit (not a timeout)", err)
	}
	if got := rawCall(t, p, "small", `{}`); got != "ok" {
		t.Errorf("after the big answer: %q", got)
	}
}

// A message of exactly the limit passes, whatever its line end; a big message's buffer is not
// kept for the session's life.
func TestFrameGuardEdges(t *testing.T) {
	const max = 100
	msg := `{"jsonrpc":"2.0","id":1,"result":{"x":"`
	msg += strings.Repeat("a", max-len(msg)-3) + `"}}`
	for _, eol := range []string{"\n", "\r\n", ""} {
		g := newFrameGuard(io.NopCloser(strings.NewReader(msg+eol)), max, quiet)
		out, _ := io.ReadAll(g)
		if string(out) != msg+"\n" {
			t.Errorf("a %d-byte message ending %q: %q", len(msg), eol, out)
		}
	}
	big := `{"jsonrpc":"2.0","id":1,"result":{"x":"` + strings.Repeat("a", 4<<20) + `"}}` + "\n" + msg + "\n"
	g := newFrameGuard(io.NopCloser(strings.NewReader(big)), 64<<20, quiet)
	io.ReadAll(g)
	if cap(g.line) > 1<<20 {
		t.Errorf("%d MiB kept after a 4 MiB message", cap(g.line)>>20)
	}
}
