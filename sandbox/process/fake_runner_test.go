package process

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/mcp-coordinator/mcp-coordinator/mcp_tools"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/sandboxtest"
)

// fakeRunnerArg makes the test binary a fake runner (see TestMain) that plays a scenario of
// fakeRunners: a runner that does not check what it sends, to test the parent's own bounds.
const fakeRunnerArg = "fake-runner"

// fakeRunners send frames a real runner never sends. A scenario that makes a call writes the
// reply it got as output: its type and payload.
var fakeRunners = map[string]func(w *frameWriter, r *bufio.Reader){
	"oversized call": func(w *frameWriter, r *bufio.Reader) {
		fakeCall(w, r, strings.Repeat("s", 5<<20)+"\x00echo\x00{}", frameCallOne)
	},
	"NUL in a call": func(w *frameWriter, r *bufio.Reader) { fakeCall(w, r, "demo\x00echo\x00x\x00{}", frameCallOne) },
	"long server name": func(w *frameWriter, r *bufio.Reader) {
		fakeCall(w, r, strings.Repeat("s", 1000)+"\x00echo\x00{}", frameCallOne)
	},
	"long trace line": func(w *frameWriter, r *bufio.Reader) {
		w.write(frameTrace, 0, []byte("1\t2:1: panic: main.f"+strings.Repeat("x", maxTraceFrame)+"(...)"))
		fakeDone(w, report{Kind: sandbox.KindRuntime, Msg: "panic: x"})
	},
	"many trace lines": func(w *frameWriter, r *bufio.Reader) {
		line := []byte("1\t2:1: panic: main.f" + strings.Repeat("x", maxTraceFrame-30) + "(...)")
		for range 10000 {
			w.write(frameTrace, 0, line)
		}
		fakeDone(w, report{Kind: sandbox.KindRuntime, Msg: "panic: x"})
	},
	"many notes": func(w *frameWriter, r *bufio.Reader) {
		for range 1000 {
			w.write(frameNote, 0, []byte(strings.Repeat("n", maxNote)))
		}
		fakeDone(w, report{})
	},
	"long note": func(w *frameWriter, r *bufio.Reader) {
		w.write(frameNote, 0, []byte(strings.Repeat("n", maxNote+1)))
		fakeDone(w, report{})
	},
	"many blocks": func(w *frameWriter, r *bufio.Reader) {
		w.write(frameShow, 0, []byte(`{"type":"text","text":"not json"`))
		for range 10 {
			w.write(frameShow, 0, []byte(`{"type":"text","text":"b"}`))
		}
		fakeDone(w, report{})
	},
	"long block": func(w *frameWriter, r *bufio.Reader) {
		w.write(frameShow, 0, []byte(`{"type":"text","text":"`+strings.Repeat("b", maxShowFrame)+`"}`))
		fakeDone(w, report{})
	},
	"unknown method": func(w *frameWriter, r *bufio.Reader) { fakeCall(w, r, "demo\x00tools/call\x00{}", frameRPC) },
	"long progress": func(w *frameWriter, r *bufio.Reader) {
		w.write(frameProgress, 0, []byte(strings.Repeat("p", maxNote+1)))
		fakeDone(w, report{})
	},
	"long report": func(w *frameWriter, r *bufio.Reader) {
		fakeDone(w, report{Kind: sandbox.KindRuntime, Msg: "panic: " + strings.Repeat("m", 30<<10)})
	},
}

func fakeCall(w *frameWriter, r *bufio.Reader, payload string, typ byte) {
	w.write(typ, 1, []byte(payload))
	f, err := readFrame(r, upTo(1<<20))
	if err != nil {
		os.Exit(3)
	}
	w.write(frameOutput, 0, []byte{f.typ, ' '}, f.payload)
	fakeDone(w, report{})
}

func fakeDone(w *frameWriter, rep report) {
	b, _ := json.Marshal(rep)
	w.write(frameDone, 0, b)
}

