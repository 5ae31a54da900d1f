package skills_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/process"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/sandboxtest"
	"github.com/mcp-coordinator/mcp-coordinator/skills"
)

func TestMain(m *testing.M) {
	process.MaybeRunAsRunner()
	if len(os.Args) == 3 && os.Args[1] == "save-forever" {
		saveForever(os.Args[2])
	}
	os.Exit(m.Run())
}

// lib is a store wired to a real sandbox over the test server "demo", whose stub package can
// be swapped to make skills drift.
type lib struct {
	*skills.Store
	eng   *process.Engine
	mu    sync.Mutex
	stubs fs.FS
	hash  string // the demo stub's tools hash
}

var (
	engOnce sync.Once
	eng     *process.Engine
)

func engine(t testing.TB) *process.Engine {
	engOnce.Do(func() {
		var err error
		if eng, err = process.New(&process.Options{PoolSize: 1}); err != nil {
			t.Fatal(err)
		}
	})
	return eng
}

func newLib(t testing.TB, dir, team string) *lib {
	t.Helper()
	l := &lib{eng: engine(t), stubs: sandboxtest.Packages(), hash: "v1"}
	st, err := skills.Open(skills.Options{Dir: dir, TeamDir: team, Run: l.run, Stubs: func() map[string]string {
		l.mu.Lock()
		defer l.mu.Unlock()
		return map[string]string{"mcp_tools/demo": l.hash}
	}})
	if err != nil {
		t.Fatal(err)
	}
	l.Store = st
	return l
}

func (l *lib) run(ctx context.Context, tool, code string, sk fs.FS) (string, error) {
	l.mu.Lock()
	stubs := l.stubs
	l.mu.Unlock()
	res, err := l.eng.Run(ctx, &sandbox.Request{Source: code, Packages: skills.Mount(stubs, sk), Tools: &sandboxtest.Tools{}})
	if res == nil {
		return "", err
	}
	return res.Stdout, err
}

// exec runs a snippet with the store's skills, as the coordinator does.
func (l *lib) exec(t *testing.T, code string) string {
	t.Helper()
	out, err := l.run(context.Background(), "execute_code", code, l.FS())
	if err != nil {
		t.Fatalf("snippet failed: %v\n%s", err, code)
	}
	return out
}

// setStub swaps the demo server's stub package, as a regeneration after a tools change does.
func (l *lib) setStub(hash, src string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hash = hash
	l.stubs = sandboxtest.WithStub(sandboxtest.Packages(), "demo", src)
}

const shout = `// Package shout shouts through the demo server.
package shout

import (
	"strings"

	"mcp_tools/demo"
)

// Loud returns the demo server's echo of s, upper-cased.
func Loud(s string) (string, error) {
	r, err := demo.Echo(demo.EchoArgs{Message: s})
	if err != nil {
		return "", err
	}
	return strings.ToUpper(r.Text()), nil
}
`

