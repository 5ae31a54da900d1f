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

	"github.com/mcp-coordinator/mcp-coordinator/internal/ledger"
	"github.com/mcp-coordinator/mcp-coordinator/internal/testenv"
)

// coordinatorOver makes a coordinator in dir whose config holds servers (name -> the entry's
// JSON object), closed when the test ends. No Start: servers start on first use, as in the
// CLI's run.
func coordinatorOver(t *testing.T, dir string, servers map[string]any) *Coordinator {
	t.Helper()
	data, _ := json.Marshal(map[string]any{"mcpServers": servers})
	config := filepath.Join(dir, "mcp.json")
	if err := os.WriteFile(config, data, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := New(Options{ConfigPath: config, Workspace: filepath.Join(dir, "ws"), ConfigPoll: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

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
	c = coordinatorOver(t, dir, map[string]any{
		"filesystem": map[string]any{"command": fsBin, "args": []string{root}},
		"memory":     map[string]any{"command": memBin, "env": map[string]string{"MEMORY_FILE_PATH": filepath.Join(dir, "memory.jsonl")}},
	})
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

// TestFooterCountsWhatAClientShows compares the tokens a run says it kept out of context with
// what a direct client puts into the model's context for the same calls: the text of the
// content. read_text_file also sends structuredContent (the same text again); get-sum sends none.
func TestFooterCountsWhatAClientShows(t *testing.T) {
	fsBin := testenv.NodeBin(t, "mcp-server-filesystem")
	evBin := testenv.NodeBin(t, "mcp-server-everything")
	dir := t.TempDir()
	var log strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&log, "2026-11-22T00:%02d:%02d INFO request %d handled \"ok\"\n", i/60%60, i%60, i)
	}
	file := filepath.Join(dir, "app.log")
	os.WriteFile(file, []byte(log.String()), 0o644)
	servers := map[string]*exec.Cmd{"filesystem": exec.Command(fsBin, dir), "everything": exec.Command(evBin)}
	cfg := map[string]any{}
	for name, cmd := range servers {
		cfg[name] = map[string]any{"command": cmd.Path, "args": cmd.Args[1:]}
	}
	c := coordinatorOver(t, dir, cfg)

	tests := []struct {
		server, tool string
		args         map[string]any
		code         string
		structured   bool
	}{
		{"filesystem", "read_text_file", map[string]any{"path": file},
			fmt.Sprintf(`_, err := filesystem.ReadTextFile(filesystem.ReadTextFileArgs{Path: %q})`, file), true},
		{"everything", "get-sum", map[string]any{"a": 17, "b": 25},
			`_, err := everything.GetSum(everything.GetSumArgs{A: 17, B: 25})`, false},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			client := mcp.NewClient(&mcp.Implementation{Name: "direct"}, nil)
			cmd := servers[tt.server]
			cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: exec.Command(cmd.Path, cmd.Args[1:]...), TerminateDuration: 200 * time.Millisecond}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tt.tool, Arguments: tt.args})
			if err != nil || res.IsError {
				t.Fatalf("direct call: %v %+v", err, res)
			}
			if (res.StructuredContent != nil) != tt.structured {
				t.Fatalf("structuredContent %v, the test expects it: %v", res.StructuredContent != nil, tt.structured)
			}
			var text []string
			for _, b := range res.Content {
				text = append(text, b.(*mcp.TextContent).Text)
			}
			direct := ledger.CountTokens(strings.Join(text, "\n"))

			out, err := c.Run(ctx, "test", tt.code+"\nif err != nil {\n\tpanic(err)\n}", 0)
			if err != nil || out.Err != nil {
				t.Fatalf("run: %v %v\n%s", err, out.Err, out.Output)
			}
			var kept int
			if _, err := fmt.Sscanf(out.Footer()[strings.Index(out.Footer(), " · ")+len(" · "):], "%d tokens kept out", &kept); err != nil {
				t.Fatalf("footer %q: %v", out.Footer(), err)
			}
			if diff := float64(kept-direct) / float64(direct); diff > 0.02 || diff < -0.02 {
				t.Errorf("footer says %d tokens kept out; a direct client shows %d (%.1f%% off, more than 2%%)", kept, direct, 100*diff)
			}
			t.Logf("%s (direct client: %d tokens)", out.Footer(), direct)
		})
	}
}

// TestObservedShape: mcp-sqlite's query declares no output schema and answers JSON text; after
// one call, get_tool shows the shape of that text (keys and types, no values).
func TestObservedShape(t *testing.T) {
	bin := testenv.NodeBin(t, "mcp-sqlite-server")
	dir := t.TempDir()
	c := coordinatorOver(t, dir, map[string]any{
		"sqlite": map[string]any{"command": bin, "args": []string{filepath.Join(dir, "shop.db")}},
	})
	ctx := context.Background()
	get := func() string {
		res, _, err := c.getTool(ctx, nil, toolArgs{Server: "sqlite", Tool: "query"})
		if err != nil || res.IsError {
			t.Fatalf("get_tool: %v %v", err, res)
		}
		return res.Content[0].(*mcp.TextContent).Text
	}
	if strings.Contains(get(), "observed") {
		t.Fatalf("a shape before any call:\n%s", get())
	}
	out, err := c.Run(ctx, "test", `res, err := sqlite.Query(sqlite.QueryArgs{Sql: "SELECT 7 AS n, 'secret' AS name"})
if err != nil {
	panic(err)
}
fmt.Println(len(res.Text()) > 0)`, 0)
	if err != nil || out.Err != nil {
		t.Fatalf("run: %v %v\n%s", err, out.Err, out.Output)
	}
	var doc string
	for range 100 { // the shape is taken off the call path
		if doc = get(); strings.Contains(doc, "observed") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(doc, "Text() held JSON like [{n: number, name: string}] (observed, not declared)") || strings.Contains(doc, "secret") {
		t.Errorf("get_tool after a call:\n%s", doc)
	}
}
