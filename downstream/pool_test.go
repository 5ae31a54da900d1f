package downstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
)

// The Pool performs the sandbox's tool calls.
var _ sandbox.ToolCaller = (*Pool)(nil)

var quiet = slog.New(slog.DiscardHandler)

// newTestPool returns a started pool that the test closes at its end.
func newTestPool(t testing.TB, servers []ServerConfig, opts *PoolOptions) *Pool {
	t.Helper()
	if opts == nil {
		opts = &PoolOptions{}
	}
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	rec := &pidRecorder{}
	if opts.started == nil {
		opts.started = rec.add
	}
	p := NewPool(servers, opts)
	testPIDs.Store(p, rec)
	t.Cleanup(func() { p.Close(); testPIDs.Delete(p) })
	p.Start(context.Background())
	return p
}

// pidRecorder collects the pids of the stdio servers a test pool started.
type pidRecorder struct {
	mu   sync.Mutex
	pids []int
}

func (r *pidRecorder) add(pid int) {
	r.mu.Lock()
	r.pids = append(r.pids, pid)
	r.mu.Unlock()
}

var testPIDs sync.Map // *Pool -> *pidRecorder

// startedPIDs returns the pids of the stdio servers p started so far.
func startedPIDs(p *Pool) []int {
	v, _ := testPIDs.Load(p)
	r := v.(*pidRecorder)
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.pids...)
}

func toolNames(tools []*mcp.Tool) []string {
	names := make([]string, len(tools))
	for i, t := range tools {
		names[i] = t.Name
	}
	return names
}

// resultText decodes a CallToolResult and returns its text and isError.
func resultText(t testing.TB, raw json.RawMessage) (string, bool) {
	t.Helper()
	var res struct {
		Content []struct{ Type, Text string }
		IsError bool
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("decoding result %s: %v", raw, err)
	}
	var texts []string
	for _, c := range res.Content {
		texts = append(texts, c.Text)
	}
	return strings.Join(texts, "\n"), res.IsError
}

var fakeTools = []string{"add_tool", "crash", "echo", "fail", "getSum", "progress", "rpcerr", "sleep"}

