package prepare

import (
	"go/ast"
	"go/token"
	"regexp"
	"strings"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
)

// The interpreter (yaegi, with a Go 1.22 standard library) misses a few things that models write.
// Constructs that are certain to fail or to misbehave silently are rejected by [Prepare] with a
// KindCompile error whose Hint says what to write instead; constructs that fail only sometimes
// get their hint attached afterwards, by [Program.Explain], when the interpreter does fail.

// builtinGaps are the builtins the interpreter lacks.
var builtinGaps = map[string]string{
	"min":   "compare yourself (if b < a { a = b }) or write a small helper func",
	"max":   "compare yourself (if b > a { a = b }) or write a small helper func",
	"clear": "delete a map's keys in a loop (for k := range m { delete(m, k) }) or assign a new map or slice",
}

// genericWorks lists what works in the standard packages whose generic source the interpreter
// compiles only in part.
var genericWorks = map[string]map[string]bool{
	"slices": {"Contains": true, "ContainsFunc": true, "Index": true, "IndexFunc": true, "EqualFunc": true},
	"maps":   {},
	"cmp":    {"Compare": true, "Less": true},
}

func genericHint(pkg, name string) string {
	switch {
	case pkg == "slices" && (strings.HasPrefix(name, "Sort") || strings.HasPrefix(name, "IsSorted") || strings.HasPrefix(name, "BinarySearch")):
		return "use sort.Slice(s, func(i, j int) bool { return s[i] < s[j] }), sort.Strings or sort.Ints"
	case pkg == "slices" && (name == "Min" || name == "Max" || name == "MinFunc" || name == "MaxFunc"):
		return "loop over the slice and keep the smallest or largest element"
	case pkg == "maps":
		return "loop over the map (for k, v := range m { ... }); to get sorted keys, append them to a slice and sort.Strings it"
	case pkg == "cmp":
		return "write the comparison with < and ==; cmp.Compare and cmp.Less work"
	}
	return "write a loop with append and index expressions; slices.Contains, ContainsFunc, Index, IndexFunc and EqualFunc work"
}

const jsonMethodHint = "the interpreter ignores custom MarshalJSON/UnmarshalJSON methods of types declared in a snippet: build a plain struct with json tags, or a map[string]any, and marshal that"

