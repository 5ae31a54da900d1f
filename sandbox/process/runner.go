package process

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/mcp_tools"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/internal/prepare"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/internal/yaegirun"
)

// RunnerArg is the hidden first argument that makes the binary a runner: the engine starts
// Options.Command, by default the current executable with RunnerArg, with an empty environment.
const RunnerArg = "__mcp_coordinator_sandbox_runner"

// MaybeRunAsRunner turns the process into a sandbox runner when it was started as one (its
// first argument is RunnerArg): it serves one snippet and exits, never returning. Otherwise it
// returns at once. The program's main, and the TestMain of any test that starts a process
// engine, must call it first thing:
//
//	func main() {
//		process.MaybeRunAsRunner()
//		...
//	}
func MaybeRunAsRunner() {
	if len(os.Args) < 2 || os.Args[1] != RunnerArg {
		return
	}
	warm := len(os.Args) > 2 && os.Args[2] == warmArg
	stdin, stdout := runnerStdio()
	os.Exit(serve(stdin, stdout, warm))
}

// warmArg follows RunnerArg for a pooled runner: it warms its interpreter up while it waits
// (a runner started for a waiting request skips that: the request would wait for it).
const warmArg = "warm"

// request is the run the parent sends.
type request struct {
	Main         string            `json:"main"`
	Files        map[string]string `json:"files,omitempty"`
	Timeout      time.Duration     `json:"timeout"`
	MemoryBytes  int64             `json:"memory"`
	OutputBytes  int               `json:"output"`
	MaxArgsBytes int               `json:"maxArgs"`
}

// report is how the run ended; an empty Kind is success. It has no hint: the parent adds hints
// (Program.Explain), where the prepared program is known.
type report struct {
	Kind sandbox.Kind `json:"kind,omitempty"`
	Line int          `json:"line,omitempty"`
	Msg  string       `json:"msg,omitempty"`
}

// runner is the child side of one run.
type runner struct {
	out *frameWriter

	mu     sync.Mutex
	outCap int // output bytes allowed; set from the request
	outN   int
	traceN int // trace lines sent

	maxArgs int
	// ownGoroutines is the number of goroutines when the snippet starts: the runner's own and
	// the one running main.
	ownGoroutines int
	nextID        atomic.Uint32
	pmu           sync.Mutex
	pending       map[uint32]chan frame

	finishOnce sync.Once
	budget     atomic.Uint64 // heap and stacks allowed, once the run started: see limit
}

// maxTraceLines bounds the panic trace lines sent to the parent (a deep recursion that panics
// prints one line per frame); yaegirun.Annotate bounds each line.
const maxTraceLines = 1000

// maxMessage bounds the message of a report: a panic value, a compile error quoting a name, can
// be as large as the snippet likes. The runner cuts it, and the parent cuts the message and the
// hint of every error it returns.
const maxMessage = 2 << 10

// maxName bounds the server and tool names of a call.
const maxName = 256

// checkNames returns why a call's server and tool names cannot be sent: too long, or holding
// the NUL byte that separates them in a call frame.
func checkNames(server, tool string) error {
	for _, n := range []struct{ what, name string }{{"server", server}, {"tool", tool}} {
		switch {
		case len(n.name) > maxName:
			return fmt.Errorf("the %s name is %d bytes, above the %d-byte limit", n.what, len(n.name), maxName)
		case strings.IndexByte(n.name, 0) >= 0:
			return fmt.Errorf("the %s name contains a NUL byte", n.what)
		}
	}
	return nil
}

// serve is the runner: initialise the interpreter, announce readiness, read one request, run
// it, report, exit. It returns the exit code when it ends without a report.
func serve(stdin io.Reader, stdout io.Writer, warm bool) int {
	// One P: a runner mostly waits for tool results, and with a second P each reply that wakes
	// the snippet also wakes a second thread (see BenchmarkCalls). A snippet's goroutines share
	// one core; collecting less often (the memory limit still bounds the heap, see limit) makes
	// up for the core the collector had to itself.
	runtime.GOMAXPROCS(1)
	debug.SetGCPercent(gcPercent)
	debug.SetTraceback("none")
	r := &runner{out: &frameWriter{w: stdout}, pending: map[uint32]chan frame{}}
	in, err := yaegirun.New(outputWriter{r}, traceWriter{r})
	if err != nil {
		r.finish(report{Kind: sandbox.KindInternal, Msg: "starting the interpreter: " + err.Error()})
	}
	if warm {
		yaegirun.Warm()
		warmJSON()
	}
	mcp_tools.SetTransport(r.call)
	mcp_tools.SetNotes(r.note)
	mcp_tools.SetHost(&mcp_tools.Host{Request: r.request, Show: r.show, Progress: r.progress})
	onCPULimit(func() {
		r.finish(report{Kind: sandbox.KindTimeout, Msg: "the snippet used its CPU time limit"})
	})
	debug.SetMaxThreads(256)
	runtime.GC() // start the run with the warm-up's and the interpreter's garbage gone
	if r.out.write(frameReady, 0, []byte(readyMagic)) != nil {
		return 1
	}
	br := bufio.NewReaderSize(stdin, 64<<10)
	f, err := readFrame(br, upTo(1<<30))
	if err != nil || f.typ != frameRequest {
		return 1 // the parent went away or does not speak the protocol
	}
	var req request
	if err := json.Unmarshal(f.payload, &req); err != nil {
		r.finish(report{Kind: sandbox.KindInternal, Msg: "decoding the request: " + err.Error()})
	}
	r.mu.Lock()
	r.outCap = req.OutputBytes
	r.mu.Unlock()
	r.maxArgs = req.MaxArgsBytes
	go r.readReplies(br)
	r.limit(req)
	prog := &prepare.Program{Main: req.Main, Files: req.Files}
	r.ownGoroutines = runtime.NumGoroutine()
	var rep report
	if e := in.Run(prog); e != nil {
		rep = report{Kind: e.Kind, Line: e.Line, Msg: e.Msg}
	}
	r.finish(rep)
	return 0
}

