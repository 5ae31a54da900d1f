package prepare

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"regexp"
	"sort"
	"strings"
)

// stubType is a struct type of a stub package, as far as hints need it.
type stubType struct {
	name   string              // "memory.Entity"
	fields []string            // Go field names, in order
	types  map[string]ast.Expr // field name -> its type
	pkg    string              // the package name, to qualify the field types
}

// stubIndex holds the struct types and the functions' result types of the stub packages a
// program loaded. It is built only when an error needs it.
type stubIndex struct {
	types   map[string]*stubType // "memory.Entity" -> type
	results map[string]string    // "memory.SearchNodes" -> "memory.SearchNodesResult"
}

func (p *Program) stubIndex() *stubIndex {
	ix := &stubIndex{types: map[string]*stubType{}, results: map[string]string{}}
	for name, src := range p.Files {
		dir := path.Dir(name)
		if !strings.HasPrefix(dir, RuntimePackage+"/") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		pkg := f.Name.Name
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Type.Results != nil && len(d.Type.Results.List) > 0 {
					if t := qualify(pkg, d.Type.Results.List[0].Type); t != "" {
						ix.results[pkg+"."+d.Name.Name] = t
					}
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					ts, ok := s.(*ast.TypeSpec)
					if !ok {
						continue
					}
					st, ok := ts.Type.(*ast.StructType)
					if !ok {
						continue
					}
					t := &stubType{name: pkg + "." + ts.Name.Name, types: map[string]ast.Expr{}, pkg: pkg}
					for _, fl := range st.Fields.List {
						for _, n := range fl.Names {
							t.fields = append(t.fields, n.Name)
							t.types[n.Name] = fl.Type
						}
					}
					ix.types[t.name] = t
				}
			}
		}
	}
	return ix
}

// qualify names the struct type that e denotes in package pkg (through pointers): "pkg.T", or ""
// for anything else.
func qualify(pkg string, e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.Ident:
			return pkg + "." + x.Name
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok {
				return id.Name + "." + x.Sel.Name
			}
			return ""
		default:
			return ""
		}
	}
}

// elemOf names the element type of a slice or map type expression in package pkg.
func elemOf(pkg string, e ast.Expr) string {
	switch x := e.(type) {
	case *ast.ArrayType:
		return qualify(pkg, x.Elt)
	case *ast.MapType:
		return qualify(pkg, x.Value)
	}
	return ""
}

// selectorHint explains "undefined selector: name" at the snippet's line: the type on the left,
// when the snippet shows it (a stub function's result, a field of one, a range over a field,
// a composite literal), with that type's fields; else a stub field with a similar name; else
// what every result has.
func (p *Program) selectorHint(line int, name string) string {
	ix := p.stubIndex()
	if t := ix.types[p.typeAtSelector(ix, line, name)]; t != nil {
		return t.name + " has no " + name + "; " + describe(t)
	}
	var similar []string
	for _, t := range ix.types {
		for _, f := range t.fields {
			if f != name && (strings.EqualFold(f, name) || editDistance(f, name) <= 2) {
				similar = append(similar, f+" (in "+t.name+")")
			}
		}
	}
	sort.Strings(similar)
	if len(similar) > 0 {
		if len(similar) > 5 {
			similar = similar[:5]
		}
		return "did you mean " + strings.Join(similar, " or ") + "?"
	}
	for _, t := range ix.types {
		if _, ok := t.types["Blocks"]; ok {
			return "a tool's result has Blocks (its content blocks) and Text() (their text joined), plus typed fields when the tool declares an output schema: get_tool shows them"
		}
	}
	return ""
}

// stub returns the stub package loaded at import path, or nil.
func (p *Program) stub(path string) *pkgSource {
	if p == nil {
		return nil
	}
	return p.stubs[path]
}

