package prepare_test

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/internal/prepare"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/sandboxtest"
)

// lineMarks parses a prepared main file and returns, for each string literal "L<n>", the line
// it is on.
func lineMarks(t *testing.T, src string) map[string]int {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, prepare.MainFile, src, 0)
	if err != nil {
		t.Fatalf("the prepared file does not parse: %v\n%s", err, src)
	}
	marks := map[string]int{}
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if s, _ := strconv.Unquote(lit.Value); strings.HasPrefix(s, "L") {
				marks[s] = fset.Position(lit.Pos()).Line
			}
		}
		return true
	})
	return marks
}

func TestPrepareKeepsLines(t *testing.T) {
	tests := []struct {
		name, src string
		body      bool
	}{
		{"body", "fmt.Println(\"L1\")\nx := \"L2\"\n\nfmt.Println(x, \"L4\")\n", true},
		{"body with imports", "import \"fmt\"\nimport (\n\t\"strings\"\n)\n\nfmt.Println(strings.ToUpper(\"L6\"))\n", true},
		{"body with hoisted decls", "// comment\ntype T struct{ s string }\n\nfunc (t T) S() string {\n\treturn t.s + \"L5\"\n}\n\nfunc helper() string { return \"L8\" }\nfmt.Println(T{\"L9\"}.S(), helper())\n", true},
		{"body with generic func", "func Map[T, U any](xs []T, f func(T) U) []U {\n\t_ = \"L2\"\n\treturn nil\n}\n_ = Map[int, int](nil, func(x int) int { return x })\nfmt.Println(\"L6\")\n", true},
		{"package main", "package main\n\nfunc main() {\n\tfmt.Println(\"L4\")\n}\n", false},
		{"no package clause, func main", "import \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"L4\")\n}\n", false},
		{"func literal statement stays in main", "func() {\n\tprintln(\"L2\")\n}()\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := prepare.Prepare(context.Background(), &sandbox.Request{Source: tt.src})
			if err != nil {
				t.Fatal(err)
			}
			if p.Body != tt.body {
				t.Errorf("Body = %v, want %v", p.Body, tt.body)
			}
			want := map[string]int{}
			for i, l := range strings.Split(tt.src, "\n") {
				for _, f := range strings.Split(l, "\"") {
					if strings.HasPrefix(f, "L") && len(f) > 1 && f[1] >= '0' && f[1] <= '9' {
						want[f] = i + 1
					}
				}
			}
			if diff := cmp.Diff(want, lineMarks(t, p.Main)); diff != "" {
				t.Errorf("lines in the prepared file (-want +got):\n%s\n%s", diff, p.Main)
			}
		})
	}
}

// TestPrepareImports checks what the interpreter gets: the imports of Main (the snippet's and
// those added for it, as "name path" for a named import) and the source packages in Files,
// those of skills included.
func TestPrepareImports(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
		files     []string
	}{
		{"added to a body", `fmt.Println(strings.ToUpper("x"), json.Valid(nil), rand.Intn(2))`, []string{"encoding/json", "fmt", "math/rand", "strings"}, nil},
		{"local names are not packages", "strings := []string{\"a\"}\nfmt.Println(strings)", []string{"fmt"}, nil},
		{"stub and runtime", `r, _ := demo.Add(demo.AddArgs{Label: mcp_tools.String("x")}); fmt.Println(r)`, []string{"fmt", "mcp_tools", "mcp_tools/demo"}, []string{"mcp_tools/demo/demo.go"}},
		{"skill pulls in its stub", "import \"skills/greet\"\nfmt.Println(greet.Hello(\"x\"))", []string{"fmt", "skills/greet"}, []string{"mcp_tools/demo/demo.go", "skills/greet/greet.go"}},
		{"added to package main", "package main\n\nfunc main() { fmt.Println(time.Second) }\n", []string{"fmt", "time"}, nil},
		{"explicit imports kept", "import str \"strings\"\nfmt.Println(str.ToLower(\"A\"))", []string{"fmt", "str strings"}, nil},
		{"explicit and added", "import str \"strings\"\nfmt.Println(str.ToLower(\"A\"), strings.ToUpper(\"b\"))", []string{"fmt", "str strings", "strings"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := prepare.Prepare(context.Background(), &sandbox.Request{Source: tt.src, Packages: sandboxtest.Packages()})
			if err != nil {
				t.Fatal(err)
			}
			f, err := parser.ParseFile(token.NewFileSet(), prepare.MainFile, p.Main, parser.ImportsOnly)
			if err != nil {
				t.Fatalf("Main does not parse: %v\n%s", err, p.Main)
			}
			var imports []string
			for _, is := range f.Imports {
				ip, _ := strconv.Unquote(is.Path.Value)
				if is.Name != nil {
					ip = is.Name.Name + " " + ip
				}
				imports = append(imports, ip)
			}
			if diff := cmp.Diff(tt.want, imports, cmpSorted); diff != "" {
				t.Errorf("imports of Main (-want +got):\n%s", diff)
			}
			var files []string
			for f := range p.Files {
				files = append(files, f)
			}
			if diff := cmp.Diff(tt.files, files, cmpSorted); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
		})
	}
}

