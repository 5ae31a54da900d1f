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
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/downstream"
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
	addTool(s, log, &mcp.Tool{Name: "boom"}, func(context.Context, *mcp.CallToolRequest, noArgs) (*mcp.CallToolResult, any, error) {
		var m map[string]int
		m["x"] = 1 // nil map write
		return nil, nil, nil
	})
	addTool(s, log, &mcp.Tool{Name: "ok"}, func(context.Context, *mcp.CallToolRequest, noArgs) (*mcp.CallToolResult, any, error) {
		return text("fine"), nil, nil
	})
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
	c.StartPool(ctx)
	c.pool.WaitAll(ctx)
	st := c.pool.Status()
	if len(st) != 1 || st[0].State != downstream.StateFailed || !strings.Contains(st[0].Err, "started by another one") {
		t.Fatalf("nested coordinator: %+v", st)
	}
}

type countingCaller struct{}

func (countingCaller) CallTool(context.Context, string, string, json.RawMessage) (json.RawMessage, error) {
	return json.RawMessage(`{"content":[{"type":"text","text":"ok"}]}`), nil
}

// A call that ends after its run (queued on a server's stdin when the run timed out) once
// wrote to the per-server map that usage had already handed out: a data race, and a ledger
// line that changed after it was written.
func TestMeterUsageIsASnapshot(t *testing.T) {
	m := newMeter(countingCaller{}, map[string]bool{"a": true})
	m.CallTool(context.Background(), "a", "t", nil)
	u := m.usage()
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.CallTool(context.Background(), "a", "t", nil)
	}()
	calls := u.PerServer["a"].Calls
	<-done
	if calls != 1 || u.PerServer["a"].Calls != 1 || u.Calls != 1 {
		t.Errorf("the usage of a finished run changed: %d, then %+v", calls, u)
	}
}

// Another coordinator sharing the workspace removed a server from its own config, and so that
// server's package, which this one still uses: this one failed with "no stub package" and never
// regenerated, its manifest saying it was current. Now it regenerates before the run.
func TestVanishedStubsAreRegenerated(t *testing.T) {
	f := newFixture(t, Options{}, "inventory")
	code := `p, err := inventory.ListProducts(inventory.ListProductsArgs{Category: mcp_tools.String("tools")}); fmt.Println(len(p.Products), err)`
	if out, isErr := f.call(t, "execute_code", map[string]any{"code": code}); isErr || !strings.HasPrefix(out, "80 <nil>") {
		t.Fatalf("first run: %s", out)
	}
	other, err := OpenWorkspace(f.c.Workspace())
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Remove([]string{"inventory"}); err != nil {
		t.Fatal(err)
	}
	if out, isErr := f.call(t, "execute_code", map[string]any{"code": code}); isErr || !strings.HasPrefix(out, "80 <nil>") {
		t.Errorf("after another process removed the stubs: %s", out)
	}
	if _, ok := other.Entry("inventory"); ok {
		t.Fatal("the other workspace still has the entry")
	}
	again, _ := OpenWorkspace(f.c.Workspace())
	if _, ok := again.Entry("inventory"); !ok {
		t.Error("the manifest on disk lacks inventory after the regeneration")
	}
}
