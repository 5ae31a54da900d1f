package prepare

import (
	"bytes"
	"go/ast"
	"go/printer"
	"go/token"
	"sort"
	"strings"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
)

// emit writes the package's files into out, keyed by dir/name. With used == nil the files are
// copied whole; otherwise each keeps only the declarations reachable from the used names (plus
// imports, init functions and blank variables): a snippet that calls one tool of a fifty-tool
// stub compiles one function and its types, not fifty. Reachability is by identifier name, so
// it may keep more than needed, never less.
func (ps *pkgSource) emit(used map[string]bool, out map[string]string) error {
	if used == nil {
		for i, n := range ps.names {
			out[ps.dir+"/"+n] = ps.raw[i]
		}
		return nil
	}
	names := make([]string, 0, len(used))
	for n := range used {
		names = append(names, n)
	}
	sort.Strings(names)
	key := strings.Join(names, ",")
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if files, ok := ps.pruned[key]; ok {
		for n, src := range files {
			out[n] = src
		}
		return nil
	}
	if ps.pruned == nil || len(ps.pruned) >= prunedCacheSize {
		ps.pruned = map[string]map[string]string{}
	}
	files := map[string]string{}
	ps.pruned[key] = files
	type ref struct{ file, decl int }
	defs := map[string][]ref{}    // top-level name -> declarations defining it
	methods := map[string][]ref{} // receiver type name -> its methods
	types := map[ref][]string{}   // type names a declaration defines
	uses := map[ref][]string{}    // identifiers a declaration mentions
	var roots []ref
	for fi, f := range ps.files {
		for di, d := range f.Decls {
			r := ref{fi, di}
			uses[r] = identNames(d)
			switch d := d.(type) {
			case *ast.FuncDecl:
				switch {
				case d.Recv != nil && len(d.Recv.List) > 0:
					methods[recvName(d.Recv.List[0].Type)] = append(methods[recvName(d.Recv.List[0].Type)], r)
				case d.Name.Name == "init":
					roots = append(roots, r)
				default:
					defs[d.Name.Name] = append(defs[d.Name.Name], r)
				}
			case *ast.GenDecl:
				if d.Tok == token.IMPORT {
					roots = append(roots, r)
				}
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						defs[s.Name.Name] = append(defs[s.Name.Name], r)
						types[r] = append(types[r], s.Name.Name)
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.Name == "_" {
								roots = append(roots, r)
							}
							defs[n.Name] = append(defs[n.Name], r)
						}
					}
				}
			}
		}
	}
	keep := map[ref]bool{}
	var keepDecl func(r ref)
	visit := func(name string) {
		for _, r := range defs[name] {
			keepDecl(r)
		}
	}
	keepDecl = func(r ref) {
		if keep[r] {
			return
		}
		keep[r] = true
		for _, n := range uses[r] {
			visit(n)
		}
		for _, t := range types[r] {
			for _, m := range methods[t] {
				keepDecl(m)
			}
		}
	}
	for _, r := range roots {
		keepDecl(r)
	}
	for n := range used {
		visit(n)
	}
	for fi, f := range ps.files {
		pruned := &ast.File{Name: f.Name}
		for di, d := range f.Decls {
			if keep[ref{fi, di}] {
				pruned.Decls = append(pruned.Decls, d)
			}
		}
		var buf bytes.Buffer
		if err := printer.Fprint(&buf, ps.fset, pruned); err != nil {
			return &sandbox.Error{Kind: sandbox.KindInternal, Msg: "printing package " + ps.dir + ": " + err.Error(), Err: err}
		}
		files[ps.dir+"/"+ps.names[fi]] = buf.String()
		out[ps.dir+"/"+ps.names[fi]] = buf.String()
	}
	return nil
}

// prunedCacheSize bounds the pruned forms kept per package.
const prunedCacheSize = 64

// identNames returns the names of all identifiers in n.
func identNames(n ast.Node) []string {
	var names []string
	ast.Inspect(n, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			names = append(names, id.Name)
		}
		return true
	})
	return names
}

// recvName returns the type name of a method receiver: T for T, *T, T[K] and *T[K].
func recvName(x ast.Expr) string {
	for {
		switch t := x.(type) {
		case *ast.StarExpr:
			x = t.X
		case *ast.IndexExpr:
			x = t.X
		case *ast.IndexListExpr:
			x = t.X
		case *ast.ParenExpr:
			x = t.X
		case *ast.Ident:
			return t.Name
		default:
			return ""
		}
	}
}
