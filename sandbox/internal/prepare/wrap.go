package prepare

import (
	"fmt"
	"go/scanner"
	"go/token"
	"path"
	"strconv"
	"strings"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
)

// importSpec is one import of the main file.
type importSpec struct {
	name, path string
	line       int // line in the snippet; for an added import, 0 until fileImports sets it
}

// local returns the name the import declares in the file.
func (s importSpec) local() string {
	if s.name != "" {
		return s.name
	}
	return path.Base(s.path)
}

// hoisted is a declaration moved out of a body, with the snippet line it started on.
type hoisted struct {
	line int
	text string
}

// wrapped is a snippet split into what goes into package main, so that the assembled file keeps
// the snippet's line numbers.
type wrapped struct {
	body    bool
	inject  bool   // no package clause but a func main: the snippet is a file
	src     string // the snippet; for a body, with its imports and hoisted declarations blanked
	pkgEnd  int    // file: offset just after the package name, where added imports go
	imports []importSpec
	decls   []hoisted
}

// assemble returns the main file with the added imports.
func (w *wrapped) assemble(added []importSpec) string {
	switch {
	case w.inject:
		return "package main" + importDecl(added) + "; " + w.src
	case !w.body:
		return w.src[:w.pkgEnd] + importDecl(added) + w.src[w.pkgEnd:]
	}
	var b strings.Builder
	b.WriteString("package main")
	b.WriteString(importDecl(append(append([]importSpec(nil), w.imports...), added...)))
	b.WriteString("; func main() { ")
	b.WriteString(w.src)
	b.WriteString("\n}\n")
	for _, d := range w.decls {
		fmt.Fprintf(&b, "//line %s:%d:1\n%s\n", MainFile, d.line, d.text)
	}
	return b.String()
}

// importLine returns the snippet line of an explicit import of p in a body, or 0.
func (w *wrapped) importLine(p string) int {
	for _, is := range w.imports {
		if is.path == p {
			return is.line
		}
	}
	return 0
}

func importDecl(specs []importSpec) string {
	if len(specs) == 0 {
		return ""
	}
	parts := make([]string, len(specs))
	for i, s := range specs {
		parts[i] = strings.TrimSpace(s.name + " " + strconv.Quote(s.path))
	}
	return "; import (" + strings.Join(parts, "; ") + ")"
}

// tok is one token of the snippet.
type tok struct {
	off int
	tok token.Token
	lit string
}

func tokenize(src string) ([]tok, *token.File) {
	fset := token.NewFileSet()
	file := fset.AddFile(MainFile, -1, len(src))
	var s scanner.Scanner
	s.Init(file, []byte(src), func(token.Position, string) {}, 0)
	var toks []tok
	for {
		pos, t, lit := s.Scan()
		toks = append(toks, tok{file.Offset(pos), t, lit})
		if t == token.EOF {
			return toks, file
		}
	}
}