// checkGaps rejects the certain gaps in f, which has imports, and records the possible ones in
// p.
func checkGaps(fset *token.FileSet, f *ast.File, imports []importSpec, p *Program) error {
	local := map[string]string{} // local name -> path, for slices, maps and cmp
	for _, is := range imports {
		local[is.local()] = is.path
	}
	genericFuncs := map[*ast.Object]bool{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Type.TypeParams != nil && fd.Name.Obj != nil {
			genericFuncs[fd.Name.Obj] = true
		}
	}
	var err *sandbox.Error
	fail := func(n ast.Node, msg, hint string) {
		if err == nil {
			err = &sandbox.Error{Kind: sandbox.KindCompile, Line: fset.Position(n.Pos()).Line, Msg: msg, Hint: hint}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if err != nil {
			return false
		}
		switch n := n.(type) {
		case *ast.CallExpr:
			if id, ok := n.Fun.(*ast.Ident); ok {
				if hint, gap := builtinGaps[id.Name]; gap && id.Obj == nil {
					fail(n, "the builtin "+id.Name+" is not available in the sandbox's interpreter", hint)
				}
				if id.Obj != nil && genericFuncs[id.Obj] {
					for _, a := range n.Args {
						if _, ok := a.(*ast.FuncLit); ok {
							p.generic = true
						}
					}
				}
			}
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && id.Obj == nil && local[id.Name] == "errors" && sel.Sel.Name == "As" {
					p.errorsAs = true
				}
			}
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok && id.Obj == nil {
				pkg := local[id.Name]
				if works, ok := genericWorks[pkg]; ok && !works[n.Sel.Name] {
					fail(n, pkg+"."+n.Sel.Name+" does not work in the sandbox's interpreter", genericHint(pkg, n.Sel.Name))
				}
			}
		case *ast.RangeStmt:
			if isFunc(n.X) {
				fail(n, "range over a function (a Go 1.23 iterator) is not supported by the sandbox's interpreter",
					"collect the values into a slice and range over the slice, or call the function with a yield callback")
			}
		case *ast.FuncDecl:
			if n.Recv != nil && (n.Name.Name == "MarshalJSON" || n.Name.Name == "UnmarshalJSON") {
				fail(n, "method "+n.Name.Name+" would be ignored", jsonMethodHint)
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	return nil
}

// isFunc reports whether x is syntactically a function value: a literal, a declared function,
// or a variable initialised with a literal or declared with a func type.
func isFunc(x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.FuncLit:
		return true
	case *ast.ParenExpr:
		return isFunc(x.X)
	case *ast.Ident:
		if x.Obj == nil {
			return false
		}
		switch d := x.Obj.Decl.(type) {
		case *ast.FuncDecl:
			return true
		case *ast.AssignStmt:
			for i, l := range d.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Name == x.Name && i < len(d.Rhs) && len(d.Lhs) == len(d.Rhs) {
					_, lit := d.Rhs[i].(*ast.FuncLit)
					return lit
				}
			}
		case *ast.ValueSpec:
			if _, ok := d.Type.(*ast.FuncType); ok {
				return true
			}
			for i, id := range d.Names {
				if id.Name == x.Name && i < len(d.Values) {
					_, lit := d.Values[i].(*ast.FuncLit)
					return lit
				}
			}
		}
	}
	return false
}

var (
	undefinedSelector = regexp.MustCompile(`undefined selector: ([\w/]+)\.(\w+)`)
	undefinedField    = regexp.MustCompile(`undefined selector: (\w+)$`)
	noSymbol          = regexp.MustCompile(`package (\w+) "([^"]+)" has no symbol (\w+)`)
)

// Explain attaches a hint to e when its message matches a known interpreter gap and e has
// none yet. It is the one place that adds hints to a run's errors: an engine calls it in the
// parent on the error a run ended with (runners report errors without hints), because only the
// prepared program knows, say, which stubs the snippet imports. p may be nil.
func (p *Program) Explain(e *sandbox.Error) {
	if e == nil || e.Hint != "" {
		return
	}
	msg := e.Msg
	switch {
	case (strings.Contains(msg, "as type error") || strings.Contains(msg, "target must be interface or implement error")) && (p == nil || p.errorsAs):
		e.Hint = "errors.As into a type declared in the snippet does not work in the sandbox: use a type switch or assertion (if te, ok := err.(*MyError); ok { ... }); for tool errors test errors.Is(err, mcp_tools.ErrToolFailed) or switch on *mcp_tools.ToolError"
	case strings.Contains(msg, "cannot use type func(") && p != nil && p.generic:
		e.Hint = "the interpreter cannot infer type arguments from a function literal: write them explicitly, as in Map[int, string](xs, func(x int) string { ... })"
	case noSymbol.MatchString(msg):
		m := noSymbol.FindStringSubmatch(msg)
		e.Hint = m[2] + "." + m[3] + " is not in the sandbox's standard library, which is Go 1.22's"
	case undefinedSelector.MatchString(msg):
		m := undefinedSelector.FindStringSubmatch(msg)
		if ps := p.stub(m[1]); ps != nil {
			e.Hint = "package " + m[1] + " has no " + m[2] + "; " + funcsHint(ps.funcs(), m[2])
		}
	case undefinedField.MatchString(msg) && p != nil:
		e.Hint = p.selectorHint(e.Line, undefinedField.FindStringSubmatch(msg)[1])
	case pointerHint(msg) != "":
		e.Hint = pointerHint(msg)
	case strings.Contains(msg, "stack overflow"):
		e.Hint = "turn the recursion into a loop with an explicit stack (a slice), or bound its depth"
	case strings.Contains(msg, "interpreter failed"):
		e.Hint = "rewrite the construct on that line more plainly: the interpreter lacks range over functions, generic type inference from function literals, and method values of generic types"
	}
}