var cmpSorted = cmp.Transformer("sort", func(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

func TestPrepareErrors(t *testing.T) {
	tests := []struct {
		name, src string
		kind      sandbox.Kind
		line      int
		msg, hint string
	}{
		{"denied import", "import \"os\"\nos.Exit(1)", sandbox.KindImport, 1, "package os is not available", "no files"},
		{"denied import in a group", "import (\n\t\"fmt\"\n\t\"net/http\"\n)\nfmt.Println(http.Get)", sandbox.KindImport, 3, "package net/http is not available", "MCP server"},
		{"denied import in package main", "package main\n\nimport \"reflect\"\n\nfunc main() { _ = reflect.TypeOf }\n", sandbox.KindImport, 3, "package reflect is not available", "type switch"},
		{"unknown import", "import \"github.com/x/y\"\n_ = y.Z", sandbox.KindImport, 1, "Allowed: bufio", ""},
		{"os names the servers", "import \"os\"\n_ = os.Args\n_ = demo.Echo", sandbox.KindImport, 1, "package os is not available", "the servers here: mcp_tools/demo"},
		{"unknown stub", "import \"mcp_tools/github\"\n_ = github.X", sandbox.KindImport, 1, "there is no stub package mcp_tools/github; available: mcp_tools/demo", "list_servers"},
		{"unknown skill", "import \"skills/nope\"\n_ = nope.X", sandbox.KindImport, 1, "there is no skill skills/nope; available: skills/bad, skills/greet", `list_tools {"server": "skills"}`},
		{"syntax at the end", "x := 1\ny := (x +\n", sandbox.KindCompile, 2, "syntax error", ""},
		{"import after statements", "x := 1\nimport \"fmt\"\n", sandbox.KindCompile, 2, "syntax error", "imports at the top"},
		{"not main", "package foo\n", sandbox.KindCompile, 1, "must be package main", ""},
		{"no func main", "package main\n\nfunc f() {}\n", sandbox.KindCompile, 0, "no func main", ""},
		{"min builtin", "x := 3\nfmt.Println(min(x, 2))", sandbox.KindCompile, 2, "builtin min", "helper"},
		{"own min is fine", "min := func(a, b int) int { return a }\nfmt.Println(min(1, 2))", "", 0, "", ""},
		{"range over a func literal", "for x := range func(yield func(int) bool) {} {\n\t_ = x\n}", sandbox.KindCompile, 1, "range over a function", "slice"},
		{"range over a func variable", "seq := func(yield func(int) bool) {}\nfor x := range seq {\n\t_ = x\n}", sandbox.KindCompile, 2, "range over a function", ""},
		{"range over an int is fine", "for i := range 3 {\n\t_ = i\n}", "", 0, "", ""},
		{"slices.SortFunc", "s := []int{2, 1}\nslices.SortFunc(s, func(a, b int) int { return a - b })", sandbox.KindCompile, 2, "slices.SortFunc does not work", "sort.Slice"},
		{"aliased slices", "import sl \"slices\"\n_ = sl.Reverse[[]int]", sandbox.KindCompile, 2, "slices.Reverse does not work", "loop"},
		{"slices.Contains is fine", "fmt.Println(slices.Contains([]int{1}, 1))", "", 0, "", ""},
		{"maps", "m := map[int]int{}\nfmt.Println(maps.Clone(m))", sandbox.KindCompile, 2, "maps.Clone does not work", "loop over the map"},
		{"UnmarshalJSON", "type T struct{}\nfunc (t *T) UnmarshalJSON(b []byte) error { return nil }\n_ = T{}", sandbox.KindCompile, 2, "UnmarshalJSON would be ignored", "json tags"},
		{"snippet at the size limit", "fmt.Println(1)\n//" + strings.Repeat("x", sandbox.MaxSourceBytes-17), "", 0, "", ""},
		{"snippet above the size limit", "fmt.Println(1)\n//" + strings.Repeat("x", sandbox.MaxSourceBytes-16), sandbox.KindLimits, 0, "the snippet is 1048577 bytes, above the 1048576-byte limit", ""},
		{"skill importing a denied package", "import \"skills/bad\"\nbad.F()", sandbox.KindImport, 0, "skills/bad imports os: package os is not available", ""},
	}
	pkgs := sandboxtest.WithStub(sandboxtest.Packages(), "x", "package x\n")
	pkgs = withFile(pkgs, "skills/bad/bad.go", "package bad\n\nimport \"os\"\n\nfunc F() { os.Exit(1) }\n")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := prepare.Prepare(context.Background(), &sandbox.Request{Source: tt.src, Packages: pkgs})
			if tt.kind == "" {
				if err != nil {
					t.Fatalf("Prepare: %v", err)
				}
				return
			}
			var e *sandbox.Error
			if !asError(err, &e) {
				t.Fatalf("Prepare: %v, want a *sandbox.Error", err)
			}
			if e.Kind != tt.kind || e.Line != tt.line || !strings.Contains(e.Msg, tt.msg) || !strings.Contains(e.Hint, tt.hint) {
				t.Errorf("Prepare: kind %q line %d msg %q hint %q; want kind %q line %d, msg containing %q, hint containing %q",
					e.Kind, e.Line, e.Msg, e.Hint, tt.kind, tt.line, tt.msg, tt.hint)
			}
		})
	}
}

