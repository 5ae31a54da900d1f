package wasm

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/process"
)

// module is the runner built for wasip1, gzipped (see RATIONALE.md and module_test.go).
//
//go:embed runner.wasm.gz
var module []byte

// Options configures an [Engine]. The zero value (or nil) means the defaults documented on each
// field.
type Options struct {
	// Default holds the limits of a run that sets none. Zero fields mean sandbox.DefaultLimits
	// (30 s, 256 MiB, 1 MiB of output).
	Default sandbox.Limits
	// Max holds the highest limits a request may ask for. Zero fields mean the default. The
	// guest's memory is capped at Max.MemoryBytes plus GuestOverhead.
	Max sandbox.Limits
	// PoolSize is the number of guests kept instantiated, their interpreter initialised,
	// waiting for a snippet; each serves one run. Zero means 2; a negative value disables the
	// pool.
	PoolSize int
	// CacheDir is the directory of wazero's compilation cache: the module is compiled once
	// (seconds) and later loaded from there. Empty means no disk cache: every Engine compiles.
	CacheDir string
	// MaxToolArgsBytes, MaxToolResultBytes, MaxConcurrentCalls and MaxConcurrentRuns are as
	// in process.Options.
	MaxToolArgsBytes, MaxToolResultBytes, MaxConcurrentCalls, MaxConcurrentRuns int
	// Logger receives the engine's own problems. Nil means slog.Default().
	Logger *slog.Logger
}

// GuestOverhead is the memory a guest needs beyond a snippet's budget: the Go runtime, the
// interpreter and its symbols, the runner's buffers. The guest's linear memory is limited to
// the maximum budget plus this; the runner holds each run to its own budget inside it.
const GuestOverhead = 96 << 20

// Engine is the wasm sandbox: every run gets a fresh guest, an instance of the runner module in
// wazero, taken from a pool of initialised ones when one is ready. It implements
// sandbox.Sandbox and is safe for concurrent use.
type Engine struct {
	inner    *process.Engine
	cfg      wazero.RuntimeConfig
	cacheDir string
	// rt and cache are set by New, and again by compile when it drops a damaged cache, before
	// ready is closed; only then does anything else use them.
	rt    wazero.Runtime
	cache wazero.CompilationCache
	log   *slog.Logger
	ctx   context.Context // the engine's lifetime; Close cancels it
	stop  context.CancelFunc

	ready    chan struct{} // closed once the module is compiled (or failed: compileErr)
	compiled wazero.CompiledModule
	err      error
	took     time.Duration
	close    sync.Once
}

var _ sandbox.Sandbox = (*Engine)(nil)

