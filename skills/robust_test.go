package skills_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox/sandboxtest"
	"github.com/mcp-coordinator/mcp-coordinator/skills"
)

// TestCheckGoesOnAfterUnreadableSkill: one skill whose skill.json is garbage, sorted
// before the others, stops Check at it: the skills after it are never checked (watchSkills and
// `mcp-coordinator skills check` get an error and no result for them), and since the garbage
// skill is never-checked it is due at every kick, so this repeats forever.
func TestCheckGoesOnAfterUnreadableSkill(t *testing.T) {
	dir := t.TempDir()
	l := newLib(t, dir, "")
	ctx := context.Background()
	if _, err := l.Save(ctx, skills.SaveRequest{Name: "shout", Description: "d", Code: shout}); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "aaa"), 0o755)
	os.WriteFile(filepath.Join(dir, "aaa", "aaa.go"), []byte(strings.ReplaceAll(shout, "shout", "aaa")), 0o644)
	os.WriteFile(filepath.Join(dir, "aaa", "skill.json"), []byte("{garbage"), 0o644)
	l.setStub("v2", mustDemo(t)) // shout is due now, and so is aaa (listed broken, never checked)
	due := l.Drifted()
	if !slices.Contains(due, "shout") {
		t.Fatalf("Drifted = %v, want shout among them", due)
	}
	res, err := l.Check(ctx, due...)
	if !slices.ContainsFunc(res, func(r skills.CheckResult) bool { return r.Name == "shout" }) {
		t.Errorf("Check(%v) = %+v, %v: shout was never checked because aaa's skill.json is unreadable", due, res, err)
	}
}

// TestCheckAllIgnoresNonSkillDirs: a directory in the team (or personal) directory that
// holds no <name>.go (a docs/ folder in the team repository, or a first save killed after
// writing its history file) makes Check() of every skill fail outright.
func TestCheckAllIgnoresNonSkillDirs(t *testing.T) {
	team := t.TempDir()
	os.MkdirAll(filepath.Join(team, "docs"), 0o755)
	l := newLib(t, t.TempDir(), team)
	ctx := context.Background()
	if _, err := l.Save(ctx, skills.SaveRequest{Name: "shout", Description: "d", Code: shout}); err != nil {
		t.Fatal(err)
	}
	res, err := l.Check(ctx)
	if err != nil || len(res) != 1 || res[0].Name != "shout" {
		t.Errorf("Check() = %+v, %v; want shout checked and docs/ ignored", res, err)
	}
}

// TestDeleteCorruptSkill: a skill whose skill.json is garbage cannot be deleted with
// delete_skill / `skills rm`: Delete reads it first and returns the parse error.
func TestDeleteCorruptSkill(t *testing.T) {
	dir := t.TempDir()
	st, _ := skills.Open(skills.Options{Dir: dir, Run: fastRun})
	ctx := context.Background()
	if _, err := st.Save(ctx, skills.SaveRequest{Name: "shout", Description: "d", Code: shout}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "shout", "skill.json"), []byte("{garbage"), 0o644)
	if err := st.Delete(ctx, "shout"); err != nil {
		t.Errorf("Delete of a skill with a corrupt skill.json: %v", err)
	}
}

// TestDriftAfterDependencyDeleted: deleting a skill that another imports leaves the
// importer unflagged: Drifted does not report it (a missing dependency is skipped), so it is
// listed as passing while it no longer compiles.
func TestDriftAfterDependencyDeleted(t *testing.T) {
	l := newLib(t, t.TempDir(), "")
	ctx := context.Background()
	if _, err := l.Save(ctx, skills.SaveRequest{Name: "shout", Description: "d", Code: shout}); err != nil {
		t.Fatal(err)
	}
	twice := "import \"skills/shout\"\n\n// T t.\nfunc T() string { s, _ := shout.Loud(\"a\"); return s + s }\n"
	if _, err := l.Save(ctx, skills.SaveRequest{Name: "twice", Description: "d", Code: twice}); err != nil {
		t.Fatal(err)
	}
	if err := l.Delete(ctx, "shout"); err != nil {
		t.Fatal(err)
	}
	if d := l.Drifted(); !slices.Contains(d, "twice") {
		t.Errorf("Drifted = %v after deleting skills/shout, which twice imports; want twice due", d)
	}
}

