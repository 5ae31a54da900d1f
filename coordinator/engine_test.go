package coordinator

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/internal/ledger"
	"github.com/mcp-coordinator/mcp-coordinator/internal/testenv"
)

// TestWasmEngine: a run asks for the wasm engine; the first one hears (as MCP progress) that
// the engine is being prepared and how long that took; the output is the process engine's;
// list_servers names both engines and the ledger records which one ran.
func TestWasmEngine(t *testing.T) {
	var mu sync.Mutex
	var progress []string
	f := newFixtureClient(t, Options{WasmCache: testenv.WasmCacheDir()}, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			mu.Lock()
			progress = append(progress, req.Params.Message)
			mu.Unlock()
		},
	}, "inventory")
	if out, _ := f.call(t, "list_servers", nil); !strings.Contains(out, "sandbox: process (default), wasm (starts at first use)") {
		t.Errorf("list_servers before a wasm run:\n%s", out)
	}
	code := `r, err := inventory.ListProducts(inventory.ListProductsArgs{})
if err != nil {
	panic(err)
}
fmt.Println(len(r.Text()) > 0)`
	params := &mcp.CallToolParams{Name: "execute_code", Arguments: map[string]any{"code": code, "sandbox": "wasm"}}
	params.SetProgressToken("w1")
	res, err := f.cs.CallTool(context.Background(), params)
	if err != nil || res.IsError {
		t.Fatalf("execute_code on wasm: %v %+v", err, res.Content[0])
	}
	// The footer says why this run took longer, for a client that shows no progress.
	if got := res.Content[0].(*mcp.TextContent).Text; !strings.HasPrefix(got, "true\n") || !strings.Contains(got, " · the wasm sandbox was prepared first (") || !strings.Contains(got, ", once)]") {
		t.Errorf("output:\n%s", got)
	}
	if out, _ := f.call(t, "execute_code", map[string]any{"code": code, "sandbox": "wasm"}); !strings.HasPrefix(out, "true\n") || strings.Contains(out, "prepared") {
		t.Errorf("a second wasm run:\n%s", out)
	}
	// Progress notifications travel apart from the answer: wait for them a while.
	wants := []string{"preparing the wasm sandbox", "the wasm sandbox is ready after"}
	var joined string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		joined = strings.Join(progress, "\n")
		mu.Unlock()
		if strings.Contains(joined, wants[0]) && strings.Contains(joined, wants[1]) || time.Now().After(deadline) {
			break
		}
	}
	for _, want := range wants {
		if !strings.Contains(joined, want) {
			t.Errorf("progress lacks %q:\n%s", want, joined)
		}
	}
	if out, isErr := f.call(t, "execute_code", map[string]any{"code": code}); isErr || !strings.HasPrefix(out, "true\n") {
		t.Errorf("execute_code on process: %s", out)
	}
	if out, _ := f.call(t, "list_servers", nil); !strings.Contains(out, "sandbox: process (default), wasm (ready, loaded in ") {
		t.Errorf("list_servers after a wasm run:\n%s", out)
	}
	st2, err := ledger.New(filepath.Join(f.c.store.Dir(), "usage.jsonl")).ReadStats()
	if err != nil {
		t.Fatal(err)
	}
	if st2.Engines["wasm"] != 2 || st2.Engines["process"] != 1 {
		t.Errorf("runs per engine in the ledger: %v, want wasm 2, process 1", st2.Engines)
	}
	if out, _ := f.call(t, "usage_stats", nil); !strings.Contains(out, "sandbox engines: process 1, wasm 2") {
		t.Errorf("usage_stats:\n%s", out)
	}
}

// TestWasmEngineByDefault: the settings file makes wasm the default engine; a run that names
// none runs there.
func TestWasmEngineByDefault(t *testing.T) {
	dir := t.TempDir()
	settings := filepath.Join(dir, "settings.json")
	if err := os.WriteFile(settings, []byte(`{"sandbox": "wasm"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, Options{SettingsPath: settings, WasmCache: testenv.WasmCacheDir()}, "inventory")
	out, isErr := f.call(t, "execute_code", map[string]any{"code": `fmt.Println("hi")`})
	if isErr || !strings.HasPrefix(out, "hi\n") {
		t.Fatalf("execute_code: %s", out)
	}
	if out, _ := f.call(t, "list_servers", nil); !strings.Contains(out, "sandbox: wasm (default, ready") {
		t.Errorf("list_servers:\n%s", out)
	}
	if out, _ := f.call(t, "usage_stats", nil); !strings.Contains(out, "sandbox engines: wasm 1") {
		t.Errorf("usage_stats:\n%s", out)
	}
}

// TestBadEngineSetting: an unknown engine in the settings file is a settings problem that
// names its line; the process engine serves.
func TestBadEngineSetting(t *testing.T) {
	dir := t.TempDir()
	settings := filepath.Join(dir, "settings.json")
	if err := os.WriteFile(settings, []byte("{\n  \"sandbox\": \"docker\"\n}"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, Options{SettingsPath: settings, KeepConfigProblems: true}, "inventory")
	out, _ := f.call(t, "list_servers", nil)
	if !strings.Contains(out, `line 2: sandbox "docker": want "process" or "wasm"`) || !strings.Contains(out, "sandbox: process (default)") {
		t.Errorf("list_servers:\n%s", out)
	}
}