// funcs returns the exported functions of the package, sorted.
func (ps *pkgSource) funcs() []string {
	var out []string
	for _, f := range ps.files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.IsExported() {
				out = append(out, fd.Name.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// funcsHint says which of a package's functions the snippet may have meant by name: the
// similar ones, else all of them when they are few.
func funcsHint(funcs []string, name string) string {
	var similar []string
	for _, f := range funcs {
		lf, ln := strings.ToLower(f), strings.ToLower(name)
		if editDistance(f, name) <= 2 || strings.Contains(lf, ln) || strings.Contains(ln, lf) {
			similar = append(similar, f)
		}
	}
	switch {
	case len(similar) > 0 && len(similar) <= 5:
		return "did you mean " + strings.Join(similar, " or ") + "?"
	case len(funcs) == 0:
		return "it has no functions"
	case len(funcs) <= 20:
		return "its functions: " + strings.Join(funcs, ", ")
	}
	return fmt.Sprintf("list_tools shows its %d functions, get_tool their types", len(funcs))
}

// describe lists a type's fields for a hint; a result type also has Text().
func describe(t *stubType) string {
	fields := t.fields
	if len(fields) > 30 {
		fields = append(fields[:30:30], "...")
	}
	s := "its fields: " + strings.Join(fields, ", ")
	if _, ok := t.types["Blocks"]; ok {
		s += "; and the method Text() (the text content joined)"
	}
	return s
}

// typeAtSelector finds x.name on the line and tells the type of x ("pkg.T"), or "".
func (p *Program) typeAtSelector(ix *stubIndex, line int, name string) string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "main.go", p.Main, parser.SkipObjectResolution)
	if err != nil {
		return ""
	}
	var sel *ast.SelectorExpr
	ast.Inspect(f, func(n ast.Node) bool {
		if s, ok := n.(*ast.SelectorExpr); ok && sel == nil && s.Sel.Name == name && fset.Position(s.Sel.Pos()).Line == line {
			sel = s
		}
		return sel == nil
	})
	if sel == nil {
		return ""
	}
	tf := &typeFinder{ix: ix, file: f, before: sel.Pos(), steps: new(int)}
	return tf.typeOf(sel.X, 0)
}

// typeFinder tells the stub type of simple expressions in a snippet, by its declarations: no
// type checker, just the shapes a snippet usually has.
type typeFinder struct {
	ix     *stubIndex
	file   *ast.File
	before token.Pos // only declarations before this count
	steps  *int      // shared by the finders of one hint: a bound on the work
}

// maxSteps bounds the expressions one hint types: a hint must never cost more than a moment.
const maxSteps = 200

func (tf *typeFinder) typeOf(e ast.Expr, depth int) string {
	*tf.steps++
	if depth > 8 || *tf.steps > maxSteps {
		return ""
	}
	switch x := e.(type) {
	case *ast.ParenExpr:
		return tf.typeOf(x.X, depth+1)
	case *ast.StarExpr:
		return tf.typeOf(x.X, depth+1)
	case *ast.UnaryExpr:
		return tf.typeOf(x.X, depth+1)
	case *ast.CompositeLit:
		if s, ok := x.Type.(*ast.SelectorExpr); ok {
			if id, ok := s.X.(*ast.Ident); ok {
				return id.Name + "." + s.Sel.Name
			}
		}
	case *ast.CallExpr:
		if s, ok := x.Fun.(*ast.SelectorExpr); ok {
			if id, ok := s.X.(*ast.Ident); ok {
				return tf.ix.results[id.Name+"."+s.Sel.Name]
			}
		}
	case *ast.IndexExpr:
		if t, f := tf.fieldOf(x.X, depth); t != nil {
			return elemOf(t.pkg, t.types[f])
		}
	case *ast.SelectorExpr:
		if t, f := tf.fieldOf(x, depth); t != nil {
			return qualify(t.pkg, t.types[f])
		}
	case *ast.Ident:
		return tf.typeOfVar(x.Name, depth)
	}
	return ""
}

// fieldOf resolves a selector x.F to the struct type of x and the field name F.
func (tf *typeFinder) fieldOf(e ast.Expr, depth int) (*stubType, string) {
	s, ok := e.(*ast.SelectorExpr)
	if !ok {
		return nil, ""
	}
	t := tf.ix.types[tf.typeOf(s.X, depth+1)]
	if t == nil || t.types[s.Sel.Name] == nil {
		return nil, ""
	}
	return t, s.Sel.Name
}

// typeOfVar types name by its last declaration before the selector: an assignment, a var, or a
// range clause. That declaration's right side is typed as of its own position, so x = f(x)
// looks further back, once: the work is linear in the chain, never a search of every path.
func (tf *typeFinder) typeOfVar(name string, depth int) string {
	var last ast.Node // the last declaring statement or spec before tf.before
	var rhs ast.Expr  // what it gives name, when it is an expression
	ast.Inspect(tf.file, func(n ast.Node) bool {
		if n == nil {
			return true
		}
		if n.Pos() >= tf.before {
			return false
		}
		switch s := n.(type) {
		case *ast.AssignStmt:
			for i, l := range s.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Name == name {
					switch {
					case len(s.Rhs) == len(s.Lhs):
						last, rhs = s, s.Rhs[i]
					case len(s.Rhs) == 1 && i == 0:
						last, rhs = s, s.Rhs[0]
					default:
						last, rhs = s, nil
					}
				}
			}
		case *ast.ValueSpec:
			for i, id := range s.Names {
				if id.Name != name {
					continue
				}
				last, rhs = s, nil
				if st, ok := s.Type.(*ast.SelectorExpr); ok {
					rhs = &ast.CompositeLit{Type: st}
				} else if s.Type == nil && i < len(s.Values) {
					rhs = s.Values[i]
				}
			}
		case *ast.RangeStmt:
			if id, ok := s.Value.(*ast.Ident); ok && id.Name == name {
				last, rhs = s, nil
			}
		}
		return true
	})
	if last == nil {
		return ""
	}
	earlier := &typeFinder{ix: tf.ix, file: tf.file, before: last.Pos(), steps: tf.steps}
	if r, ok := last.(*ast.RangeStmt); ok {
		if t, f := earlier.fieldOf(r.X, depth); t != nil {
			return elemOf(t.pkg, t.types[f])
		}
		return ""
	}
	if rhs == nil {
		return ""
	}
	return earlier.typeOf(rhs, depth) // earlier: no cycle, and steps bound the chain
}

// editDistance is the Levenshtein distance of a and b, ignoring case.
func editDistance(a, b string) int {
	a, b = strings.ToLower(a), strings.ToLower(b)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

var (
	pointerLiteral = regexp.MustCompile(`cannot convert untyped \w+ to \*(int64|float64|string|bool)\b`)
	pointerMix     = regexp.MustCompile(`cannot use type \*?\w+ as type \*(int64|float64|string|bool) `)
	pointerHelpers = map[string]string{"int64": "mcp_tools.Int(3), or mcp_tools.Int(int64(n))", "float64": "mcp_tools.Float(1.5), or mcp_tools.Float(float64(n))", "string": `mcp_tools.String("x"), or mcp_tools.String(s)`, "bool": "mcp_tools.Bool(true)"}
)

// pointerHint explains a plain value given for an optional (pointer) field.
func pointerHint(msg string) string {
	m := pointerLiteral.FindStringSubmatch(msg)
	if m == nil {
		m = pointerMix.FindStringSubmatch(msg)
	}
	if m == nil {
		return ""
	}
	return "optional fields are pointers: for this *" + m[1] + " write " + pointerHelpers[m[1]]
}
