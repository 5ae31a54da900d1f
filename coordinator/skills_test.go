package coordinator

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const stockSkill = `// Package stock answers questions about the inventory.
package stock

import "mcp_tools/inventory"

// Count returns how many products the inventory has in category.
func Count(category string) (int, error) {
	p, err := inventory.ListProducts(inventory.ListProductsArgs{Category: &category})
	if err != nil {
		return 0, err
	}
	return len(p.Products), nil
}
`

// TestSkillsOverMCP walks the loop a model takes: save a snippet that worked, find it again,
// import it, restart, import it again, delete it.
func TestSkillsOverMCP(t *testing.T) {
	f := newFixture(t, Options{}, "inventory")
	out, isErr := f.call(t, "save_skill", map[string]any{"name": "stock", "description": "Counts products in a category.",
		"code": stockSkill, "example": `n, err := stock.Count("tools"); fmt.Println(n, err)`, "read_only": true})
	if isErr || !strings.Contains(out, "saved skills/stock, version 1") || !strings.Contains(out, "the example printed: 80 <nil>") {
		t.Fatalf("save_skill: %s", out)
	}
	checks := []struct {
		tool string
		args map[string]any
		want string
	}{
		{"list_tools", map[string]any{"server": "skills"}, "stock: Count(category string) (int, error) // Counts products in a category.\n"},
		{"search_tools", map[string]any{"query": "count products in category"}, "stock.Count(category string) (int, error) // skill: Count returns how many products the inventory has in category.\n"},
		{"search_tools", map[string]any{"query": "count products in category", "detail": "name"}, "stock.Count\n"},
		{"get_tool", map[string]any{"tools": []string{"skills.stock", "inventory.list_products"}}, "func Count(category string) (int, error) {"},
		{"get_tool", map[string]any{"tools": []string{"skills.stock"}}, "// printed:\n80 <nil>\n"},
		{"get_tool", map[string]any{"tools": []string{"stock.Count"}}, "func Count(category string) (int, error) {"},
		{"list_servers", nil, "skills: 1 skill, import \"skills/<name>\"\n"},
		{"execute_code", map[string]any{"code": `n, _ := stock.Count("tools"); fmt.Println(n)`}, "80\n"},
		{"usage_stats", nil, "skills: imported by 1 of 1 runs; check runs: 2 at save"},
	}
	for _, c := range checks {
		if out, isErr := f.call(t, c.tool, c.args); isErr || !strings.Contains(out, c.want) {
			t.Errorf("%s %v: isError=%v, want %q in:\n%s", c.tool, c.args, isErr, c.want, out)
		}
	}

	for _, bad := range []map[string]any{
		{"name": "../x", "description": "d", "code": stockSkill},
		{"name": "fmt", "description": "d", "code": stockSkill},
		{"name": "inventory", "description": "d", "code": stockSkill},
		{"name": "stock2", "description": "d", "code": strings.Replace(stockSkill, "len(p.Products)", "p.Count", 1)},
	} {
		if out, isErr := f.call(t, "save_skill", bad); !isErr || !strings.HasPrefix(out, "not saved: ") {
			t.Errorf("save_skill %v: isError=%v\n%s", bad["name"], isErr, out)
		}
	}
	if out, _ := f.call(t, "save_skill", map[string]any{"name": "stock2", "description": "d", "code": strings.Replace(stockSkill, "len(p.Products)", "p.Count", 1)}); !strings.Contains(out, "line 12:") {
		t.Errorf("a compile error lacks the skill's line:\n%s", out)
	}

	// A restart: another coordinator on the same workspace and config.
	ws, _ := f.c.Paths()
	_, dir := f.c.Paths()
	c2, err := New(Options{ConfigPath: ws, Workspace: dir})
	if err != nil {
		t.Fatal(err)
	}
	f2 := connectFixture(t, c2, nil, ws)
	if out, isErr := f2.call(t, "execute_code", map[string]any{"code": `n, _ := stock.Count("tools"); fmt.Println(n)`}); isErr || out[:3] != "80\n" {
		t.Errorf("after a restart: %s", out)
	}

	if out, isErr := f2.call(t, "delete_skill", map[string]any{"name": "stock"}); isErr || out != "deleted skills/stock\n" {
		t.Errorf("delete_skill: %s", out)
	}
	if out, isErr := f.call(t, "execute_code", map[string]any{"code": `n, _ := stock.Count("tools"); fmt.Println(n)`}); !isErr || !strings.Contains(out, "undefined: stock") {
		t.Errorf("the deleted skill still runs: %s", out)
	}
}