// TestNoCodeRunsAtImport: code outside functions runs at every import of a skill, so also at
// every check, even when the example is not read-only: a save of such code is refused, with
// its line, and a regexp compiled at package level still saves.
func TestNoCodeRunsAtImport(t *testing.T) {
	l := newLib(t, t.TempDir(), "")
	for code, want := range map[string]string{
		"package writer\n\nimport \"mcp_tools/demo\"\n\nvar _, _ = demo.Echo(demo.EchoArgs{Message: \"a write\"})\n\n// W writes.\nfunc W() {}\n": "line 5: a package-level variable calls a tool",
		"package writer\n\n// W writes.\nfunc W() {}\n\nfunc init() { W() }\n":                                                                    "line 6: a skill has no init function",
		"package writer\n\nvar n = count()\n\nfunc count() int { return 1 }\n\n// W writes.\nfunc W() int { return n }\n":                         "line 3: a package-level variable calls",
		"package writer\n\nvar n = func() int { return 1 }()\n\n// W writes.\nfunc W() int { return n }\n":                                        "line 3: a package-level variable calls",
	} {
		_, err := l.Save(context.Background(), skills.SaveRequest{Name: "writer", Description: "d", Code: code})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Save: %v, want %q\n%s", err, want, code)
		}
	}
	ok := "import \"regexp\"\n\nvar word = regexp.MustCompile(`\\w+`)\n\nvar table = make(map[string]int, 4)\n\n// Words counts words.\nfunc Words(s string) int { return len(word.FindAllString(s, -1)) + len(table) }\n"
	if _, err := l.Save(context.Background(), skills.SaveRequest{Name: "words", Description: "d", Code: ok}); err != nil {
		t.Errorf("a package-level regexp: %v", err)
	}
}

// TestListingOnlyHasSkills: a directory with a valid name but no <name>.go (a first save
// killed after its history file, an empty folder) is listed in the skills/ tree the sandbox
// sees, so available() offers it and a snippet using it gets "reading package skills/empty:
// open skills/empty: file does not exist" instead of an undefined-name error.
func TestListingOnlyHasSkills(t *testing.T) {
	dir := t.TempDir()
	l := newLib(t, dir, "")
	os.MkdirAll(filepath.Join(dir, "empty", ".history"), 0o755)
	ents, err := fs.ReadDir(l.FS(), "skills")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if _, err := fs.Stat(l.FS(), "skills/"+e.Name()+"/"+e.Name()+".go"); err != nil {
			t.Errorf("skills/ lists %s, which cannot be opened: %v", e.Name(), err)
		}
	}
}

// TestSymlinkedTeamSkill: a team skill directory that is a symlink (a monorepo linking
// .mcp-skills/x to where the code lives) is readable with Get but not listed: names() keeps
// only DirEntry.IsDir(), which is false for a symlink, so snippets cannot import it.
func TestSymlinkedTeamSkill(t *testing.T) {
	team, real := t.TempDir(), t.TempDir()
	os.MkdirAll(filepath.Join(real, "shout"), 0o755)
	os.WriteFile(filepath.Join(real, "shout", "shout.go"), []byte(shout), 0o644)
	if err := os.Symlink(filepath.Join(real, "shout"), filepath.Join(team, "shout")); err != nil {
		t.Skip(err)
	}
	l := newLib(t, t.TempDir(), team)
	if _, err := l.Get("shout"); err != nil {
		t.Fatalf("Get: %v", err)
	}
	if list := l.List(); len(list) != 1 {
		t.Errorf("List = %v: Get finds the symlinked team skill, List does not", list)
	}
}

