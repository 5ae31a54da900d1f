package coordinator

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/examples/demoservers"
	"github.com/mcp-coordinator/mcp-coordinator/internal/flock"
	"github.com/mcp-coordinator/mcp-coordinator/internal/ledger"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/process"
)

func TestMain(m *testing.M) {
	process.MaybeRunAsRunner()      // the sandbox re-executes the test binary as its runner
	demoservers.MaybeServe(os.Args) // and the config starts it as a demo MCP server
	if len(os.Args) == 2 && os.Args[1] == "growing-server" {
		serveGrowing()
	}
	if len(os.Args) == 4 && os.Args[1] == "coordinator-serve" {
		serveCoordinator(os.Args[2], os.Args[3])
	}
	os.Exit(m.Run())
}

// serveGrowing serves a tool "grow" that adds a tool to the server, which then sends
// notifications/tools/list_changed.
func serveGrowing() {
	s := mcp.NewServer(&mcp.Implementation{Name: "growing"}, nil)
	n := 0
	mcp.AddTool(s, &mcp.Tool{Name: "grow"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		n++
		mcp.AddTool(s, &mcp.Tool{Name: fmt.Sprintf("grown_%d", n)}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "grown"}}}, nil, nil
		})
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "ok"}}}, nil, nil
	})
	// shrink removes grow: what a server update that drops a tool looks like.
	mcp.AddTool(s, &mcp.Tool{Name: "shrink"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		s.RemoveTools("grow")
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "shrunk"}}}, nil, nil
	})
	s.Run(context.Background(), &mcp.StdioTransport{})
	os.Exit(0)
}

// writeConfig writes a Claude Desktop config with the named demo servers ("growing" is the
// test's own server).
func writeConfig(t *testing.T, path string, names ...string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	servers := map[string]any{}
	for _, n := range names {
		servers[n] = map[string]any{"command": exe, "args": []string{"demo-server", n}}
		if n == "growing" {
			servers[n] = map[string]any{"command": exe, "args": []string{"growing-server"}}
		}
	}
	data, _ := json.Marshal(map[string]any{"mcpServers": servers})
	if err := os.WriteFile(path+".tmp", data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
}

type fixture struct {
	c      *Coordinator
	cs     *mcp.ClientSession
	config string
}

func newFixture(t *testing.T, opts Options, names ...string) *fixture {
	t.Helper()
	return newFixtureClient(t, opts, nil, names...)
}

// newFixtureClient is newFixture with a client of the given options (nil: no capabilities).
func newFixtureClient(t *testing.T, opts Options, client *mcp.ClientOptions, names ...string) *fixture {
	t.Helper()
	dir := t.TempDir()
	config := filepath.Join(dir, "mcp.json")
	writeConfig(t, config, names...)
	opts.ConfigPath = config
	opts.Workspace = filepath.Join(dir, "ws")
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return connectFixture(t, c, client, config)
}

// call calls a coordinator tool and returns its text and isError.
func (f *fixture) call(t *testing.T, tool string, args map[string]any) (string, bool) {
	t.Helper()
	res, err := f.cs.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: protocol error %v (failures must be tool errors)", tool, err)
	}
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String(), res.IsError
}

// TestToolSurfaceIsSmall counts what every conversation pays for: the tool list and the
// instructions, without a local model configured and with one (the delegation tools join).
func TestToolSurfaceIsSmall(t *testing.T) {
	tests := []struct {
		name   string
		fix    func(t *testing.T) *fixture
		tools  string
		budget int
	}{
		{"no local model", func(t *testing.T) *fixture {
			return newFixture(t, Options{SettingsPath: filepath.Join(t.TempDir(), "none.json")})
		},
			"delete_skill execute_code generate_tools get_tool list_servers list_tools save_skill search_tools usage_stats", 1100},
		{"a local model", func(t *testing.T) *fixture { return delegateFixture(t, "coder", "http://127.0.0.1:1/v1") },
			"delegate_code delegate_task delete_skill execute_code generate_tools get_tool list_local_models list_servers list_tools save_skill search_tools usage_stats", 1300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.fix(t)
			res, err := f.cs.ListTools(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tl := range res.Tools {
				names = append(names, tl.Name)
			}
			if got := strings.Join(names, " "); got != tt.tools {
				t.Errorf("tools = %s, want %s", got, tt.tools)
			}
			data, _ := json.Marshal(res.Tools)
			tools := ledger.CountTokens(string(data))
			instr := ledger.CountTokens(f.cs.InitializeResult().Instructions)
			t.Logf("tool list: %d o200k tokens; instructions: %d", tools, instr)
			if tools+instr > tt.budget || instr == 0 {
				t.Errorf("tool list %d + instructions %d o200k tokens: budget %d", tools, instr, tt.budget)
			}
		})
	}
}

