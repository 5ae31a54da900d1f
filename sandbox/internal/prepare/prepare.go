package prepare

import (
	"context"
	"crypto/sha256"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
)

// MainFile is the name under which the prepared snippet is compiled. Interpreter positions in it
// are reported without the file name ("12:3: ..."), and its line numbers are the snippet's.
const MainFile = "_.go"

// Program is a snippet made ready to run by [Prepare]: a complete package main and the source
// packages it needs. Engines compile Main under the name [MainFile] and serve Files from a GOPATH
// src directory.
type Program struct {
	// Main is the snippet as a complete package main. Its line numbers are the snippet's as the
	// model wrote it: a body is wrapped on its first line, and function and type declarations
	// moved out of main carry //line directives.
	Main string
	// Files holds the source packages Main needs, by path below a GOPATH src directory
	// ("mcp_tools/demo/demo.go"). Stub packages keep only the declarations the snippet uses.
	Files map[string]string
	// Body is true when the snippet had no package clause and became the body of main.
	Body bool

	stubs    map[string]*pkgSource // the stub packages loaded (whole), by import path, for hints
	errorsAs bool                  // the snippet calls errors.As
	generic  bool                  // the snippet calls a generic function with a func literal argument
}

// Prepare parses req.Source, wraps a body into package main, adds the imports a body uses
// without declaring, checks every import against the allowlist and req.Packages, rejects the
// constructs the interpreter is known to mishandle, and loads the needed packages (stubs pruned
// to what the snippet uses). Nothing runs. Its errors are *[sandbox.Error] of kind KindCompile
// or KindImport, with snippet line numbers, or KindLimits for a snippet above
// [sandbox.MaxSourceBytes].
func Prepare(ctx context.Context, req *sandbox.Request) (*Program, error) {
	if req == nil {
		return nil, &sandbox.Error{Kind: sandbox.KindInternal, Msg: "nil request"}
	}
	if len(req.Source) > sandbox.MaxSourceBytes {
		return nil, &sandbox.Error{Kind: sandbox.KindLimits, Msg: fmt.Sprintf("the snippet is %d bytes, above the %d-byte limit", len(req.Source), sandbox.MaxSourceBytes)}
	}
	src := strings.ReplaceAll(req.Source, "\r\n", "\n")
	w, err := wrap(src)
	if err != nil {
		return nil, err
	}
	// The snippet is parsed once, without the imports added for it: they are written into
	// Main, and the checks below take them from fileImports.
	fset := token.NewFileSet()
	f, err := parseMain(fset, w.assemble(nil), lastLine(src))
	if err != nil {
		return nil, err
	}
	if err := resolve(ctx, req.Resolve, fset, f); err != nil {
		return nil, err
	}
	pkgs := available(req.Packages)
	added := autoImports(f, pkgs)
	imports := fileImports(fset, f, w, added)
	if f.Name.Name != "main" {
		return nil, &sandbox.Error{Kind: sandbox.KindCompile, Line: fset.Position(f.Name.Pos()).Line,
			Msg: "a snippet must be package main", Hint: "write package main with func main, or only the statements of main without a package clause"}
	}
	if !hasMain(f) {
		return nil, &sandbox.Error{Kind: sandbox.KindCompile, Msg: "package main has no func main", Hint: "write func main() { ... }, or only its statements without a package clause"}
	}
	if err := undefinedPackage(fset, f, added, pkgs); err != nil {
		return nil, err
	}
	p := &Program{Main: w.assemble(added), Body: w.body, Files: map[string]string{}, stubs: map[string]*pkgSource{}}
	if err := checkGaps(fset, f, imports, p); err != nil {
		return nil, err
	}
	if err := p.load(ctx, req, pkgs, f, imports); err != nil {
		return nil, err
	}
	return p, nil
}

// Packages returns the import paths of the source packages in Files, sorted.
func (p *Program) Packages() []string {
	var out []string
	for f := range p.Files {
		if d := path.Dir(f); !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out
}

// lastLine returns the number of the last non-blank line of src.
func lastLine(src string) int {
	return strings.Count(strings.TrimRight(src, " \t\r\n"), "\n") + 1
}

// parseMain parses the assembled main file; a syntax error becomes a KindCompile error, with
// at most three of the parser's messages. A first error past the snippet's last line (in the
// closing brace a body gets) is put on that line; later ones there are left out, since they
// follow from an earlier error (an unclosed parenthesis meets the brace).
func parseMain(fset *token.FileSet, src string, last int) (*ast.File, error) {
	f, err := parser.ParseFile(fset, MainFile, src, 0)
	if err == nil {
		return f, nil
	}
	e := &sandbox.Error{Kind: sandbox.KindCompile, Msg: err.Error(), Err: err}
	if list, ok := err.(scanner.ErrorList); ok && len(list) > 0 {
		e.Line = min(list[0].Pos.Line, last)
		msgs := []string{list[0].Msg}
		for _, le := range list[1:] {
			if len(msgs) < 3 && le.Pos.Line <= last {
				msgs = append(msgs, fmt.Sprintf("line %d: %s", le.Pos.Line, le.Msg))
			}
		}
		e.Msg = "syntax error: " + strings.Join(msgs, "; ")
		if strings.Contains(list[0].Msg, "found 'import'") {
			e.Hint = "put all imports at the top of the snippet"
		}
	}
	return nil, e
}

func hasMain(f *ast.File) bool {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "main" {
			return true
		}
	}
	return false
}

