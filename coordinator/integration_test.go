package coordinator

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcp-coordinator/mcp-coordinator/internal/ledger"
	"github.com/mcp-coordinator/mcp-coordinator/internal/testenv"
)

// realCoordinator starts a coordinator over the pinned server-filesystem (rooted in a temporary
// directory holding app.log) and server-memory.
func realCoordinator(t *testing.T) (c *Coordinator, root string, errorLines []string) {
	t.Helper()
	fsBin := testenv.NodeBin(t, "mcp-server-filesystem")
	memBin := testenv.NodeBin(t, "mcp-server-memory")
	dir := t.TempDir()
	root = filepath.Join(dir, "files")
	os.MkdirAll(root, 0o755)
	var log strings.Builder
	for i := 0; i < 2000; i++ {
		level := "INFO"
		if i%250 == 7 {
			level = "ERROR"
		}
		line := fmt.Sprintf("2026-11-22T00:%02d:%02d %s request %d handled", i/60%60, i%60, level, i)
		if level == "ERROR" {
			errorLines = append(errorLines, line)
		}
		log.WriteString(line + "\n")
	}
	os.WriteFile(filepath.Join(root, "app.log"), []byte(log.String()), 0o644)
	cfg := map[string]any{"mcpServers": map[string]any{
		"filesystem": map[string]any{"command": fsBin, "args": []string{root}},
		"memory":     map[string]any{"command": memBin, "env": map[string]string{"MEMORY_FILE_PATH": filepath.Join(dir, "memory.jsonl")}},
	}}
	data, _ := json.Marshal(cfg)
	config := filepath.Join(dir, "mcp.json")
	os.WriteFile(config, data, 0o644)
	c, err := New(Options{ConfigPath: config, Workspace: filepath.Join(dir, "ws"), ConfigPoll: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	// No Start: the servers start on first use, as in the CLI's run.
	return c, root, errorLines
}

func TestRealServerSnippets(t *testing.T) {
	c, root, errorLines := realCoordinator(t)
	tests := []struct {
		name, code string
		want       []string // lines of output, in order
		calls      int
	}{
		{
			name: "only the ERROR lines of a log",
			code: fmt.Sprintf(`f, err := filesystem.ReadTextFile(filesystem.ReadTextFileArgs{Path: %q})
if err != nil {
	fmt.Println(err)
	return
}
for _, line := range strings.Split(f.Content, "\n") {
	if strings.Contains(line, " ERROR ") {
		fmt.Println(line)
	}
}`, filepath.Join(root, "app.log")),
			want:  errorLines,
			calls: 1,
		},
		{
			name: "fill memory from a CSV and query it",
			code: `const people = "name,role,team\nada,engineer,compilers\ngrace,admiral,navy\nlinus,engineer,kernels\n"
rows, err := csv.NewReader(strings.NewReader(people)).ReadAll()
if err != nil {
	panic(err)
}
var ents []memory.Entity
for _, r := range rows[1:] {
	ents = append(ents, memory.Entity{Name: r[0], EntityType: r[1], Observations: []string{"team " + r[2]}})
}
if _, err := memory.CreateEntities(memory.CreateEntitiesArgs{Entities: ents}); err != nil {
	panic(err)
}
found, err := memory.SearchNodes(memory.SearchNodesArgs{Query: "engineer"})
if err != nil {
	panic(err)
}
var names []string
for _, e := range found.Entities {
	names = append(names, e.Name+" ("+e.Observations[0]+")")
}
sort.Strings(names)
fmt.Println(strings.Join(names, "; "))`,
			want:  []string{"ada (team compilers); linus (team kernels)"},
			calls: 2,
		},
		{
			name: "a tool error handled by the snippet",
			code: `_, err := filesystem.ReadTextFile(filesystem.ReadTextFileArgs{Path: "/etc/passwd"})
switch e := err.(type) {
case *mcp_tools.ToolError:
	fmt.Println("tool refused:", e.Tool, strings.Contains(e.Message, "outside allowed"))
case nil:
	fmt.Println("read a file outside the allowed directories!")
default:
	fmt.Println("other error:", err)
}`,
			want:  []string{"tool refused: read_text_file true"},
			calls: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.Run(context.Background(), "test", tt.code, 0)
			if err != nil {
				t.Fatal(err)
			}
			if out.Err != nil {
				t.Fatalf("snippet failed: %v\n%s", out.Err, out.Output)
			}
			if got := strings.TrimRight(out.Output, "\n"); got != strings.Join(tt.want, "\n") {
				t.Errorf("output:\n%s\nwant:\n%s", got, strings.Join(tt.want, "\n"))
			}
			u := out.Usage
			if u.Calls != tt.calls || u.ToolTokens <= u.ReturnedTokens || u.ReturnedTokens != ledger.CountTokens(out.Output) {
				t.Errorf("usage %+v, want %d calls and tool tokens above returned tokens", u, tt.calls)
			}
			t.Logf("%s", out.Footer())
		})
	}
}
