package skills

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing/fstest"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/internal/atomicfile"
	"github.com/mcp-coordinator/mcp-coordinator/internal/flock"
)

// Runner runs code as a snippet against the current stubs, with skills serving the skills/
// tree (skills/<name>/<name>.go) in place of the store's own, and returns what it printed, or
// its failure. tool names the run in the ledger ("save_skill", "check_skill"). The coordinator
// runs it in the sandbox.
type Runner func(ctx context.Context, tool, code string, skills fs.FS) (output string, err error)

// Options configures a Store. The zero value of each field means its default.
type Options struct {
	// Dir is the personal skills directory, <workspace>/skills. Required; it is created.
	Dir string
	// TeamDir is a directory of team skills in the same layout, read and never written, or
	// empty for none. A personal skill of the same name hides the team's.
	TeamDir string
	// Run checks skills: it compiles them and runs their examples. Nil makes Save and Check fail.
	Run Runner
	// Stubs returns the stub packages there are now: import path ("mcp_tools/x") -> the hash of
	// the tools they were generated from. Nil means none. A skill records the hashes of the
	// stubs it imports; a change makes it due for a check (see [Store.Drifted]).
	Stubs func() map[string]string
	// LockWait bounds how long a save waits for another save of the same name. Default 2 min.
	LockWait time.Duration
}

// Store is the skills library: the one owner of <workspace>/skills. Each skill lives in its own
// directory:
//
//	skills/<name>/<name>.go          the source: package <name>, exported functions with docs
//	skills/<name>/skill.json         its Meta
//	skills/<name>/.history/<n>.json  every saved version, Meta and source together
//	skills/.deleted/<name>-<time>/   a deleted skill, versions and all, until removed by hand
//	skills/.locks/<name>             serialises the saves of one name, across processes
//
// A save writes the new version's history file, then the source, then skill.json, each
// atomically: a process killed at any point leaves the old version or the new one readable
// (a source newer than its skill.json is set aside for the version skill.json names). A Store
// is safe for concurrent use, also by several processes sharing the directory.
type Store struct {
	opts Options

	mu   sync.Mutex
	team map[string]teamCheck // check results of team skills, which are never written
}

// teamCheck is the last check of a team skill, kept in memory.
type teamCheck struct {
	sha     string // the source it checked
	broken  string
	checked time.Time
	stubs   map[string]string
}

// Skill is one skill as a snippet imports it.
type Skill struct {
	Meta
	// Source is the package source.
	Source string
	// Team is true for a skill of Options.TeamDir; Shadows for a personal skill that hides a
	// team skill of the same name.
	Team, Shadows bool

	unreadable bool // listed for its error: no check can change it
}

// Meta is what skill.json holds about a skill.
type Meta struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Version counts the saves of this name, from 1; 0 for a skill written by hand.
	Version      int    `json:"version"`
	SourceSHA256 string `json:"source_sha256"`
	// Funcs are the exported functions.
	Funcs []Func `json:"funcs"`
	// Imports are the stub and skill packages the source imports.
	Imports []string `json:"imports,omitempty"`
	// Stubs maps each stub package imported to the hash of its tools at the last check.
	Stubs map[string]string `json:"stubs,omitempty"`
	// Example is a snippet that uses the skill, and ExampleOutput what it printed when saved.
	// ReadOnly says the example only reads, so checks may run it again.
	Example       string    `json:"example,omitempty"`
	ExampleOutput string    `json:"example_output,omitempty"`
	ReadOnly      bool      `json:"example_read_only,omitempty"`
	Created       time.Time `json:"created"`
	Updated       time.Time `json:"updated"`
	// Checked is when the skill last passed or failed a check; Broken why it failed, or "".
	Checked time.Time `json:"checked"`
	Broken  string    `json:"broken,omitempty"`
	// Previous are the earlier versions, oldest first; .history keeps their source.
	Previous []Version `json:"previous,omitempty"`
}