// avail is what req.Packages offers: stub and skill import paths.
type avail struct {
	stubs, skills []string // import paths, sorted
}

func (a avail) has(p string) bool {
	return slices.Contains(a.stubs, p) || slices.Contains(a.skills, p)
}

// available lists the stub and skill packages of pkgs.
func available(pkgs fs.FS) avail {
	var a avail
	if pkgs == nil {
		return a
	}
	for _, root := range []string{RuntimePackage, "skills"} {
		ents, err := fs.ReadDir(pkgs, root)
		if err != nil {
			continue // no such directory: nothing of that kind
		}
		for _, e := range ents {
			if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && !strings.HasPrefix(e.Name(), "_") {
				if root == RuntimePackage {
					a.stubs = append(a.stubs, root+"/"+e.Name())
				} else {
					a.skills = append(a.skills, root+"/"+e.Name())
				}
			}
		}
	}
	return a
}

// resolve asks r for every stub or skill package f may use (see sandbox.Request.Resolve), in
// order of first use.
func resolve(ctx context.Context, r func(context.Context, string) error, fset *token.FileSet, f *ast.File) error {
	if r == nil {
		return nil
	}
	type use struct {
		path string
		pos  token.Pos
	}
	var uses []use
	seen := map[string]bool{}
	add := func(p string, pos token.Pos) {
		if !seen[p] {
			seen[p] = true
			uses = append(uses, use{p, pos})
		}
	}
	for _, is := range f.Imports {
		p, _ := strconv.Unquote(is.Path.Value)
		if strings.HasPrefix(p, RuntimePackage+"/") || strings.HasPrefix(p, "skills/") {
			add(p, is.Pos())
		}
	}
	unresolved := map[*ast.Ident]bool{}
	for _, id := range f.Unresolved {
		unresolved[id] = true
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && unresolved[id] && stdlibByName[id.Name] == "" && id.Name != RuntimePackage {
				add(RuntimePackage+"/"+id.Name, id.Pos())
				add("skills/"+id.Name, id.Pos())
			}
		}
		return true
	})
	for _, u := range uses {
		if err := r(ctx, u.path); err != nil {
			return &sandbox.Error{Kind: sandbox.KindUnavailable, Line: fset.Position(u.pos).Line, Msg: err.Error(), Err: err}
		}
	}
	return nil
}

// autoImports returns the import specs to add to f: one for each package name used as the
// root of a selector (x.Y) that nothing declares or imports and that names an allowed standard
// package, a stub package, a skill, or the runtime. Standard packages win over stubs and skills
// of the same name.
func autoImports(f *ast.File, a avail) []importSpec {
	have := map[string]bool{}
	for _, is := range f.Imports {
		p, _ := strconv.Unquote(is.Path.Value)
		if is.Name != nil {
			have[is.Name.Name] = true
		} else {
			have[path.Base(p)] = true
		}
	}
	unresolved := map[*ast.Ident]bool{}
	for _, id := range f.Unresolved {
		unresolved[id] = true
	}
	var out []importSpec
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok || !unresolved[id] || have[id.Name] {
			return true
		}
		p := ""
		switch {
		case stdlibByName[id.Name] != "":
			p = stdlibByName[id.Name]
		case id.Name == RuntimePackage:
			p = RuntimePackage
		case slices.Contains(a.stubs, RuntimePackage+"/"+id.Name):
			p = RuntimePackage + "/" + id.Name
		case slices.Contains(a.skills, "skills/"+id.Name):
			p = "skills/" + id.Name
		}
		if p != "" {
			have[id.Name] = true
			out = append(out, importSpec{path: p})
		}
		return true
	})
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out
}

// deniedByName maps the name of a denied package to its path: os.Getenv without an import line
// gets the answer that import "os" gets.
var deniedByName = func() map[string]string {
	m := map[string]string{}
	for _, p := range slices.Sorted(maps.Keys(deniedHints)) {
		if _, ok := m[path.Base(p)]; !ok {
			m[path.Base(p)] = p
		}
	}
	return m
}()

