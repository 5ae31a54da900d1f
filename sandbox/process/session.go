package process

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/mcp_tools"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/internal/prepare"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/internal/yaegirun"
)

// session is the parent side of one run.
type session struct {
	e     *Engine
	c     *child
	lim   sandbox.Limits
	tools sandbox.ToolCaller
	res   *sandbox.Result

	observe  func(server, tool string, result []byte)
	progress func(message string)

	mu    sync.Mutex // guards res's call counters and ended
	ended bool       // the run has returned: calls still out are given up, never counted

	calls sync.WaitGroup // the calls made on goroutines of their own

	// The reader's state. The reader holds rmu while it handles a frame (not while it reads
	// one or makes a call itself); once run has set abandoned, the reader changes nothing.
	rmu       sync.Mutex
	abandoned bool
	out       []byte
	overflow  bool
	trace     yaegirun.Trace
	notes     []string // the runtime's notes, at most maxNotes
	notesCut  int      // notes past maxNotes, left out
	blocks    []json.RawMessage
	lastProg  time.Time // when a progress report was last forwarded
	done      *report
	doneAt    time.Time   // when done was read
	probe     chan []byte // the answer to a frameProbe
	// overMemory: the run, stopped at its deadline, was over its memory budget (see
	// Runner.OverMemory); blocked: every goroutine of the snippet was blocked then, with no
	// tool call in flight.
	overMemory, blocked bool
	protoErr            error
}

// run sends the program to the runner and serves it until it reports, dies, or the deadline
// (start + timeout) passes.
func (s *session) run(ctx context.Context, start time.Time, prog *prepare.Program) *sandbox.Error {
	ctx, cancel := context.WithDeadline(ctx, start.Add(s.lim.Timeout))
	defer cancel()
	defer context.AfterFunc(s.e.ctx, cancel)() // Close stops the run and its calls
	select {
	case <-s.c.ready:
	case <-ctx.Done():
		return s.stopped(ctx, false)
	}
	if s.c.err != nil {
		if s.e.ctx.Err() != nil { // Close killed it as it started
			return &sandbox.Error{Kind: sandbox.KindKilled, Msg: "the sandbox was closed during the run", Err: errClosed}
		}
		return &sandbox.Error{Kind: sandbox.KindInternal, Msg: s.c.err.Error(), Err: s.c.err}
	}
	if s.c.ext != nil && s.c.ext.Limit != nil {
		s.c.ext.Limit(s.lim)
	}
	body, err := json.Marshal(request{
		Main: prog.Main, Files: prog.Files, Timeout: s.lim.Timeout, MemoryBytes: s.lim.MemoryBytes,
		OutputBytes: s.lim.OutputBytes, MaxArgsBytes: s.e.maxArgs,
	})
	if err != nil {
		return &sandbox.Error{Kind: sandbox.KindInternal, Msg: "encoding the request: " + err.Error(), Err: err}
	}
	callCtx, cancelCalls := context.WithCancel(ctx)
	defer cancelCalls()
	loop := make(chan struct{})
	go func() {
		defer close(loop)
		if err := s.c.fw.write(frameRequest, 0, body); err != nil {
			return // the runner died; the read below would fail too
		}
		s.read(callCtx)
	}()
	stopped := false
	select {
	case <-loop:
	case <-ctx.Done():
		stopped = true
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			ext := s.c.ext
			s.overMemory, s.blocked = s.probeAtDeadline(ext != nil && ext.OverMemory != nil && ext.OverMemory())
		}
		s.c.kill()
	}
	cancelCalls()
	s.waitCalls(loop)
	s.rmu.Lock()
	s.abandoned = true
	s.rmu.Unlock()
	s.res.Stdout = string(s.out)
	s.res.Stderr = s.noteText()
	s.res.Blocks = s.blocks
	late := s.done != nil && s.doneAt.After(start.Add(s.lim.Timeout))
	switch {
	case s.done != nil && !late:
		return s.reported()
	case stopped, late:
		// A report read after the deadline is a timeout (though the context's timer may not
		// have fired yet): the snippet's calls failed for the deadline (a call cut off by it
		// lets the snippet return at once), whatever it reported.
		return s.stopped(ctx, late)
	case s.overflow:
		s.c.kill()
		return &sandbox.Error{Kind: sandbox.KindOutput, Msg: fmt.Sprintf("the snippet printed more than its output limit of %d bytes and was stopped there", s.lim.OutputBytes)}
	case s.protoErr != nil:
		s.c.kill()
		return &sandbox.Error{Kind: sandbox.KindInternal, Msg: "runner protocol error: " + s.protoErr.Error(), Err: s.protoErr}
	}
	return s.crashed()
}