// warmJSON fills encoding/json's caches for the protocol's types.
func warmJSON() {
	b, _ := json.Marshal(request{Main: "x", Files: map[string]string{"a": "b"}})
	var req request
	_ = json.Unmarshal(b, &req)
	_, _ = json.Marshal(report{Kind: sandbox.KindRuntime, Line: 1, Msg: "x"})
}

// finish sends the report and exits; the first caller wins, later ones wait for the exit.
func (r *runner) finish(rep report) {
	r.finishOnce.Do(func() {
		rep.Msg = yaegirun.Cut(rep.Msg, maxMessage)
		b, _ := json.Marshal(rep)
		r.out.write(frameDone, 0, b)
		os.Exit(0)
	})
	select {}
}

// gcPercent is the runner's GOGC.
const gcPercent = 400

// limit applies the run's limits to this process: OS limits where the system has them, a soft
// memory limit for the collector, a stack bound, and the memory watchdog.
func (r *runner) limit(req request) {
	setOSLimits(req.Timeout, req.MemoryBytes)
	base := heapInUse(false)
	budget := base + uint64(req.MemoryBytes)
	r.budget.Store(budget)
	// The collector's limit counts all the memory the Go runtime holds, its own included; a
	// wasm guest's linear memory is about that, so the engine's hard cap (that size at the
	// start plus the budget and a margin) sits just above this one.
	debug.SetMemoryLimit(int64(runtimeMemory() + uint64(req.MemoryBytes)))
	yaegirun.SetMaxStack(req.MemoryBytes)
	go r.watch(budget, req.MemoryBytes)
}

// watchInterval is how often the watchdog reads the memory metrics.
const watchInterval = 20 * time.Millisecond

// watch ends the run with a memory error as soon as the heap and stacks in use exceed budget,
// confirmed after a collection so that garbage alone never counts.
func (r *runner) watch(budget uint64, memoryBytes int64) {
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	for range t.C {
		if heapInUse(false) <= budget {
			continue
		}
		runtime.GC()
		if heapInUse(true) > budget {
			r.finish(report{Kind: sandbox.KindMemory, Msg: fmt.Sprintf("the snippet used more than its memory limit of %d MiB", memoryBytes>>20)})
		}
	}
}

// runtimeMemory returns the memory the Go runtime holds and has not returned to the system:
// what debug.SetMemoryLimit limits.
func runtimeMemory() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64() - s[1].Value.Uint64()
}

var memSamples = []metrics.Sample{
	{Name: "/memory/classes/heap/objects:bytes"},
	{Name: "/memory/classes/heap/stacks:bytes"},
	{Name: "/gc/heap/live:bytes"},
}

// heapInUse returns the bytes of heap objects (live only, as of the last collection, when
// live is set) plus goroutine stacks.
func heapInUse(live bool) uint64 {
	s := make([]metrics.Sample, len(memSamples))
	copy(s, memSamples)
	metrics.Read(s)
	objects := s[0].Value.Uint64()
	if live {
		objects = s[2].Value.Uint64()
	}
	return objects + s[1].Value.Uint64()
}

// outputWriter sends the snippet's output, up to the limit; past it the run ends.
type outputWriter struct{ r *runner }

func (w outputWriter) Write(p []byte) (int, error) {
	r := w.r
	n := len(p)
	r.mu.Lock()
	over := r.outN+len(p) > r.outCap
	if over {
		p = p[:r.outCap-r.outN]
	}
	r.outN += len(p)
	limit := r.outCap
	r.mu.Unlock()
	for len(p) > 0 {
		c := p[:min(len(p), outputChunk)]
		r.out.write(frameOutput, 0, c)
		p = p[len(c):]
	}
	if over {
		r.finish(report{Kind: sandbox.KindOutput, Msg: fmt.Sprintf("the snippet printed more than its output limit of %d bytes and was stopped there", limit)})
	}
	return n, nil
}

// traceWriter forwards the interpreter's panic trace, one line per write.
type traceWriter struct{ r *runner }