func TestSaveImportRestart(t *testing.T) {
	dir := t.TempDir()
	l := newLib(t, dir, "")
	sk, err := l.Save(context.Background(), skills.SaveRequest{
		Name: "shout", Description: "Shouts an echo.", Code: shout,
		Example: `s, _ := shout.Loud("hi"); fmt.Println(s)`, ReadOnly: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if sk.Version != 1 || sk.ExampleOutput != "ECHO: HI\n" || len(sk.Funcs) != 1 ||
		sk.Funcs[0].Signature != "func Loud(s string) (string, error)" || sk.Funcs[0].Doc != "Loud returns the demo server's echo of s, upper-cased." {
		t.Errorf("saved skill = %+v", sk.Meta)
	}
	if got := sk.Stubs["mcp_tools/demo"]; got != "v1" {
		t.Errorf("recorded stub hash %q, want v1", got)
	}
	if out := l.exec(t, `s, err := shout.Loud("a"); fmt.Println(s, err)`); out != "ECHO: A <nil>\n" {
		t.Errorf("snippet printed %q", out)
	}

	restarted := newLib(t, dir, "")
	if out := restarted.exec(t, `import "skills/shout"

func main() { s, _ := shout.Loud("b"); fmt.Print(s) }`); out != "ECHO: B" {
		t.Errorf("after a restart the snippet printed %q", out)
	}
	list := restarted.List()
	if len(list) != 1 || list[0].Name != "shout" || list[0].Description != "Shouts an echo." || list[0].Broken != "" {
		t.Errorf("List after restart = %+v", list)
	}
	if d := restarted.Drifted(); len(d) != 0 {
		t.Errorf("Drifted = %v right after a save, want none", d)
	}
}

func TestSkillImportsSkill(t *testing.T) {
	l := newLib(t, t.TempDir(), "")
	ctx := context.Background()
	if _, err := l.Save(ctx, skills.SaveRequest{Name: "shout", Description: "Shouts.", Code: shout}); err != nil {
		t.Fatal(err)
	}
	twice := `// Twice shouts s twice.
func Twice(s string) (string, error) {
	a, err := shout.Loud(s)
	if err != nil {
		return "", err
	}
	return a + " " + a, nil
}`
	// No package clause and no import lines, as in a snippet: both are added, and an error
	// still points at the line the model wrote.
	_, err := l.Save(ctx, skills.SaveRequest{Name: "twice", Description: "Shouts twice.", Code: strings.Replace(twice, "return a + ", "return 1 + ", 1)})
	if err == nil || !strings.Contains(err.Error(), "line 7:") {
		t.Errorf("the compile error lacks the model's line 7: %v", err)
	}
	// No description: the doc comment stands in.
	sk, err := l.Save(ctx, skills.SaveRequest{Name: "twice", Code: twice})
	if err != nil {
		t.Fatal(err)
	}
	if sk.Description != "Twice shouts s twice." {
		t.Errorf("description %q, want the function's doc comment", sk.Description)
	}
	if !strings.HasPrefix(sk.Source, "package twice\n\nimport \"skills/shout\"\n") || len(sk.Imports) != 1 || sk.Imports[0] != "skills/shout" {
		t.Errorf("stored source or imports wrong: %v\n%s", sk.Imports, sk.Source)
	}
	if out := l.exec(t, `s, _ := twice.Twice("x"); fmt.Println(s)`); out != "ECHO: X ECHO: X\n" {
		t.Errorf("snippet printed %q", out)
	}
}

func TestSaveRefuses(t *testing.T) {
	dir := t.TempDir()
	l := newLib(t, dir, "")
	ctx := context.Background()
	tests := []struct {
		name, code, example, want string
	}{
		{"../x", shout, "", "lowercase letters"},
		{"", shout, "", "needs a name"},
		{"A B", shout, "", "lowercase letters"},
		{"os", shout, "", "standard library"},
		{"fmt", shout, "", "standard library"},
		{"demo", shout, "", "server's package"},
		{"func", shout, "", "keyword"},
		{"x", "package x\n\nfunc Broken() int {\n\treturn \"a\"\n}\n", "", "line 4"},
		{"x", "package x\n\nfunc f() {}\n", "", "exports no function"},
		{"x", "package x\n\nfunc F() {\n", "", "line 3: syntax error"},
		{"x", "package x\n\nimport \"os\"\n\n// F f.\nfunc F() { os.Exit(1) }\n", "", "line 3"},
		{"x", "package x\n\n// F f.\nfunc F() int { return 1 }\n", `panic("boom")`, "the example failed"},
		{"x", "package x\n\nimport \"skills/x\"\n\n// F f.\nfunc F() int { return 1 }\n", "", "cannot import itself"},
		{"x", "package x\n\nfunc F() int { return 1 }\n", "", "description is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" "+tt.want, func(t *testing.T) {
			desc := "d"
			if tt.want == "description is empty" {
				desc = ""
			}
			_, err := l.Save(ctx, skills.SaveRequest{Name: tt.name, Description: desc, Code: tt.code, Example: tt.example})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to say %q", err, tt.want)
			}
		})
	}
	if ents, _ := filepath.Glob(filepath.Join(dir, "*", "*.go")); len(ents) != 0 {
		t.Errorf("failed saves wrote %v", ents)
	}
	if _, err := os.Stat(filepath.Join(dir, "..", "x")); err == nil {
		t.Error("a save escaped the skills directory")
	}
}