// probeWait is how long a runner stopped at its deadline has to answer a frameProbe.
const probeWait = 200 * time.Millisecond

// probeAtDeadline asks the runner, stopped at its deadline, whether every goroutine of the
// snippet is blocked (a deadlock, most likely) and, with memory, whether its live heap is over
// its budget. A runner that cannot answer in time (a guest whose collector works at its
// limit, or that never yields) is not blocked, and counts as over when memory is asked:
// Runner.OverMemory said its memory reached the budget.
func (s *session) probeAtDeadline(memory bool) (over, blocked bool) {
	ask := []byte{probeBlocked}
	if memory {
		ask = append(ask, probeMemory)
	}
	go s.c.fw.write(frameProbe, 0, ask) // may wait for a full pipe; fails once the runner is killed
	t := time.NewTimer(probeWait)
	defer t.Stop()
	select {
	case reply := <-s.probe:
		return memory && len(reply) > 0 && reply[0] == '1', bytes.IndexByte(reply, probeBlocked) > 0
	case <-t.C:
		return memory, false
	}
}

// callGrace is how long a finished run waits for its tool calls to return after their context
// was cancelled. A ToolCaller that ignores its context past it is given up: its call ends in
// the background (Engine.Close waits for it) and is neither counted nor observed.
const callGrace = 500 * time.Millisecond

// waitCalls waits (a bounded time) for the reader to end (loop closed: after a killed
// runner, it may be in a call of its own) and for the calls in flight, then ends the run's
// accounting: from here on the result's counters never change.
func (s *session) waitCalls(loop <-chan struct{}) {
	done := make(chan struct{})
	s.e.calls.Go(func() {
		<-loop
		s.calls.Wait()
		close(done)
	})
	t := time.NewTimer(callGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		s.e.log.Warn("sandbox: tool calls still running after their run ended; given up")
	}
	s.mu.Lock()
	s.ended = true
	s.mu.Unlock()
}

// Bounds of the frames from the runner, besides output chunks and calls.
const (
	maxTraceFrame  = 4 << 10  // a trace line; the runner cuts them to yaegirun.MaxTraceLine
	maxReportFrame = 64 << 10 // a report; the runner cuts its message to maxMessage
	// maxShowFrame bounds a shown block's JSON: mcp_tools.MaxShowBytes of data in base64,
	// with room for the rest of the block.
	maxShowFrame = 2 << 20
)

// progressPace is the least time between two progress reports forwarded; faster ones are
// dropped.
const progressPace = 50 * time.Millisecond

// maxNotes bounds the notes a run keeps: one per tool called at most, and a snippet may call
// many tools.
const maxNotes = 10

// frameLimit bounds a frame from the runner by its type. A frame above its limit is a protocol
// error, except a call, which fails.
func (s *session) frameLimit(typ byte) int {
	switch typ {
	case frameOutput:
		return outputChunk
	case frameTrace:
		return maxTraceFrame
	case frameNote, frameProgress:
		return maxNote
	case frameShow:
		return maxShowFrame
	case frameCall, frameCallOne, frameRPC:
		return 2*maxName + 2 + s.e.maxArgs
	case frameDone:
		return maxReportFrame
	case frameProbeReply:
		return 2
	}
	return 0
}

