package process

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/internal/prepare"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/internal/yaegirun"
)

// Options configures an [Engine]. The zero value (or nil) means the defaults documented on each
// field.
type Options struct {
	// Default holds the limits of a run that sets none. Zero fields mean sandbox.DefaultLimits
	// (30 s, 256 MiB, 1 MiB of output).
	Default sandbox.Limits
	// Max holds the highest limits a request may ask for. Zero fields mean the default: a
	// request can then only lower that limit.
	Max sandbox.Limits
	// PoolSize is the number of runners kept started and initialised, waiting for a snippet.
	// Zero means 2; a negative value disables the pool, so every run starts its runner.
	PoolSize int
	// Command is the program and arguments that start a runner. Empty means the current
	// executable with the single argument RunnerArg; that program must call MaybeRunAsRunner
	// first thing in main. A pooled runner gets one more argument, "warm".
	Command []string
	// Runner, when set, starts the runners instead of Command: the same runner (a program
	// calling MaybeRunAsRunner) run somewhere other than a child process. The wasm engine runs
	// it inside wazero. Runner is called from the engine's goroutines, possibly at once; args
	// are the runner's arguments after the program's name (RunnerArg, then "warm" for a pooled
	// runner), and the runner's stderr must go to stderr, whose head tells why a runner died.
	Runner func(args []string, stderr io.Writer) (*Runner, error)
	// MaxToolArgsBytes bounds the JSON arguments of one tool call. Zero means 4 MiB.
	MaxToolArgsBytes int
	// MaxToolResultBytes bounds one tool result passed into the sandbox; a bigger one fails
	// the call. Zero means 64 MiB.
	MaxToolResultBytes int
	// MaxConcurrentCalls bounds the tool calls of one run in flight at once; further calls
	// wait. Zero means 16.
	MaxConcurrentCalls int
	// MaxConcurrentRuns bounds the runs in progress at once, each with a runner of its own
	// (a memory budget of up to Max.MemoryBytes and an address space of about 1.5 GB); further
	// runs wait for a slot, after preparation and before their timeout starts. A run whose ctx
	// ends while it waits returns a nil Result and a KindTimeout error when ctx's deadline
	// passed (it matches context.DeadlineExceeded), a KindKilled error when ctx was cancelled.
	// Zero means max(2, runtime.NumCPU()).
	MaxConcurrentRuns int
	// Logger receives the engine's own problems (a runner that cannot start). Nil means
	// slog.Default().
	Logger *slog.Logger
}

// Engine is the process sandbox: every run gets a fresh runner process, taken from a pool of
// started ones when one is ready. It implements sandbox.Sandbox and is safe for concurrent use.
type Engine struct {
	def, max   sandbox.Limits
	command    []string
	runner     func(args []string, stderr io.Writer) (*Runner, error)
	maxArgs    int
	maxResult  int
	maxCalls   int
	runs       chan struct{} // one token per run in progress: MaxConcurrentRuns
	log        *slog.Logger
	pool       chan *child
	refill     chan struct{}
	ctx        context.Context // the engine's lifetime; Close cancels it
	cancel     context.CancelFunc
	fillerDone chan struct{}

	mu       sync.Mutex
	live     map[*child]struct{}
	closed   bool
	inflight sync.WaitGroup // runs
	calls    sync.WaitGroup // tool calls given up by their run, still returning

	slotWaiters atomic.Int32   // runs waiting for a slot (tests wait for it)
	reaps       sync.WaitGroup // retire goroutines
	close       sync.Once
}

var _ sandbox.Sandbox = (*Engine)(nil)

// Runner is a runner started by Options.Runner: the engine writes frames to Stdin and reads
// them from Stdout, as with a child process's pipes.
type Runner struct {
	Stdin  io.WriteCloser
	Stdout io.Reader
	// Kill stops the runner at once. It is called at least once for every runner, possibly
	// concurrently with itself and Wait.
	Kill func()
	// Wait waits for the runner to end and says how, as an exit status in words ("exit
	// status 2", "killed"). The engine calls it once.
	Wait func() string
	// Limit, when set, hears the limits of the run just before the runner receives it: a
	// runner without OS limits applies them itself (the wasm engine caps the guest's memory).
	Limit func(sandbox.Limits)
	// OverMemory, when set, reports whether the runner's memory grew by its run's budget. A
	// run stopped at its deadline is then asked whether its live heap is over the budget, and
	// is a memory error if it is or cannot answer: a runner that cannot preempt the snippet (a
	// wasm guest) cannot end it itself when its collector works at the limit.
	OverMemory func() bool
}

