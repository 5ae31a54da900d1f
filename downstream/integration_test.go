package downstream

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/internal/testenv"
)

// realServers returns the pinned real stdio servers, by name, with the number of tools each
// lists to the Pool (which advertises no client capabilities).
func realServers(t testing.TB) (servers []ServerConfig, tools map[string]int) {
	dir := t.TempDir()
	servers = []ServerConfig{
		{Name: "everything", Type: "stdio", Command: testenv.NodeBin(t, "mcp-server-everything")},
		{Name: "filesystem", Type: "stdio", Command: testenv.NodeBin(t, "mcp-server-filesystem"), Args: []string{dir}},
		{Name: "memory", Type: "stdio", Command: testenv.NodeBin(t, "mcp-server-memory"),
			Env: map[string]string{"MEMORY_FILE_PATH": filepath.Join(dir, "memory.jsonl")}},
		{Name: "sequential-thinking", Type: "stdio", Command: testenv.NodeBin(t, "mcp-server-sequential-thinking")},
		{Name: "go-everything", Type: "stdio", Command: testenv.GoServer(t, "everything")},
	}
	tools = map[string]int{"everything": 13, "filesystem": 14, "memory": 9, "sequential-thinking": 1, "go-everything": 10}
	return servers, tools
}

// startHTTPEverything runs server-everything in mode ("streamableHttp" or "sse") on a free
// loopback port and returns its base URL once it accepts connections.
func startHTTPEverything(t testing.TB, mode string) string {
	t.Helper()
	bin := testenv.NodeBin(t, "mcp-server-everything")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, mode)
	cmd.Env = append(os.Environ(), "PORT="+addr[strings.LastIndexByte(addr, ':')+1:])
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	setProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		signalGroup(cmd.Process, true)
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return "http://" + addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("server-everything %s did not listen on %s within 15s: %v; output: %s", mode, addr, err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRealServers(t *testing.T) {
	servers, wantTools := realServers(t)
	servers = append(servers,
		ServerConfig{Name: "everything-http", Type: "http", URL: startHTTPEverything(t, "streamableHttp") + "/mcp"},
		ServerConfig{Name: "everything-sse", Type: "sse", URL: startHTTPEverything(t, "sse") + "/sse"},
	)
	wantTools["everything-http"] = 13
	wantTools["everything-sse"] = 13
	p := newTestPool(t, servers, nil)
	p.WaitAll(context.Background())
	got := map[string]int{}
	for _, st := range p.Status() {
		if st.State != StateReady {
			t.Errorf("%s: %s: %s", st.Name, st.State, st.Err)
		}
		got[st.Name] = len(st.Tools)
	}
	if diff := cmp.Diff(wantTools, got); diff != "" {
		t.Errorf("tool counts (-want +got):\n%s", diff)
	}

	calls := []struct{ server, tool, args, want string }{
		{"everything", "echo", `{"message":"hi"}`, "Echo: hi"},
		{"everything-http", "echo", `{"message":"over http"}`, "Echo: over http"},
		{"everything-sse", "echo", `{"message":"over sse"}`, "Echo: over sse"},
		{"everything", "get-sum", `{"a":2,"b":3}`, "The sum of 2 and 3 is 5."},
		{"go-everything", "greet", `{"name":"Go"}`, "Hi Go"},
		{"memory", "read_graph", `{}`, `"entities": []`},
		{"filesystem", "list_allowed_directories", `{}`, "Allowed directories:"},
	}
	for _, c := range calls {
		out, err := p.CallTool(context.Background(), c.server, c.tool, json.RawMessage(c.args))
		if err != nil {
			t.Errorf("%s.%s: %v", c.server, c.tool, err)
			continue
		}
		if text, isError := resultText(t, out); isError || !strings.Contains(text, c.want) {
			t.Errorf("%s.%s = %q (isError %v); want it to contain %q", c.server, c.tool, text, isError, c.want)
		}
	}
	// A tool's own failure is an answer, not an error.
	out, err := p.CallTool(context.Background(), "everything", "echo", json.RawMessage(`{}`))
	if err != nil {
		t.Errorf("echo without its required argument: %v; want an isError answer", err)
	} else if text, isError := resultText(t, out); !isError || text == "" {
		t.Errorf("echo without its required argument = %q (isError %v); want an isError answer with a message", text, isError)
	}

	pids := startedPIDs(p)
	if len(pids) != 5 {
		t.Errorf("started pids %v; want 5 stdio servers", pids)
	}
	start := time.Now()
	p.Close()
	t.Logf("Close of %d servers took %v", len(servers), time.Since(start))
	if runtime.GOOS == "linux" {
		for _, pid := range pids {
			if alive(pid) {
				t.Errorf("process %d is still running after Close", pid)
			}
		}
	}
}

// TestEverythingToolsByCapability measures what the package doc claims: server-everything
// lists more tools to a client that advertises roots, sampling or elicitation, which a
// snippet could not answer; the Pool advertises none.
func TestEverythingToolsByCapability(t *testing.T) {
	bin := testenv.NodeBin(t, "mcp-server-everything")
	sampling := func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) { return nil, nil }
	elicit := func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) { return nil, nil }
	tests := []struct {
		name string
		opts *mcp.ClientOptions
		want int
	}{
		{"none (the Pool)", &mcp.ClientOptions{Capabilities: &mcp.ClientCapabilities{}}, 13},
		{"roots (go-sdk default)", &mcp.ClientOptions{}, 14},
		{"sampling", &mcp.ClientOptions{Capabilities: &mcp.ClientCapabilities{}, CreateMessageHandler: sampling}, 14},
		{"elicitation", &mcp.ClientOptions{Capabilities: &mcp.ClientCapabilities{}, ElicitationHandler: elicit}, 14},
		{"all three", &mcp.ClientOptions{CreateMessageHandler: sampling, ElicitationHandler: elicit}, 16},
	}
	var wg sync.WaitGroup
	got := make([]int, len(tests))
	errs := make([]error, len(tests))
	for i, tt := range tests {
		wg.Go(func() {
			c := mcp.NewClient(&mcp.Implementation{Name: "probe", Version: "0"}, tt.opts)
			cs, err := c.Connect(context.Background(), &mcp.CommandTransport{Command: exec.Command(bin), TerminateDuration: 100 * time.Millisecond}, nil)
			if err != nil {
				errs[i] = err
				return
			}
			defer cs.Close()
			tools, err := listTools(context.Background(), cs)
			got[i], errs[i] = len(tools), err
		})
	}
	wg.Wait()
	for i, tt := range tests {
		if errs[i] != nil || got[i] != tt.want {
			t.Errorf("%s: %d tools, %v; want %d", tt.name, got[i], errs[i], tt.want)
		}
	}
}