func TestDiscoverAndRun(t *testing.T) {
	f := newFixture(t, Options{}, "inventory", "orders")

	out, isErr := f.call(t, "list_tools", map[string]any{"server": "orders"})
	if isErr || !strings.Contains(out, "orders.RecentOrders // List recent orders") {
		t.Fatalf("list_tools orders: isError=%v\n%s", isErr, out)
	}
	f.c.pool.WaitAll(context.Background())
	out, isErr = f.call(t, "list_servers", nil)
	for _, want := range []string{"inventory: ready, 1 tool,", `import "mcp_tools/orders", generated `} {
		if isErr || !strings.Contains(out, want) {
			t.Errorf("list_servers lacks %q:\n%s", want, out)
		}
	}
	out, isErr = f.call(t, "search_tools", map[string]any{"query": "recent orders", "limit": 1})
	if isErr || !strings.HasPrefix(out, "orders.RecentOrders // ") {
		t.Errorf("search_tools: isError=%v\n%s", isErr, out)
	}
	out, isErr = f.call(t, "get_tool", map[string]any{"server": "inventory", "tool": "list_products"})
	for _, want := range []string{"func ListProducts(ListProductsArgs) (*ListProductsResult, error)", "type Product struct", "Stock"} {
		if isErr || !strings.Contains(out, want) {
			t.Errorf("get_tool lacks %q:\n%s", want, out)
		}
	}

	code := `p, err := inventory.ListProducts(inventory.ListProductsArgs{Category: mcp_tools.String("tools")})
if err != nil {
	fmt.Println(err)
	return
}
o, err := orders.RecentOrders(orders.RecentOrdersArgs{})
if err != nil {
	fmt.Println(err)
	return
}
fmt.Println(len(p.Products), "tools products;", len(o.Orders) > 100)`
	out, isErr = f.call(t, "execute_code", map[string]any{"code": code})
	if isErr || !strings.HasPrefix(out, "80 tools products; true\n") {
		t.Fatalf("execute_code: isError=%v\n%s", isErr, out)
	}
	if !strings.Contains(out, "[calls: inventory 1, orders 1 · ") || !strings.Contains(out, " tokens kept out · ") {
		t.Errorf("footer missing or wrong:\n%s", out)
	}

	st, err := f.c.ledger.ReadStats()
	if err != nil || st.Runs != 1 || st.Calls != 2 || st.Saved() < 1000 {
		t.Errorf("ledger after one run: %+v, %v", st, err)
	}
	out, _ = f.call(t, "usage_stats", nil)
	if !strings.Contains(out, "runs: 1 (0 failed), tool calls: 2") {
		t.Errorf("usage_stats:\n%s", out)
	}
}

func TestBadArgumentsAreToolErrors(t *testing.T) {
	f := newFixture(t, Options{MaxLimits: sandbox.Limits{Timeout: time.Minute}}, "inventory")
	tests := []struct {
		tool string
		args map[string]any
		want string
	}{
		{"list_tools", map[string]any{"server": "nope"}, `unknown server "nope"; configured: inventory`},
		{"get_tool", map[string]any{"server": "inventory", "tool": "nope"}, `server inventory has no tool "nope"; its tools: ListProducts`},
		{"get_tool", map[string]any{"server": "nope", "tool": "x"}, `unknown server "nope"`},
		{"search_tools", map[string]any{"query": " "}, "query is empty"},
		{"search_tools", map[string]any{"query": "x", "detail": "all"}, `detail "all"`},
		{"search_tools", map[string]any{"query": "x", "limit": 1000}, "limit 1000"},
		{"execute_code", map[string]any{"code": ""}, "code is empty"},
		{"execute_code", map[string]any{"code": "fmt.Println(1)", "timeout_seconds": -1}, "timeout_seconds -1"},
		{"execute_code", map[string]any{"code": nil}, "code must be a string"},
		{"execute_code", map[string]any{"code": 3}, "code must be a string"},
		{"execute_code", map[string]any{}, "code must be a string"},
		{"execute_code", map[string]any{"code": "fmt.Println(1)", "sandbox": "docker"}, `sandbox "docker" does not exist`},
		{"execute_code", map[string]any{"code": "fmt.Println(1)\nvar x int = \"s\"\nfmt.Println(x)"}, "line 2"},
		{"execute_code", map[string]any{"code": `import "os"` + "\nfunc main() { os.Exit(1) }"}, "package os is not available in the sandbox"},
		{"execute_code", map[string]any{"code": `fmt.Println(os.Getenv("HOME"))`}, "package os is not available in the sandbox"},
		{"execute_code", map[string]any{"code": `fmt.Println(nosuch.Thing())`}, "nosuch"},
		{"generate_tools", map[string]any{"servers": []string{"nope"}}, `unknown server "nope"`},
		{"list_tools", map[string]any{}, `missing properties: ["server"]`},
	}
	for _, tt := range tests {
		t.Run(tt.tool+" "+tt.want, func(t *testing.T) {
			out, isErr := f.call(t, tt.tool, tt.args)
			if !isErr || !strings.Contains(out, tt.want) {
				t.Errorf("isError=%v, want true with %q:\n%s", isErr, tt.want, out)
			}
		})
	}
}