// runFakeRunner plays the scenario named by the arguments when the test binary was started as
// a fake runner.
func runFakeRunner() bool {
	if len(os.Args) < 3 || os.Args[1] != fakeRunnerArg {
		return false
	}
	w := &frameWriter{w: os.Stdout}
	r := bufio.NewReader(os.Stdin)
	w.write(frameReady, 0, []byte(readyMagic))
	if _, err := readFrame(r, upTo(1<<30)); err != nil {
		os.Exit(2)
	}
	fakeRunners[os.Args[2]](w, r)
	os.Exit(0)
	return true
}

// TestParentBounds checks that the parent bounds what a runner sends it even when the runner
// does not: oversized or malformed calls fail as calls, an oversized trace line or report is a
// protocol error, and a long trace or report message is cut.
func TestParentBounds(t *testing.T) {
	tests := []struct {
		name   string
		kind   sandbox.Kind
		msg    string // a substring of the error
		stdout string
		stderr string // a substring of Stderr
		blocks int    // the blocks kept
	}{
		{name: "oversized call", stdout: "X invalid call\x00the call is 5242888 bytes, above the 4194818-byte limit"},
		{name: "NUL in a call", stdout: "X invalid call\x00malformed call"},
		{name: "long server name", stdout: "X invalid call\x00the server name is 1000 bytes, above the 256-byte limit"},
		{name: "long trace line", kind: sandbox.KindInternal, msg: "runner protocol error: frame 'T' of 4121 bytes is above the 4096-byte limit"},
		{name: "many trace lines", kind: sandbox.KindRuntime, msg: "panic: x", stderr: "... 9980 more frames\n"},
		{name: "many notes", stderr: "\n(990 more notes left out)\n"},
		{name: "long note", kind: sandbox.KindInternal, msg: "runner protocol error: frame 'N' of 1025 bytes is above the 1024-byte limit"},
		{name: "long report", kind: sandbox.KindRuntime, msg: "panic: mmm"},
		{name: "many blocks", blocks: mcp_tools.MaxShowBlocks},
		{name: "long block", kind: sandbox.KindInternal, msg: "runner protocol error: frame 'B' of 2097177 bytes is above the 2097152-byte limit"},
		{name: "unknown method", stdout: "X invalid call\x00\"tools/call\" is not a request the sandbox forwards"},
		{name: "long progress", kind: sandbox.KindInternal, msg: "runner protocol error: frame 'P' of 1025 bytes is above the 1024-byte limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, &Options{PoolSize: -1, Command: []string{os.Args[0], fakeRunnerArg, tt.name}})
			tools := &sandboxtest.Tools{}
			res, err := e.Run(context.Background(), &sandbox.Request{Source: trivial, Tools: tools})
			if sandbox.KindOf(err) != tt.kind || (err != nil && !strings.Contains(err.Error(), tt.msg)) {
				t.Fatalf("Run: %.300v; want kind %q containing %q", err, tt.kind, tt.msg)
			}
			if se, ok := err.(*sandbox.Error); ok && len(se.Msg)+len(se.Hint) > 2*maxMessage {
				t.Errorf("the error's message and hint hold %d bytes, want at most %d", len(se.Msg)+len(se.Hint), 2*maxMessage)
			}
			if res.Stdout != tt.stdout {
				t.Errorf("stdout = %.300q, want %q", res.Stdout, tt.stdout)
			}
			if len(res.Stderr) > maxStderr || !strings.Contains(res.Stderr, tt.stderr) {
				t.Errorf("Stderr holds %d bytes (want at most %d) and is %.300q, want it to contain %q", len(res.Stderr), maxStderr, res.Stderr, tt.stderr)
			}
			if n := tools.Calls(); n != 0 || res.Calls != 0 {
				t.Errorf("%d calls reached the tool caller and %d were counted, want none", n, res.Calls)
			}
			if len(res.Blocks) != tt.blocks {
				t.Errorf("%d blocks kept, want %d", len(res.Blocks), tt.blocks)
			}
		})
	}
}