// undefinedPackage returns the KindImport error of the first selector root in f (x in x.Y)
// that nothing declares, imports or added: the error an import of it would get, so that a
// snippet without imports (os.Getenv, an unknown package) reads the same as one with them.
func undefinedPackage(fset *token.FileSet, f *ast.File, added []importSpec, a avail) *sandbox.Error {
	have := map[string]bool{}
	for _, is := range append(specsOf(f), added...) {
		if is.name != "" {
			have[is.name] = true
		} else {
			have[path.Base(is.path)] = true
		}
	}
	unresolved := map[*ast.Ident]bool{}
	for _, id := range f.Unresolved {
		unresolved[id] = true
	}
	var found *sandbox.Error
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok || found != nil {
			return found == nil
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok || !unresolved[id] || have[id.Name] || id.Name == "_" {
			return true
		}
		line := fset.Position(id.Pos()).Line
		if p, ok := deniedByName[id.Name]; ok {
			found = deniedImport(p, line, a.stubs, a.skills)
			return false
		}
		found = undefinedName(id.Name, line, a)
		return false
	})
	return found
}

// undefinedName is the error for x in x.Y when x is nothing the snippet declares or may
// import: a near miss among the stub and skill packages is named ("stockcount" for
// skills/stock_count), else those packages are listed; the standard library is not (a name
// that is neither is more likely a typo than a package to look for).
func undefinedName(name string, line int, a avail) *sandbox.Error {
	fold := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }
	e := &sandbox.Error{Kind: sandbox.KindCompile, Line: line, Msg: "undefined: " + name}
	var all []string
	for _, p := range append(slices.Clone(a.stubs), a.skills...) {
		if fold(path.Base(p)) == fold(name) {
			e.Hint = fmt.Sprintf("did you mean %s? Its name in code is %s", p, path.Base(p))
			return e
		}
		all = append(all, p)
	}
	if len(all) > 0 {
		e.Hint = "not a name the snippet declares nor an allowed package; the server packages and skills: " + strings.Join(all, ", ")
	}
	return e
}

// fileImports returns the imports of Main, the file the interpreter gets, without parsing it:
// those of f (parsed from the main file without the added imports), then added. Lines are the
// snippet's: an added import is on the line of the package clause, where assemble puts it.
func fileImports(fset *token.FileSet, f *ast.File, w *wrapped, added []importSpec) []importSpec {
	out := specsOf(f)
	for i, is := range f.Imports {
		if out[i].line = w.importLine(out[i].path); out[i].line == 0 {
			out[i].line = fset.Position(is.Pos()).Line
		}
	}
	line := fset.Position(f.Name.Pos()).Line
	for _, a := range added {
		a.line = line
		out = append(out, a)
	}
	return out
}

// specsOf returns the imports of f, without lines.
func specsOf(f *ast.File) []importSpec {
	out := make([]importSpec, len(f.Imports))
	for i, is := range f.Imports {
		out[i].path, _ = strconv.Unquote(is.Path.Value)
		if is.Name != nil {
			out[i].name = is.Name.Name
		}
	}
	return out
}

// load checks imports, those of the main file f, and, transitively, those of the packages it
// imports from req.Packages, and fills p.Files. A stub or skill package that a loaded package
// imports is first resolved (see sandbox.Request.Resolve), as the main file's were.
func (p *Program) load(ctx context.Context, req *sandbox.Request, a avail, f *ast.File, imports []importSpec) error {
	pkgs := req.Packages
	type pending struct {
		path string
		line int    // line in the main file, 0 for an import of a package
		from string // importing package, "" for the main file
	}
	var queue []pending
	for _, is := range imports {
		queue = append(queue, pending{is.path, is.line, ""})
	}
	type user struct {
		file    *ast.File
		imports []importSpec
	}
	seen := map[string]bool{}
	srcs := map[string]*pkgSource{}       // source package path -> its files
	users := []user{{f, imports}}         // files whose selectors count as uses of stubs
	names := map[string]map[string]bool{} // stub path -> used names; nil map: load whole
	for len(queue) > 0 {
		q := queue[0]
		queue = queue[1:]
		if seen[q.path] {
			continue
		}
		seen[q.path] = true
		if isAllowedStdlib(q.path) || q.path == RuntimePackage {
			continue
		}
		if q.from != "" && req.Resolve != nil && (strings.HasPrefix(q.path, RuntimePackage+"/") || strings.HasPrefix(q.path, "skills/")) {
			if err := req.Resolve(ctx, q.path); err != nil {
				return &sandbox.Error{Kind: sandbox.KindUnavailable, Msg: q.from + " imports " + q.path + ": " + err.Error(), Err: err}
			}
			if !a.has(q.path) {
				a = available(pkgs) // the package may have just become present
			}
		}
		if !a.has(q.path) {
			e := deniedImport(q.path, q.line, a.stubs, a.skills)
			if q.from != "" {
				e.Msg = q.from + " imports " + q.path + ": " + e.Msg
			}
			return e
		}
		ps, err := parseDir(pkgs, q.path)
		if err != nil {
			return err
		}
		srcs[q.path] = ps
		if strings.HasPrefix(q.path, RuntimePackage+"/") {
			p.stubs[q.path] = ps
			names[q.path] = map[string]bool{}
		} else {
			for _, pf := range ps.files {
				users = append(users, user{pf, specsOf(pf)})
			}
		}
		for _, pf := range ps.files {
			for _, is := range pf.Imports {
				ip, _ := strconv.Unquote(is.Path.Value)
				queue = append(queue, pending{ip, 0, q.path})
			}
		}
	}
	for _, u := range users {
		usedNames(u.file, u.imports, names)
	}
	for ip, ps := range srcs {
		if err := ps.emit(names[ip], p.Files); err != nil {
			return err
		}
	}
	return nil
}