func TestExecuteCodeTimeoutAboveTheMaximum(t *testing.T) {
	f := newFixture(t, Options{MaxLimits: sandbox.Limits{Timeout: 5 * time.Second}})
	for _, tt := range []struct {
		secs float64
		note string
	}{{3600, "timeout 1h0m0s is above the maximum: ran with 5s]"}, {100000, "timeout 27h46m40s is above the maximum: ran with 5s]"}, {1e300, "is above the maximum: ran with 5s]"}} {
		out, isErr := f.call(t, "execute_code", map[string]any{"code": "fmt.Println(1)", "timeout_seconds": tt.secs})
		if isErr || !strings.HasPrefix(out, "1\n") || !strings.Contains(out, tt.note) {
			t.Errorf("timeout_seconds %g: isError=%v, want %q in\n%s", tt.secs, isErr, tt.note, out)
		}
	}
}

func TestExecuteCodeOutputCap(t *testing.T) {
	f := newFixture(t, Options{OutputChars: 2000})
	out, isErr := f.call(t, "execute_code", map[string]any{"code": `for i := 0; i < 10000; i++ { fmt.Println("line", i) }`})
	if isErr || !strings.Contains(out, "[output truncated:") || len(out) > 2600 {
		t.Errorf("isError=%v len=%d:\n%s", isErr, len(out), out[:min(len(out), 3000)])
	}
	// Past the engine's output limit: an output error, which says once how to print less.
	f = newFixture(t, Options{OutputChars: 2000, MaxLimits: sandbox.Limits{OutputBytes: 8000}})
	out, isErr = f.call(t, "execute_code", map[string]any{"code": `for i := 0; i < 10000; i++ { fmt.Println("line", i) }`})
	if !isErr || !strings.HasPrefix(out, "output error: ") || strings.Count(out, "print less") != 1 {
		t.Errorf("isError=%v, want one output error saying once to print less:\n%s", isErr, out[:min(len(out), 3000)])
	}
}

func TestGenerateToolsProgressAndWorkspaceBuilds(t *testing.T) {
	f := newFixture(t, Options{}, "inventory", "orders")
	progress := make(chan float64, 10)
	ct, st := mcp.NewInMemoryTransports()
	ss, err := NewServer(f.c).Connect(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test"}, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			progress <- req.Params.Progress
		},
	}).Connect(context.Background(), ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	params := &mcp.CallToolParams{Name: "generate_tools", Arguments: map[string]any{}}
	params.SetProgressToken("p1")
	res, err := cs.CallTool(context.Background(), params)
	if err != nil || res.IsError {
		t.Fatalf("generate_tools: %v %+v", err, res)
	}
	text := res.Content[0].(*mcp.TextContent).Text
	if !strings.Contains(text, "inventory") || !strings.Contains(text, "orders") {
		t.Errorf("generate_tools:\n%s", text)
	}
	for want := 1.0; want <= 2; want++ {
		select {
		case got := <-progress:
			if got != want {
				t.Errorf("progress %v, want %v", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no progress notification %v", want)
		}
	}

	// The workspace is a Go module: the generated packages build with the real toolchain.
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain")
	}
	cmd := exec.Command(gobin, "vet", "./...")
	cmd.Dir = filepath.Join(f.c.store.Dir(), "mcp_tools")
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("go vet in the workspace: %v\n%s", err, out)
	}
}