// read handles the runner's frames until it reports, the output overflows, or the pipe ends.
func (s *session) read(ctx context.Context) {
	sem := make(chan struct{}, s.e.maxCalls)
	for {
		f, err := readFrame(s.c.stdout, s.frameLimit)
		var big *oversizeError
		if errors.As(err, &big) && (f.typ == frameCall || f.typ == frameCallOne || f.typ == frameRPC) {
			// Skip the call and fail it. (The runner checks the size of a call itself: this
			// guards against a runner that does not.)
			if _, err = s.c.stdout.Discard(big.n); err == nil {
				s.c.fw.write(frameCallErr, f.id, []byte(mcp_tools.KindInvalid), []byte{0}, fmt.Appendf(nil, "the call is %d bytes, above the %d-byte limit", big.n, big.max))
				continue
			}
		}
		if err == nil && f.typ == frameCallOne {
			// No other goroutine of the snippet can send a frame before this call is
			// answered: make it here rather than wake another goroutine for it.
			if !acquire(ctx, sem) {
				return
			}
			s.call(ctx, sem, f)
			continue
		}
		s.rmu.Lock()
		more := !s.abandoned && s.handle(ctx, sem, f, err)
		s.rmu.Unlock()
		if !more {
			return
		}
	}
}

// acquire takes a slot of sem for a call, unless ctx is done first.
func acquire(ctx context.Context, sem chan struct{}) bool {
	if ctx.Err() != nil {
		return false
	}
	select {
	case sem <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// handle handles one frame (or the error reading it) and reports whether to read on.
func (s *session) handle(ctx context.Context, sem chan struct{}, f frame, err error) bool {
	if err != nil {
		if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, os.ErrClosed) {
			s.protoErr = err
		}
		return false
	}
	switch f.typ {
	case frameOutput:
		if room := s.lim.OutputBytes - len(s.out); len(f.payload) > room {
			s.out = append(s.out, f.payload[:room]...)
			s.overflow = true
			return false
		}
		s.out = append(s.out, f.payload...)
	case frameTrace:
		s.trace.Add(string(f.payload))
	case frameNote:
		if len(s.notes) < maxNotes {
			s.notes = append(s.notes, string(f.payload))
		} else {
			s.notesCut++
		}
	case frameShow:
		if len(s.blocks) < mcp_tools.MaxShowBlocks && json.Valid(f.payload) {
			s.blocks = append(s.blocks, json.RawMessage(f.payload))
		}
	case frameProgress:
		if s.progress != nil && time.Since(s.lastProg) >= progressPace {
			s.lastProg = time.Now()
			s.progress(string(f.payload))
		}
	case frameCall, frameRPC:
		if !acquire(ctx, sem) {
			return false
		}
		s.calls.Add(1)
		go func() {
			defer s.calls.Done()
			s.call(ctx, sem, f)
		}()
	case frameProbeReply:
		select {
		case s.probe <- f.payload:
		default:
		}
	case frameDone:
		var rep report
		if err := json.Unmarshal(f.payload, &rep); err != nil {
			s.protoErr = fmt.Errorf("decoding the report: %w", err)
			return false
		}
		s.done = &rep
		s.doneAt = time.Now()
		return false
	default:
		s.protoErr = fmt.Errorf("unexpected frame %q", f.typ)
		return false
	}
	return true
}

// maxServersCounted bounds the servers Result.Servers names (the others are counted under
// sandbox.OtherServers): a snippet calling a million made-up servers must not grow the
// parent's map without bound.
const maxServersCounted = 64

// call performs one tool call for the runner and sends the reply.
func (s *session) call(ctx context.Context, sem chan struct{}, f frame) {
	defer func() { <-sem }()
	out, err := s.callTool(ctx, f.typ, f.payload)
	if err != nil {
		s.c.fw.write(frameCallErr, f.id, []byte(callKind(ctx, err)), []byte{0}, []byte(err.Error()))
		return
	}
	s.c.fw.write(frameResult, f.id, out)
}

func (s *session) callTool(ctx context.Context, typ byte, payload []byte) (out json.RawMessage, err error) {
	server, rest, ok1 := bytes.Cut(payload, []byte{0})
	tool, args, ok2 := bytes.Cut(rest, []byte{0})
	if !ok1 || !ok2 || bytes.IndexByte(args, 0) >= 0 {
		return nil, invalidCall("malformed call")
	}
	if err := checkNames(string(server), string(tool)); err != nil {
		return nil, invalidCall(err.Error())
	}
	if typ == frameRPC && !rpcMethods[string(tool)] {
		return nil, invalidCall(fmt.Sprintf("%q is not a request the sandbox forwards", tool))
	}
	name := string(server)
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return nil, errors.New("the run has ended")
	}
	if _, ok := s.res.Servers[name]; !ok && len(s.res.Servers) >= maxServersCounted {
		name = sandbox.OtherServers
	}
	u := s.res.Servers[name]
	u.Calls++
	s.res.Servers[name] = u
	s.res.Calls++
	s.mu.Unlock()
	if s.tools == nil {
		return nil, errors.New("tool calls are not available in this run")
	}
	defer func() {
		if r := recover(); r != nil {
			s.e.log.Error("sandbox: the tool caller panicked", "server", string(server), "tool", string(tool), "panic", r)
			out, err = nil, fmt.Errorf("internal error in the coordinator: %v", r)
		}
	}()
	if typ == frameRPC {
		out, err = s.request(ctx, string(server), string(tool), args)
	} else {
		out, err = s.tools.CallTool(ctx, string(server), string(tool), json.RawMessage(args))
	}
	if err != nil {
		return nil, err
	}
	if len(out) > s.e.maxResult {
		return nil, invalidCall(fmt.Sprintf("the result is %d bytes, above the %d-byte limit", len(out), s.e.maxResult))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return nil, errors.New("the run has ended")
	}
	u = s.res.Servers[name]
	u.Bytes += int64(len(out))
	s.res.Servers[name] = u
	s.res.ToolBytes += int64(len(out))
	if s.observe != nil && typ != frameRPC {
		s.observe(string(server), string(tool), out)
	}
	return out, nil
}

