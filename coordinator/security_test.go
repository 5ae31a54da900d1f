package coordinator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/downstream"
	"github.com/mcp-coordinator/mcp-coordinator/internal/stubstore"
	"github.com/mcp-coordinator/mcp-coordinator/internal/testenv"
)

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A statement-form snippet ending in the keyword type once panicked in the wrapper and took
// serve down with every downstream server.
func TestSnippetEndingInTypeKeepsServerUp(t *testing.T) {
	f := newFixture(t, Options{}, "inventory")
	for _, code := range []string{"fmt.Println(\"hi\")\ntype", "type", "x := 1\ntype T ["} {
		out, isErr := f.call(t, "execute_code", map[string]any{"code": code})
		if !isErr || !strings.Contains(out, "line") {
			t.Errorf("execute_code(%q): isError=%v, want a compile error with a line:\n%s", code, isErr, out)
		}
	}
	if out, isErr := f.call(t, "list_servers", nil); isErr || !strings.Contains(out, "inventory:") {
		t.Errorf("list_servers after the snippets: isError=%v\n%s", isErr, out)
	}
}

// The second line of defence: a handler that panics answers with an internal tool error, the
// panic is logged, and the server keeps serving.
func TestHandlerPanicIsAToolError(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	s := mcp.NewServer(&mcp.Implementation{Name: "t"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "boom"}, guard(log, "boom", func(context.Context, *mcp.CallToolRequest, noArgs) (*mcp.CallToolResult, any, error) {
		var m map[string]int
		m["x"] = 1 // nil map write
		return nil, nil, nil
	}))
	mcp.AddTool(s, &mcp.Tool{Name: "ok"}, guard(log, "ok", func(context.Context, *mcp.CallToolRequest, noArgs) (*mcp.CallToolResult, any, error) {
		return text("fine"), nil, nil
	}))
	ctx := context.Background()
	ct, st := mcp.NewInMemoryTransports()
	ss, err := s.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "c"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "boom"})
	if err != nil {
		t.Fatalf("protocol error %v, want a tool error", err)
	}
	if got := res.Content[0].(*mcp.TextContent).Text; !res.IsError || !strings.Contains(got, "internal error in boom: assignment to entry in nil map") {
		t.Errorf("isError=%v: %s", res.IsError, got)
	}
	if l := logs.String(); !strings.Contains(l, "tool=boom") || !strings.Contains(l, "security_test.go") {
		t.Errorf("the panic and its stack are not logged:\n%s", l)
	}
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "ok"})
	if err != nil || res.IsError {
		t.Errorf("the server stopped serving after a panic: %v", err)
	}
}