// wrap decides whether src is a file or a body and, for a body, lifts its leading imports and
// its top-level func and type declarations out of the statements of main.
func wrap(src string) (*wrapped, error) {
	toks, file := tokenize(src)
	if toks[0].tok == token.PACKAGE {
		w := &wrapped{src: src, pkgEnd: len(src)}
		if len(toks) > 1 && toks[1].tok == token.IDENT {
			w.pkgEnd = toks[1].off + len(toks[1].lit)
		}
		return w, nil
	}
	w := &wrapped{body: true}
	blank := []byte(src)
	cut := func(from, to int) string {
		text := src[from:to]
		for i := from; i < to; i++ {
			if blank[i] != '\n' {
				blank[i] = ' '
			}
		}
		return text
	}
	end := func(i int) int { // end offset of a declaration closed by the semicolon toks[i]
		if toks[i].tok == token.EOF || toks[i].lit == "\n" {
			return toks[i].off
		}
		return toks[i].off + 1
	}
	i := 0
	for toks[i].tok == token.IMPORT {
		start := toks[i].off
		i++
		group := toks[i].tok == token.LPAREN
		if group {
			i++
		}
		for toks[i].tok != token.EOF {
			if group && toks[i].tok == token.RPAREN {
				i++
				break
			}
			spec := importSpec{}
			if toks[i].tok == token.IDENT || toks[i].tok == token.PERIOD {
				spec.name = toks[i].lit
				if toks[i].tok == token.PERIOD {
					spec.name = "."
				}
				i++
			}
			if toks[i].tok != token.STRING {
				return nil, &sandbox.Error{Kind: sandbox.KindCompile, Line: file.Line(file.Pos(toks[i].off)), Msg: "syntax error: malformed import"}
			}
			spec.path, _ = strconv.Unquote(toks[i].lit)
			spec.line = file.Line(file.Pos(toks[i].off))
			w.imports = append(w.imports, spec)
			i++
			if !group {
				break
			}
			if toks[i].tok == token.SEMICOLON {
				i++
			}
		}
		if toks[i].tok != token.SEMICOLON && toks[i].tok != token.EOF {
			return nil, &sandbox.Error{Kind: sandbox.KindCompile, Line: file.Line(file.Pos(toks[i].off)), Msg: "syntax error: malformed import"}
		}
		cut(start, end(i))
		if toks[i].tok == token.SEMICOLON {
			i++
		}
	}
	depth := 0
	for ; toks[i].tok != token.EOF; i++ {
		t := toks[i]
		switch t.tok {
		case token.LPAREN, token.LBRACE, token.LBRACK:
			depth++
			continue
		case token.RPAREN, token.RBRACE, token.RBRACK:
			depth--
			continue
		}
		stmtStart := i == 0 || toks[i-1].tok == token.SEMICOLON
		if depth != 0 || !stmtStart {
			continue
		}
		last := -1
		switch {
		case t.tok == token.TYPE:
			last = declEnd(toks, i)
		case t.tok == token.FUNC && isFuncDecl(toks, i):
			last = funcEnd(toks, i)
		}
		if last < 0 {
			continue
		}
		line := file.Line(file.Pos(t.off))
		if t.tok == token.FUNC && toks[i+1].lit == "main" {
			return &wrapped{inject: true, src: src}, nil
		}
		w.decls = append(w.decls, hoisted{line: line, text: cut(t.off, end(last))})
		if toks[last].tok == token.EOF { // the snippet ended inside the declaration
			break
		}
		i = last
	}
	w.src = string(blank)
	return w, nil
}

// isFuncDecl reports whether the func at toks[i] starts a declaration: "func Name" or
// "func (recv) Name(", not a function literal.
func isFuncDecl(toks []tok, i int) bool {
	if toks[i+1].tok == token.IDENT {
		return true
	}
	if toks[i+1].tok != token.LPAREN {
		return false
	}
	j := match(toks, i+1)
	return j > 0 && toks[j+1].tok == token.IDENT && toks[j+2].tok == token.LPAREN
}

// match returns the index of the bracket closing the one at toks[i], or -1.
func match(toks []tok, i int) int {
	depth := 0
	for j := i; toks[j].tok != token.EOF; j++ {
		switch toks[j].tok {
		case token.LPAREN, token.LBRACE, token.LBRACK:
			depth++
		case token.RPAREN, token.RBRACE, token.RBRACK:
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// funcEnd returns the index of the token after the body of the func declaration at toks[i]
// (the semicolon or EOF that ends it), or -1.
func funcEnd(toks []tok, i int) int {
	for j := i + 1; toks[j].tok != token.EOF; j++ {
		switch toks[j].tok {
		case token.LPAREN, token.LBRACK:
			if j = match(toks, j); j < 0 {
				return -1
			}
		case token.LBRACE:
			k := match(toks, j)
			if k < 0 {
				return -1
			}
			if prev := toks[j-1].tok; prev == token.STRUCT || prev == token.INTERFACE {
				j = k
				continue
			}
			if t := toks[k+1].tok; t != token.SEMICOLON && t != token.EOF {
				return -1
			}
			return k + 1
		case token.SEMICOLON:
			return -1
		}
	}
	return -1
}

// declEnd returns the index of the semicolon (or EOF) ending the declaration at toks[i].
func declEnd(toks []tok, i int) int {
	for j := i + 1; ; j++ {
		switch toks[j].tok {
		case token.EOF, token.SEMICOLON:
			return j
		case token.LPAREN, token.LBRACE, token.LBRACK:
			if j = match(toks, j); j < 0 {
				return -1
			}
		}
	}
}