// usedNames adds to names[stub] every name f, which has imports, selects from an imported stub
// package. A dot import makes the stub load whole (names[stub] = nil).
func usedNames(f *ast.File, imports []importSpec, names map[string]map[string]bool) {
	local := map[string]string{} // local name -> stub path
	for _, is := range imports {
		if _, ok := names[is.path]; !ok {
			continue
		}
		if is.name == "." {
			names[is.path] = nil
			continue
		}
		local[is.local()] = is.path
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Obj == nil {
				if ip, ok := local[id.Name]; ok && names[ip] != nil {
					names[ip][sel.Sel.Name] = true
				}
			}
		}
		return true
	})
}

// pkgSource is a parsed source package. It is immutable once parsed and shared by the runs
// that import the same files (see parseDir), with a cache of its pruned forms.
type pkgSource struct {
	dir   string
	fset  *token.FileSet
	names []string // file names, parallel to files
	raw   []string // file contents
	files []*ast.File

	mu     sync.Mutex
	pruned map[string]map[string]string // sorted used names -> file name -> source
}

// pkgCache holds the packages parsed lately, by content hash: a stub is parsed once, not at
// every run.
var pkgCache = struct {
	sync.Mutex
	m map[string]*pkgSource
}{m: map[string]*pkgSource{}}

const pkgCacheSize = 64

// parseDir parses the non-test Go files of the package at dir in pkgs.
func parseDir(pkgs fs.FS, dir string) (*pkgSource, error) {
	ents, err := fs.ReadDir(pkgs, dir)
	if err != nil {
		return nil, &sandbox.Error{Kind: sandbox.KindImport, Msg: "reading package " + dir + ": " + err.Error(), Err: err}
	}
	ps := &pkgSource{dir: dir, fset: token.NewFileSet()}
	h := sha256.New()
	io.WriteString(h, dir)
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") || strings.HasPrefix(n, ".") {
			continue
		}
		b, err := fs.ReadFile(pkgs, dir+"/"+n)
		if err != nil {
			return nil, &sandbox.Error{Kind: sandbox.KindImport, Msg: "reading " + dir + "/" + n + ": " + err.Error(), Err: err}
		}
		fmt.Fprintf(h, "\x00%s\x00%d\x00", n, len(b))
		h.Write(b)
		ps.names = append(ps.names, n)
		ps.raw = append(ps.raw, string(b))
	}
	if len(ps.names) == 0 {
		return nil, &sandbox.Error{Kind: sandbox.KindImport, Msg: "package " + dir + " has no Go files"}
	}
	key := string(h.Sum(nil))
	pkgCache.Lock()
	cached := pkgCache.m[key]
	pkgCache.Unlock()
	if cached != nil {
		return cached, nil
	}
	for i, n := range ps.names {
		pf, err := parser.ParseFile(ps.fset, dir+"/"+n, ps.raw[i], parser.ParseComments)
		if err != nil {
			return nil, &sandbox.Error{Kind: sandbox.KindCompile, Msg: "package " + dir + " does not parse: " + err.Error(), Err: err}
		}
		ps.files = append(ps.files, pf)
	}
	pkgCache.Lock()
	if len(pkgCache.m) >= pkgCacheSize {
		clear(pkgCache.m)
	}
	pkgCache.m[key] = ps
	pkgCache.Unlock()
	return ps, nil
}