// serveCoordinator is what `mcp-coordinator serve` does, for tests that need a coordinator
// started as a server process.
func serveCoordinator(config, workspace string) {
	c, err := New(Options{ConfigPath: config, Workspace: workspace, ConfigPoll: -1})
	if err != nil {
		fmt.Fprintln(os.Stderr, "mcp-coordinator:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	c.Start(ctx)
	err = NewServer(c).Run(ctx, &mcp.StdioTransport{})
	c.Close()
	if err != nil {
		os.Exit(1)
	}
	os.Exit(0)
}

// An entry that starts the coordinator through a wrapper (sh -c) is not recognised by its
// command, but the process it starts refuses to run: each level used to start the next.
func TestSelfSpawnThroughAShellStops(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	config := filepath.Join(dir, "mcp.json")
	exe, _ := os.Executable()
	line := fmt.Sprintf("%q coordinator-serve %q %q", exe, config, filepath.Join(dir, "ws-nested"))
	data, _ := json.Marshal(map[string]any{"mcpServers": map[string]any{
		"nested": map[string]any{"command": "sh", "args": []string{"-c", line}},
	}})
	if err := os.WriteFile(config, data, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := New(Options{ConfigPath: config, Workspace: filepath.Join(dir, "ws"), ConfigPoll: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	c.startPool(ctx)
	c.pool.WaitAll(ctx)
	st := c.pool.Status()
	if len(st) != 1 || st[0].State != downstream.StateFailed || !strings.Contains(st[0].Err, "started by another one") {
		t.Fatalf("nested coordinator: %+v", st)
	}
}

// Another coordinator sharing the workspace removed a server from its own config, and so that
// server's package, which this one still uses: this one failed with "no stub package" and never
// regenerated, its manifest saying it was current. Now runs are served the stubs this process
// holds, whatever happens on disk.
func TestRemovedStubsKeepServing(t *testing.T) {
	f := newFixture(t, Options{}, "inventory")
	code := `p, err := inventory.ListProducts(inventory.ListProductsArgs{Category: mcp_tools.String("tools")}); fmt.Println(len(p.Products), err)`
	if out, isErr := f.call(t, "execute_code", map[string]any{"code": code}); isErr || !strings.HasPrefix(out, "80 <nil>") {
		t.Fatalf("first run: %s", out)
	}
	other, err := stubstore.Open(f.c.store.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Remove([]string{"inventory"}); err != nil {
		t.Fatal(err)
	}
	if out, isErr := f.call(t, "execute_code", map[string]any{"code": code}); isErr || !strings.HasPrefix(out, "80 <nil>") {
		t.Errorf("after another process removed the stubs: %s", out)
	}
}

// A config change that adds or changes a server takes effect only with a person's approval,
// asked through elicitation; without it (no support, declined) only removals apply. Anything
// that can write the config (a snippet through a filesystem server, whatever the paths) could
// otherwise run a command on the host.
func TestConfigChangeNeedsApproval(t *testing.T) {
	tests := []struct {
		name     string
		answer   string // "" for a client without elicitation
		started  bool
		wantNote string
	}{
		{"no elicitation", "", false, "config change waiting: new or changed servers (growing) start only with your approval"},
		{"declined", "decline", false, "config change declined: new or changed servers (growing) start only after a restart"},
		{"accepted but unticked", "accept-false", false, "config change declined"},
		{"accepted", "accept", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asked := make(chan string, 4)
			var client *mcp.ClientOptions
			if tt.answer != "" {
				client = &mcp.ClientOptions{ElicitationHandler: func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
					asked <- req.Params.Message
					switch tt.answer {
					case "accept":
						return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"start": true}}, nil
					case "accept-false":
						return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"start": false}}, nil
					}
					return &mcp.ElicitResult{Action: "decline"}, nil
				}}
			}
			f := newFixtureClient(t, Options{ConfigPoll: -1}, client, "inventory", "orders")
			f.c.pool.WaitAll(context.Background())
			writeConfig(t, f.config, "inventory", "growing") // drops orders, adds growing
			cfg, err := downstream.LoadConfig(f.config)
			if err != nil {
				t.Fatal(err)
			}
			f.c.applyConfig(context.Background(), cfg)
			out, _ := f.call(t, "list_servers", nil)
			if strings.Contains(out, "orders:") {
				t.Errorf("the removal did not apply:\n%s", out)
			}
			if got := strings.Contains(out, "growing:"); got != tt.started {
				t.Errorf("growing started = %v, want %v:\n%s", got, tt.started, out)
			}
			if tt.wantNote != "" && !strings.Contains(out, tt.wantNote) {
				t.Errorf("list_servers lacks the note %q:\n%s", tt.wantNote, out)
			}
			if tt.answer == "" {
				return
			}
			select {
			case msg := <-asked:
				exe, _ := os.Executable()
				if !strings.Contains(msg, `"growing": runs `+strconv.Quote(exe)+` "growing-server"`) || strings.Contains(msg, "inventory") {
					t.Errorf("the question does not show exactly what would run:\n%s", msg)
				}
			default:
				t.Error("no approval was asked")
			}
			f.call(t, "list_servers", nil)
			select {
			case msg := <-asked:
				t.Errorf("asked a second time:\n%s", msg)
			default:
			}
		})
	}
}