func TestPoolInMemory(t *testing.T) {
	p := newTestPool(t, []ServerConfig{{Name: "alpha", Type: "stdio"}, {Name: "beta", Type: "stdio"}}, &PoolOptions{dial: inMemory(0)})
	p.WaitAll(context.Background())
	for _, st := range p.Status() {
		if st.State != StateReady || st.Err != "" || st.Attempts != 1 || st.ToolsAt.IsZero() {
			t.Errorf("%s: state %s, err %q, attempts %d, tools at %v; want ready, no error, 1 attempt, a listing time", st.Name, st.State, st.Err, st.Attempts, st.ToolsAt)
		}
		if diff := cmp.Diff(fakeTools, toolNames(st.Tools)); diff != "" {
			t.Errorf("%s tools (-want +got):\n%s", st.Name, diff)
		}
		if st.ServerInfo == nil || st.ServerInfo.Name != "fake" || st.Instructions != "a fake server" {
			t.Errorf("%s: server info %+v, instructions %q; want fake, %q", st.Name, st.ServerInfo, st.Instructions, "a fake server")
		}
	}

	tests := []struct {
		name, server, tool, args string
		wantText                 string
		wantIsError              bool
		wantKind                 ErrorKind
		wantErr                  string
	}{
		{name: "echo", server: "alpha", tool: "echo", args: `{"text":"hi"}`, wantText: "echo: hi"},
		{name: "no args", server: "beta", tool: "getSum", wantText: "0"},
		{name: "isError is an answer", server: "alpha", tool: "fail", wantText: "it failed", wantIsError: true},
		{name: "invalid arguments are an answer", server: "alpha", tool: "echo", args: `{"text":1}`,
			wantText: `validating "arguments": validating root: validating /properties/text: type: 1 has type "integer", want "string"`, wantIsError: true},
		{name: "json-rpc error", server: "alpha", tool: "rpcerr", wantKind: KindProtocol,
			wantErr: `server "alpha" answered rpcerr with JSON-RPC error 1234: bad thing`},
		{name: "arguments not an object", server: "alpha", tool: "echo", args: `["hi"]`, wantKind: KindProtocol,
			wantErr: `server "alpha": the arguments of echo must be a JSON object`},
		{name: "unknown server", server: "alpah", tool: "echo", wantKind: KindUnknownServer,
			wantErr: `unknown server "alpah"; did you mean "alpha"? (configured: "alpha" or "beta")`},
		{name: "unknown server far from all", server: "zzz", tool: "echo", wantKind: KindUnknownServer,
			wantErr: `unknown server "zzz" (configured: "alpha" or "beta")`},
		{name: "unknown tool close to one", server: "alpha", tool: "ech", wantKind: KindUnknownTool,
			wantErr: `server "alpha" has no tool "ech"; did you mean "echo"?`},
		{name: "unknown tool in another case", server: "alpha", tool: "get_sum", wantKind: KindUnknownTool,
			wantErr: `server "alpha" has no tool "get_sum"; did you mean "getSum"?`},
		{name: "unknown tool far from all", server: "alpha", tool: "translate", wantKind: KindUnknownTool,
			wantErr: `server "alpha" has no tool "translate"; its tools are add_tool, crash, echo, fail, getSum, progress, rpcerr, sleep`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := p.CallTool(context.Background(), tt.server, tt.tool, json.RawMessage(tt.args))
			if tt.wantErr != "" {
				var e *Error
				if !errors.As(err, &e) || e.Kind != tt.wantKind || err.Error() != tt.wantErr {
					t.Fatalf("CallTool = %s, %v; want %s error %q", out, err, tt.wantKind, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("CallTool: %v", err)
			}
			text, isError := resultText(t, out)
			if text != tt.wantText || isError != tt.wantIsError {
				t.Errorf("CallTool = %q (isError %v); want %q (isError %v)", text, isError, tt.wantText, tt.wantIsError)
			}
		})
	}
}

func TestPoolPagination(t *testing.T) {
	p := newTestPool(t, []ServerConfig{{Name: "paged", Type: "stdio"}}, &PoolOptions{dial: inMemory(2)})
	tools, err := p.Tools(context.Background(), "paged")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fakeTools, toolNames(tools)); diff != "" {
		t.Errorf("tools listed 2 per page (-want +got):\n%s", diff)
	}
}

// toolsChanges records OnToolsChanged calls.
type toolsChanges chan string

func (c toolsChanges) record(server string, tools []*mcp.Tool) {
	c <- server + ": " + strings.Join(toolNames(tools), " ")
}

func (c toolsChanges) next(t *testing.T) string {
	t.Helper()
	select {
	case s := <-c:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no OnToolsChanged call within 10s")
		return ""
	}
}

func (c toolsChanges) none(t *testing.T) {
	t.Helper()
	select {
	case s := <-c:
		t.Fatalf("unexpected OnToolsChanged call: %s", s)
	default:
	}
}

func TestPoolToolListChanged(t *testing.T) {
	for _, transport := range []string{"in-memory", "stdio"} {
		t.Run(transport, func(t *testing.T) {
			changes := make(toolsChanges, 10)
			opts := &PoolOptions{OnToolsChanged: changes.record}
			sc := fakeStdio("fake", "serve")
			if transport == "in-memory" {
				opts.dial = inMemory(0)
			}
			p := newTestPool(t, []ServerConfig{sc}, opts)
			if err := p.Wait(context.Background(), "fake"); err != nil {
				t.Fatal(err)
			}
			changes.none(t) // not for the first listing
			if _, err := p.CallTool(context.Background(), "fake", "add_tool", json.RawMessage(`{"name":"late"}`)); err != nil {
				t.Fatal(err)
			}
			want := "fake: add_tool crash echo fail getSum late progress rpcerr sleep"
			if got := changes.next(t); got != want {
				t.Errorf("OnToolsChanged got %q; want %q", got, want)
			}
			if got := strings.Join(toolNames(p.Status()[0].Tools), " "); "fake: "+got != want {
				t.Errorf("Status tools = %q; want %q", got, want)
			}
			out, err := p.CallTool(context.Background(), "fake", "late", nil)
			if err != nil {
				t.Fatal(err)
			}
			if text, _ := resultText(t, out); text != "late" {
				t.Errorf("calling the new tool: %q; want %q", text, "late")
			}
		})
	}
}

