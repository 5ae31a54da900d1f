package skills

import (
	"context"
	"errors"
	"fmt"
	"go/format"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/internal/textcap"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
)

// SaveRequest is one skill to save.
type SaveRequest struct {
	// Name is the package name: import "skills/<Name>".
	Name string
	// Description says what the skill does, in a line; listings show it. Empty means the
	// package's doc comment, else the first function's.
	Description string
	// Code is the package source. A missing package clause is added; another package name is
	// replaced by Name.
	Code string
	// Example, optional, is a snippet that uses the skill; it runs at save, and what it prints
	// is kept as the expected output. ReadOnly says it changes nothing, so checks may run it again.
	Example  string
	ReadOnly bool
}

// MaxSourceBytes bounds a skill's source and its example.
const MaxSourceBytes = 64 << 10

// Save checks req and stores it as the next version of its skill. The checks: the name (a
// lowercase Go package name that is no standard library or stub package), the source (it parses,
// exports a function, and compiles in the sandbox against the current stubs and skills) and the
// example, which must run. A failed check saves nothing and says why, with the line. Saves of one
// name are serialised, also across processes: the last one wins.
func (s *Store) Save(ctx context.Context, req SaveRequest) (*Skill, error) {
	if err := s.checkRequest(req); err != nil {
		return nil, err
	}
	src, store := sources(req.Name, req.Code, s.importable(req.Name))
	p, err := parseSkill(req.Name, src)
	if err != nil {
		return nil, fmt.Errorf("code: %w", err)
	}
	l, err := s.lock(ctx, req.Name)
	if err != nil {
		return nil, err
	}
	defer l.Unlock()
	desc := strings.TrimSpace(req.Description)
	if desc == "" {
		if desc = p.doc; desc == "" && p.funcs[0].Doc != "" {
			desc = p.funcs[0].Doc
		}
	}
	if desc == "" {
		return nil, errors.New("description is empty: say in a line what the skill does, or write doc comments")
	}
	sk := &Skill{Source: src, Meta: Meta{
		Name: req.Name, Description: textcap.OneLine(desc, 300), Funcs: p.funcs, Imports: p.imports,
		Example: strings.TrimSpace(req.Example), ReadOnly: req.ReadOnly && strings.TrimSpace(req.Example) != "",
	}}
	out, err := s.check(ctx, "save_skill", sk, p, treeFS{s: s, over: sk})
	if err != nil {
		if inconclusive(err) {
			return nil, fmt.Errorf("the skill could not be checked now, so it is not saved: %v", errors.Unwrap(err))
		}
		return nil, err
	}
	// Stamped after the check: a skill saved meanwhile against the previous version of this
	// one was checked before this Updated, so Drifted finds it due.
	now := time.Now().UTC()
	sk.Created, sk.Updated, sk.Checked = now, now, now
	sk.ExampleOutput = out
	sk.Source = store
	if f, err := format.Source([]byte(store)); err == nil {
		sk.Source = string(f)
	}
	sk.SourceSHA256 = sum(sk.Source)
	sk.Stubs = s.stubHashes(sk.Imports)
	dir := filepath.Join(s.opts.Dir, req.Name)
	old, _ := readSkill(dir, req.Name)
	if old != nil {
		sk.Created = old.Created
		sk.Previous = append(slices.Clone(old.Previous), Version{old.Version, old.Updated, old.SourceSHA256})
		if old.Created.IsZero() { // written by hand
			sk.Created = now
		}
	}
	sk.Version = lastVersion(dir) + 1
	if err := s.write(sk); err != nil {
		return nil, err
	}
	if s.opts.TeamDir != "" {
		t, _ := readSkill(filepath.Join(s.opts.TeamDir, req.Name), req.Name)
		sk.Shadows = t != nil
	}
	return sk, nil
}

func (s *Store) checkRequest(req SaveRequest) error {
	if err := checkName(req.Name); err != nil {
		return err
	}
	if _, ok := s.currentStubs()["mcp_tools/"+req.Name]; ok {
		return fmt.Errorf("skill name %q is the name of a server's package (mcp_tools/%s); choose another", req.Name, req.Name)
	}
	switch {
	case strings.TrimSpace(req.Code) == "":
		return errors.New("code is empty: give the package source, exported functions with doc comments")
	case len(req.Code) > MaxSourceBytes || len(req.Example) > MaxSourceBytes:
		return fmt.Errorf("code or example above %d bytes: a skill holds logic, not data", MaxSourceBytes)
	}
	return nil
}