func TestPruneStub(t *testing.T) {
	pkgs := sandboxtest.WithStub(nil, "stub50", sandboxtest.Stub("stub50", 50))
	p, err := prepare.Prepare(context.Background(), &sandbox.Request{Source: `r, _ := stub50.Tool7(stub50.Tool7Args{Path: "/"}); fmt.Println(r.Text())`, Packages: pkgs})
	if err != nil {
		t.Fatal(err)
	}
	src := p.Files["mcp_tools/stub50/stub50.go"]
	for _, want := range []string{"func Tool7(", "type Tool7Args struct", "type Tool7ArgsOptions struct", "type Tool7Result struct", "func (r *Tool7Result) Text()", "import \"mcp_tools\""} {
		if !strings.Contains(src, want) {
			t.Errorf("the pruned stub lacks %q:\n%s", want, src)
		}
	}
	for _, unwanted := range []string{"Tool8", "Tool70", "func Tool1("} {
		if strings.Contains(src, unwanted) {
			t.Errorf("the pruned stub keeps %q", unwanted)
		}
	}
	if full := len(sandboxtest.Stub("stub50", 50)); len(src)*20 > full {
		t.Errorf("the pruned stub is %d bytes of %d; want under a twentieth", len(src), full)
	}
	// A dot import cannot be pruned.
	p, err = prepare.Prepare(context.Background(), &sandbox.Request{Source: "import . \"mcp_tools/stub50\"\n_ = Tool9", Packages: pkgs})
	if err != nil {
		t.Fatal(err)
	}
	if src := p.Files["mcp_tools/stub50/stub50.go"]; !strings.Contains(src, "func Tool50(") {
		t.Error("a dot-imported stub was pruned")
	}
}