func TestPoolUpdate(t *testing.T) {
	p := newTestPool(t, []ServerConfig{
		{Name: "keep", Type: "stdio"},
		{Name: "change", Type: "stdio", Args: []string{"1"}},
		{Name: "remove", Type: "stdio"},
	}, &PoolOptions{dial: inMemory(0)})
	p.WaitAll(context.Background())
	conn := func(name string) *conn {
		p.mu.Lock()
		defer p.mu.Unlock()
		s := p.servers[name]
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.conn
	}
	keep, change := conn("keep"), conn("change")
	p.Update([]ServerConfig{
		{Name: "keep", Type: "stdio", Env: map[string]string{}}, // an empty map is no change
		{Name: "change", Type: "stdio", Args: []string{"2"}},
		{Name: "add", Type: "stdio"},
	})
	p.WaitAll(context.Background())
	var got []string
	for _, st := range p.Status() {
		got = append(got, fmt.Sprintf("%s %s %d", st.Name, st.State, st.Attempts))
	}
	if diff := cmp.Diff([]string{"add ready 1", "change ready 1", "keep ready 1"}, got); diff != "" {
		t.Errorf("Status after Update (-want +got):\n%s", diff)
	}
	if conn("keep") != keep {
		t.Error("the unchanged server was reconnected")
	}
	if c := conn("change"); c == change || c == nil {
		t.Error("the changed server kept its old connection")
	}
	if _, err := p.CallTool(context.Background(), "remove", "echo", nil); err == nil || err.(*Error).Kind != KindUnknownServer {
		t.Errorf("calling a removed server: %v; want an unknown server error", err)
	}
	if _, err := p.CallTool(context.Background(), "add", "echo", json.RawMessage(`{"text":"x"}`)); err != nil {
		t.Errorf("calling an added server: %v", err)
	}
	select {
	case <-change.ended:
	case <-time.After(5 * time.Second):
		t.Error("the changed server's old session is still open")
	}
}

func TestPoolClose(t *testing.T) {
	p := newTestPool(t, []ServerConfig{{Name: "a", Type: "stdio"}}, &PoolOptions{dial: inMemory(0)})
	if err := p.Wait(context.Background(), "a"); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	p.Start(context.Background())
	p.Update([]ServerConfig{{Name: "b", Type: "stdio"}})
	if st := p.Status(); len(st) != 1 || st[0].Name != "a" || st[0].State != StateStopped {
		t.Errorf("Status after Close = %+v; want a stopped", st)
	}
	_, err := p.CallTool(context.Background(), "a", "echo", nil)
	if e, ok := err.(*Error); !ok || e.Kind != KindUnavailable || err.Error() != `server "a" is unavailable: the pool is closed` {
		t.Errorf("CallTool after Close: %v; want the pool is closed", err)
	}
}

func TestPoolLazyStart(t *testing.T) {
	p := NewPool([]ServerConfig{{Name: "a", Type: "stdio"}}, &PoolOptions{dial: inMemory(0), Logger: quiet})
	defer p.Close()
	if st := p.Status()[0]; st.State != StateStopped {
		t.Fatalf("state before any use = %s; want stopped", st.State)
	}
	out, err := p.CallTool(context.Background(), "a", "echo", json.RawMessage(`{"text":"lazy"}`))
	if err != nil {
		t.Fatal(err)
	}
	if text, _ := resultText(t, out); text != "echo: lazy" {
		t.Errorf("CallTool = %q; want %q", text, "echo: lazy")
	}
}