// New returns an engine and starts filling its pool. Close it to stop every runner.
func New(opts *Options) (*Engine, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	def, max, err := sandbox.ConfigureLimits(o.Default, o.Max)
	if err != nil {
		return nil, err
	}
	if len(o.Command) == 0 && o.Runner == nil {
		exe, err := os.Executable()
		if err != nil {
			return nil, &sandbox.Error{Kind: sandbox.KindInternal, Msg: "finding the executable to start runners: " + err.Error(), Err: err}
		}
		o.Command = []string{exe, RunnerArg}
	}
	if o.PoolSize == 0 {
		o.PoolSize = 2
	}
	if o.PoolSize < 0 {
		o.PoolSize = 0
	}
	e := &Engine{
		def: def, max: max,
		command:    append([]string(nil), o.Command...),
		runner:     o.Runner,
		maxArgs:    orDefault(o.MaxToolArgsBytes, 4<<20),
		maxResult:  orDefault(o.MaxToolResultBytes, 64<<20),
		maxCalls:   orDefault(o.MaxConcurrentCalls, 16),
		runs:       make(chan struct{}, orDefault(o.MaxConcurrentRuns, defaultRuns())),
		log:        o.Logger,
		pool:       make(chan *child, o.PoolSize),
		refill:     make(chan struct{}, 1),
		fillerDone: make(chan struct{}),
		live:       map[*child]struct{}{},
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	e.ctx, e.cancel = context.WithCancel(context.Background())
	sweepOnce.Do(func() {
		if n := sweepStale(os.TempDir()); n > 0 {
			e.log.Info("removed sandbox working directories left by coordinators that were killed", "count", n)
		}
	})
	if o.PoolSize > 0 {
		go e.fill()
	} else {
		close(e.fillerDone)
	}
	return e, nil
}

// sweepOnce makes the first engine of a process remove stale working directories.
var sweepOnce sync.Once

// defaultRuns is the default of Options.MaxConcurrentRuns: one run per core, at least two.
func defaultRuns() int { return max(2, runtime.NumCPU()) }

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// Run prepares req, runs it in a fresh runner and returns what it printed. See sandbox.Sandbox.
// Errors before the snippet starts (limits, syntax, imports, known interpreter gaps, no run
// slot before ctx ended: see Options.MaxConcurrentRuns) come back with a nil Result; afterwards
// the Result holds the output kept so far. The message and the hint of an error are cut to
// 2 KiB each.
func (e *Engine) Run(ctx context.Context, req *sandbox.Request) (*sandbox.Result, error) {
	res, err := e.run(ctx, req)
	var se *sandbox.Error
	if errors.As(err, &se) {
		se.Msg, se.Hint = yaegirun.Cut(se.Msg, maxMessage), yaegirun.Cut(se.Hint, maxMessage)
	}
	return res, err
}

func (e *Engine) run(ctx context.Context, req *sandbox.Request) (*sandbox.Result, error) {
	start := time.Now()
	if req == nil {
		return nil, &sandbox.Error{Kind: sandbox.KindInternal, Msg: "nil request"}
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, &sandbox.Error{Kind: sandbox.KindKilled, Msg: "the sandbox is closed", Err: errClosed}
	}
	e.inflight.Add(1)
	e.mu.Unlock()
	defer e.inflight.Done()
	lim, err := sandbox.ResolveLimits(req.Limits, e.def, e.max)
	if err != nil {
		return nil, err
	}
	prog, err := prepare.Prepare(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := e.acquireRun(ctx); err != nil {
		return nil, err
	}
	defer func() { <-e.runs }()
	c, err := e.take()
	if err != nil {
		return nil, err
	}
	defer e.signalRefill()
	defer e.retire(c)
	s := &session{e: e, c: c, probe: make(chan []byte, 1), lim: lim, tools: req.Tools, observe: req.Observe, progress: req.Progress, res: &sandbox.Result{Servers: map[string]sandbox.ServerUsage{}, Packages: prog.Packages()}}
	serr := s.run(ctx, time.Now(), prog)
	s.res.Duration = time.Since(start)
	if serr != nil {
		prog.Explain(serr) // the one place a run's error gets a hint
		return s.res, serr
	}
	return s.res, nil
}

// Idle returns the number of runners in the pool whose interpreter is ready: a run taking one
// of them pays only for its own snippet.
func (e *Engine) Idle() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for c := range e.live {
		if c.pooled.Load() && !c.failed() && c.isReady() {
			n++
		}
	}
	return n
}

// Close stops the pool and kills every runner, waiting for them to be reaped. Runs in flight
// end with a KindKilled error. Close is idempotent.
func (e *Engine) Close() error {
	e.close.Do(func() {
		e.mu.Lock()
		e.closed = true
		e.mu.Unlock()
		e.cancel()
		<-e.fillerDone
		for {
			select {
			case c := <-e.pool:
				e.retire(c)
				continue
			default:
			}
			break
		}
		e.mu.Lock()
		for c := range e.live {
			c.kill()
		}
		e.mu.Unlock()
		e.inflight.Wait()
		e.reaps.Wait()
		e.waitGivenUp()
	})
	return nil
}

// closeCallWait bounds how long Close waits for tool calls that their runs gave up: their
// ToolCaller ignores the end of its context (the coordinator closes the Pool first, which ends
// them).
const closeCallWait = 2 * time.Second

func (e *Engine) waitGivenUp() {
	done := make(chan struct{})
	go func() {
		e.calls.Wait()
		close(done)
	}()
	t := time.NewTimer(closeCallWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		e.log.Warn("sandbox: closed with tool calls still running; their callers ignore cancellation")
	}
}

// acquireRun takes a run slot, waiting until one is free, ctx ends or the engine closes.
func (e *Engine) acquireRun(ctx context.Context) error {
	select {
	case e.runs <- struct{}{}:
		return nil
	default:
	}
	e.slotWaiters.Add(1)
	defer e.slotWaiters.Add(-1)
	select {
	case e.runs <- struct{}{}:
		return nil
	case <-e.ctx.Done():
		return &sandbox.Error{Kind: sandbox.KindKilled, Msg: "the sandbox was closed while the run waited for a slot", Err: errClosed}
	case <-ctx.Done():
	}
	wait := fmt.Sprintf("while it waited for one of the %d run slots (all were busy)", cap(e.runs))
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &sandbox.Error{Kind: sandbox.KindTimeout, Msg: "the run's context expired " + wait, Err: ctx.Err()}
	}
	return &sandbox.Error{Kind: sandbox.KindKilled, Msg: "the run was cancelled " + wait, Err: ctx.Err()}
}