// Func is one exported function of a skill.
type Func struct {
	Name string `json:"name"`
	// Signature is its Go declaration without the body: "func Count(category string) (int, error)".
	Signature string `json:"signature"`
	// Doc is the first sentence of its doc comment.
	Doc string `json:"doc,omitempty"`
}

// Version is an earlier version of a skill.
type Version struct {
	Version      int       `json:"version"`
	Saved        time.Time `json:"saved"`
	SourceSHA256 string    `json:"source_sha256"`
}

// version is one history file.
type version struct {
	Meta   Meta   `json:"meta"`
	Source string `json:"source"`
}

// Open returns the store of opts.Dir, creating the directory.
func Open(opts Options) (*Store, error) {
	if opts.Dir == "" {
		return nil, errors.New("skills: no directory")
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("skills: %w", err)
	}
	if opts.TeamDir != "" {
		if same(opts.TeamDir, opts.Dir) {
			opts.TeamDir = ""
		} else if fi, err := os.Stat(opts.TeamDir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("team skills directory %s: not a readable directory", opts.TeamDir)
		}
	}
	if opts.LockWait <= 0 {
		opts.LockWait = 2 * time.Minute
	}
	return &Store{opts: opts, team: map[string]teamCheck{}}, nil
}

// same reports whether a and b are one directory.
func same(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	if err1 != nil || err2 != nil {
		return filepath.Clean(a) == filepath.Clean(b)
	}
	return os.SameFile(fa, fb)
}

// Dir returns the personal skills directory.
func (s *Store) Dir() string { return s.opts.Dir }

// Get returns the skill name, personal first, or an error that lists the skills there are.
func (s *Store) Get(name string) (*Skill, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	sk, err := s.load(name)
	if err != nil {
		return nil, err
	}
	if sk == nil {
		return nil, s.notFound(name)
	}
	return sk, nil
}

func (s *Store) notFound(name string) error {
	var names []string
	for _, sk := range s.List() {
		names = append(names, sk.Name)
	}
	if len(names) == 0 {
		return fmt.Errorf("there is no skill %q: no skills are saved", name)
	}
	return fmt.Errorf("there is no skill %q; there are: %s", name, strings.Join(names, ", "))
}

// List returns every skill, personal and team, sorted by name. A skill that cannot be read is
// listed as broken, with the reason.
func (s *Store) List() []*Skill {
	var out []*Skill
	for _, name := range s.names() {
		sk, err := s.load(name)
		if err != nil {
			sk = &Skill{Meta: Meta{Name: name, Broken: err.Error()}, unreadable: true}
		}
		if sk != nil {
			out = append(out, sk)
		}
	}
	return out
}