func TestPoolCallTimeouts(t *testing.T) {
	p := newTestPool(t, []ServerConfig{{Name: "a", Type: "stdio"}}, &PoolOptions{dial: inMemory(0), CallTimeout: 50 * time.Millisecond})
	_, err := p.CallTool(context.Background(), "a", "sleep", json.RawMessage(`{"ms":5000}`))
	if e, ok := err.(*Error); !ok || e.Kind != KindCanceled || !errors.Is(err, context.DeadlineExceeded) ||
		err.Error() != `server "a" did not answer sleep within 50ms` {
		t.Errorf("call past CallTimeout: %v; want a canceled error wrapping DeadlineExceeded", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = p.CallTool(ctx, "a", "sleep", json.RawMessage(`{"ms":5000}`))
	if e, ok := err.(*Error); !ok || e.Kind != KindCanceled || !errors.Is(err, context.DeadlineExceeded) ||
		err.Error() != `call to sleep on server "a" ended: context deadline exceeded` {
		t.Errorf("call past the context's deadline: %v; want a canceled error wrapping DeadlineExceeded", err)
	}
	if _, err := p.CallTool(context.Background(), "a", "echo", json.RawMessage(`{"text":"still there"}`)); err != nil {
		t.Errorf("the server does not answer after a timed out call: %v", err)
	}
}

func TestStdioFailures(t *testing.T) {
	p := newTestPool(t, []ServerConfig{
		fakeStdio("ok", "serve"),
		fakeStdio("exit", "exit"),
		fakeStdio("hang", "hang"),
		{Name: "nope", Type: "stdio", Command: "/nonexistent/mcp-server"},
	}, &PoolOptions{StartTimeout: 1500 * time.Millisecond})
	if err := p.Wait(context.Background(), "ok"); err != nil {
		t.Fatal(err)
	}
	// The hanging server must not hold up the others.
	if st := p.Status()[1]; st.Name != "hang" || st.State != StateStarting {
		t.Errorf("when ok is ready, %s is %s; want hang still starting", st.Name, st.State)
	}
	p.WaitAll(context.Background())
	want := map[string]string{
		"exit": `server "exit" failed to start: it exited during initialize (exit status 3); stderr: fake: starting | fatal: FAKE_TOKEN is not set`,
		"hang": `server "hang" failed to start: no answer to initialize within 1.5s (signal: killed)`,
		"nope": `server "nope" failed to start: fork/exec /nonexistent/mcp-server: no such file or directory`,
		"ok":   "",
	}
	if runtime.GOOS == "windows" {
		delete(want, "hang")
		delete(want, "nope")
	}
	for _, st := range p.Status() {
		w, ok := want[st.Name]
		if !ok {
			continue
		}
		if st.Err != w {
			t.Errorf("%s: Err = %q; want %q", st.Name, st.Err, w)
		}
		if failed := w != ""; failed != (st.State == StateFailed) || failed == st.RetryAt.IsZero() {
			t.Errorf("%s: state %s, retry at %v; want failed with a retry time when Err is set", st.Name, st.State, st.RetryAt)
		}
	}
	// A use retries the failed server after its backoff, and reports the new failure.
	_, err := p.CallTool(context.Background(), "exit", "echo", nil)
	if e, ok := err.(*Error); !ok || e.Kind != KindUnavailable || err.Error() != want["exit"] {
		t.Errorf("calling the failed server: %v; want %q", err, want["exit"])
	}
	if st := p.Status()[0]; st.Name != "exit" || st.Attempts != 2 {
		t.Errorf("%s made %d attempts; want exit with 2", st.Name, st.Attempts)
	}
	// Within the (now 1 s) backoff, Wait reports the failure without a new attempt.
	if err := p.Wait(context.Background(), "exit"); err == nil || p.Status()[0].Attempts != 2 {
		t.Errorf("Wait on a failed server: %v, %d attempts; want the failure and no new attempt", err, p.Status()[0].Attempts)
	}
}

func TestStdioCrashRestart(t *testing.T) {
	p := newTestPool(t, []ServerConfig{fakeStdio("ok", "serve")}, nil)
	if err := p.Wait(context.Background(), "ok"); err != nil {
		t.Fatal(err)
	}
	pid1 := p.Status()[0].PID
	_, err := p.CallTool(context.Background(), "ok", "crash", nil)
	wantErr := `server "ok" stopped during the call to crash: it exited (exit status 2); stderr: fake: crashing on purpose`
	if e, ok := err.(*Error); !ok || e.Kind != KindUnavailable || err.Error() != wantErr {
		t.Fatalf("calling crash: %v; want %q", err, wantErr)
	}
	st := p.Status()[0]
	if want := `server "ok" stopped: it exited (exit status 2); stderr: fake: crashing on purpose`; st.State != StateFailed || st.Err != want {
		t.Errorf("after the crash: %s, %q; want failed, %q", st.State, st.Err, want)
	}
	out, err := p.CallTool(context.Background(), "ok", "echo", json.RawMessage(`{"text":"back"}`))
	if err != nil {
		t.Fatalf("calling after the crash: %v", err)
	}
	if text, _ := resultText(t, out); text != "echo: back" {
		t.Errorf("after restart: %q; want %q", text, "echo: back")
	}
	st = p.Status()[0]
	if st.State != StateReady || st.Attempts != 2 || st.PID == pid1 || st.PID == 0 {
		t.Errorf("after restart: %s, %d attempts, pid %d (was %d); want ready, 2 attempts, a new pid", st.State, st.Attempts, st.PID, pid1)
	}
	if runtime.GOOS == "linux" && alive(pid1) {
		t.Errorf("the crashed server's process %d is still there", pid1)
	}
}

func TestStdioWaitCanceled(t *testing.T) {
	p := newTestPool(t, []ServerConfig{fakeStdio("hang", "hang")}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := p.Wait(ctx, "hang")
	if e, ok := err.(*Error); !ok || e.Kind != KindCanceled || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait = %v; want a canceled error wrapping DeadlineExceeded", err)
	}
	if st := p.Status()[0]; st.State != StateStarting {
		t.Errorf("after the caller gave up: %s; want the server still starting", st.State)
	}
}

// TestStdioCloseLeavesNoProcess checks that Close ends every process the Pool started, a
// server that ignores stdin and SIGTERM and a grandchild included.
func TestStdioCloseLeavesNoProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	p := newTestPool(t, []ServerConfig{
		fakeStdio("ok", "serve"),
		fakeStdio("hang", "hang"),
		fakeStdio("parent", "grandchild"),
	}, nil)
	for _, name := range []string{"ok", "parent"} {
		if err := p.Wait(context.Background(), name); err != nil {
			t.Fatal(err)
		}
	}
	p.mu.Lock()
	stderr := p.servers["parent"].conn.proc.stderr
	p.mu.Unlock()
	m := regexp.MustCompile(`grandchild pid (\d+)`).FindStringSubmatch(stderr.Tail(5, 500))
	if m == nil {
		t.Fatalf("the grandchild's pid is not in the stderr tail %q", stderr.Tail(5, 500))
	}
	grandchild, _ := strconv.Atoi(m[1])
	pids := append([]int{grandchild}, startedPIDs(p)...)
	if len(pids) != 4 {
		t.Fatalf("pids %v; want 4 (3 servers and a grandchild)", pids)
	}
	for _, pid := range pids {
		if !alive(pid) {
			t.Fatalf("process %d is not running before Close", pid)
		}
	}
	p.Close()
	for _, pid := range pids {
		if alive(pid) {
			data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			t.Errorf("process %d is still running after Close: %s (all: %v)", pid, data, pids)
		}
	}
}

// alive reports whether a process exists and is not a zombie (Linux only; true elsewhere).
func alive(pid int) bool {
	if runtime.GOOS != "linux" {
		return true
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// A start that fails while a caller waits for it is that caller's answer: it is not retried at
// once (a server that hangs at initialize would otherwise cost two start timeouts).
func TestFailedStartIsNotRetriedAtOnce(t *testing.T) {
	p := newTestPool(t, []ServerConfig{fakeStdio("exit", "exit")}, nil)
	if _, err := p.Tools(context.Background(), "exit"); err == nil {
		t.Fatal("Tools of a server that exits at start succeeded")
	}
	if st := p.Status()[0]; st.Attempts != 1 {
		t.Errorf("attempts = %d, want 1", st.Attempts)
	}
}

// TestPoolResourcesAndPrompts lists (over pages of two) and reads the fake's resources and
// prompts, and counts them in the status.
func TestPoolResourcesAndPrompts(t *testing.T) {
	p := newTestPool(t, []ServerConfig{{Name: "paged", Type: "stdio"}}, &PoolOptions{dial: inMemory(2)})
	ctx := context.Background()
	tests := []struct {
		name string
		do   func() (json.RawMessage, error)
		want string
	}{
		{"resources/list", func() (json.RawMessage, error) { return p.ListResources(ctx, "paged") },
			`{"resources":[{"mimeType":"text/plain","name":"doc 0","uri":"fake://doc/0"},{"mimeType":"text/plain","name":"doc 1","uri":"fake://doc/1"},{"mimeType":"text/plain","name":"doc 2","uri":"fake://doc/2"}]}`},
		{"resources/read", func() (json.RawMessage, error) { return p.ReadResource(ctx, "paged", "fake://doc/1") },
			`{"contents":[{"uri":"fake://doc/1","mimeType":"text/plain","text":"text of fake://doc/1"}]}`},
		{"prompts/list", func() (json.RawMessage, error) { return p.ListPrompts(ctx, "paged") },
			`{"prompts":[{"arguments":[{"name":"who"}],"name":"prompt0"},{"arguments":[{"name":"who"}],"name":"prompt1"},{"arguments":[{"name":"who"}],"name":"prompt2"}]}`},
		{"prompts/get", func() (json.RawMessage, error) {
			return p.GetPrompt(ctx, "paged", "prompt2", map[string]string{"who": "ada"})
		},
			`{"messages":[{"content":{"type":"text","text":"prompt2 for ada"},"role":"user"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.do()
			if err != nil {
				t.Fatal(err)
			}
			var g, w map[string]any
			json.Unmarshal(got, &g)
			json.Unmarshal([]byte(tt.want), &w)
			for k := range g { // protocol 2026-07-28 adds _meta, cacheScope, ttlMs, resultType
				if _, ok := w[k]; !ok {
					delete(g, k)
				}
			}
			if diff := cmp.Diff(w, g); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := p.ReadResource(ctx, "paged", "fake://nope"); err == nil || !strings.Contains(err.Error(), `server "paged" answered resources/read with JSON-RPC error`) {
		t.Errorf("reading a missing resource: %v", err)
	}
	if _, err := p.GetPrompt(ctx, "nope", "x", nil); err == nil || err.(*Error).Kind != KindUnknownServer {
		t.Errorf("a prompt of an unknown server: %v", err)
	}
	st := p.Status()[0]
	if st.Resources != 3 || st.Prompts != 3 {
		t.Errorf("status counts %d resources and %d prompts, want 3 and 3", st.Resources, st.Prompts)
	}
}

// TestPoolForwardsProgress: a call whose context asks for progress gets the server's
// notifications for that call, named; a call that does not ask sends no token.
func TestPoolForwardsProgress(t *testing.T) {
	p := newTestPool(t, []ServerConfig{{Name: "fake", Type: "stdio"}}, &PoolOptions{dial: inMemory(0)})
	var mu sync.Mutex
	var got []string
	ctx := WithProgress(context.Background(), func(pr Progress) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, fmt.Sprintf("%s.%s %g/%g %s", pr.Server, pr.Tool, pr.Progress, pr.Total, pr.Message))
	})
	out, err := p.CallTool(ctx, "fake", "progress", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ { // notifications may be handled just after the result
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 3 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"fake.progress 1/3 step 1", "fake.progress 2/3 step 2", "fake.progress 3/3 step 3"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
	if out, err = p.CallTool(context.Background(), "fake", "progress", nil); err != nil || !strings.Contains(string(out), "no token") {
		t.Errorf("without WithProgress: %s, %v", out, err)
	}
}
