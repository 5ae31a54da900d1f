package coordinator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/delegate"
	"github.com/mcp-coordinator/mcp-coordinator/internal/ledger"
	"github.com/mcp-coordinator/mcp-coordinator/internal/llmtest"
)

// scripted is an OpenAI-compatible server that answers the chat completions in turn from
// answers (the last one again when they run out), and lists the model "coder".
func scripted(t testing.TB, answers ...string) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/models" {
			fmt.Fprint(w, `{"data":[{"id":"coder"}]}`)
			return
		}
		i := int(n.Add(1)) - 1
		a := answers[min(i, len(answers)-1)]
		if strings.HasPrefix(a, "HTTP ") {
			w.WriteHeader(500)
			fmt.Fprint(w, `{"error":{"message":"`+strings.TrimPrefix(a, "HTTP ")+`"}}`)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"model": "coder", "choices": []any{map[string]any{"message": map[string]any{"content": a}, "finish_reason": "stop"}},
			"usage": map[string]any{"prompt_tokens": 100, "completion_tokens": 20}})
	}))
	t.Cleanup(s.Close)
	return s, &n
}

// delegateFixture is a coordinator over the inventory server whose settings file names the
// given providers' base URLs, each serving the model "coder".
func delegateFixture(t *testing.T, model string, bases ...string) *fixture {
	t.Helper()
	var providers []map[string]any
	for _, b := range bases {
		providers = append(providers, map[string]any{"base_url": b, "models": map[string]string{"quality": model}, "timeout": map[string]string{"quality": "60s"}})
	}
	data, _ := json.Marshal(map[string]any{"delegate": map[string]any{"providers": providers}})
	settings := filepath.Join(t.TempDir(), "settings.json")
	os.WriteFile(settings, data, 0o644)
	return newFixture(t, Options{SettingsPath: settings}, "inventory")
}

func lastLedgerLine(t *testing.T, f *fixture) ledger.Entry {
	t.Helper()
	data, err := os.ReadFile(f.c.ledger.Path())
	if err != nil {
		t.Fatal(err)
	}
	var e ledger.Entry
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if json.Unmarshal([]byte(lines[i]), &e) == nil && strings.HasPrefix(e.Tool, "delegate_") && !strings.Contains(e.Tool, ":") {
			return e
		}
	}
	t.Fatalf("no delegation line in the ledger:\n%s", data)
	return e
}

func TestDelegateCodeOverMCP(t *testing.T) {
	down := "http://127.0.0.1:1/v1"
	s, _ := scripted(t, "Sure!\n```go\nfunc Add(a, b int) int { return a + b }\n```")
	f := delegateFixture(t, "coder", down, s.URL+"/v1")
	out, isErr := f.call(t, "delegate_code", map[string]any{"spec": "func Add(a, b int) int", "language": "go"})
	if isErr || !strings.HasPrefix(out, "func Add(a, b int) int { return a + b }\n[") || !strings.Contains(out, " coder · 100→20 tokens · ") {
		t.Errorf("delegate_code: isError=%v\n%s", isErr, out)
	}
	e := lastLedgerLine(t, f)
	if e.Tool != "delegate_code" || !e.OK || e.TokensIn != 100 || e.TokensOut != 20 || e.Fallbacks != 1 || e.ModelReturned != "coder" || e.TokensEstimated {
		t.Errorf("ledger line %+v", e)
	}
	out, _ = f.call(t, "list_local_models", nil)
	if !strings.Contains(out, "127.0.0.1:1 (http://127.0.0.1:1/v1): DOWN") || !strings.Contains(out, "serves coder; quality = coder; fast = coder") {
		t.Errorf("list_local_models:\n%s", out)
	}
	out, _ = f.call(t, "usage_stats", nil)
	if !strings.Contains(out, "delegations: 1, 100% succeeded, fallback rate 100%; 20 tokens generated locally") {
		t.Errorf("usage_stats:\n%s", out)
	}
	// With a priced provider configured, the summary says what the local tokens would have cost.
	st, _ := f.c.ledger.ReadStats()
	priced := []delegate.Provider{{Name: "local"}, {Name: "remote", Price: &delegate.Price{Input: 1e6, Output: 2e6}}}
	if got := StatsText(st, priced); !strings.HasSuffix(got, "at remote's price the local tokens would have cost $140.0000") {
		t.Errorf("StatsText:\n%s", got)
	}
	if out, isErr := f.call(t, "delegate_code", map[string]any{"spec": "x", "tier": "huge"}); !isErr || !strings.Contains(out, "use quality or fast") {
		t.Errorf("bad tier: %s", out)
	}
}