// The breaks as found: a snippet rewrote the config through a real filesystem server, and the
// coordinator started the server it added, which created a file PWNED. The old guard compared
// unresolved paths and missed a config reached through a symlink and a root given as ~/proj.
func TestSnippetCannotStartAServerThroughTheConfig(t *testing.T) {
	fsBin := testenv.NodeBin(t, "mcp-server-filesystem")
	for _, tt := range []string{"symlinked config", "root given as ~/proj"} {
		t.Run(tt, func(t *testing.T) {
			dir := t.TempDir()
			real := filepath.Join(dir, "proj")
			os.MkdirAll(real, 0o755)
			config := filepath.Join(real, "mcp.json")
			fsServer := map[string]any{"command": fsBin, "args": []string{real}}
			watched := filepath.Join(dir, "link.json")
			if tt == "root given as ~/proj" {
				fsServer = map[string]any{"command": fsBin, "args": []string{"~/proj"}, "env": map[string]string{"HOME": dir}}
				watched = config
			} else if err := os.Symlink(config, watched); err != nil {
				t.Skip("no symlinks here:", err)
			}
			write := func(servers map[string]any) string {
				data, _ := json.Marshal(map[string]any{"mcpServers": servers})
				return string(data)
			}
			os.WriteFile(config, []byte(write(map[string]any{"filesystem": fsServer})), 0o644)
			c, err := New(Options{ConfigPath: watched, Workspace: filepath.Join(dir, "ws"), ConfigPoll: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx := context.Background()
			c.Start(ctx)
			pwned := filepath.Join(dir, "PWNED")
			evil := write(map[string]any{"filesystem": fsServer, "pwn": map[string]any{"command": "sh", "args": []string{"-c", "touch " + pwned}}})
			code := fmt.Sprintf("_, err := filesystem.WriteFile(filesystem.WriteFileArgs{Path: %q, Content: %q})\nfmt.Println(err)", config, evil)
			out, err := c.Run(ctx, "execute_code", code, 0)
			if err != nil || out.Err != nil || !strings.HasPrefix(out.Output, "<nil>") {
				t.Fatalf("the snippet could not write the config: %v %+v", err, out)
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				res, _, _ := c.listServers(ctx, nil, noArgs{})
				text := res.Content[0].(*mcp.TextContent).Text
				if strings.Contains(text, "config change waiting: new or changed servers (pwn)") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the change was not noticed:\n%s", text)
				}
				time.Sleep(50 * time.Millisecond)
			}
			// The note is set with the config that was applied: pwn is not in the pool, so
			// nothing can have started it.
			if _, err := os.Stat(pwned); err == nil {
				t.Fatal("the snippet started a host command: PWNED exists")
			}
			for _, st := range c.pool.Status() {
				if st.Name == "pwn" {
					t.Errorf("pwn is in the pool: %s", st.State)
				}
			}
		})
	}
}

// What a person approves is shown whole and quoted: a newline in a key cannot forge a line of
// the question, and a long value cannot hide its end (a --require at the end of NODE_OPTIONS).
func TestApprovalQuestionShowsEverything(t *testing.T) {
	opts := strings.Repeat("--max-old-space-size=4096 ", 20) + "--require=/tmp/evil.js"
	d := describeServer(downstream.ServerConfig{Name: "x\n- ok: runs \"safe\"", Type: downstream.TransportStdio,
		Command: "node", Args: []string{"server.js"}, Env: map[string]string{"NODE_OPTIONS": opts}})
	if strings.Contains(d, "\n") || !strings.Contains(d, `"x\n- ok: runs \"safe\""`) || !strings.Contains(d, "--require=/tmp/evil.js") {
		t.Errorf("the question hides or forges something:\n%s", d)
	}
}