// TestDrift changes the demo server's stubs under a saved skill: first its output (the
// read-only example notices), then its declarations (the skill no longer compiles), then back.
func TestDrift(t *testing.T) {
	l := newLib(t, t.TempDir(), "")
	ctx := context.Background()
	if _, err := l.Save(ctx, skills.SaveRequest{Name: "shout", Description: "Shouts.", Code: shout,
		Example: `s, _ := shout.Loud("hi"); fmt.Println(s)`, ReadOnly: true}); err != nil {
		t.Fatal(err)
	}
	demo, err := fs.ReadFile(sandboxtest.Packages(), "mcp_tools/demo/demo.go")
	if err != nil {
		t.Fatal(err)
	}
	// v2: Echo calls another tool, so the example prints something else.
	l.setStub("v2", strings.Replace(string(demo), `mcp_tools.Call("demo", "echo", args, nil)`, `mcp_tools.Call("demo", "echo", EchoArgs{Message: "changed " + args.Message}, nil)`, 1))
	if d := l.Drifted(); len(d) != 1 || d[0] != "shout" {
		t.Fatalf("Drifted = %v, want [shout]", d)
	}
	res, err := l.Check(ctx, l.Drifted()...)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || !strings.Contains(res[0].Broken, "the example's output changed") || !strings.Contains(res[0].Broken, "CHANGED HI") {
		t.Errorf("Check = %+v, want the changed output", res)
	}
	if sk, _ := l.Get("shout"); sk == nil || sk.Broken == "" {
		t.Errorf("the skill is not marked broken: %+v", sk)
	}
	if d := l.Drifted(); len(d) != 0 {
		t.Errorf("Drifted = %v after the check, want none", d)
	}

	// v3: Echo is gone.
	l.setStub("v3", strings.ReplaceAll(string(demo), "func Echo(", "func EchoV2("))
	res, _ = l.Check(ctx, l.Drifted()...)
	if len(res) != 1 || !strings.Contains(res[0].Broken, "does not compile: line 12") || !strings.Contains(res[0].Broken, "Echo") {
		t.Errorf("Check = %+v, want a compile error at line 12", res)
	}
	if l.List()[0].Broken == "" {
		t.Error("List does not show the skill broken")
	}

	l.setStub("v1", string(demo))
	res, _ = l.Check(ctx)
	if len(res) != 1 || res[0].Broken != "" || res[0].Was == "" {
		t.Errorf("Check after the stubs came back = %+v, want it fixed", res)
	}
}