// TestSkillDriftOverMCP drops a tool that a saved skill calls: the server announces the change,
// the stubs are regenerated, and the skill is found broken and shown so, not deleted.
func TestSkillDriftOverMCP(t *testing.T) {
	f := newFixture(t, Options{}, "growing")
	code := "import \"mcp_tools/growing\"\n\n// Grow grows the server.\nfunc Grow() error {\n\t_, err := growing.Grow(growing.GrowArgs{})\n\treturn err\n}\n"
	if out, isErr := f.call(t, "save_skill", map[string]any{"name": "grower", "description": "Grows.", "code": code}); isErr {
		t.Fatalf("save_skill: %s", out)
	}
	if out, isErr := f.call(t, "execute_code", map[string]any{"code": `_, err := growing.Shrink(growing.ShrinkArgs{}); fmt.Println(err)`}); isErr {
		t.Fatalf("shrink: %s", out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, _ := f.call(t, "list_servers", nil)
		if strings.Contains(out, "BROKEN: grower (the skill does not compile: line 7: ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the skill is not found broken after its tool went away:\n%s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	out, _ := f.call(t, "list_tools", map[string]any{"server": "skills"})
	if !strings.Contains(out, "grower: Grow() error // Grows. [BROKEN: the skill does not compile: line 7: ") {
		t.Errorf("list_tools skills:\n%s", out)
	}
	if out, _ := f.call(t, "get_tool", map[string]any{"tools": []string{"skills.grower"}}); !strings.Contains(out, "BROKEN") || !strings.Contains(out, "func Grow() error") {
		t.Errorf("get_tool:\n%s", out)
	}
}

// TestServerNamedSkills: a configured server named "skills" (package skills_2) has list_tools
// and get_tool's "skills" first, and the saved skills stay reachable there: list_tools shows
// them after the server's tools, and a name that is no tool of the server but a skill's shows
// the skill.
func TestServerNamedSkills(t *testing.T) {
	exe, _ := os.Executable()
	f := skillsServerFixture(t, map[string]any{"command": exe, "args": []string{"demo-server", "orders"}})
	checks := []struct {
		tool string
		args map[string]any
		want []string
	}{
		{"list_tools", map[string]any{"server": "skills"}, []string{"import \"mcp_tools/skills_2\"", "skills_2.RecentOrders", "import \"skills/<name>\"", "stock: Count(category string) (int, error)"}},
		{"get_tool", map[string]any{"server": "skills", "tool": "recent_orders"}, []string{"func RecentOrders("}},
		{"get_tool", map[string]any{"server": "skills", "tool": "stock"}, []string{"func Count(category string) (int, error) {"}},
		{"get_tool", map[string]any{"tools": []string{"skills.stock", "skills.recent_orders"}}, []string{"func Count(category string) (int, error) {", "func RecentOrders("}},
		{"execute_code", map[string]any{"code": `n, _ := stock.Count("tools"); _, err := skills_2.RecentOrders(skills_2.RecentOrdersArgs{}); fmt.Println(n, err)`}, []string{"80 <nil>\n"}},
	}
	for _, c := range checks {
		if out, isErr := f.call(t, c.tool, c.args); isErr || !containsAll(out, c.want) {
			t.Errorf("%s %v: isError=%v, want %q in:\n%s", c.tool, c.args, isErr, c.want, out)
		}
	}
	if out, isErr := f.call(t, "get_tool", map[string]any{"server": "skills", "tool": "nothing"}); !isErr || !strings.Contains(out, "nothing") {
		t.Errorf("get_tool of neither a tool nor a skill: isError=%v\n%s", isErr, out)
	}
}

// skillsServerFixture configures the demo inventory and skillsServer under the name "skills",
// and saves the skill stock.
func skillsServerFixture(t *testing.T, skillsServer map[string]any) *fixture {
	t.Helper()
	dir := t.TempDir()
	exe, _ := os.Executable()
	config := filepath.Join(dir, "mcp.json")
	data, _ := json.Marshal(map[string]any{"mcpServers": map[string]any{
		"skills":    skillsServer,
		"inventory": map[string]any{"command": exe, "args": []string{"demo-server", "inventory"}},
	}})
	os.WriteFile(config, data, 0o644)
	c, err := New(Options{ConfigPath: config, Workspace: filepath.Join(dir, "ws")})
	if err != nil {
		t.Fatal(err)
	}
	f := connectFixture(t, c, nil, config)
	if out, isErr := f.call(t, "save_skill", map[string]any{"name": "stock", "description": "Counts products in a category.", "code": stockSkill}); isErr {
		t.Fatalf("save_skill: %s", out)
	}
	return f
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// A server named "skills" that is down still leaves the saved skills listed.
func TestServerNamedSkillsDown(t *testing.T) {
	f := skillsServerFixture(t, map[string]any{"command": filepath.Join(t.TempDir(), "no-such-server")})
	out, isErr := f.call(t, "list_tools", map[string]any{"server": "skills"})
	if isErr || !containsAll(out, []string{`server "skills"`, "stock: Count(category string) (int, error)"}) {
		t.Errorf("list_tools skills: isError=%v\n%s", isErr, out)
	}
}
