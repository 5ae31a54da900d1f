package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/internal/testenv"
)

// serveArg makes the test binary run "mcp-coordinator serve" (see TestMain), so that real
// clients can start the coordinator without a separate build.
const serveArg = "coordinator-serve"

func maybeServe() {
	if len(os.Args) > 1 && os.Args[1] == serveArg {
		// As in main: SIGINT and SIGTERM end serving gracefully.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, append([]string{"serve"}, os.Args[2:]...), os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
}

// realConfig writes a config with server-filesystem (rooted in a directory holding people.csv)
// and server-memory.
func realConfig(t testing.TB, extra map[string]any) (config, workspace, root string) {
	t.Helper()
	dir := t.TempDir()
	root = filepath.Join(dir, "files")
	os.MkdirAll(root, 0o755)
	os.WriteFile(filepath.Join(root, "people.csv"), []byte("name,role\nada,engineer\ngrace,admiral\nlinus,engineer\n"), 0o644)
	servers := map[string]any{
		"filesystem": map[string]any{"command": testenv.NodeBin(t, "mcp-server-filesystem"), "args": []string{root}},
		"memory": map[string]any{"command": testenv.NodeBin(t, "mcp-server-memory"),
			"env": map[string]string{"MEMORY_FILE_PATH": filepath.Join(dir, "memory.jsonl")}},
	}
	for k, v := range extra {
		servers[k] = v
	}
	data, _ := json.Marshal(map[string]any{"mcpServers": servers})
	config = filepath.Join(dir, "mcp.json")
	os.WriteFile(config, data, 0o644)
	return config, filepath.Join(dir, "ws"), root
}

// chainSnippet reads a CSV through server-filesystem, stores its rows in server-memory and
// queries them back: two real servers in one snippet.
func chainSnippet(root string) string {
	return fmt.Sprintf(`f, err := filesystem.ReadTextFile(filesystem.ReadTextFileArgs{Path: %q})
if err != nil {
	panic(err)
}
rows, err := csv.NewReader(strings.NewReader(f.Content)).ReadAll()
if err != nil {
	panic(err)
}
var ents []memory.Entity
for _, r := range rows[1:] {
	ents = append(ents, memory.Entity{Name: r[0], EntityType: r[1], Observations: []string{}})
}
if _, err := memory.CreateEntities(memory.CreateEntitiesArgs{Entities: ents}); err != nil {
	panic(err)
}
found, err := memory.SearchNodes(memory.SearchNodesArgs{Query: "engineer"})
if err != nil {
	panic(err)
}
fmt.Println("engineers:", len(found.Entities))`, filepath.Join(root, "people.csv"))
}

func inspector(t *testing.T, config, workspace string, args ...string) string {
	t.Helper()
	bin := testenv.NodeBin(t, "mcp-inspector")
	exe, _ := os.Executable()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	full := append([]string{"--cli", "-e", "MCP_SERVERS_CONFIG=" + config, "-e", "MCP_COORDINATOR_HOME=" + workspace, exe, serveArg}, args...)
	out, err := exec.CommandContext(ctx, bin, full...).CombinedOutput()
	if err != nil {
		t.Fatalf("inspector %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestInspectorEndToEnd drives "mcp-coordinator serve" over stdio with the real MCP Inspector
// CLI: the tool list is the coordinator's surface, and execute_code chains two real servers.
func TestInspectorEndToEnd(t *testing.T) {
	config, ws, root := realConfig(t, nil)

	out := inspector(t, config, ws, "--method", "tools/list")
	var list struct {
		Tools []struct{ Name string } `json:"tools"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("tools/list: %v\n%s", err, out)
	}
	var names []string
	for _, tl := range list.Tools {
		names = append(names, tl.Name)
	}
	if got := strings.Join(names, " "); got != "delete_skill execute_code generate_tools get_tool list_servers list_tools save_skill search_tools usage_stats" {
		t.Errorf("tools/list: %s", got)
	}

	out = inspector(t, config, ws, "--method", "tools/call", "--tool-name", "execute_code", "--tool-arg", "code="+chainSnippet(root))
	var res mcp.CallToolResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("tools/call: %v\n%s", err, out)
	}
	text := ""
	if len(res.Content) > 0 {
		text = res.Content[0].(*mcp.TextContent).Text
	}
	if res.IsError || !strings.HasPrefix(text, "engineers: 2\n") || !strings.Contains(text, "[calls: filesystem 1, memory 2 · ") {
		t.Errorf("execute_code: isError=%v\n%s", res.IsError, text)
	}
}
