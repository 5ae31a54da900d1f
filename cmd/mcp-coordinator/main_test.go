package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcp-coordinator/mcp-coordinator/coordinator"
	"github.com/mcp-coordinator/mcp-coordinator/internal/testenv"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/process"
	"github.com/mcp-coordinator/mcp-coordinator/skills"
)

func TestMain(m *testing.M) {
	process.MaybeRunAsRunner()
	// Started as "mcp-coordinator ..." (through the link that onPath puts on PATH) or as
	// "<test binary> demo-server NAME", the test binary is the command itself.
	name := strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
	if name == "mcp-coordinator" || len(os.Args) > 1 && os.Args[1] == "demo-server" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	maybeMarkStarted()
	maybeServe()
	os.Exit(m.Run())
}

// setup writes a config with the demo servers and one that cannot start.
func setup(t *testing.T) (config, workspace string) {
	t.Helper()
	dir := t.TempDir()
	exe, _ := os.Executable()
	cfg := map[string]any{"mcpServers": map[string]any{
		"inventory": map[string]any{"command": exe, "args": []string{"demo-server", "inventory"}},
		"orders":    map[string]any{"command": exe, "args": []string{"demo-server", "orders"}},
		"broken":    map[string]any{"command": exe, "args": []string{"demo-server", "no-such-server"}},
	}}
	data, _ := json.Marshal(cfg)
	config = filepath.Join(dir, "mcp.json")
	if err := os.WriteFile(config, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return config, filepath.Join(dir, "ws")
}

func runCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage:"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"version"}, 0, "mcp-coordinator"},
		{[]string{"run", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"generate", "--config", "/does/not/exist.json"}, 2, "/does/not/exist.json"},
		{[]string{"run", "--config", "/does/not/exist.json", "-"}, 2, "/does/not/exist.json"},
	}
	for _, tt := range tests {
		code, out, errOut := runCmd(t, "", tt.args...)
		if code != tt.code || !strings.Contains(out+errOut, tt.want) {
			t.Errorf("%v: exit %d, want %d with %q\nstdout: %s\nstderr: %s", tt.args, code, tt.code, tt.want, out, errOut)
		}
	}
}

func TestGenerateRunStats(t *testing.T) {
	config, ws := setup(t)

	code, out, errOut := runCmd(t, "", "generate", "--config", config, "--workspace", ws)
	if code != 1 {
		t.Errorf("generate with a broken server: exit %d, want 1", code)
	}
	for _, want := range []string{"inventory", "1 tool ", "written", "broken", "FAILED", "unknown demo server"} {
		if !strings.Contains(out, want) {
			t.Errorf("generate output lacks %q:\n%s\n%s", want, out, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(ws, "mcp_tools", "orders", "orders.go")); err != nil {
		t.Error(err)
	}
	code, out, _ = runCmd(t, "", "generate", "--config", config, "--workspace", ws, "--server", "orders")
	if code != 0 || !strings.Contains(out, "unchanged") {
		t.Errorf("second generate: exit %d, want 0 and unchanged:\n%s", code, out)
	}

	snippet := filepath.Join(t.TempDir(), "s.go")
	os.WriteFile(snippet, []byte(`package main

import (
	"fmt"
	"mcp_tools/inventory"
)

func main() {
	p, err := inventory.ListProducts(inventory.ListProductsArgs{})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(p.Products))
}
`), 0o644)
	code, out, errOut = runCmd(t, "", "run", "--config", config, "--workspace", ws, snippet)
	if code != 0 || out != "400\n" || !strings.Contains(errOut, "[calls: inventory 1 · ") {
		t.Errorf("run: exit %d\nstdout: %q\nstderr: %s", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "var x int = \"s\"", "run", "--config", config, "--workspace", ws, "-")
	if code != 1 || !strings.Contains(errOut, "line 1") {
		t.Errorf("failing snippet: exit %d, want 1 with the line\nstdout: %q\nstderr: %q", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "fmt.Println(1)", "run", "--config", config, "--workspace", ws, "--timeout", "10s", "--max-timeout", "5s", "-")
	if code != 0 || out != "1\n" || !strings.Contains(errOut, "timeout 10s is above the maximum: ran with 5s]") {
		t.Errorf("a timeout above the configured maximum runs with the maximum: exit %d\nstdout: %q\nstderr: %s", code, out, errOut)
	}
	t.Setenv(coordinator.WasmCacheEnv, testenv.WasmCacheDir())
	code, out, errOut = runCmd(t, "", "run", "--config", config, "--workspace", ws, "--sandbox", "wasm", snippet)
	if code != 0 || out != "400\n" {
		t.Errorf("run --sandbox wasm: exit %d\nstdout: %q\nstderr: %s", code, out, errOut)
	}
	code, out, _ = runCmd(t, "", "stats", "--workspace", ws)
	if code != 0 || !strings.Contains(out, "runs: 4 (1 failed") || !strings.Contains(out, "sandbox engines: process 3, wasm 1") {
		t.Errorf("stats: exit %d\n%s", code, out)
	}
}

// TestSkillsCommand lists, shows, checks and removes skills: one saved through the Go API and
// a team skill written by hand that calls a tool the inventory does not have.
func TestSkillsCommand(t *testing.T) {
	config, ws := setup(t)
	team := filepath.Join(filepath.Dir(config), ".mcp-skills") // found beside the config
	os.MkdirAll(filepath.Join(team, "bad"), 0o755)
	os.WriteFile(filepath.Join(team, "bad", "bad.go"), []byte("// Package bad calls a tool that is not there.\npackage bad\n\nimport \"mcp_tools/inventory\"\n\n// Gone calls it.\nfunc Gone() { inventory.Gone() }\n"), 0o644)
	c, err := coordinator.New(coordinator.Options{ConfigPath: config, Workspace: ws})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Skills().Save(context.Background(), skills.SaveRequest{Name: "count", Description: "Counts products.",
		Code: "import \"mcp_tools/inventory\"\n\n// All counts the products.\nfunc All() int {\n\tp, _ := inventory.ListProducts(inventory.ListProductsArgs{})\n\treturn len(p.Products)\n}\n"})
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	base := []string{"--config", config, "--workspace", ws}
	tests := []struct {
		args      []string
		code      int
		want, not string
	}{
		{[]string{"skills", "list"}, 0, "bad: Gone() // Package bad calls a tool that is not there. [team]\ncount: All() int // Counts products.\n", ""},
		{[]string{"skills", "show", "count"}, 0, "func All() int {", ""},
		{[]string{"skills", "check"}, 1, "BROKEN  bad: the skill does not compile: line 7: ", "BROKEN  count"},
		{[]string{"skills", "rm", "bad"}, 1, "the team's", ""},
		{[]string{"skills", "rm", "count"}, 0, "deleted count", ""},
		{[]string{"skills", "show", "count"}, 1, `there is no skill "count"; there are: bad`, ""},
		{[]string{"skills", "frob"}, 2, "unknown action", ""},
		{[]string{"skills"}, 2, "usage: mcp-coordinator skills", ""},
	}
	for _, tt := range tests {
		code, out, errOut := runCmd(t, "", append(tt.args, base...)...)
		if code != tt.code || !strings.Contains(out+errOut, tt.want) || (tt.not != "" && strings.Contains(out, tt.not)) {
			t.Errorf("%v: exit %d, want %d with %q\nstdout: %s\nstderr: %s", tt.args, code, tt.code, tt.want, out, errOut)
		}
	}
}