// importable maps the package names a skill may use without an import line to their paths:
// the allowed standard library, the runtime mcp_tools, the stub packages and the other skills.
func (s *Store) importable(self string) map[string]string {
	// The order of a snippet's: the standard library wins, then the runtime, the stubs, and
	// the skills last (a team skill named strings never stands in for the package).
	m := map[string]string{}
	add := func(name, ip string) {
		if m[name] == "" {
			m[name] = ip
		}
	}
	for _, p := range sandbox.AllowedStdlib() {
		if name := path.Base(p); name != "v2" {
			add(name, p)
		}
	}
	add("mcp_tools", "mcp_tools")
	for _, ip := range slices.Sorted(maps.Keys(s.currentStubs())) {
		if name, ok := stubPackage(ip); ok {
			add(name, ip)
		}
	}
	for _, name := range s.names() {
		if name != self {
			add(name, "skills/"+name)
		}
	}
	return m
}

// lastVersion is the highest version in dir's history, 0 when none.
func lastVersion(dir string) int {
	last := historyLast(dir)
	if sk, _ := readSkill(dir, filepath.Base(dir)); sk != nil && sk.Version > last {
		last = sk.Version
	}
	return last
}

// historyLast is the highest version number among dir's history files, 0 when none.
func historyLast(dir string) int {
	ents, _ := os.ReadDir(filepath.Join(dir, ".history"))
	last := 0
	for _, e := range ents {
		if n, err := strconv.Atoi(strings.TrimSuffix(e.Name(), ".json")); err == nil && n > last {
			last = n
		}
	}
	return last
}

func (s *Store) currentStubs() map[string]string {
	if s.opts.Stubs == nil {
		return nil
	}
	return s.opts.Stubs()
}

// stubHashes returns the current hash of each stub package among imports.
func (s *Store) stubHashes(imports []string) map[string]string {
	cur := s.currentStubs()
	out := map[string]string{}
	for _, ip := range imports {
		if _, ok := stubPackage(ip); ok {
			out[ip] = cur[ip]
		}
	}
	return out
}

// check compiles sk, with tree serving the skills, and runs its example when it has one and
// either the skill is new (a save) or the example is read-only. It returns the example's
// output. Its errors say what failed, with the skill's line where there is one.
func (s *Store) check(ctx context.Context, tool string, sk *Skill, p *parsed, tree treeFS) (string, error) {
	if s.opts.Run == nil {
		return "", errors.New("skills cannot be checked here: no sandbox")
	}
	if _, err := s.opts.Run(ctx, tool, `import _ "skills/`+sk.Name+`"`, tree); err != nil {
		return "", &checkError{"the skill does not compile: " + explain(sk.Name, p, err), err}
	}
	if sk.Example == "" || (tool != "save_skill" && !sk.ReadOnly) {
		return sk.ExampleOutput, nil
	}
	out, err := s.opts.Run(ctx, tool, sk.Example, tree)
	if err != nil {
		msg := "the example failed: " + textcap.OneLine(err.Error(), 1000)
		if out != "" {
			msg += "\noutput before the failure:\n" + textcap.OneLine(out, 500)
		}
		return "", &checkError{msg, err}
	}
	return out, nil
}

// checkError is a failed check: the message for the model, and the sandbox's error.
type checkError struct {
	msg string
	err error
}

func (e *checkError) Error() string { return e.msg }
func (e *checkError) Unwrap() error { return e.err }

// inconclusive reports whether err says nothing about the skill itself: a server it needs
// could not be reached, or the check was cut short.
func inconclusive(err error) bool {
	var se *sandbox.Error
	return errors.As(err, &se) && (se.Kind == sandbox.KindUnavailable || se.Kind == sandbox.KindKilled)
}

// fileLineRE finds a position in a skill's file in an interpreter message.
var fileLineRE = regexp.MustCompile(`skills/([a-z][a-z0-9_]*)/[a-z][a-z0-9_]*\.go:(\d+)(?::\d+)?: `)

// explain turns a sandbox error about skill name into a message with the skill's line: an
// interpreter position in its file ("skills/x/x.go:19:14: cannot convert"), or the line of an
// import that was refused.
func explain(name string, p *parsed, err error) string {
	msg := err.Error()
	if m := fileLineRE.FindStringSubmatchIndex(msg); m != nil {
		skill := msg[m[2]:m[3]]
		where := "line " + msg[m[4]:m[5]]
		if skill != name {
			where = "skills/" + skill + " line " + msg[m[4]:m[5]]
		}
		return where + ": " + textcap.OneLine(msg[m[1]:], 1000)
	}
	for ip, line := range p.lines {
		if strings.Contains(msg, "skills/"+name+" imports "+ip+":") {
			return fmt.Sprintf("line %d: %s", line, textcap.OneLine(msg, 1000))
		}
	}
	return textcap.OneLine(msg, 1000)
}

