package codegen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"
)

// View returns the compact Go declarations of the tools named goNames (Go function names, as in
// [ToolDoc.GoName]) for a reader who writes calls: each function without its body (and without
// the name of its parameter, always args), after its tool's description, then every type they
// use, each once, in the order of first use (functions in the order given, then types).
// Repeated names are shown once. An unknown name is an error naming it.
//
// The view leaves out what is the same for every tool (the Blocks field and Text method of
// results, the "XArgs holds the arguments of X" lines) and what a reader infers: a json tag
// when the JSON name maps to the field's name by [GoName] (entityType -> EntityType; it is kept
// when the two differ, as for a clash), omitempty, enum constants (the field's comment lists the
// values, and untyped constants mean a literal works as well), and an XResult without typed
// fields. It keeps every description, the allowed values and defaults. A field of an argument
// type whose zero value would be sent as it is (a required string, number, slice, map or struct:
// a nil slice goes out as null) ends in "// required"; optional fields are pointers or omitted
// when empty.
func (p *Package) View(goNames ...string) (string, error) {
	var unknown []string
	for _, n := range goNames {
		if _, ok := p.uses[n]; !ok {
			unknown = append(unknown, strconv.Quote(n))
		}
	}
	if len(unknown) > 0 {
		return "", fmt.Errorf("codegen: package %s has no tool %s", p.Name, strings.Join(unknown, ", "))
	}
	seen := map[string]bool{}
	var parts []string
	for _, n := range goNames {
		if !seen[n] {
			seen[n] = true
			parts = append(parts, p.decls[n])
		}
	}
	for _, n := range goNames {
		for _, d := range p.uses[n][1:] {
			if !seen[d] {
				seen[d] = true
				parts = append(parts, p.decls[d])
			}
		}
	}
	if len(parts) == 0 {
		return "", nil
	}
	return strings.Join(parts, "\n\n") + "\n", nil
}

// compactDecls renders the compact form of every function and type of the package (tgs sorted
// by function name) and returns each declaration's text by name, and for each function the
// names its view shows: the function, then its types in the order of first use.
func compactDecls(pkg string, tgs []*toolGen) (map[string]string, map[string][]string, error) {
	uses := map[string][]string{}
	argSide := map[*structDecl]bool{}
	shown := func(sd *structDecl) bool { return !sd.result || len(sd.fields) > 0 }
	for _, tg := range tgs {
		names := []string{tg.fn}
		seen := map[*structDecl]bool{}
		var visit func(sd *structDecl, args bool)
		visit = func(sd *structDecl, args bool) {
			sd = sd.canon()
			if args {
				argSide[sd] = true
			}
			if seen[sd] {
				return
			}
			seen[sd] = true
			if shown(sd) {
				names = append(names, sd.name)
			}
			for _, f := range sd.fields {
				for t := f.t; t != nil; t = t.elem {
					if t.kind == kStruct {
						visit(t.decl, args)
					}
				}
			}
		}
		visit(tg.structs[tg.args+"\x00"], true)
		for _, d := range tg.decls {
			if sd, ok := d.(*structDecl); ok && sd.result {
				visit(sd, false)
			}
		}
		uses[tg.fn] = names
	}

	f := newFile(pkg)
	for _, tg := range tgs {
		f.Add(longComment(tg.desc).Func().Id(tg.fn).Params(jen.Id(tg.args)).
			Params(jen.Op("*").Id(tg.result), jen.Error()))
		f.Line()
	}
	for _, tg := range tgs {
		for _, d := range tg.decls {
			if sd, ok := d.(*structDecl); ok && sd.same == nil && shown(sd) {
				f.Add(sd.compact(argSide[sd]))
				f.Line()
			}
		}
	}
	var src bytes.Buffer
	if err := f.Render(&src); err != nil {
		return nil, nil, err
	}
	out, err := gofmt(src.Bytes())
	if err != nil {
		return nil, nil, err
	}
	decls, err := cutDecls(out)
	return decls, uses, err
}