func TestTeamSkills(t *testing.T) {
	team := t.TempDir()
	// A team skill written by hand, without skill.json.
	if err := os.MkdirAll(filepath.Join(team, "shout"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(team, "shout", "shout.go"), []byte(shout), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(team, "shout"), 0o555)
	os.Chmod(team, 0o555)
	t.Cleanup(func() { os.Chmod(team, 0o755); os.Chmod(filepath.Join(team, "shout"), 0o755) })
	before := snapshot(t, team)

	l := newLib(t, t.TempDir(), team)
	list := l.List()
	if len(list) != 1 || !list[0].Team || list[0].Description != "Package shout shouts through the demo server." {
		t.Fatalf("List = %+v", list)
	}
	if out := l.exec(t, `s, _ := shout.Loud("t"); fmt.Println(s)`); out != "ECHO: T\n" {
		t.Errorf("snippet printed %q", out)
	}
	if d := l.Drifted(); len(d) != 1 {
		t.Errorf("a team skill never checked is not due: %v", d)
	}
	if res, err := l.Check(context.Background()); err != nil || len(res) != 1 || res[0].Broken != "" {
		t.Errorf("Check = %+v, %v", res, err)
	}
	if d := l.Drifted(); len(d) != 0 {
		t.Errorf("Drifted = %v after the check", d)
	}
	if err := l.Delete(context.Background(), "shout"); err == nil || !strings.Contains(err.Error(), "team") {
		t.Errorf("Delete of a team skill: %v", err)
	}
	// A personal save of the same name hides the team's, and writes nothing there.
	sk, err := l.Save(context.Background(), skills.SaveRequest{Name: "shout", Description: "Mine.", Code: shout})
	if err != nil || !sk.Shadows {
		t.Fatalf("save over a team name: %v, %+v", err, sk)
	}
	if got := l.List(); len(got) != 1 || got[0].Team || got[0].Description != "Mine." {
		t.Errorf("List = %+v, want the personal skill", got)
	}
	if after := snapshot(t, team); after != before {
		t.Errorf("the team directory changed:\n%s\nwas\n%s", after, before)
	}
}

func snapshot(t *testing.T, dir string) string {
	var b strings.Builder
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(p)
			fmt.Fprintf(&b, "%s %d\n", p, len(data))
		}
		return nil
	})
	return b.String()
}