// request serves a frameRPC: an MCP request other than a tool call.
func (s *session) request(ctx context.Context, server, method string, params []byte) (json.RawMessage, error) {
	rc, ok := s.tools.(sandbox.ResourceCaller)
	if !ok {
		return nil, errors.New("resources and prompts are not available in this run")
	}
	var p struct {
		URI       string            `json:"uri"`
		Name      string            `json:"name"`
		Arguments map[string]string `json:"arguments"`
	}
	if len(params) > 0 {
		if err := json.Unmarshal(params, &p); err != nil {
			return nil, invalidCall("malformed parameters: " + err.Error())
		}
	}
	switch method {
	case "resources/list":
		return rc.ListResources(ctx, server)
	case "resources/read":
		return rc.ReadResource(ctx, server, p.URI)
	case "prompts/list":
		return rc.ListPrompts(ctx, server)
	default: // "prompts/get": callTool let only rpcMethods through
		return rc.GetPrompt(ctx, server, p.Name, p.Arguments)
	}
}

// callKind names the kind of a failed call for the snippet (mcp_tools.ErrorKind).
func callKind(ctx context.Context, err error) string {
	var k interface{ CallKind() string }
	switch {
	case errors.As(err, &k):
		return k.CallKind()
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return mcp_tools.KindTimeout
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		return mcp_tools.KindCanceled
	}
	return mcp_tools.KindProtocol
}

// invalidCall is a call the session refused: malformed, with bad names, its result too large.
type invalidCall string

func (e invalidCall) Error() string  { return string(e) }
func (invalidCall) CallKind() string { return mcp_tools.KindInvalid }

// reported turns the runner's report into the run's error.
func (s *session) reported() *sandbox.Error {
	rep := s.done
	if rep.Kind == "" {
		return nil
	}
	e := &sandbox.Error{Kind: rep.Kind, Line: rep.Line, Msg: rep.Msg} // Run cuts Msg
	s.addTrace(e)
	return e
}

// noteText is the run's notes, one per line.
func (s *session) noteText() string {
	var b strings.Builder
	for _, n := range s.notes {
		b.WriteString(strings.ReplaceAll(n, "\n", " "))
		b.WriteByte('\n')
	}
	if s.notesCut > 0 {
		fmt.Fprintf(&b, "(%d more notes left out)\n", s.notesCut)
	}
	return b.String()
}

// addTrace sets the line of a runtime error and adds its trace to Stderr, after the notes.
func (s *session) addTrace(e *sandbox.Error) {
	if e.Kind != sandbox.KindRuntime {
		return
	}
	if e.Line == 0 {
		e.Line = s.trace.PanicLine()
	}
	s.res.Stderr += s.trace.Format()
}