// compact is the struct's declaration as View shows it.
func (sd *structDecl) compact(args bool) jen.Code {
	doc := sd.doc
	if sd.root { // drop "XArgs holds the arguments of X."
		_, doc, _ = strings.Cut(doc, "\n")
	}
	for _, k := range sd.omitted {
		doc += fmt.Sprintf("\nThe property %s is left out: encoding/json cannot name a field so.", strconv.Quote(k))
	}
	return longComment(doc).Type().Id(sd.name).StructFunc(func(g *jen.Group) {
		for _, f := range sd.fields {
			required := args && !f.omit && !f.ptr
			note := oneLine(f.notes)
			if note == "" {
				for _, l := range longCommentLines(strings.Join(f.notes, "\n")) {
					g.Comment(strings.TrimRight("// "+l, " "))
				}
			}
			t := jen.Id(f.name)
			if f.ptr {
				t.Op("*")
			}
			t.Add(f.t.code())
			if GoName(f.json) != f.name {
				tag := f.json
				if tag == "-" {
					tag = "-,"
				}
				t.Tag(map[string]string{"json": tag})
			}
			switch {
			case required && note != "":
				t.Comment("required. " + note)
			case required:
				t.Comment("required")
			case note != "":
				t.Comment(note)
			}
			g.Add(t)
		}
	})
}

// maxTrailing bounds the length of a field's comment that View puts after the field.
const maxTrailing = 160

// oneLine joins the notes of a field into one sentence-separated line for a trailing comment, or
// returns "" when they hold a line break or are too long for one line.
func oneLine(notes []string) string {
	var parts []string
	for _, n := range notes {
		if strings.Contains(n, "\n") {
			return ""
		}
		if !strings.HasSuffix(n, ".") && !strings.HasSuffix(n, "!") && !strings.HasSuffix(n, "?") &&
			!strings.HasSuffix(n, ":") && !strings.HasSuffix(n, ";") && len(parts) < len(notes)-1 {
			n += "."
		}
		parts = append(parts, n)
	}
	line := strings.Join(parts, " ")
	if len(line) > maxTrailing {
		return ""
	}
	return safeLine(line)
}

// longComment returns text as line comments, not wrapped (View's lines may be long: a reader
// that is a model does not need them folded), ready for a declaration to follow.
func longComment(text string) *jen.Statement {
	s := jen.Null()
	for _, l := range longCommentLines(text) {
		s.Comment(strings.TrimRight("// "+l, " ")).Line()
	}
	return s
}

// longCommentLines cleans text into comment lines without wrapping them.
func longCommentLines(text string) []string {
	text = cleanText(text)
	if text == "" {
		return nil
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = safeLine(l)
	}
	return lines
}

// safeLine keeps gofmt from taking a comment line for a build constraint: it moves every
// "// +build" line of a file to its top.
func safeLine(l string) string {
	if t := strings.TrimLeft(l, " "); strings.HasPrefix(t, "+build") {
		return l[:len(l)-len(t)] + "`+build`" + t[len("+build"):]
	}
	return l
}

// cutDecls returns the text of each top-level function and type of src by name, with its doc
// comment and the rest of its last line (a trailing comment).
func cutDecls(src []byte) (map[string]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	file := fset.File(f.Pos())
	out := map[string]string{}
	for _, d := range f.Decls {
		var name string
		var doc *ast.CommentGroup
		switch d := d.(type) {
		case *ast.FuncDecl:
			name, doc = d.Name.Name, d.Doc
		case *ast.GenDecl:
			spec, ok := d.Specs[0].(*ast.TypeSpec)
			if !ok {
				continue // imports
			}
			name, doc = spec.Name.Name, d.Doc
		}
		start, end := file.Offset(d.Pos()), file.Offset(d.End())
		if doc != nil {
			start = file.Offset(doc.Pos())
		}
		if i := bytes.IndexByte(src[end:], '\n'); i >= 0 {
			end += i
		} else {
			end = len(src)
		}
		out[name] = string(src[start:end])
	}
	return out, nil
}