func TestDeleteKeepsVersions(t *testing.T) {
	dir := t.TempDir()
	l := newLib(t, dir, "")
	ctx := context.Background()
	for i := range 2 {
		if _, err := l.Save(ctx, skills.SaveRequest{Name: "shout", Description: fmt.Sprint("v", i), Code: shout}); err != nil {
			t.Fatal(err)
		}
	}
	sk, _ := l.Get("shout")
	if sk.Version != 2 || len(sk.Previous) != 1 || sk.Previous[0].Version != 1 {
		t.Errorf("after two saves: version %d, previous %+v", sk.Version, sk.Previous)
	}
	if err := l.Delete(ctx, "shout"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Get("shout"); err == nil {
		t.Error("the deleted skill is still there")
	}
	kept, _ := filepath.Glob(filepath.Join(dir, ".deleted", "shout-*", ".history", "*.json"))
	if len(kept) != 2 {
		t.Errorf("kept versions %v, want 2", kept)
	}
	if err := l.Delete(ctx, "shout"); err == nil || !strings.Contains(err.Error(), "no skill") {
		t.Errorf("second delete: %v", err)
	}
}

// fastRun checks nothing: the storage tests run many saves.
func fastRun(context.Context, string, string, fs.FS) (string, error) { return "", nil }

func TestConcurrentSaves(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each its own Store, as separate processes would have.
			st, err := skills.Open(skills.Options{Dir: dir, Run: fastRun})
			if err == nil {
				_, err = st.Save(context.Background(), skills.SaveRequest{Name: "shout", Description: fmt.Sprint("saver ", i), Code: shout})
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	st, _ := skills.Open(skills.Options{Dir: dir})
	sk, err := st.Get("shout")
	if err != nil {
		t.Fatal(err)
	}
	if sk.Version != n || len(sk.Previous) != n-1 {
		t.Errorf("version %d with %d previous, want %d and %d: a save was lost", sk.Version, len(sk.Previous), n, n-1)
	}
}

// saveForever saves new versions of one skill until killed.
func saveForever(dir string) {
	st, err := skills.Open(skills.Options{Dir: dir, Run: fastRun})
	if err != nil {
		panic(err)
	}
	for i := 0; ; i++ {
		code := strings.Replace(shout, "upper-cased.", fmt.Sprintf("upper-cased, version %d.", i), 1)
		if _, err := st.Save(context.Background(), skills.SaveRequest{Name: "shout", Description: fmt.Sprint("v", i), Code: code}); err != nil {
			panic(err)
		}
	}
}

// TestKilledDuringSave kills a process that saves in a loop, at varied moments, and reads the
// store after each kill: the skill is always whole, its source the one its metadata names.
func TestKilledDuringSave(t *testing.T) {
	dir := t.TempDir()
	for i := range 20 {
		cmd := exec.Command(os.Args[0], "save-forever", dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(15+i*5) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		st, err := skills.Open(skills.Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		sk, err := st.Get("shout")
		if err != nil {
			continue // killed before the first save finished
		}
		if sk.Broken != "" || sk.Description == "" || !strings.Contains(sk.Source, "upper-cased, version ") {
			t.Fatalf("after kill %d the skill is not whole: %+v\n%s", i, sk.Meta, sk.Source)
		}
		v := strings.TrimPrefix(sk.Description, "v")
		if !strings.Contains(sk.Source, "version "+v+".") || sk.Funcs[0].Doc != "Loud returns the demo server's echo of s, upper-cased, version "+v+"." {
			t.Fatalf("after kill %d the metadata (%q, %q) and the source disagree:\n%s", i, sk.Description, sk.Funcs[0].Doc, sk.Source)
		}
	}
}

// TestSaveCutShort leaves the store as a save killed between writing the source and
// skill.json would: the version skill.json names is read, whole, from the history.
func TestSaveCutShort(t *testing.T) {
	dir := t.TempDir()
	st, _ := skills.Open(skills.Options{Dir: dir, Run: fastRun})
	ctx := context.Background()
	if _, err := st.Save(ctx, skills.SaveRequest{Name: "shout", Description: "first", Code: shout}); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(filepath.Join(dir, "shout", "skill.json"))
	second := strings.Replace(shout, "upper-cased", "in capitals", 1)
	if _, err := st.Save(ctx, skills.SaveRequest{Name: "shout", Description: "second", Code: second}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "shout", "skill.json"), first, 0o644); err != nil {
		t.Fatal(err)
	}
	sk, err := st.Get("shout")
	if err != nil {
		t.Fatal(err)
	}
	if sk.Description != "first" || sk.Version != 1 || strings.Contains(sk.Source, "in capitals") || sk.Broken != "" {
		t.Errorf("got version %d %q, source:\n%s", sk.Version, sk.Description, sk.Source)
	}
	// The next save goes on from the newest version on disk.
	sk, err = st.Save(ctx, skills.SaveRequest{Name: "shout", Description: "third", Code: second})
	if err != nil || sk.Version != 3 {
		t.Errorf("the next save: %v, version %d, want 3", err, sk.Version)
	}
	// A first save cut short after its source, before skill.json: its version is read whole
	// from the history (it was read as a skill written by hand, description and all lost).
	dir2 := t.TempDir()
	st2, _ := skills.Open(skills.Options{Dir: dir2, Run: fastRun})
	if _, err := st2.Save(ctx, skills.SaveRequest{Name: "shout", Description: "only", Code: shout, Example: "fmt.Println(1)"}); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir2, "shout", "skill.json"))
	if sk, err := st2.Get("shout"); err != nil || sk.Description != "only" || sk.Version != 1 || sk.Example == "" {
		t.Errorf("a first save cut short: %v %+v", err, sk)
	}
	// An edit by hand is taken as it is.
	edited := strings.Replace(second, "in capitals", "edited by hand", 1)
	os.WriteFile(filepath.Join(dir, "shout", "shout.go"), []byte(edited), 0o644)
	if sk, _ := st.Get("shout"); !strings.Contains(sk.Source, "edited by hand") || !sk.Checked.IsZero() || sk.Description != "third" {
		t.Errorf("an edit by hand: %+v", sk.Meta)
	}
}
