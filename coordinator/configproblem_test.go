package coordinator

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/downstream"
)

// newProblemFixture is newFixtureClient for a config file that prepare leaves as it likes (it
// may leave none), with KeepConfigProblems and a fast watcher.
func newProblemFixture(t *testing.T, client *mcp.ClientOptions, prepare func(config string)) *fixture {
	t.Helper()
	dir := t.TempDir()
	config := filepath.Join(dir, "mcp.json")
	prepare(config)
	c, err := New(Options{ConfigPath: config, Workspace: filepath.Join(dir, "ws"), KeepConfigProblems: true, ConfigPoll: 20 * time.Millisecond})
	if err != nil {
		t.Fatalf("New with a config problem: %v", err)
	}
	return connectFixture(t, c, client, config)
}

// connectFixture starts c and connects an in-memory client with the given options (nil: no
// capabilities) to its server; everything is closed when the test ends.
func connectFixture(t *testing.T, c *Coordinator, client *mcp.ClientOptions, config string) *fixture {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c.Start(ctx)
	ct, st := mcp.NewInMemoryTransports()
	ss, err := NewServer(c).Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test"}, client).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cs.Close()
		ss.Close()
		cancel()
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &fixture{c: c, cs: cs, config: config}
}

// waitFor calls list_servers until its answer is not an error and contains want.
func (f *fixture) waitFor(t *testing.T, want string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, isErr := f.call(t, "list_servers", nil)
		if !isErr && strings.Contains(out, want) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("list_servers never said %q; last:\n%s", want, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestConfigProblemsStartTheServer(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(config string)
		want    []string
	}{
		{"missing", func(string) {}, []string{"mcp.json (from --config) not found", "To fix: create it, holding {\"mcpServers\""}},
		{"invalid", func(p string) { os.WriteFile(p, []byte("{\"mcpServers\": {\n  \"a\": {\"command\": 3}\n}}"), 0o644) }, []string{"mcp.json:2:", "To fix: fix the file at that place"}},
		{"unreadable", func(p string) { os.WriteFile(p, []byte("{}"), 0o000) }, []string{"permission denied", "To fix: make the file readable"}},
		// Unreadable for root and on Windows too, so that CI runs this shape.
		{"a directory", func(p string) { os.Mkdir(p, 0o755) }, []string{"is a directory, not a file", "To fix: put the config file at that path"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "unreadable" && (os.Geteuid() == 0 || runtime.GOOS == "windows") {
				t.Skip("the file stays readable (root, or Windows)")
			}
			f := newProblemFixture(t, nil, tt.prepare)
			for tool, args := range map[string]map[string]any{"list_servers": nil, "execute_code": {"code": "fmt.Println(1)"}, "search_tools": {"query": "x"}, "usage_stats": nil} {
				out, isErr := f.call(t, tool, args)
				if !isErr || !strings.HasPrefix(out, "mcp-coordinator has no servers: ") || !strings.Contains(out, "no restart needed") {
					t.Errorf("%s: isError=%v\n%s", tool, isErr, out)
				}
				for _, w := range tt.want {
					if !strings.Contains(out, w) {
						t.Errorf("%s lacks %q:\n%s", tool, w, out)
					}
				}
			}
		})
	}
}

// A config that was invalid at start is taken, once fixed, as a restart would take it: its
// servers start, and tools work.
func TestConfigFixedAfterStart(t *testing.T) {
	f := newProblemFixture(t, nil, func(p string) { os.WriteFile(p, []byte("{\"mcpServers\": "), 0o644) })
	if out, isErr := f.call(t, "list_servers", nil); !isErr || !strings.Contains(out, "mcp.json:1:16: unexpected end of file") {
		t.Fatalf("list_servers with a broken config: %v\n%s", isErr, out)
	}
	// Still broken, elsewhere: the answer follows the file.
	os.WriteFile(f.config, []byte("{\"mcpServers\": {\n\n  \"a\": 1}}"), 0o644)
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _ := f.call(t, "list_servers", nil)
		if strings.Contains(out, "mcp.json:3:") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the problem was not updated:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	writeConfig(t, f.config, "inventory")
	f.waitFor(t, "inventory: ready")
	out, isErr := f.call(t, "execute_code", map[string]any{"code": `p, err := inventory.ListProducts(inventory.ListProductsArgs{})
fmt.Println(len(p.Products), err)`})
	if isErr || !strings.HasPrefix(out, "400 <nil>") {
		t.Errorf("execute_code after the fix: %v\n%s", isErr, out)
	}
}

// A config that appears after start was never seen by the person: its servers are a change
// that adds servers, and start only with approval.
func TestConfigAppearsAfterStart(t *testing.T) {
	t.Run("no elicitation", func(t *testing.T) {
		f := newProblemFixture(t, nil, func(string) {})
		writeConfig(t, f.config, "inventory")
		out := f.waitFor(t, "config change waiting: new or changed servers (inventory) start only with your approval")
		if strings.Contains(out, "inventory:") {
			t.Errorf("inventory started without approval:\n%s", out)
		}
	})
	t.Run("approved", func(t *testing.T) {
		asked := make(chan string, 4)
		client := &mcp.ClientOptions{ElicitationHandler: func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			asked <- req.Params.Message
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"start": true}}, nil
		}}
		f := newProblemFixture(t, client, func(string) {})
		writeConfig(t, f.config, "inventory")
		f.waitFor(t, "inventory: ready")
		select {
		case msg := <-asked:
			if !strings.Contains(msg, `"inventory": runs `) {
				t.Errorf("the question:\n%s", msg)
			}
		default:
			t.Error("no approval was asked")
		}
		out, isErr := f.call(t, "execute_code", map[string]any{"code": `p, err := inventory.ListProducts(inventory.ListProductsArgs{})
fmt.Println(len(p.Products), err)`})
		if isErr || !strings.HasPrefix(out, "400 <nil>") {
			t.Errorf("execute_code after approval: %v\n%s", isErr, out)
		}
	})
}

// With no config named and none in FindConfig's places, the coordinator looks for one, and
// takes ./.mcp.json when it appears (with approval, as above).
func TestNoConfigAnywhere(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv(downstream.ConfigEnv, "")
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "xdg"))
	t.Setenv("APPDATA", filepath.Join(dir, "appdata"))
	c, err := New(Options{Workspace: filepath.Join(dir, "ws"), KeepConfigProblems: true, ConfigPoll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	f := connectFixture(t, c, nil, "")
	out, isErr := f.call(t, "list_servers", nil)
	if !isErr || !strings.Contains(out, "no MCP config found; tried") || !strings.Contains(out, "create .mcp.json in the directory mcp-coordinator runs in") {
		t.Errorf("list_servers: %v\n%s", isErr, out)
	}
	writeConfig(t, filepath.Join(dir, ".mcp.json"), "inventory")
	f.waitFor(t, "start only with your approval")
	if got, _ := c.Paths(); got != ".mcp.json" {
		t.Errorf("config path %q", got)
	}
}

// Without KeepConfigProblems (generate, run), New fails with the problem.
func TestConfigProblemFailsNewByDefault(t *testing.T) {
	_, err := New(Options{ConfigPath: filepath.Join(t.TempDir(), "none.json"), Workspace: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("New: %v", err)
	}
}
