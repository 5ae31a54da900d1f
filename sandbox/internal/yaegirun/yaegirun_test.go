package yaegirun

import (
	"bytes"
	"go/parser"
	"go/token"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/internal/prepare"
)

func TestExports(t *testing.T) {
	ex := Exports()
	for _, p := range sandbox.AllowedStdlib() {
		found := false
		for k := range ex {
			if strings.HasPrefix(k, p+"/") && !strings.Contains(strings.TrimPrefix(k, p+"/"), "/") {
				found = true
			}
		}
		if !found {
			t.Errorf("allowed package %s has no symbols", p)
		}
	}
	for _, denied := range []string{"os/os", "os/exec/exec", "net/net", "net/http/http", "syscall/syscall", "reflect/reflect", "runtime/runtime", "io/fs/fs", "log/log", "path/filepath/filepath"} {
		if _, ok := ex[denied]; ok {
			t.Errorf("denied package %s is exported", denied)
		}
	}
	rt := ex["mcp_tools/mcp_tools"]
	for _, name := range []string{"Call", "Content", "Result", "ToolError", "CallError", "ErrToolFailed", "ErrNoTransport", "Text", "String", "Int", "Float", "Bool"} {
		if _, ok := rt[name]; !ok {
			t.Errorf("mcp_tools.%s is not exported", name)
		}
	}
	for _, name := range []string{"SetTransport", "Transport"} {
		if _, ok := rt[name]; ok {
			t.Errorf("mcp_tools.%s is exported to snippets", name)
		}
	}
}

func TestInstrumentKeepsLines(t *testing.T) {
	src := "package main; import \"fmt\"; func main() { x := 1\n\tswitch x {\n\tcase 1:\n\t\tfmt.Println(x)\n\t}\n\tselect {\n\tdefault:\n\t}\nL:\n\tfor {\n\t\tbreak L\n\t}\n}\n//line _.go:20:1\nfunc f() {\n\tfmt.Println()\n}\n"
	out := Instrument(src)
	fset := token.NewFileSet()
	if _, err := parser.ParseFile(fset, prepare.MainFile, out, 0); err != nil {
		t.Fatalf("instrumented source does not parse: %v\n%s", err, out)
	}
	if got, want := strings.Count(out, "\n"), strings.Count(src, "\n"); got != want {
		t.Errorf("instrumented source has %d lines, want %d", got, want)
	}
	for _, want := range []string{markerName + ".L = 1; x := 1", markerName + ".L = 4; fmt.Println(x)", markerName + ".L = 9; L:", markerName + ".L = 21; fmt.Println()"} {
		if !strings.Contains(out, want) {
			t.Errorf("instrumented source lacks %q:\n%s", want, out)
		}
	}
	if bad := "not go"; Instrument(bad) != bad {
		t.Error("a source that does not parse was changed")
	}
}

func TestPanicLineAndTrace(t *testing.T) {
	tests := []struct {
		name  string
		trace []string
		line  int
		text  string
	}{
		{"marker", []string{"7\t6:2: panic: main.f(...)", "7\t11:2: panic: main.main(...)"}, 7,
			"panic at line 7\nin main.f (starting line 6)\nin main.main (starting line 11)\n"},
		{"no marker: function start", []string{"0\t6:2: panic: main.f(...)"}, 6, "panic at line 6\nin main.f (starting line 6)\n"},
		{"in a package", []string{"3\t_pkg/src/mcp_tools/demo/demo.go:12:2: panic: demo.Echo(...)", "3\t2:1: panic: main.main(...)"}, 3,
			"panic at line 3\nin demo.Echo (mcp_tools/demo/demo.go:12)\nin main.main (starting line 2)\n"},
		{"after an earlier unwinding", []string{"4\t4:1: panic: main.main(...)", "9\t9:1: panic: main.g(...)"}, 9, "panic at line 9\nin main.g (starting line 9)\n"},
		{"empty", nil, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := NewTrace(tt.trace...)
			if got := tr.PanicLine(); got != tt.line {
				t.Errorf("PanicLine = %d, want %d", got, tt.line)
			}
			if diff := cmp.Diff(tt.text, tr.Format()); diff != "" {
				t.Errorf("Format (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRun(t *testing.T) {
	tests := []struct {
		name, main string
		files      map[string]string
		out        string
		kind       sandbox.Kind
		line       int
		msg        string
	}{
		{name: "ok", main: "package main; import \"fmt\"; func main() { fmt.Println(\"hi\") }", out: "hi\n"},
		{name: "compile error", main: "package main; func main() {\n\tx := y\n}\n", kind: sandbox.KindCompile, line: 2, msg: "undefined: y"},
		{name: "compile error in a package", main: "package main; import \"mcp_tools/x\"; func main() { x.F() }", files: map[string]string{"mcp_tools/x/x.go": "package x\n\nfunc F() { undefinedThing() }\n"}, kind: sandbox.KindCompile, line: 1, msg: "error: mcp_tools/x/x.go:3:12: undefined: undefinedThing"},
		{name: "interpreter panic while compiling", main: "package main\nfunc seq(yield func(int) bool) {}\nfunc main() {\n\tfor x := range seq {\n\t\t_ = x\n\t}\n}\n", kind: sandbox.KindCompile, msg: "the interpreter failed"},
		{name: "panic in main", main: "package main\nfunc main() {\n\tvar m map[int]int\n\tm[1] = 1\n}\n", kind: sandbox.KindRuntime, msg: "panic: assignment to entry in nil map"},
		{name: "stdin is empty", main: "package main; import \"fmt\"; func main() { var s string; n, err := fmt.Scan(&s); fmt.Println(n, err) }", out: "0 EOF\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			in, err := New(&out, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			e := in.Run(&prepare.Program{Main: tt.main, Files: tt.files})
			if out.String() != tt.out {
				t.Errorf("output = %q, want %q", out.String(), tt.out)
			}
			if tt.kind == "" {
				if e != nil {
					t.Fatalf("Run: %v", e)
				}
				return
			}
			if e == nil || e.Kind != tt.kind || e.Line != tt.line || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("Run: %v; want kind %q, line %d, message containing %q", e, tt.kind, tt.line, tt.msg)
			}
		})
	}
}