func TestDelegationFailedOverMCP(t *testing.T) {
	s, _ := scripted(t, "HTTP llama runner crashed")
	f := delegateFixture(t, "coder", s.URL+"/v1")
	out, isErr := f.call(t, "delegate_code", map[string]any{"spec": "anything"})
	if !isErr || out != "DELEGATION_FAILED: "+strings.TrimPrefix(s.URL, "http://")+": HTTP 500: llama runner crashed" {
		t.Errorf("delegate_code: isError=%v %q", isErr, out)
	}
	// A settings file that is not valid: serve runs, and delegation says what is wrong, where.
	bad := filepath.Join(t.TempDir(), "settings.json")
	os.WriteFile(bad, []byte("{\n  \"delegate\": {\"providers\": [{\"base_url\": 7}]}\n}\n"), 0o644)
	h := newFixture(t, Options{SettingsPath: bad, KeepConfigProblems: true})
	if out, isErr := h.call(t, "delegate_code", map[string]any{"spec": "x"}); !isErr || !strings.Contains(out, "DELEGATION_FAILED: settings "+bad+": line 2: ") {
		t.Errorf("bad settings: %s", out)
	}
	if _, err := New(Options{SettingsPath: bad, ConfigPath: h.config, Workspace: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("New with a bad settings file: %v", err)
	}
}

// TestDelegateTaskOverMCP: the local model's first snippet does not compile; the error goes
// back to it, and the second runs against the real inventory server.
func TestDelegateTaskOverMCP(t *testing.T) {
	bad := "p, err := inventory.ListProducts(inventory.ListProductsArgs{Category: \"tools\"})\nfmt.Println(len(p.Products), err)"
	good := "```go\np, err := inventory.ListProducts(inventory.ListProductsArgs{Category: mcp_tools.String(\"tools\")})\nif err != nil {\n\tfmt.Println(err)\n\treturn\n}\nfmt.Println(len(p.Products))\n```"
	s, calls := scripted(t, bad, good)
	f := delegateFixture(t, "coder", s.URL+"/v1")
	res, err := f.cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "delegate_task", Arguments: map[string]any{"task": "how many products in the tools category?"},
		Meta: mcp.Meta{"progressToken": "p1"}})
	if err != nil {
		t.Fatal(err)
	}
	out := res.Content[0].(*mcp.TextContent).Text
	if res.IsError || !strings.HasPrefix(out, "80\n// the snippet (save_skill keeps it):\np, err := inventory.ListProducts") || !strings.Contains(out, " · 2 attempts]") || calls.Load() != 2 {
		t.Errorf("delegate_task: isError=%v, %d completions\n%s", res.IsError, calls.Load(), out)
	}
	e := lastLedgerLine(t, f)
	if e.Tool != "delegate_task" || !e.OK || e.Attempts != 2 || e.TokensOut != 40 {
		t.Errorf("ledger line %+v", e)
	}

	// Always the broken snippet: after max_attempts, DELEGATION_FAILED with the compile error
	// and the last snippet.
	s2, _ := scripted(t, bad)
	g := delegateFixture(t, "coder", s2.URL+"/v1")
	out, isErr := g.call(t, "delegate_task", map[string]any{"task": "how many products?", "max_attempts": 2})
	if !isErr || !strings.HasPrefix(out, "DELEGATION_FAILED: after 2 attempts the snippet still fails: compile error at line 1") || !strings.Contains(out, "// the last snippet:\np, err := ") {
		t.Errorf("delegate_task failing:\n%s", out)
	}
}

