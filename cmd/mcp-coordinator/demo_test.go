package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/internal/testenv"
)

// The README's commands for trying the coordinator on the demo servers, from the checkout.
const (
	readmeGenerate  = "mcp-coordinator generate --config examples/demo-servers.json"
	readmeSnippet   = `p, err := inventory.ListProducts(inventory.ListProductsArgs{}); if err != nil { panic(err) }; fmt.Println(len(p.Products), "products")`
	readmeRun       = "mcp-coordinator run --config examples/demo-servers.json -"
	readmeInspector = "npx @modelcontextprotocol/inspector@0.15.0 --cli -- mcp-coordinator serve --config examples/demo-servers.json --method tools/list"
)

// onPath makes "mcp-coordinator" on PATH this test binary (which TestMain turns into the
// command), points the workspace at a temporary directory, and works from the repository
// root, as a newcomer in a checkout does.
func onPath(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the link named mcp-coordinator is for Unix")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.Symlink(exe, filepath.Join(bin, "mcp-coordinator")); err != nil {
		t.Skip("cannot link the test binary:", err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("MCP_COORDINATOR_HOME", filepath.Join(t.TempDir(), "ws"))
	t.Setenv("MCP_SERVERS_CONFIG", "")
	t.Chdir(testenv.Root())
}

// TestDemoServersConfig runs the README's generate, run and serve on examples/demo-servers.json,
// whose servers are "mcp-coordinator demo-server NAME": no node, nothing but the binary.
func TestDemoServersConfig(t *testing.T) {
	readme := readFile(t, filepath.Join(testenv.Root(), "README.md"))
	for _, cmd := range []string{readmeGenerate, readmeSnippet, readmeRun, readmeInspector} {
		if !strings.Contains(readme, cmd) {
			t.Errorf("README.md lacks %q", cmd)
		}
	}
	onPath(t)

	code, out, errOut := runCmd(t, "", strings.Fields(readmeGenerate)[1:]...)
	if code != 0 || !strings.Contains(out, "inventory               1 tool  written") || !strings.Contains(out, "orders                  1 tool  written") {
		t.Fatalf("%s: exit %d\nstdout: %s\nstderr: %s", readmeGenerate, code, out, errOut)
	}
	code, out, errOut = runCmd(t, readmeSnippet, strings.Fields(readmeRun)[1:]...)
	if code != 0 || out != "400 products\n" || !strings.Contains(errOut, "[calls: inventory 1 · ") {
		t.Errorf("%s: exit %d\nstdout: %s\nstderr: %s", readmeRun, code, out, errOut)
	}

	// serve, started as a client starts it.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.Command("mcp-coordinator", "serve", "--config", "examples/demo-servers.json")
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "demo-test"}, nil).Connect(ctx, &mcp.CommandTransport{Command: cmd, TerminateDuration: time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "execute_code", Arguments: map[string]any{"code": `recent, err := orders.RecentOrders(orders.RecentOrdersArgs{})
if err != nil {
	panic(err)
}
fmt.Println(len(recent.Orders) > 0)`}})
	if err != nil {
		t.Fatal(err)
	}
	if text := res.Content[0].(*mcp.TextContent).Text; res.IsError || !strings.HasPrefix(text, "true\n") {
		t.Errorf("execute_code through serve: isError=%v\n%s", res.IsError, text)
	}
}

// TestInspectorDemoServers runs the README's MCP Inspector command: the command after "--",
// so that the Inspector does not take --config for its own.
func TestInspectorDemoServers(t *testing.T) {
	bin := testenv.NodeBin(t, "mcp-inspector")
	onPath(t)
	args := strings.Fields(readmeInspector)[2:] // after "npx @modelcontextprotocol/inspector@0.15.0"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", readmeInspector, err, out)
	}
	var list struct {
		Tools []struct{ Name string } `json:"tools"`
	}
	if err := json.Unmarshal(out, &list); err != nil || len(list.Tools) != 9 {
		t.Errorf("%s: %d tools, %v\n%s", readmeInspector, len(list.Tools), err, out)
	}
}