// CheckResult is the outcome of checking one skill.
type CheckResult struct {
	Name string
	// Broken is why the skill fails now, or "".
	Broken string
	// Was is what Broken was before the check.
	Was string
	// Inconclusive says why the check could not judge the skill (a server it needs was
	// unavailable); the skill is left as it was, and due for a check.
	Inconclusive string
}

// Check checks the named skills again (every skill when none are named): each compiles against
// the current stubs, and a read-only example prints what it printed at save. A skill that fails
// is marked broken with the reason, never deleted; one that passes again is no longer broken.
// A personal skill's result is written to its skill.json; a team skill's is kept in memory.
func (s *Store) Check(ctx context.Context, names ...string) ([]CheckResult, error) {
	if len(names) == 0 {
		names = s.names()
	}
	var out []CheckResult
	for _, name := range names {
		r, err := s.checkOne(ctx, name)
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		if err != nil { // unreadable, or its lock not had: that skill fails, the others go on
			r = CheckResult{Name: name, Broken: err.Error(), Was: r.Was}
		}
		out = append(out, r)
	}
	return out, nil
}

func (s *Store) checkOne(ctx context.Context, name string) (CheckResult, error) {
	l, err := s.lock(ctx, name)
	if err != nil {
		return CheckResult{}, err
	}
	defer l.Unlock()
	sk, err := s.Get(name)
	if err != nil {
		return CheckResult{}, err
	}
	r := CheckResult{Name: name, Was: sk.Broken}
	p, perr := parseSkill(name, sk.Source)
	if perr != nil {
		r.Broken = perr.Error()
	} else if out, err := s.check(ctx, "check_skill", sk, p, treeFS{s: s}); err != nil {
		if inconclusive(err) { // the skill stays as it was, and due
			r.Broken, r.Inconclusive = sk.Broken, err.Error()
			return r, nil
		}
		r.Broken = err.Error()
	} else if sk.Example != "" && sk.ReadOnly && out != sk.ExampleOutput {
		r.Broken = fmt.Sprintf("the example's output changed: it printed %q at save, now %q", textcap.OneLine(sk.ExampleOutput, 300), textcap.OneLine(out, 300))
	}
	if ctx.Err() != nil { // a check cut short says nothing about the skill
		return r, ctx.Err()
	}
	sk.Broken, sk.Checked, sk.Stubs = r.Broken, time.Now().UTC(), s.stubHashes(sk.Imports)
	if sk.Team {
		s.mu.Lock()
		s.team[name] = teamCheck{sha: sk.SourceSHA256, broken: sk.Broken, checked: sk.Checked, stubs: sk.Stubs}
		s.mu.Unlock()
		return r, nil
	}
	if sk.Version == 0 { // written by hand: its first check makes it version 1
		sk.Version, sk.Created, sk.Updated = lastVersion(filepath.Join(s.opts.Dir, name))+1, sk.Checked, sk.Checked
		return r, s.write(sk)
	}
	return r, s.writeMeta(sk)
}

// Drifted returns the skills due for a check, sorted: never checked, or a stub package they
// import (directly or through another skill) has changed since their check, or a skill they
// import was saved or found broken since.
func (s *Store) Drifted() []string {
	cur := s.currentStubs()
	all := map[string]*Skill{}
	for _, sk := range s.List() {
		all[sk.Name] = sk
	}
	memo := map[string]bool{}
	var due func(name string, depth int) bool
	due = func(name string, depth int) bool {
		if v, ok := memo[name]; ok {
			return v
		}
		sk := all[name]
		if sk == nil || sk.unreadable || depth > len(all) {
			return false
		}
		memo[name] = false // a cycle does not recurse
		d := sk.Checked.IsZero()
		for _, ip := range sk.Imports {
			if _, ok := stubPackage(ip); ok {
				if h, known := cur[ip]; known && h != sk.Stubs[ip] {
					d = true
				}
				continue
			}
			// Due when the skill it imports changed since its check, or went missing or
			// broken while it passed (a broken skill is not re-flagged by a broken import:
			// that would never settle).
			dep := all[strings.TrimPrefix(ip, "skills/")]
			switch {
			case dep == nil:
				d = d || sk.Broken == ""
			case dep.Updated.After(sk.Checked), sk.Broken == "" && dep.Broken != "" && dep.Checked.After(sk.Checked), due(dep.Name, depth+1):
				d = true
			}
		}
		memo[name] = d
		return d
	}
	var out []string
	for name := range all {
		if due(name, 0) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
