package coordinator

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDeleteFlagsImporters: delete_skill of a skill that another imports leaves the
// importer listed as passing: deleteSkill does not kick the drift check, and Drifted skips an
// import of a skill that is gone. A snippet calling the importer then fails to compile.
func TestDeleteFlagsImporters(t *testing.T) {
	f := newFixture(t, Options{}, "inventory")
	if out, isErr := f.call(t, "save_skill", map[string]any{"name": "stock", "description": "Counts.", "code": stockSkill}); isErr {
		t.Fatalf("save_skill: %s", out)
	}
	twice := "import \"skills/stock\"\n\n// Twice counts twice.\nfunc Twice(c string) (int, error) {\n\tn, err := stock.Count(c)\n\treturn 2 * n, err\n}\n"
	if out, isErr := f.call(t, "save_skill", map[string]any{"name": "twice", "description": "Twice.", "code": twice}); isErr {
		t.Fatalf("save_skill: %s", out)
	}
	if out, isErr := f.call(t, "delete_skill", map[string]any{"name": "stock"}); isErr {
		t.Fatalf("delete_skill: %s", out)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, _ := f.call(t, "list_tools", map[string]any{"server": "skills"})
		if strings.Contains(out, "twice") && strings.Contains(out, "BROKEN") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("skills/twice imports the deleted skills/stock but is not shown broken:\n%s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBadTeamSkillsDirKeepsServing: serve starts despite config problems so that the
// client shows them in the chat (KeepConfigProblems), but a $MCP_COORDINATOR_TEAM_SKILLS (or
// --team-skills) that is not a directory makes New fail: the server does not start at all.
func TestBadTeamSkillsDirKeepsServing(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(TeamSkillsEnv, filepath.Join(dir, "no-such-dir"))
	c, err := New(Options{ConfigPath: filepath.Join(dir, "mcp.json"), Workspace: filepath.Join(dir, "ws"), KeepConfigProblems: true})
	if err != nil {
		t.Fatalf("New with KeepConfigProblems and a missing team skills directory: %v", err)
	}
	c.Close()
}
