package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rawSession is "mcp-coordinator serve" driven line by line over real stdio.
type rawSession struct {
	t     *testing.T
	in    io.WriteCloser
	lines chan map[string]any
}

// startRaw starts the test binary as "mcp-coordinator serve" with config and workspace.
func startRaw(t *testing.T, config, workspace string) *rawSession {
	t.Helper()
	exe, _ := os.Executable()
	cmd := exec.Command(exe, serveArg)
	cmd.Env = append(os.Environ(), "MCP_SERVERS_CONFIG="+config, "MCP_COORDINATOR_HOME="+workspace)
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &rawSession{t: t, in: in, lines: make(chan map[string]any, 100)}
	exited := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				m = map[string]any{"unparsable": sc.Text()}
			}
			s.lines <- m
		}
		close(s.lines)
	}()
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		in.Close()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("stderr of serve:\n%s", stderr.String())
		}
	})
	return s
}

func (s *rawSession) send(line string) {
	s.t.Helper()
	if _, err := io.WriteString(s.in, line+"\n"); err != nil {
		s.t.Fatalf("write %s: %v", line, err)
	}
}

// next returns the next message that is not a notification, or nil after wait.
func (s *rawSession) next(wait time.Duration) map[string]any {
	s.t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case m, ok := <-s.lines:
			if !ok {
				s.t.Fatal("serve closed its output (it exited)")
			}
			if _, isNote := m["method"]; isNote {
				if _, hasID := m["id"]; !hasID {
					continue
				}
			}
			return m
		case <-deadline:
			return nil
		}
	}
}

// expect returns the next response, failing unless it has id (nil: null).
func (s *rawSession) expect(id any) map[string]any {
	s.t.Helper()
	m := s.next(60 * time.Second)
	if m == nil {
		s.t.Fatalf("no response for id %v", id)
	}
	if fmt.Sprint(m["id"]) != fmt.Sprint(id) {
		s.t.Fatalf("got %v, want a response with id %v", m, id)
	}
	return m
}

func errCode(m map[string]any) float64 {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(float64)
	return c
}

func (s *rawSession) initialize(version string) {
	s.t.Helper()
	s.send(`{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"` + version + `","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`)
	if m := s.expect("init"); m["result"] == nil {
		s.t.Fatalf("initialize: %v", m)
	}
	s.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
}