func mustDemo(t *testing.T) string {
	b, err := fs.ReadFile(sandboxtest.Packages(), "mcp_tools/demo/demo.go")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestNamesWithFileSuffixes: the file of skill <name> is <name>.go, so names ending in
// _test, _<GOOS> or _<GOARCH> pass the name check but make a file that the sandbox (and the Go
// toolchain) skips: the save fails with "no Go files in skills/x_windows", which does not say
// the name is the problem; and x_linux saves on Linux, then breaks on a teammate's Mac.
func TestNamesWithFileSuffixes(t *testing.T) {
	l := newLib(t, t.TempDir(), "")
	for _, n := range []string{"shout_test", "shout_windows", "shout_arm64", "shout_linux"} {
		_, err := l.Save(context.Background(), skills.SaveRequest{Name: n, Description: "d", Code: "// F f.\nfunc F() int { return 1 }\n"})
		if err == nil || !strings.Contains(err.Error(), "name") {
			t.Errorf("Save %s: %v; want the name refused", n, err)
		}
	}
}

// TestDriftSettlesAfterCheck: Check checks in name order, so an importer ("aaa") is
// checked before the skill it imports ("zzz"); when zzz is found broken, its Checked is later
// than aaa's and Drifted reports aaa due again right after the check that covered it (with a
// cycle of hand-written skills it never settles: each kick re-checks them).
func TestDriftSettlesAfterCheck(t *testing.T) {
	l := newLib(t, t.TempDir(), "")
	ctx := context.Background()
	if _, err := l.Save(ctx, skills.SaveRequest{Name: "zzz", Description: "d", Code: strings.ReplaceAll(shout, "package shout", "package zzz")}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Save(ctx, skills.SaveRequest{Name: "aaa", Description: "d", Code: "import \"skills/zzz\"\n\n// A a.\nfunc A() string { s, _ := zzz.Loud(\"a\"); return s }\n"}); err != nil {
		t.Fatal(err)
	}
	l.setStub("v2", strings.ReplaceAll(mustDemo(t), "func Echo(", "func EchoV2(")) // zzz no longer compiles
	due := l.Drifted()
	if _, err := l.Check(ctx, due...); err != nil {
		t.Fatal(err)
	}
	if d := l.Drifted(); len(d) != 0 {
		t.Errorf("Drifted = %v right after Check(%v)", d, due)
	}
}

// TestDriftSeesSaveDuringDependencySave: Save stamps Updated and Checked with the time
// it took the lock, before its check runs. A skill aa saved while a new version of bb, which aa
// imports, is being checked compiles against the old bb and gets a Checked later than the new
// bb's Updated: Drifted never reports aa, though the new bb removed the function aa calls.
func TestDriftSeesSaveDuringDependencySave(t *testing.T) {
	l := newLib(t, t.TempDir(), "")
	started, release := make(chan struct{}), make(chan struct{})
	var gate sync.Once
	armed := false
	run := func(ctx context.Context, tool, code string, sk fs.FS) (string, error) {
		if armed && code == `import _ "skills/bb"` {
			gate.Do(func() { close(started); <-release })
		}
		return l.run(ctx, tool, code, sk)
	}
	st, err := skills.Open(skills.Options{Dir: l.Dir(), Run: run, Stubs: func() map[string]string { return map[string]string{"mcp_tools/demo": "v1"} }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	bb1 := "// F f.\nfunc F() int { return 1 }\n\n// G g.\nfunc G() int { return 2 }\n"
	if _, err := st.Save(ctx, skills.SaveRequest{Name: "bb", Description: "d", Code: bb1}); err != nil {
		t.Fatal(err)
	}
	armed = true
	done := make(chan error)
	go func() {
		_, err := st.Save(ctx, skills.SaveRequest{Name: "bb", Description: "d", Code: "// F f.\nfunc F() int { return 1 }\n"})
		done <- err
	}()
	<-started
	time.Sleep(10 * time.Millisecond)
	if _, err := st.Save(ctx, skills.SaveRequest{Name: "aa", Description: "d", Code: "import \"skills/bb\"\n\n// A a.\nfunc A() int { return bb.G() }\n"}); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if d := st.Drifted(); !slices.Contains(d, "aa") {
		t.Errorf("Drifted = %v: aa was checked against the old bb and imports bb.G, which the new bb removed", d)
	}
	if res, _ := st.Check(ctx, "aa"); len(res) != 1 || res[0].Broken == "" {
		t.Errorf("aa passes a check against the new bb: %+v", res)
	}
}

// TestAddedImportsPreferStdlib: the imports Save adds to a skill's code (importable)
// let skills override stubs and the standard library (later map writes win), the reverse of
// the precedence a snippet's added imports have (standard, runtime, stubs, then skills). A
// hand-written team skill named strings (team skills are never name-checked) silently replaces
// the standard strings in every new skill that uses strings.X without an import line.
func TestAddedImportsPreferStdlib(t *testing.T) {
	team := t.TempDir()
	os.MkdirAll(filepath.Join(team, "strings"), 0o755)
	os.WriteFile(filepath.Join(team, "strings", "strings.go"), []byte("package strings\n\n// ToUpper is not the standard one.\nfunc ToUpper(s string) string { return \"HIJACKED\" }\n"), 0o644)
	l := newLib(t, t.TempDir(), team)
	sk, err := l.Save(context.Background(), skills.SaveRequest{Name: "x", Description: "d",
		Code: "// F f.\nfunc F() string {\n\treturn strings.ToUpper(\"a\")\n}\n", Example: "fmt.Println(x.F())"})
	if err != nil {
		t.Fatal(err)
	}
	if sk.ExampleOutput != "A\n" {
		t.Errorf("strings.ToUpper in a skill without an import line resolved to a skill: printed %q\n%s", sk.ExampleOutput, sk.Source)
	}
	if out := l.exec(t, `fmt.Println(strings.ToUpper("a"))`); out != "A\n" {
		t.Errorf("the same line in a snippet printed %q", out)
	}
}
