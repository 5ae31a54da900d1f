package yaegirun

import (
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strconv"
	"strings"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox/internal/prepare"
)

// The interpreter's panic trace names the function that panicked but places it at the
// function's first statement. To report the statement itself, Instrument makes every statement
// of the main file first record its snippet line in a host variable (marker), which the runner
// reads when the trace is written. The cost is one assignment per statement.

// markerPath is the import path of the host package holding the line marker. A snippet cannot
// import it: Prepare rejects every path outside the allowlist.
const markerPath = "mcp_sandbox"

// markerName is the name the instrumented main file imports it under.
const markerName = "_mcp_sandbox_line"

// marker is the snippet line of the statement that started last, in any goroutine.
var marker int64

// Instrument returns main with a line marker before each statement, keeping every line where it
// was. A file that does not parse is returned unchanged: the interpreter will report why.
func Instrument(main string) string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, prepare.MainFile, main, parser.SkipObjectResolution)
	if err != nil {
		return main
	}
	type insert struct {
		off  int
		text string
	}
	var ins []insert
	add := func(list []ast.Stmt) {
		for _, s := range list {
			switch s.(type) {
			case *ast.EmptyStmt, *ast.CaseClause, *ast.CommClause:
				continue
			}
			ins = append(ins, insert{fset.Position(s.Pos()).Offset, markerName + ".L = " + strconv.Itoa(fset.Position(s.Pos()).Line) + "; "})
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BlockStmt:
			add(n.List)
		case *ast.CaseClause:
			add(n.Body)
		case *ast.CommClause:
			add(n.Body)
		}
		return true
	})
	if len(ins) == 0 {
		return main
	}
	ins = append(ins, insert{fset.Position(f.Name.End()).Offset, "; import " + markerName + " " + strconv.Quote(markerPath+"/line")})
	sort.Slice(ins, func(i, j int) bool { return ins[i].off < ins[j].off })
	var b strings.Builder
	b.Grow(len(main) + len(ins)*32)
	prev := 0
	for _, in := range ins {
		b.WriteString(main[prev:in.off])
		b.WriteString(in.text)
		prev = in.off
	}
	b.WriteString(main[prev:])
	return b.String()
}
