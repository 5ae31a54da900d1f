package process

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/internal/yaegirun"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/sandboxtest"
)

// maxStderr is the most bytes Result.Stderr may hold: at most maxNotes notes of maxNote bytes
// and a line saying how many more were left out, then a formatted trace of at most 22 lines of
// at most 256 bytes.
const maxStderr = maxNotes*(maxNote+1) + 64 + 8<<10

// TestOversizedValues runs snippets that push huge values across the pipe through the paths
// the output limit does not cover: panic values, trace lines (a function's name), compile
// errors, tool names. Each must end as the right kind of error (never a protocol error), with
// a message and a trace of bounded size.
func TestOversizedValues(t *testing.T) {
	if raceEnabled {
		t.Skip("under -race the runner's crash reports differ")
	}
	longName := "f" + strings.Repeat("x", 200<<10)
	tests := []struct {
		name   string
		src    string
		kind   sandbox.Kind // "": success
		msg    string       // a substring of the error
		stdout string       // checked when the kind is "" or stdout is set
		stderr string       // a substring of Result.Stderr
	}{
		{
			name: "recursion through a long-named function, then a panic",
			src: "func " + longName + "(n int) {\n\tif n == 0 {\n\t\tpanic(\"bottom\")\n\t}\n\t" + longName + "(n - 1)\n}\n\n" +
				longName + "(300)\n",
			kind: sandbox.KindRuntime, msg: "panic: bottom", stderr: "panic at line 3",
		},
		{name: "panic with a 3 MB value", src: `panic(strings.Repeat("x", 3<<20))`, kind: sandbox.KindRuntime, msg: "panic: xxx"},
		{name: "panic with a 5 MiB value", src: `panic(strings.Repeat("y", 5<<20))`, kind: sandbox.KindRuntime, msg: "panic: yyy"},
		{name: "panic with a 5 MiB hint-sized error", src: `panic(errors.New(strings.Repeat("z", 5<<20)))`, kind: sandbox.KindRuntime, msg: "panic: zzz"},
		{
			name: "goroutine panic with a 5 MiB value",
			src:  "go func() { panic(strings.Repeat(\"g\", 5<<20)) }()\ntime.Sleep(3 * time.Second)",
			kind: sandbox.KindRuntime, msg: "panic: ggg",
		},
		{name: "undefined long name", src: "fmt.Println(" + longName + ")", kind: sandbox.KindCompile, msg: "undefined: fxxx"},
		{name: "syntax error at a long name", src: "x := 1 " + longName + "\nfmt.Println(x)", kind: sandbox.KindCompile, msg: "syntax error"},
		{
			name:   "5 MiB server name",
			src:    "_, err := mcp_tools.Call(strings.Repeat(\"s\", 5<<20), \"t\", nil, nil)\nfmt.Println(err)\nfmt.Println(\"still running\")",
			stdout: "calling " + yaegirun.Cut(strings.Repeat("s", 5<<20), maxName) + ".t: the server name is 5242880 bytes, above the 256-byte limit\nstill running\n",
		},
		{
			name:   "5 MiB tool name",
			src:    "_, err := mcp_tools.Call(\"demo\", strings.Repeat(\"t\", 5<<20), nil, nil)\nfmt.Println(err)",
			stdout: "calling demo." + yaegirun.Cut(strings.Repeat("t", 5<<20), maxName) + ": the tool name is 5242880 bytes, above the 256-byte limit\n",
		},
		{
			name:   "NUL in the server name",
			src:    "_, err := mcp_tools.Call(\"demo\\x00echo\", \"x\", map[string]string{\"message\": \"m\"}, nil)\nfmt.Println(err)",
			stdout: "calling demo\x00echo.x: the server name contains a NUL byte\n",
		},
		{
			name:   "NUL in the tool name",
			src:    "_, err := mcp_tools.Call(\"demo\", \"ec\\x00ho\", nil, nil)\nfmt.Println(err)",
			stdout: "calling demo.ec\x00ho: the tool name contains a NUL byte\n",
		},
	}
	e := newEngine(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tools := &sandboxtest.Tools{}
			res, err := e.Run(context.Background(), &sandbox.Request{Source: tt.src, Packages: sandboxtest.Packages(), Tools: tools})
			if sandbox.KindOf(err) != tt.kind {
				t.Fatalf("Run: %.300v; want kind %q", err, tt.kind)
			}
			if err != nil && !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %.300q does not contain %q", err, tt.msg)
			}
			var se *sandbox.Error
			if errors.As(err, &se) {
				if n := len(se.Msg) + len(se.Hint); n > 2*maxMessage {
					t.Errorf("the error's message and hint hold %d bytes, want at most %d", n, 2*maxMessage)
				}
			}
			if res == nil {
				return
			}
			if n := len(res.Stderr); n > maxStderr {
				t.Errorf("Stderr holds %d bytes, want at most %d", n, maxStderr)
			}
			if !strings.Contains(res.Stderr, tt.stderr) {
				t.Errorf("Stderr %.300q does not contain %q", res.Stderr, tt.stderr)
			}
			if (tt.kind == "" || tt.stdout != "") && res.Stdout != tt.stdout {
				t.Errorf("stdout = %.300q, want %.300q", res.Stdout, tt.stdout)
			}
			if tools.Calls() != 0 {
				t.Errorf("%d calls reached the tool caller, want 0", tools.Calls())
			}
		})
	}
}