// TestServeSurvivesBadInput sends every shape of bad input over real stdio, each followed by
// a working call in the same session.
func TestServeSurvivesBadInput(t *testing.T) {
	config, ws := setup(t)
	s := startRaw(t, config, ws)

	// Before initialize: a proper code, and the session goes on.
	s.send(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
	if m := s.expect(1); errCode(m) != -32600 {
		t.Errorf("a request before initialize: %v, want code -32600", m)
	}
	s.initialize("2025-06-18")

	tests := []struct {
		name  string
		line  string
		ids   []any // the ids of the error answers, nil for null
		code  float64
		wants string
	}{
		{"malformed JSON", `{"jsonrpc":"2.0","id":2,"method":`, []any{nil}, -32700, "Parse error"},
		{"two values on a line", `{"jsonrpc":"2.0"} {"jsonrpc":"2.0"}`, []any{nil}, -32700, "Parse error"},
		{"no jsonrpc member", `{"id":3,"method":"ping"}`, []any{3}, -32600, "version"},
		{"jsonrpc 1.0", `{"jsonrpc":"1.0","id":4,"method":"ping"}`, []any{4}, -32600, "version"},
		{"a number", `42`, []any{nil}, -32600, "Invalid Request"},
		{"a response without id", `{"jsonrpc":"2.0","result":{}}`, []any{nil}, -32600, "Invalid Request"},
		{"batch after 2025-06-18", `[{"jsonrpc":"2.0","id":5,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/x"},{"jsonrpc":"2.0","id":6,"method":"ping"}]`, []any{5, 6}, -32600, "batches are not supported in protocol version 2025-06-18"},
		{"batch of notifications", `[{"jsonrpc":"2.0","method":"notifications/x"}]`, []any{nil}, -32600, "batches"},
		{"empty batch", `[]`, []any{nil}, -32600, "empty batch"},
	}
	var worst time.Duration
	for i, tt := range tests {
		// The bad line and a ping go together: the time is from the bad line to the ping's answer.
		start := time.Now()
		s.send(tt.line + "\n" + fmt.Sprintf(`{"jsonrpc":"2.0","id":"ping%d","method":"ping"}`, i))
		for _, id := range tt.ids {
			m := s.expect(id)
			if errCode(m) != tt.code || !strings.Contains(fmt.Sprint(m["error"]), tt.wants) {
				t.Errorf("%s: %v, want code %v with %q", tt.name, m, tt.code, tt.wants)
			}
		}
		s.expect(fmt.Sprintf("ping%d", i))
		worst = max(worst, time.Since(start))
		id := 100 + i
		s.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"list_servers","arguments":{}}}`, id))
		m := s.expect(id)
		if r, _ := m["result"].(map[string]any); r == nil || !strings.Contains(fmt.Sprint(r["content"]), "inventory") {
			t.Errorf("%s: the next call got %v", tt.name, m)
		}
	}
	t.Logf("from a bad line to the answer of the ping after it: at most %v", worst)
}

// TestServeCancelledGetsNoResponse cancels a running execute_code: the snippet stops and no
// response is sent for the request.
func TestServeCancelledGetsNoResponse(t *testing.T) {
	config, ws := setup(t)
	s := startRaw(t, config, ws)
	s.initialize("2025-06-18")
	s.send(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"execute_code","arguments":{"code":"time.Sleep(20 * time.Second)\nfmt.Println(\"done\")"}}}`)
	time.Sleep(time.Second)
	if m := s.next(0); m != nil {
		t.Fatalf("a response before the cancel: %v", m)
	}
	s.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7,"reason":"test"}}`)
	s.send(`{"jsonrpc":"2.0","id":8,"method":"ping"}`)
	if m := s.expect(8); m["result"] == nil {
		t.Fatalf("ping: %v", m)
	}
	if m := s.next(3 * time.Second); m != nil {
		t.Errorf("after the cancel: %v, want nothing", m)
	}
	// The snippet stopped: a new one runs at once (the runs limit would otherwise be busy).
	s.send(`{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"execute_code","arguments":{"code":"fmt.Println(\"next\")"}}}`)
	if m := s.expect(9); !strings.Contains(fmt.Sprint(m["result"]), "next") {
		t.Errorf("the run after the cancel: %v", m)
	}
}

// callTool calls a tool and returns its text and isError, answering an approval question
// (elicitation/create) on the way with start.
func (s *rawSession) callTool(id int, tool string, args map[string]any, start bool) (string, bool, bool) {
	s.t.Helper()
	params, _ := json.Marshal(map[string]any{"name": tool, "arguments": args})
	s.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":%s}`, id, params))
	asked := false
	for {
		m := s.next(60 * time.Second)
		if m == nil {
			s.t.Fatalf("no answer to %s", tool)
		}
		if m["method"] == "elicitation/create" {
			asked = true
			reply, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": m["id"], "result": map[string]any{"action": "accept", "content": map[string]any{"start": start}}})
			s.send(string(reply))
			continue
		}
		if fmt.Sprint(m["id"]) != fmt.Sprint(id) {
			s.t.Fatalf("got %v while waiting for %d", m, id)
		}
		r, _ := m["result"].(map[string]any)
		isErr, _ := r["isError"].(bool)
		var text strings.Builder
		content, _ := r["content"].([]any)
		for _, c := range content {
			if c, ok := c.(map[string]any); ok {
				text.WriteString(fmt.Sprint(c["text"]))
			}
		}
		return text.String(), isErr, asked
	}
}

// TestServeWithoutConfig starts serve before its config exists: the tools say what is wrong,
// the file is taken up when it appears, its server starts once approved, and tools work.
func TestServeWithoutConfig(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "later.json")
	s := startRaw(t, config, filepath.Join(dir, "ws"))
	s.send(`{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{"elicitation":{}},"clientInfo":{"name":"raw","version":"1"}}}`)
	if m := s.expect("init"); m["result"] == nil {
		t.Fatalf("initialize: %v", m)
	}
	s.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	out, isErr, _ := s.callTool(1, "list_servers", nil, false)
	if !isErr || !strings.Contains(out, config+" (from $MCP_SERVERS_CONFIG) not found") || !strings.Contains(out, "To fix:") {
		t.Fatalf("list_servers without a config: isError=%v\n%s", isErr, out)
	}

	exe, _ := os.Executable()
	data, _ := json.Marshal(map[string]any{"mcpServers": map[string]any{"inventory": map[string]any{"command": exe, "args": []string{"demo-server", "inventory"}}}})
	os.WriteFile(config, data, 0o644)
	wasAsked := false
	deadline := time.Now().Add(30 * time.Second)
	for id := 2; ; id++ {
		out, isErr, asked := s.callTool(id, "list_servers", nil, true)
		wasAsked = wasAsked || asked
		if !isErr && strings.Contains(out, "inventory: ready") {
			break
		}
		if !wasAsked && strings.Contains(out, "inventory:") {
			t.Fatalf("inventory started without approval:\n%s", out)
		}
		if time.Now().After(deadline) {
			t.Fatalf("inventory never got ready:\n%s", out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !wasAsked {
		t.Error("the server in the new file started without approval")
	}
	out, isErr, _ = s.callTool(1000, "execute_code", map[string]any{"code": "p, err := inventory.ListProducts(inventory.ListProductsArgs{})\nfmt.Println(len(p.Products), err)"}, false)
	if isErr || !strings.HasPrefix(out, "400 <nil>") {
		t.Errorf("execute_code: isError=%v\n%s", isErr, out)
	}
}