// names returns the names of the skills, personal and team, sorted.
func (s *Store) names() []string {
	seen := map[string]bool{}
	for _, dir := range []string{s.opts.Dir, s.opts.TeamDir} {
		if dir == "" {
			continue
		}
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			// A skill is a directory (or a link to one) holding <name>.go: an empty folder,
			// a docs/ folder or a first save cut short before its source is none.
			n := e.Name()
			if validName(n) != nil {
				continue
			}
			if fi, err := os.Stat(filepath.Join(dir, n, n+".go")); err == nil && fi.Mode().IsRegular() {
				seen[n] = true
			}
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// load reads skill name, personal first; nil when neither directory has it.
func (s *Store) load(name string) (*Skill, error) {
	sk, err := readSkill(filepath.Join(s.opts.Dir, name), name)
	if err != nil || sk != nil {
		if sk != nil && s.opts.TeamDir != "" {
			if t, _ := readSkill(filepath.Join(s.opts.TeamDir, name), name); t != nil {
				sk.Shadows = true
			}
		}
		return sk, err
	}
	if s.opts.TeamDir == "" {
		return nil, nil
	}
	sk, err = readSkill(filepath.Join(s.opts.TeamDir, name), name)
	if sk == nil {
		return nil, err
	}
	sk.Team = true
	s.mu.Lock()
	if tc, ok := s.team[name]; ok && tc.sha == sk.SourceSHA256 {
		sk.Broken, sk.Checked, sk.Stubs = tc.broken, tc.checked, tc.stubs
	}
	s.mu.Unlock()
	return sk, err
}

// readSkill reads the skill in dir: nil when dir holds no <name>.go.
//
// skill.json is the truth. A source that does not match it is either a save cut short (the
// source of a newer version in .history: the version skill.json names is read from .history)
// or an edit by hand (taken as it is, described from its own comments, due for a check). A
// <name>.go without skill.json is a skill written by hand.
func readSkill(dir, name string) (*Skill, error) {
	src, err := os.ReadFile(filepath.Join(dir, name+".go"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("skill %s: %w", name, err)
	}
	sk := &Skill{Source: string(src)}
	data, err := os.ReadFile(filepath.Join(dir, "skill.json"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// A first save cut short after its source: the history holds that version whole.
		if v := savedVersion(dir, sum(sk.Source)); v != nil {
			sk.Meta, sk.Source = v.Meta, v.Source
			sk.Name = name
			return sk, nil
		}
		return byHand(sk, name)
	case err != nil:
		return nil, fmt.Errorf("skill %s: %w", name, err)
	}
	if err := json.Unmarshal(data, &sk.Meta); err != nil {
		return nil, fmt.Errorf("skill %s: skill.json: %w", name, err)
	}
	sk.Name = name
	if sum(sk.Source) == sk.SourceSHA256 {
		return sk, nil
	}
	if v, err := readVersion(dir, sk.Version); err == nil && v.Meta.SourceSHA256 == sk.SourceSHA256 && savedLater(dir, sk.Version, sum(sk.Source)) {
		sk.Source = v.Source
		return sk, nil
	}
	desc := sk.Description
	if _, err := byHand(sk, name); err != nil {
		return nil, err
	}
	sk.Description = desc
	return sk, nil
}

// savedLater reports whether a version after v in dir's history has the source sha: a save
// that stopped between writing the source and skill.json.
func savedLater(dir string, v int, sha string) bool {
	for n := v + 1; ; n++ {
		h, err := readVersion(dir, n)
		if err != nil {
			return false
		}
		if h.Meta.SourceSHA256 == sha {
			return true
		}
	}
}

// savedVersion returns the newest version in dir's history whose source has the sha, or nil.
func savedVersion(dir string, sha string) *version {
	for n := historyLast(dir); n > 0; n-- {
		if h, err := readVersion(dir, n); err == nil && h.Meta.SourceSHA256 == sha {
			return h
		}
	}
	return nil
}

// byHand describes sk from its source alone: a skill written or edited by hand, never checked.
func byHand(sk *Skill, name string) (*Skill, error) {
	p, err := parseSkill(name, sk.Source)
	sk.Name, sk.SourceSHA256, sk.Checked = name, sum(sk.Source), time.Time{}
	if err != nil {
		sk.Broken = err.Error()
		return sk, nil
	}
	sk.Description, sk.Funcs, sk.Imports, sk.Broken = p.doc, p.funcs, p.imports, ""
	return sk, nil
}

func readVersion(dir string, n int) (*version, error) {
	data, err := os.ReadFile(filepath.Join(dir, ".history", strconv.Itoa(n)+".json"))
	if err != nil {
		return nil, err
	}
	var v version
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// lock serialises the writes of one skill name, across processes.
func (s *Store) lock(ctx context.Context, name string) (*flock.File, error) {
	dir := filepath.Join(s.opts.Dir, ".locks")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("skills: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.LockWait)
	defer cancel()
	return flock.Lock(ctx, filepath.Join(dir, name))
}

// write stores sk as version sk.Version of its name: history, source, then skill.json.
func (s *Store) write(sk *Skill) error {
	dir := filepath.Join(s.opts.Dir, sk.Name)
	if err := os.MkdirAll(filepath.Join(dir, ".history"), 0o755); err != nil {
		return fmt.Errorf("skills: %w", err)
	}
	v, err := json.MarshalIndent(version{Meta: sk.Meta, Source: sk.Source}, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, ".history", strconv.Itoa(sk.Version)+".json"), v); err != nil {
		return fmt.Errorf("skills: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, sk.Name+".go"), []byte(sk.Source)); err != nil {
		return fmt.Errorf("skills: %w", err)
	}
	return s.writeMeta(sk)
}

// writeMeta replaces skill.json of a personal skill.
func (s *Store) writeMeta(sk *Skill) error {
	m, err := json.MarshalIndent(sk.Meta, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(s.opts.Dir, sk.Name, "skill.json"), append(m, '\n')); err != nil {
		return fmt.Errorf("skills: %w", err)
	}
	return nil
}

// Delete removes the personal skill name from the library: its directory, versions and all,
// moves to .deleted/, where it stays until removed by hand. A team skill cannot be deleted
// here: it is the team repository's.
func (s *Store) Delete(ctx context.Context, name string) error {
	if err := validName(name); err != nil {
		return err
	}
	l, err := s.lock(ctx, name)
	if err != nil {
		return err
	}
	defer l.Unlock()
	// The directory goes whole, whatever its state: a skill whose skill.json is damaged can
	// be deleted too.
	if _, err := os.Stat(filepath.Join(s.opts.Dir, name, name+".go")); err != nil {
		if t, _ := s.load(name); t != nil && t.Team {
			return fmt.Errorf("skill %s is the team's (%s): remove it there, in the team's repository", name, s.opts.TeamDir)
		}
		return s.notFound(name)
	}
	trash := filepath.Join(s.opts.Dir, ".deleted")
	if err := os.MkdirAll(trash, 0o755); err != nil {
		return fmt.Errorf("skills: %w", err)
	}
	to := filepath.Join(trash, fmt.Sprintf("%s-%s", name, time.Now().UTC().Format("20060102T150405.000000000Z")))
	if err := os.Rename(filepath.Join(s.opts.Dir, name), to); err != nil {
		return fmt.Errorf("skills: deleting %s: %w", name, err)
	}
	return nil
}

// FS serves the skills/ tree as the sandbox reads it: skills/<name>/<name>.go for every
// skill, personal over team.
func (s *Store) FS() fs.FS { return treeFS{s: s} }

// treeFS is the store's skills/ tree, with over, when set, in place of the skill of its name.
type treeFS struct {
	s    *Store
	over *Skill
}

func (t treeFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	parts := strings.Split(name, "/")
	m := fstest.MapFS{}
	switch {
	case name == "." || name == "skills":
		m["skills"] = &fstest.MapFile{Mode: fs.ModeDir | 0o555} // present, if empty
		names := t.s.names()
		if t.over != nil && !slices.Contains(names, t.over.Name) {
			names = append(names, t.over.Name)
		}
		for _, n := range names {
			m["skills/"+n+"/"+n+".go"] = &fstest.MapFile{} // the listing needs no content
		}
	case parts[0] == "skills" && len(parts) <= 3:
		sk := t.over
		if sk == nil || sk.Name != parts[1] {
			if validName(parts[1]) != nil {
				break
			}
			sk, _ = t.s.load(parts[1])
		}
		if sk != nil {
			m["skills/"+sk.Name+"/"+sk.Name+".go"] = &fstest.MapFile{Data: []byte(sk.Source), Mode: 0o444}
		}
	}
	return m.Open(name)
}

// Mount serves skills/ from skills and every other path from base: the packages of a snippet
// run.
func Mount(base, skills fs.FS) fs.FS { return mounted{base, skills} }

type mounted struct{ base, skills fs.FS }

func (m mounted) Open(name string) (fs.File, error) {
	if name == "skills" || strings.HasPrefix(name, "skills/") {
		return m.skills.Open(name)
	}
	return m.base.Open(name)
}