func TestExplain(t *testing.T) {
	prog := func(src string) *prepare.Program {
		t.Helper()
		p, err := prepare.Prepare(context.Background(), &sandbox.Request{Source: src, Packages: sandboxtest.Packages()})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	plain := prog(`fmt.Println("hi")`)
	errorsAs := prog("var e *mcp_tools.ToolError\nfmt.Println(errors.As(nil, &e))")
	stub := prog(`r, _ := demo.Echo(demo.EchoArgs{Message: "x"}); fmt.Println(r)`)
	generic := prog("func Map[T, U any](xs []T, f func(T) U) []U { return nil }\n_ = Map([]int{1}, func(x int) string { return \"\" })")
	tests := []struct {
		name string
		p    *prepare.Program
		e    sandbox.Error
		hint string // a substring; "" means no hint
	}{
		{"errors.As", errorsAs, sandbox.Error{Kind: sandbox.KindRuntime, Msg: "panic: errors: target must be interface or implement error"}, "type switch"},
		{"errors.As not called", plain, sandbox.Error{Kind: sandbox.KindRuntime, Msg: "panic: errors: target must be interface or implement error"}, ""},
		{"newer stdlib", plain, sandbox.Error{Kind: sandbox.KindCompile, Msg: `package strings "strings" has no symbol Lines`}, "strings.Lines is not in"},
		{"generic inference", generic, sandbox.Error{Kind: sandbox.KindCompile, Msg: "cannot use type func(int) string as type func(T) U"}, "write them explicitly"},
		{"no generic call", plain, sandbox.Error{Kind: sandbox.KindCompile, Msg: "cannot use type func(int) string as type func(T) U"}, ""},
		{"unknown stub function", stub, sandbox.Error{Kind: sandbox.KindCompile, Msg: "undefined selector: mcp_tools/demo.Frobnicate"}, "its functions: Add, Big, Echo, Fail, Sleep"},
		{"stub function typo", stub, sandbox.Error{Kind: sandbox.KindCompile, Msg: "undefined selector: mcp_tools/demo.echo"}, "did you mean Echo?"},
		{"unknown selector, not a stub", plain, sandbox.Error{Kind: sandbox.KindCompile, Msg: "undefined selector: mcp_tools/demo.Frobnicate"}, ""},
		{"stack overflow", plain, sandbox.Error{Kind: sandbox.KindRuntime, Msg: "stack overflow: the recursion is too deep"}, "loop"},
		{"stack overflow, no program", nil, sandbox.Error{Kind: sandbox.KindRuntime, Msg: "stack overflow"}, "loop"},
		{"interpreter failure", plain, sandbox.Error{Kind: sandbox.KindCompile, Msg: "the interpreter failed on this program: x"}, "more plainly"},
		{"a hint is kept", plain, sandbox.Error{Kind: sandbox.KindRuntime, Msg: "stack overflow", Hint: "mine"}, "mine"},
		{"no match", plain, sandbox.Error{Kind: sandbox.KindRuntime, Msg: "panic: boom"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.e
			tt.p.Explain(&e)
			if (tt.hint == "") != (e.Hint == "") || !strings.Contains(e.Hint, tt.hint) {
				t.Errorf("hint %q, want one containing %q", e.Hint, tt.hint)
			}
		})
	}
	var nilProgram *prepare.Program
	nilProgram.Explain(nil) // no error: nothing to do
}

// TestExplainFields: an unknown field or method names the type on its left, when the snippet
// shows it, and lists that type's fields.
func TestExplainFields(t *testing.T) {
	pkgs := fstest.MapFS{
		"mcp_tools/mem/mem.go": {Data: []byte(`package mem

import "mcp_tools"

type SearchNodesArgs struct {
	Query string ` + "`json:\"query\"`" + `
}

type SearchNodesResult struct {
	Blocks   []mcp_tools.Content ` + "`json:\"-\"`" + `
	Entities []Entity            ` + "`json:\"entities\"`" + `
}

func (r *SearchNodesResult) Text() string { return mcp_tools.Text(r.Blocks) }

type Entity struct {
	Name         string   ` + "`json:\"name\"`" + `
	EntityType   string   ` + "`json:\"entityType\"`" + `
	Observations []string ` + "`json:\"observations\"`" + `
}

func SearchNodes(args SearchNodesArgs) (*SearchNodesResult, error) {
	out := &SearchNodesResult{}
	_, err := mcp_tools.Call("mem", "search_nodes", args, out)
	return out, err
}
`)},
	}
	const fields = "mem.Entity has no Nmae; its fields: Name, EntityType, Observations"
	tests := []struct {
		name, src string
		line      int
		sel       string
		hint      string
	}{
		{"range over a result field", "found, _ := mem.SearchNodes(mem.SearchNodesArgs{})\nfor _, e := range found.Entities {\n\tfmt.Println(e.Nmae)\n}", 3, "Nmae", fields},
		{"index of a result field", "found, _ := mem.SearchNodes(mem.SearchNodesArgs{})\nfmt.Println(found.Entities[0].Nmae)", 2, "Nmae", fields},
		{"var of a stub type", "var e mem.Entity\nfmt.Println(e.Nmae)", 2, "Nmae", fields},
		{"composite literal", "e := &mem.Entity{Name: \"x\"}\nfmt.Println(e.Nmae)", 2, "Nmae", fields},
		{"a result", "found, err := mem.SearchNodes(mem.SearchNodesArgs{})\nfmt.Println(found.Content, err)", 2, "Content",
			"mem.SearchNodesResult has no Content; its fields: Blocks, Entities; and the method Text()"},
		{"a chain of reassignments", "found, _ := mem.SearchNodes(mem.SearchNodesArgs{})\n" + strings.Repeat("found = found\n", 30) + "fmt.Println(found.Nmae)", 32, "Nmae",
			"mem.SearchNodesResult has no Nmae"},
		{"type unknown, a similar field", "var x struct{ A int }\nfmt.Println(x.Nmae)\n_ = mem.SearchNodes", 2, "Nmae", "did you mean Name (in mem.Entity)?"},
		{"type unknown, nothing similar", "var x struct{ A int }\nfmt.Println(x.Zzzzzz)\n_ = mem.SearchNodes", 2, "Zzzzzz", "a tool's result has Blocks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := prepare.Prepare(context.Background(), &sandbox.Request{Source: tt.src, Packages: pkgs})
			if err != nil {
				t.Fatal(err)
			}
			e := sandbox.Error{Kind: sandbox.KindCompile, Line: tt.line, Msg: "undefined selector: " + tt.sel}
			p.Explain(&e)
			if !strings.Contains(e.Hint, tt.hint) {
				t.Errorf("hint %q, want one containing %q", e.Hint, tt.hint)
			}
		})
	}
	for msg, want := range map[string]string{
		"cannot use type *int64 as type *float64 in struct literal": "mcp_tools.Float(",
		"cannot use type string as type *string in struct literal":  "mcp_tools.String(s)",
		"cannot use type int as type *int64 in struct literal":      "mcp_tools.Int(int64(n))",
	} {
		e := sandbox.Error{Kind: sandbox.KindCompile, Msg: msg}
		(*prepare.Program)(nil).Explain(&e)
		if !strings.Contains(e.Hint, want) {
			t.Errorf("hint %q for %q, want %q", e.Hint, msg, want)
		}
	}
}