// New returns an engine and starts compiling the module (or loading it from CacheDir) and then
// filling the pool, in the background. Close it to stop every guest.
func New(opts *Options) (*Engine, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	def, max, err := sandbox.ConfigureLimits(o.Default, o.Max)
	if err != nil {
		return nil, err
	}
	e := &Engine{log: o.Logger, ready: make(chan struct{})}
	if e.log == nil {
		e.log = slog.Default()
	}
	// wasm32 addresses 4 GiB at most: a larger budget is capped there.
	pages := min((max.MemoryBytes+GuestOverhead)>>16, 1<<16)
	e.cfg = wazero.NewRuntimeConfig().WithMemoryLimitPages(uint32(pages)).WithCloseOnContextDone(true)
	e.cacheDir = o.CacheDir
	e.ctx, e.stop = context.WithCancel(context.Background())
	if err := e.newRuntime(); err != nil {
		e.stop()
		return nil, err
	}
	go e.compile()
	e.inner, err = process.New(&process.Options{
		Default: def, Max: max, PoolSize: o.PoolSize, Runner: e.start, Logger: e.log,
		MaxToolArgsBytes: o.MaxToolArgsBytes, MaxToolResultBytes: o.MaxToolResultBytes,
		MaxConcurrentCalls: o.MaxConcurrentCalls, MaxConcurrentRuns: o.MaxConcurrentRuns,
	})
	if err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// newRuntime makes e.rt, with the compilation cache in e.cacheDir when there is one, and the
// WASI functions.
func (e *Engine) newRuntime() error {
	cfg := e.cfg
	if e.cacheDir != "" {
		c, err := wazero.NewCompilationCacheWithDir(e.cacheDir)
		if err != nil {
			return &sandbox.Error{Kind: sandbox.KindInternal, Msg: "opening the wasm compilation cache: " + err.Error(), Err: err}
		}
		e.cache = c
		cfg = cfg.WithCompilationCache(c)
	}
	e.rt = wazero.NewRuntimeWithConfig(e.ctx, cfg)
	_, err := wasi_snapshot_preview1.Instantiate(e.ctx, e.rt)
	return err
}

// compile compiles the module, from the cache when it has it. A cache it cannot read (an
// entry cut short by a full disk) is removed, and the module compiled again into a new one.
func (e *Engine) compile() {
	defer close(e.ready)
	start := time.Now()
	zr, err := gzip.NewReader(bytes.NewReader(module))
	var b []byte
	if err == nil {
		b, err = io.ReadAll(zr)
	}
	if err == nil {
		// Parallel compilation also stops when Close cancels e.ctx; a single worker would not
		// look at it.
		ctx := experimental.WithCompilationWorkers(e.ctx, max(2, runtime.NumCPU()))
		e.compiled, err = e.rt.CompileModule(ctx, b)
		if err != nil && e.cache != nil && e.ctx.Err() == nil {
			e.log.Warn("sandbox: the wasm compilation cache is damaged; removing it and compiling again", "dir", e.cacheDir, "err", err)
			e.rt.Close(context.Background())
			e.cache.Close(context.Background())
			e.dropCache()
			if err = e.newRuntime(); err == nil {
				e.compiled, err = e.rt.CompileModule(ctx, b)
			}
		}
	}
	e.took = time.Since(start)
	if err != nil {
		e.err = &sandbox.Error{Kind: sandbox.KindInternal, Msg: "compiling the wasm runner: " + err.Error(), Err: err}
		if e.ctx.Err() == nil {
			e.log.Error("sandbox: cannot compile the wasm runner", "err", err)
		}
		return
	}
	if e.ctx.Err() == nil {
		e.log.Info("sandbox: wasm runner compiled", "took", e.took.Round(time.Millisecond))
	}
}

// dropCache removes wazero's directories from the cache directory: nothing but compiled code
// that can be compiled again.
func (e *Engine) dropCache() {
	dirs, _ := filepath.Glob(filepath.Join(e.cacheDir, "wazero-*"))
	for _, d := range dirs {
		if err := os.RemoveAll(d); err != nil {
			e.log.Warn("sandbox: cannot remove the damaged wasm cache", "dir", d, "err", err)
		}
	}
}

// Ready waits until the module is compiled (or loaded from the cache) and returns how long
// that took, or why it failed. progress, when set, hears that compilation is under way if it
// is not done yet, and then how long it took.
func (e *Engine) Ready(ctx context.Context, progress func(string)) (time.Duration, error) {
	select {
	case <-e.ready:
		return e.took, e.err
	default:
	}
	if progress != nil {
		progress("preparing the wasm sandbox: compiled once (seconds), then loaded from the cache")
	}
	select {
	case <-e.ready:
		if progress != nil && e.err == nil {
			progress(fmt.Sprintf("the wasm sandbox is ready after %s", e.took.Round(100*time.Millisecond)))
		}
		return e.took, e.err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return 0, &sandbox.Error{Kind: sandbox.KindTimeout, Msg: "the run's time ran out while the wasm sandbox was compiling", Err: ctx.Err()}
		}
		return 0, &sandbox.Error{Kind: sandbox.KindKilled, Msg: "the run was cancelled while the wasm sandbox was compiling", Err: ctx.Err()}
	case <-e.ctx.Done():
		return 0, &sandbox.Error{Kind: sandbox.KindKilled, Msg: "the sandbox was closed while it was compiling", Err: e.ctx.Err()}
	}
}