// TestHTTPHeaders checks that configured headers reach Streamable HTTP and SSE servers, with
// go-sdk servers in process.
func TestHTTPHeaders(t *testing.T) {
	var mu sync.Mutex
	seen := map[string][]string{}
	record := func(kind string, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen[kind] = append(seen[kind], r.Header.Get("Authorization"))
			mu.Unlock()
			h.ServeHTTP(w, r)
		})
	}
	getServer := func(*http.Request) *mcp.Server { return newFakeServer(0) }
	streamable := httptest.NewServer(record("http", mcp.NewStreamableHTTPHandler(getServer, nil)))
	defer streamable.Close()
	sse := httptest.NewServer(record("sse", mcp.NewSSEHandler(getServer, nil)))
	defer sse.Close()
	auth := map[string]string{"Authorization": "Bearer s3cret"}
	p := newTestPool(t, []ServerConfig{
		{Name: "h", Type: "http", URL: streamable.URL, Headers: auth},
		{Name: "s", Type: "sse", URL: sse.URL, Headers: auth},
	}, nil)
	for _, name := range []string{"h", "s"} {
		out, err := p.CallTool(context.Background(), name, "echo", json.RawMessage(`{"text":"`+name+`"}`))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if text, _ := resultText(t, out); text != "echo: "+name {
			t.Errorf("%s: %q; want %q", name, text, "echo: "+name)
		}
	}
	p.Close()
	mu.Lock()
	defer mu.Unlock()
	for _, kind := range []string{"http", "sse"} {
		if len(seen[kind]) == 0 {
			t.Errorf("%s: no request seen", kind)
		}
		for i, v := range seen[kind] {
			if v != "Bearer s3cret" {
				t.Errorf("%s request %d: Authorization %q; want %q", kind, i, v, "Bearer s3cret")
			}
		}
	}
}

func TestHTTPUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("http://%s/mcp", l.Addr())
	l.Close() // nothing listens there now
	p := newTestPool(t, []ServerConfig{{Name: "gone", Type: "http", URL: url}}, nil)
	err = p.Wait(context.Background(), "gone")
	if err == nil || !strings.HasPrefix(err.Error(), `server "gone" failed to start: cannot reach `+url+`: `) ||
		!strings.Contains(err.Error(), "connection refused") {
		t.Errorf("Wait = %v; want a short connection refused reason", err)
	}
}

func TestHTTPServerGone(t *testing.T) {
	srv := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return newFakeServer(0) }, nil))
	p := newTestPool(t, []ServerConfig{{Name: "h", Type: "http", URL: srv.URL}}, nil)
	if err := p.Wait(context.Background(), "h"); err != nil {
		t.Fatal(err)
	}
	srv.CloseClientConnections()
	srv.Close()
	_, err := p.CallTool(context.Background(), "h", "echo", json.RawMessage(`{"text":"x"}`))
	if e, ok := err.(*Error); !ok || e.Kind != KindUnavailable || !strings.HasPrefix(err.Error(), `server "h" cannot be reached: Post "`+srv.URL+`": `) {
		t.Errorf("calling a server that went away: %v; want it cannot be reached", err)
	}
	if st := p.Status()[0]; st.State != StateFailed || !strings.HasPrefix(st.Err, `server "h" stopped: the connection was lost: Post "`) {
		t.Errorf("after the failed call: %s, %q; want failed, the connection was lost", st.State, st.Err)
	}
}