// take returns a pooled runner, or starts one when the pool is empty. The pool is refilled
// when the run ends (see Run), so that starting a runner does not compete for the CPU with the
// run it was taken for, or at once when the pool ran dry.
func (e *Engine) take() (*child, error) {
	select {
	case c := <-e.pool:
		c.pooled.Store(false)
		if len(e.pool) == 0 {
			e.signalRefill()
		}
		if c.failed() {
			e.retire(c)
			break
		}
		return c, nil
	default:
		e.signalRefill()
	}
	return e.start(false)
}

func (e *Engine) signalRefill() {
	select {
	case e.refill <- struct{}{}:
	default:
	}
}

// fill keeps the pool full until the engine closes. After a failure to start a runner it
// waits, one second at first, doubling up to a minute.
func (e *Engine) fill() {
	defer close(e.fillerDone)
	backoff := time.Second
	for {
		for len(e.pool) < cap(e.pool) {
			c, err := e.start(true)
			if err != nil {
				if e.ctx.Err() != nil {
					return
				}
				e.log.Error("sandbox: cannot start a runner for the pool", "err", err, "retry_in", backoff)
				select {
				case <-time.After(backoff):
					backoff = min(2*backoff, time.Minute)
					continue
				case <-e.ctx.Done():
					return
				}
			}
			backoff = time.Second
			c.pooled.Store(true)
			select {
			case e.pool <- c:
			case <-e.ctx.Done():
				e.retire(c)
				return
			}
		}
		select {
		case <-e.refill:
		case <-e.ctx.Done():
			return
		}
	}
}

// start starts a runner (for the pool when warm) and registers it as live.
func (e *Engine) start(warm bool) (*child, error) {
	closedErr := &sandbox.Error{Kind: sandbox.KindKilled, Msg: "the sandbox is closed", Err: errClosed}
	e.mu.Lock()
	closed := e.closed
	e.mu.Unlock()
	if closed {
		return nil, closedErr
	}
	var c *child
	var err error
	if e.runner != nil {
		c, err = startExt(e.runner, warm)
	} else {
		c, err = startChild(e.command, warm)
	}
	if err != nil {
		return nil, &sandbox.Error{Kind: sandbox.KindInternal, Msg: "starting a runner: " + err.Error(), Err: err}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		e.retireLocked(c)
		return nil, closedErr
	}
	e.live[c] = struct{}{}
	return c, nil
}

var errClosed = errors.New("sandbox closed")

// retire kills a used (or unusable) runner and reaps it in the background.
func (e *Engine) retire(c *child) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.retireLocked(c)
}

func (e *Engine) retireLocked(c *child) {
	e.reaps.Add(1)
	go func() {
		defer e.reaps.Done()
		c.kill()
		c.wait()
		c.cleanup()
		e.mu.Lock()
		delete(e.live, c)
		e.mu.Unlock()
	}()
}