func TestToolsListChangedRegenerates(t *testing.T) {
	f := newFixture(t, Options{}, "growing")
	out, isErr := f.call(t, "execute_code", map[string]any{"code": `_, err := growing.Grow(growing.GrowArgs{}); fmt.Println(err)`})
	if isErr || !strings.HasPrefix(out, "<nil>") {
		t.Fatalf("grow: %s", out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _ = f.call(t, "list_tools", map[string]any{"server": "growing"})
		if strings.Contains(out, "growing.Grown1\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stubs not regenerated after tools/list_changed:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	out, isErr = f.call(t, "execute_code", map[string]any{"code": `r, err := growing.Grown1(growing.Grown1Args{}); fmt.Println(r.Text(), err)`})
	if isErr || !strings.HasPrefix(out, "grown <nil>") {
		t.Errorf("the new tool is not callable: %s", out)
	}
}

// The watcher took its first stamp when its goroutine started, after New had read the config:
// a change written between New and Start was never applied.
func TestConfigChangeBetweenNewAndStart(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "mcp.json")
	writeConfig(t, config, "inventory", "orders")
	c, err := New(Options{ConfigPath: config, Workspace: filepath.Join(dir, "ws"), ConfigPoll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	writeConfig(t, config, "inventory") // a removal (it applies without approval), and another size
	c.Start(context.Background())
	deadline := time.Now().Add(10 * time.Second)
	for len(c.config().Servers) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the change made before Start was never applied: %d servers", len(c.config().Servers))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Error kinds survive the pipe between the sandbox and the coordinator: a snippet can tell a
// tool's own failure from an unknown tool or server.
func TestErrorKindsReachTheSnippet(t *testing.T) {
	f := newFixture(t, Options{}, "inventory")
	code := `_, err := inventory.ListProducts(inventory.ListProductsArgs{Category: mcp_tools.String("nope")})
fmt.Println(mcp_tools.ErrorKind(err))
_, err = mcp_tools.Call("inventory", "nope", nil, nil)
fmt.Println(mcp_tools.ErrorKind(err))
_, err = mcp_tools.Call("ghost", "x", nil, nil)
fmt.Println(mcp_tools.ErrorKind(err))`
	out, isErr := f.call(t, "execute_code", map[string]any{"code": code})
	if isErr || !strings.HasPrefix(out, "tool error\nunknown tool\nunknown server\n") {
		t.Errorf("isError=%v:\n%s", isErr, out)
	}
}

// A snippet that uses a server which cannot start fails with the kind server unavailable and
// its reason, found from the imports the sandbox parsed (an import or a bare package name).
func TestUnavailableServerInASnippet(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "mcp.json")
	data, _ := json.Marshal(map[string]any{"mcpServers": map[string]any{
		"broken": map[string]any{"command": filepath.Join(dir, "no-such-server")},
	}})
	os.WriteFile(config, data, 0o644)
	c, err := New(Options{ConfigPath: config, Workspace: filepath.Join(dir, "ws"), ConfigPoll: -1, ServerWait: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, code := range []string{`broken.Anything()`, "import \"mcp_tools/broken\"\nfmt.Println(broken.X)"} {
		out, err := c.Run(context.Background(), "execute_code", code, 0)
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if sandbox.KindOf(out.Err) != sandbox.KindUnavailable || !strings.Contains(out.ErrText, "the snippet uses broken, whose stubs are not available") || !strings.Contains(out.ErrText, "no-such-server") {
			t.Errorf("%q: %v\n%s", code, out.Err, out.ErrText)
		}
	}
}

// A ready server whose package is not (or no longer) written gets it before list_servers
// answers: the first answer after a start said "(not generated yet)" for a server that was
// ready, and a model would call generate_tools for nothing.
func TestListServersWaitsForStubs(t *testing.T) {
	f := newFixture(t, Options{}, "inventory", "orders")
	if out, _ := f.call(t, "list_servers", nil); !strings.Contains(out, `import "mcp_tools/orders", generated`) {
		t.Fatalf("list_servers:\n%s", out)
	}
	if err := f.c.store.Remove([]string{"orders"}); err != nil {
		t.Fatal(err)
	}
	out, _ := f.call(t, "list_servers", nil)
	if strings.Contains(out, "not generated yet") || !strings.Contains(out, `import "mcp_tools/orders", generated`) {
		t.Errorf("list_servers after the package was removed:\n%s", out)
	}

	// Another coordinator holds the workspace's lock: the write waits for it (up to 10 s) in
	// the background; list_servers answers after its own bound, 3 s.
	if err := f.c.store.Remove([]string{"orders"}); err != nil {
		t.Fatal(err)
	}
	l, err := flock.Lock(context.Background(), filepath.Join(f.c.store.Dir(), "mcp_tools", ".lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	start := time.Now()
	out, _ = f.call(t, "list_servers", nil)
	if took := time.Since(start); took > 6*time.Second || !strings.Contains(out, `import "mcp_tools/orders" (not generated yet)`) {
		t.Errorf("list_servers while the workspace is locked took %v:\n%s", took, out)
	}
}