// TestDelegationRealEngine runs the three tools against llama.cpp (node-llama-cpp) serving a
// tiny random-weight model: gibberish, but real inference and real token counts.
func TestDelegationRealEngine(t *testing.T) {
	base, model := llmtest.Start(t)
	f := delegateFixture(t, model, base)
	out, isErr := f.call(t, "list_local_models", nil)
	if isErr || !strings.Contains(out, "answers (") || !strings.Contains(out, "serves "+model) {
		t.Errorf("list_local_models:\n%s", out)
	}
	// The model's text is gibberish, but the server's seed is fixed, so it ends on its own.
	out, isErr = f.call(t, "delegate_code", map[string]any{"spec": "a Go function Add(a, b int) int"})
	e := lastLedgerLine(t, f)
	if isErr || !strings.Contains(out, "\n["+strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/v1")+" ") || !strings.Contains(out, " "+model+" · ") || e.TokensOut == 0 || e.TokensIn == 0 || e.TokensEstimated {
		t.Errorf("delegate_code: isError=%v\n%s\nledger %+v", isErr, out, e)
	}
	t.Logf("delegate_code: %d tokens in, %d out, %.0f ms", e.TokensIn, e.TokensOut, e.DurationMS)
	out, isErr = f.call(t, "delegate_task", map[string]any{"task": "count the products in the tools category", "max_attempts": 2})
	if !isErr || !strings.HasPrefix(out, "DELEGATION_FAILED: after 2 attempts the snippet still fails: compile error") {
		t.Errorf("delegate_task with a random model:\n%s", out)
	}
	e = lastLedgerLine(t, f)
	if e.Attempts != 2 || e.TokensOut == 0 || e.OK {
		t.Errorf("delegate_task ledger line %+v", e)
	}
	t.Logf("delegate_task: %s (%d attempts, %.0f ms)", e.Reason, e.Attempts, e.DurationMS)
	if out, isErr := f.call(t, "execute_code", map[string]any{"code": `p, _ := inventory.ListProducts(inventory.ListProductsArgs{}); fmt.Println(len(p.Products))`}); isErr || !strings.HasPrefix(out, "400\n") {
		t.Errorf("execute_code after the delegations: %s", out)
	}
}

// BenchmarkDelegateTaskAttempt times one delegate_task attempt whose model answers at once
// (a scripted server), beside execute_code of the same snippet: the difference is what an
// attempt costs besides generation (the brief: search and declarations; the check and run).
func BenchmarkDelegateTaskAttempt(b *testing.B) {
	snippet := "p, err := inventory.ListProducts(inventory.ListProductsArgs{Category: mcp_tools.String(\"tools\")})\nif err != nil {\n\tfmt.Println(err)\n\treturn\n}\nfmt.Println(len(p.Products))"
	s, _ := scripted(b, snippet)
	dir := b.TempDir()
	exe, _ := os.Executable()
	cfg, _ := json.Marshal(map[string]any{"mcpServers": map[string]any{"inventory": map[string]any{"command": exe, "args": []string{"demo-server", "inventory"}}}})
	os.WriteFile(filepath.Join(dir, "mcp.json"), cfg, 0o644)
	settings, _ := json.Marshal(map[string]any{"delegate": map[string]any{"providers": []any{map[string]any{"base_url": s.URL + "/v1", "models": map[string]string{"quality": "coder"}}}}})
	os.WriteFile(filepath.Join(dir, "settings.json"), settings, 0o644)
	c, err := New(Options{ConfigPath: filepath.Join(dir, "mcp.json"), Workspace: filepath.Join(dir, "ws"), SettingsPath: filepath.Join(dir, "settings.json"), ConfigPoll: -1,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	c.Start(ctx)
	if out, err := c.Run(ctx, "run", snippet, 0); err != nil || out.Err != nil {
		b.Fatal(err, out.ErrText)
	}
	b.Run("execute_code", func(b *testing.B) {
		for b.Loop() {
			if out, err := c.Run(ctx, "run", snippet, 0); err != nil || out.Err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("delegate_task attempt", func(b *testing.B) {
		for b.Loop() {
			res, err := c.delegate.Task(ctx, delegate.TaskRequest{Task: "how many products in the tools category?"}, taskEnv{c})
			if err != nil || res.Attempts != 1 {
				b.Fatal(err)
			}
		}
	})
}