// TestPrepareResolvesSkillImports checks that a stub package that only a skill imports is
// resolved before it is looked for: the coordinator makes stubs present on request, and a
// snippet calling only the skill names no stub itself.
func TestPrepareResolvesSkillImports(t *testing.T) {
	all := sandboxtest.Packages()
	// Until mcp_tools/demo is resolved, the packages offer only the skill.
	present := false
	pkgs := hideUnless(all, "mcp_tools/demo", &present)
	var asked []string
	req := &sandbox.Request{
		Source:   `s, _ := greet.Hello("x"); fmt.Println(s)`,
		Packages: pkgs,
		Resolve: func(_ context.Context, p string) error {
			asked = append(asked, p)
			if p == "mcp_tools/demo" {
				present = true
			}
			return nil
		},
	}
	p, err := prepare.Prepare(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Files["mcp_tools/demo/demo.go"]; !ok {
		t.Errorf("the skill's stub package was not loaded; files: %v", keys(p.Files))
	}
	if got := strings.Join(p.Packages(), " "); got != "mcp_tools/demo skills/greet" {
		t.Errorf("Packages() = %s", got)
	}
	if want := "mcp_tools/demo"; !strings.Contains(strings.Join(asked, " "), want) {
		t.Errorf("resolved %v, want %s among them", asked, want)
	}

	req.Resolve = func(_ context.Context, p string) error {
		if p == "mcp_tools/demo" {
			return errors.New("server demo is still starting")
		}
		return nil
	}
	_, err = prepare.Prepare(context.Background(), req)
	var se *sandbox.Error
	if !errors.As(err, &se) || se.Kind != sandbox.KindUnavailable || !strings.Contains(se.Msg, "skills/greet imports mcp_tools/demo: server demo is still starting") {
		t.Errorf("err = %v, want KindUnavailable naming the skill and the server", err)
	}
}

// hideUnless serves base without the directory dir until *shown is true.
func hideUnless(base fs.FS, dir string, shown *bool) fs.FS {
	return hidingFS{base, dir, shown}
}

type hidingFS struct {
	base  fs.FS
	dir   string
	shown *bool
}

func (h hidingFS) Open(name string) (fs.File, error) {
	if !*h.shown && (name == h.dir || strings.HasPrefix(name, h.dir+"/")) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if !*h.shown && name == path.Dir(h.dir) {
		return h.filteredDir(name)
	}
	return h.base.Open(name)
}

func (h hidingFS) filteredDir(name string) (fs.File, error) {
	m := fstest.MapFS{}
	ents, err := fs.ReadDir(h.base, name)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		if name+"/"+e.Name() != h.dir {
			m[e.Name()+"/x"] = &fstest.MapFile{}
		}
	}
	return m.Open(".")
}

func keys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

// An unclosed call meets the closing brace that wraps a body: that follow-on error is left out.
func TestSyntaxErrorLeavesOutTheWrapper(t *testing.T) {
	src := "p := 1\nfmt.Println(p\n"
	_, err := prepare.Prepare(context.Background(), &sandbox.Request{Source: src, Packages: sandboxtest.Packages()})
	var e *sandbox.Error
	if !asError(err, &e) || e.Line != 2 || e.Msg != "syntax error: missing ',' before newline in argument list" {
		t.Errorf("Prepare: %v (line %d), want the one error of line 2", err, e.Line)
	}
}