// Status says whether the module is compiled (or loaded from the cache), how long that took,
// and why it failed, without waiting.
func (e *Engine) Status() (ready bool, took time.Duration, err error) {
	select {
	case <-e.ready:
		return true, e.took, e.err
	default:
		return false, 0, nil
	}
}

// Run prepares req and runs it in a fresh guest. It waits for the module to be compiled first,
// telling req.Progress so. See process.Engine.Run for the rest: the two engines share the
// runner, its protocol and the classification of errors.
func (e *Engine) Run(ctx context.Context, req *sandbox.Request) (*sandbox.Result, error) {
	var progress func(string)
	if req != nil {
		progress = req.Progress
	}
	if _, err := e.Ready(ctx, progress); err != nil {
		return nil, err
	}
	return e.inner.Run(ctx, req)
}

// Idle returns the number of guests in the pool whose interpreter is ready.
func (e *Engine) Idle() int { return e.inner.Idle() }

// Close stops every guest and releases the runtime. It is idempotent, and returns at once
// even while the module is still compiling (the compilation ends in the background).
func (e *Engine) Close() error {
	e.close.Do(func() {
		e.stop()
		if e.inner != nil {
			e.inner.Close()
		}
		release := func() {
			e.rt.Close(context.Background())
			if e.cache != nil {
				e.cache.Close(context.Background())
			}
		}
		select {
		case <-e.ready:
			release()
		default:
			// The compilation stops at its next function (e.ctx is cancelled); let it end
			// in the background rather than hold up a coordinator that is shutting down.
			go func() {
				<-e.ready
				release()
			}()
		}
	})
	return nil
}

// start instantiates a guest for the process engine: the runner module with its stdin and
// stdout on pipes, no files, no network, no environment.
func (e *Engine) start(args []string, stderr io.Writer) (*process.Runner, error) {
	if _, err := e.Ready(e.ctx, nil); err != nil {
		return nil, err
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	cfg := wazero.NewModuleConfig().WithName("").WithArgs(append([]string{"runner"}, args...)...).
		WithStdin(inR).WithStdout(outW).WithStderr(stderr).
		WithSysNanosleep().WithSysNanotime().WithSysWalltime().WithRandSource(rand.Reader)
	ctx, cancel := context.WithCancel(e.ctx)
	mem := &memory{}
	ctx = experimental.WithMemoryAllocator(ctx, experimental.MemoryAllocatorFunc(mem.allocate))
	done := make(chan string, 1)
	go func() {
		mod, err := e.rt.InstantiateModule(ctx, e.compiled, cfg)
		if mod != nil {
			mod.Close(context.Background())
		}
		outW.Close()
		inR.Close()
		done <- status(err)
	}()
	var once sync.Once
	return &process.Runner{
		Stdin:  inW,
		Stdout: outR,
		Kill: func() {
			once.Do(func() {
				cancel()     // ends a guest that runs
				inW.Close()  // wakes one waiting in poll_oneoff: its stdin ends
				outR.Close() // fails one blocked writing to a full pipe
			})
		},
		Limit:      func(l sandbox.Limits) { mem.setLimit(l.MemoryBytes) },
		OverMemory: mem.over,
		Wait: func() string {
			s := <-done
			cancel()
			return s
		},
	}, nil
}

// status says in words how a guest ended, like an exit status.
func status(err error) string {
	var exit *sys.ExitError
	switch {
	case err == nil:
		return "exit status 0"
	case errors.As(err, &exit):
		switch exit.ExitCode() {
		case sys.ExitCodeContextCanceled, sys.ExitCodeDeadlineExceeded:
			return "killed"
		}
		return fmt.Sprintf("exit status %d", exit.ExitCode())
	}
	return "trapped: " + err.Error()
}