// stopped is the error of a run killed at its deadline (or that reported after it: late) or
// cancelled by the caller.
func (s *session) stopped(ctx context.Context, late bool) *sandbox.Error {
	deadline := late || errors.Is(ctx.Err(), context.DeadlineExceeded)
	if deadline && s.overMemory {
		return &sandbox.Error{Kind: sandbox.KindMemory, Msg: fmt.Sprintf("the snippet reached its memory limit of %d MiB and was stopped at its deadline (%s), the collector working to stay under it", s.lim.MemoryBytes>>20, s.lim.Timeout)}
	}
	if deadline {
		e := &sandbox.Error{Kind: sandbox.KindTimeout, Msg: fmt.Sprintf("the snippet did not finish within %s and was stopped", s.lim.Timeout), Err: context.DeadlineExceeded}
		if s.blocked {
			e.Hint = "when it was stopped, every goroutine of the snippet was waiting (on a channel, select, WaitGroup or lock) and no tool call was running: a deadlock (a receive nobody sends to, a WaitGroup.Wait before its Done calls can run, a lock taken twice), or a wait longer than the timeout"
		}
		return e
	}
	if s.e.ctx.Err() != nil {
		return &sandbox.Error{Kind: sandbox.KindKilled, Msg: "the sandbox was closed during the run", Err: errClosed}
	}
	return &sandbox.Error{Kind: sandbox.KindKilled, Msg: "the run was cancelled", Err: ctx.Err()}
}

var recovered = regexp.MustCompile(` \[recovered[^\]]*\]$`)

// crashed classifies a runner that ended without a report, from the head of its stderr (where
// the Go runtime writes why it died) and its exit status.
func (s *session) crashed() *sandbox.Error {
	s.c.wait()
	e := classifyCrash(s.c.stderr.String(), exitStatus(s.c), s.lim)
	s.e.mu.Lock()
	closed := s.e.closed
	s.e.mu.Unlock()
	if closed && e.Kind == sandbox.KindKilled {
		e.Msg, e.Err = "the sandbox was closed during the run", errClosed
	}
	s.addTrace(e)
	return e
}

func exitStatus(c *child) string {
	if c.status == "" {
		return "unknown"
	}
	return c.status
}

// classifyCrash maps a dead runner's stderr head and exit status to an error.
func classifyCrash(head, status string, lim sandbox.Limits) *sandbox.Error {
	switch {
	case strings.Contains(head, "out of memory") || strings.Contains(head, "cannot allocate memory"):
		return &sandbox.Error{Kind: sandbox.KindMemory, Msg: fmt.Sprintf("the snippet ran out of memory (limit %d MiB)", lim.MemoryBytes>>20)}
	case strings.Contains(head, "stack overflow") || strings.Contains(head, "stack exceeds") || strings.Contains(status, "stack overflow"):
		return &sandbox.Error{Kind: sandbox.KindRuntime, Msg: "stack overflow: the recursion is too deep"}
	}
	for _, l := range strings.Split(head, "\n") {
		switch {
		case strings.HasPrefix(l, "panic: "):
			return &sandbox.Error{Kind: sandbox.KindRuntime, Msg: yaegirun.Clarify(recovered.ReplaceAllString(l, ""))}
		case strings.HasPrefix(l, "fatal error: "):
			return &sandbox.Error{Kind: sandbox.KindRuntime, Msg: l}
		}
	}
	switch {
	case strings.Contains(status, "CPU time limit"):
		return &sandbox.Error{Kind: sandbox.KindTimeout, Msg: "the snippet used its CPU time limit", Err: context.DeadlineExceeded}
	case strings.Contains(status, "killed"):
		return &sandbox.Error{Kind: sandbox.KindKilled, Msg: "the runner was killed by the system (" + status + "); it may have run out of memory"}
	}
	msg := "the runner exited unexpectedly (" + status + ")"
	if l := firstLine(head); l != "" {
		msg += ": " + l
	}
	return &sandbox.Error{Kind: sandbox.KindKilled, Msg: msg}
}