func (w traceWriter) Write(p []byte) (int, error) {
	r := w.r
	r.mu.Lock()
	r.traceN++
	send := r.traceN <= maxTraceLines
	r.mu.Unlock()
	if send {
		r.out.write(frameTrace, 0, []byte(yaegirun.Annotate(string(p))))
	}
	return len(p), nil
}

// note sends one of the runtime's notes, cut to maxNote bytes.
func (r *runner) note(text string) {
	r.out.write(frameNote, 0, []byte(yaegirun.Cut(text, maxNote)))
}

// maxNote bounds one note; mcp_tools keeps its notes shorter.
const maxNote = 1 << 10

// call is the mcp_tools transport: one call frame out, one reply frame back. A call made while
// the snippet has no other goroutine goes out as frameCallOne, which the parent makes on its
// reading goroutine: until the call is answered, nothing in the runner sends a frame (unless a
// timer starts a goroutine meanwhile, whose frames then wait for the answer).
func (r *runner) call(server, tool string, args json.RawMessage) (json.RawMessage, error) {
	typ := frameCall
	if runtime.NumGoroutine() <= r.ownGoroutines {
		typ = frameCallOne
	}
	return r.roundTrip(typ, server, tool, args)
}

// request is the runtime's Host.Request: an MCP request other than a tool call, as a
// frameRPC, answered like a call.
func (r *runner) request(server, method string, params json.RawMessage) (json.RawMessage, error) {
	if !rpcMethods[method] {
		return nil, &mcp_tools.CallError{Server: yaegirun.Cut(server, maxName), Tool: yaegirun.Cut(method, maxName), Kind: mcp_tools.KindInvalid, Message: "not a request the sandbox forwards"}
	}
	return r.roundTrip(frameRPC, server, method, params)
}

// show is the runtime's Host.Show: one content block for the model.
func (r *runner) show(block json.RawMessage) error {
	if len(block) > maxShowFrame {
		return fmt.Errorf("the block is %d bytes of JSON, above the %d-byte limit", len(block), maxShowFrame)
	}
	return r.out.write(frameShow, 0, block)
}

// progress is the runtime's Host.Progress: one progress message, cut to maxNote bytes.
func (r *runner) progress(message string) {
	r.out.write(frameProgress, 0, []byte(yaegirun.Cut(message, maxNote)))
}

// roundTrip sends a call or request frame and waits for its reply.
func (r *runner) roundTrip(typ byte, server, tool string, args json.RawMessage) (json.RawMessage, error) {
	if err := checkNames(server, tool); err != nil {
		return nil, &mcp_tools.CallError{Server: yaegirun.Cut(server, maxName), Tool: yaegirun.Cut(tool, maxName), Kind: mcp_tools.KindInvalid, Message: err.Error()}
	}
	if len(args) > r.maxArgs {
		return nil, &mcp_tools.CallError{Server: server, Tool: tool, Kind: mcp_tools.KindInvalid, Message: fmt.Sprintf("the arguments are %d bytes, above the %d-byte limit", len(args), r.maxArgs)}
	}
	id := r.nextID.Add(1)
	ch := make(chan frame, 1)
	r.pmu.Lock()
	r.pending[id] = ch
	r.pmu.Unlock()
	if err := r.out.write(typ, id, []byte(server), []byte{0}, []byte(tool), []byte{0}, args); err != nil {
		return nil, err
	}
	f := <-ch
	if f.typ == frameCallErr {
		kind, msg, _ := strings.Cut(string(f.payload), "\x00")
		return nil, &mcp_tools.CallError{Server: server, Tool: tool, Kind: kind, Message: msg}
	}
	return f.payload, nil
}

// answerProbe answers a frameProbe (see there): whether the live heap (after a collection) is
// over the budget, when ask holds 'm'; whether the snippet is deadlocked, as far as the
// runner can tell, when ask holds 'g'.
func (r *runner) answerProbe(ask []byte) {
	reply := []byte{'0'}
	if bytes.IndexByte(ask, probeMemory) >= 0 {
		runtime.GC()
		if b := r.budget.Load(); b > 0 && heapInUse(true) > b {
			reply[0] = '1'
		}
	}
	if bytes.IndexByte(ask, probeBlocked) >= 0 {
		r.pmu.Lock()
		calls := len(r.pending)
		r.pmu.Unlock()
		if calls == 0 && yaegirun.AllBlocked() {
			reply = append(reply, probeBlocked)
		}
	}
	r.out.write(frameProbeReply, 0, reply)
}

// readReplies delivers tool results to the waiting calls; when the parent goes away the
// runner exits.
func (r *runner) readReplies(br *bufio.Reader) {
	for {
		f, err := readFrame(br, upTo(1<<30))
		if err != nil {
			os.Exit(1)
		}
		if f.typ == frameProbe {
			go r.answerProbe(f.payload)
			continue
		}
		r.pmu.Lock()
		ch := r.pending[f.id]
		delete(r.pending, f.id)
		r.pmu.Unlock()
		if ch != nil {
			ch <- f
		}
	}
}
