package yaegirun

import (
	"encoding/json"
	"fmt"
	"io"
	"path"
	"reflect"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing/fstest"

	"github.com/mcp-coordinator/mcp-coordinator/mcp_tools"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/internal/prepare"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/internal/yaegirun/stdsyms"
	"github.com/traefik/yaegi/interp"
)

// gopath is the GOPATH the interpreter sees; Program.Files live below gopath/src.
const gopath = "_pkg"

var (
	exportsOnce sync.Once
	exports     interp.Exports
)

// Exports returns the binary packages a snippet can import: the allowlisted standard library
// (sandbox.AllowedStdlib) and the snippet-facing API of mcp_tools (not SetTransport).
func Exports() interp.Exports {
	exportsOnce.Do(func() {
		exports = interp.Exports{}
		for _, p := range sandbox.AllowedStdlib() {
			key := p + "/" + path.Base(p)
			if strings.HasSuffix(p, "/v2") {
				key = p + "/" + path.Base(path.Dir(p))
			}
			if syms, ok := stdsyms.Symbols[key]; ok {
				exports[key] = syms
			}
		}
		exports[prepare.RuntimePackage+"/"+prepare.RuntimePackage] = mcp_tools.Symbols()
		exports[markerPath+"/line/line"] = map[string]reflect.Value{"L": reflect.ValueOf(&marker).Elem()}
		// Stdlib MapTypes let fmt and others see interpreted values through their wrappers.
		exports["."] = stdsyms.Symbols["."]
	})
	return exports
}

// Interp is an interpreter ready for one program. It is not safe for concurrent use and runs
// one program only.
type Interp struct {
	i     *interp.Interpreter
	files fstest.MapFS
}

// New returns an interpreter whose snippet output goes to stdout and whose panic trace (one line
// per unwound frame, "12:3: panic: main.f(...)") goes to trace. Standard input is empty. Creating
// it is the slow part (milliseconds); a runner does it before a program arrives.
func New(stdout, trace io.Writer) (*Interp, error) {
	files := fstest.MapFS{}
	i := interp.New(interp.Options{
		GoPath:               gopath,
		SourcecodeFilesystem: files,
		Stdin:                strings.NewReader(""),
		Stdout:               stdout,
		Stderr:               trace,
		Args:                 []string{"snippet"},
	})
	if err := i.Use(Exports()); err != nil {
		return nil, fmt.Errorf("loading the allowlisted packages: %w", err)
	}
	warmJSON()
	return &Interp{i: i, files: files}, nil
}

var warmOnce sync.Once

// warmJSON fills encoding/json's caches for the runtime's types, so that a snippet's first
// tool call does not pay for them.
func warmJSON() {
	warmOnce.Do(func() {
		var r mcp_tools.Result
		_ = json.Unmarshal([]byte(`{"content":[{"type":"text","text":"x"}],"structuredContent":{},"isError":false}`), &r)
		_, _ = json.Marshal(r)
		_, _ = json.Marshal(map[string]any{"a": "b", "n": 1.0, "l": []any{true}})
	})
}

// Run compiles and runs p: its packages first, then Main. It returns nil when main returned, or
// an error of kind KindCompile (nothing ran) or KindRuntime (main panicked; Line is not set:
// compute it from the trace with Trace.PanicLine). The error has no hint: the engine adds one in
// the parent, with Program.Explain. Goroutines the snippet started are still running when Run
// returns; the caller ends the process.
func (in *Interp) Run(p *prepare.Program) *sandbox.Error {
	for name, src := range p.Files {
		in.files[gopath+"/src/"+name] = &fstest.MapFile{Data: []byte(src)}
	}
	prog, err := in.compile(Instrument(p.Main))
	if err != nil {
		return CompileError(err)
	}
	if _, err := in.i.Execute(prog); err != nil {
		return RuntimeError(err)
	}
	return nil
}

// compile compiles src, turning a panic of the interpreter's compiler into an error.
func (in *Interp) compile(src string) (prog *interp.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the interpreter failed on this program: %v", r)
		}
	}()
	return in.i.Compile(src)
}

var pos = regexp.MustCompile(`^(?:(\S+?\.go):)?(\d+):(?:\d+:)?\s*`)

// CompileError classifies an error of the interpreter's compiler.
func CompileError(err error) *sandbox.Error {
	line, msg := splitPos(err.Error())
	e := &sandbox.Error{Kind: sandbox.KindCompile, Line: line, Msg: msg, Err: err}
	if strings.Contains(msg, "unable to find source related to") {
		// The prepared program only imports what exists; say it plainly anyway.
		e.Kind = sandbox.KindImport
	}
	return e
}

// splitPos splits a leading "line:col: " or "file.go:line:col: " off msg. Positions in the main
// file have no file name and give the snippet line; positions in package files are kept in the
// message, relative to the GOPATH src directory.
func splitPos(msg string) (int, string) {
	msg = strings.ReplaceAll(msg, gopath+"/src/", "")
	m := pos.FindStringSubmatch(msg)
	if m == nil {
		return 0, msg
	}
	if m[1] != "" && m[1] != prepare.MainFile {
		return 0, msg
	}
	line, _ := strconv.Atoi(m[2])
	return line, msg[len(m[0]):]
}

// RuntimeError classifies an error returned by the execution of main.
func RuntimeError(err error) *sandbox.Error {
	if p, ok := err.(interp.Panic); ok {
		msg := Clarify("panic: " + PanicValue(p.Value))
		if strings.Contains(msg, "allocation size out of range") {
			// One allocation larger than the address space (a wasm guest's is 4 GiB).
			return &sandbox.Error{Kind: sandbox.KindMemory, Msg: msg + ": the snippet asked for more memory than it may use", Err: err}
		}
		return &sandbox.Error{Kind: sandbox.KindRuntime, Msg: msg, Err: err}
	}
	line, msg := splitPos(err.Error())
	return &sandbox.Error{Kind: sandbox.KindRuntime, Line: line, Msg: msg, Err: err}
}

// clarified maps the interpreter's wording of runtime errors to Go's.
var clarified = []struct{ yaegi, golang string }{
	{"reflect: call of reflect.Value.Field on zero Value", "runtime error: invalid memory address or nil pointer dereference"},
	{"reflect: call of reflect.Value.Elem on zero Value", "runtime error: invalid memory address or nil pointer dereference"},
	{"reflect: slice index out of range", "runtime error: index out of range"},
	{"reflect: array index out of range", "runtime error: index out of range"},
	{"reflect: string index out of range", "runtime error: index out of range"},
	{"reflect: slice bounds out of range", "runtime error: slice bounds out of range"},
}

// Clarify rewrites a runtime error message in Go's words where the interpreter's are obscure.
func Clarify(msg string) string {
	for _, c := range clarified {
		msg = strings.Replace(msg, c.yaegi, c.golang, 1)
	}
	return msg
}

// PanicValue formats a recovered panic value as Go would print it.
func PanicValue(v any) string {
	if rv, ok := v.(reflect.Value); ok {
		if !rv.IsValid() || !rv.CanInterface() {
			return fmt.Sprint(v)
		}
		v = rv.Interface()
	}
	if err, ok := v.(error); ok {
		return err.Error()
	}
	return fmt.Sprint(v)
}

// SetMaxStack bounds the stack of each goroutine, so that deep recursion ends as a "stack
// overflow" fatal error instead of eating the memory budget: a quarter of the budget, at most
// maxStack. It returns the bound used.
func SetMaxStack(memoryBytes int64) int {
	n := int(min(memoryBytes/4, maxStack))
	debug.SetMaxStack(n)
	return n
}
