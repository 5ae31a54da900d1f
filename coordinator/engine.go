package coordinator

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/process"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/wasm"
)

// The sandbox engines a run can ask for (execute_code's sandbox argument, Options.Engine).
const (
	// EngineProcess runs a snippet in a child process with OS limits (the default).
	EngineProcess = "process"
	// EngineWasm runs it in a WebAssembly guest with a hard memory cap, the same on every OS.
	EngineWasm = "wasm"
)

// WasmCacheEnv names the variable that sets Options.WasmCache: several workspaces can share
// one compiled module.
const WasmCacheEnv = "MCP_COORDINATOR_WASM_CACHE"

// checkEngine says what is wrong with an engine name, or nil.
func checkEngine(name string) error {
	if name != EngineProcess && name != EngineWasm {
		return fmt.Errorf("sandbox %q does not exist: use %q or %q", name, EngineProcess, EngineWasm)
	}
	return nil
}

// engines holds the sandbox engines. The process engine starts with the Coordinator; the wasm
// engine when it is the default, else at its first run (which then waits for its compilation,
// or its load from the workspace's cache).
type engines struct {
	def      string
	max      sandbox.Limits
	runs     int
	cacheDir string
	log      *slog.Logger

	mu      sync.Mutex
	process sandbox.Sandbox
	wasm    *wasm.Engine
	closed  bool
}

// newEngines starts the default engine of opts (Options.Sandbox, when set, is the process
// engine).
func newEngines(opts Options, workspace string) (*engines, error) {
	def := opts.Engine
	if def == "" {
		def = EngineProcess
	}
	if err := checkEngine(def); err != nil {
		return nil, err
	}
	es := &engines{def: def, max: opts.MaxLimits, runs: opts.MaxConcurrentRuns, cacheDir: opts.WasmCache, log: opts.Logger, process: opts.Sandbox}
	if es.cacheDir == "" {
		es.cacheDir = os.Getenv(WasmCacheEnv)
	}
	if es.cacheDir == "" {
		es.cacheDir = filepath.Join(workspace, "cache", "wasm")
	}
	if es.process == nil {
		p, err := process.New(&process.Options{Default: es.defaults(), Max: es.max, MaxConcurrentRuns: es.runs, Logger: es.log})
		if err != nil {
			return nil, err
		}
		es.process = p
	}
	if def == EngineWasm {
		if _, err := es.get(EngineWasm); err != nil {
			es.close()
			return nil, err
		}
	}
	return es, nil
}

// defaults are the limits of a run that asks for none: the sandbox's defaults, lowered to the
// configured maxima where those are smaller; a run may ask for up to the maxima.
func (es *engines) defaults() sandbox.Limits {
	def := sandbox.DefaultLimits
	if es.max.Timeout > 0 && es.max.Timeout < def.Timeout {
		def.Timeout = es.max.Timeout
	}
	if es.max.MemoryBytes > 0 && es.max.MemoryBytes < def.MemoryBytes {
		def.MemoryBytes = es.max.MemoryBytes
	}
	if es.max.OutputBytes > 0 && es.max.OutputBytes < def.OutputBytes {
		def.OutputBytes = es.max.OutputBytes
	}
	return def
}

// get returns the engine named name ("" for the default), starting the wasm
// engine at its first use.
func (es *engines) get(name string) (sandbox.Sandbox, error) {
	name = es.name(name)
	es.mu.Lock()
	defer es.mu.Unlock()
	switch {
	case es.closed:
		return nil, &sandbox.Error{Kind: sandbox.KindKilled, Msg: "the sandbox is closed"}
	case name == EngineProcess:
		return es.process, nil
	case name != EngineWasm:
		return nil, checkEngine(name)
	case es.wasm == nil:
		w, err := wasm.New(&wasm.Options{Default: es.defaults(), Max: es.max, MaxConcurrentRuns: es.runs, CacheDir: es.cacheDir, Logger: es.log})
		if err != nil {
			return nil, err
		}
		es.wasm = w
	}
	return es.wasm, nil
}

// firstUse returns, for the wasm engine while it is still being prepared, a function that
// says after the run what that cost (for the run's footer); else a function that says
// nothing.
func firstUse(sb sandbox.Sandbox) func() string {
	w, ok := sb.(*wasm.Engine)
	if !ok {
		return func() string { return "" }
	}
	if ready, _, _ := w.Status(); ready {
		return func() string { return "" }
	}
	return func() string {
		if ready, took, err := w.Status(); ready && err == nil {
			return fmt.Sprintf("the wasm sandbox was prepared first (%s, once)", roundDuration(took))
		}
		return ""
	}
}

// name returns the engine a run asking for name ("" for the default) gets.
func (es *engines) name(name string) string {
	if name == "" {
		return es.def
	}
	return name
}

// describe is the line of list_servers that names the engines and their state.
func (es *engines) describe() string {
	es.mu.Lock()
	w := es.wasm
	es.mu.Unlock()
	state := "starts at first use"
	if w != nil {
		switch ready, took, err := w.Status(); {
		case !ready:
			state = "compiling"
		case err != nil:
			state = "failed: " + err.Error()
		default:
			state = fmt.Sprintf("ready, loaded in %s", roundDuration(took))
		}
	}
	if es.def == EngineWasm {
		return fmt.Sprintf("sandbox: wasm (default, %s), process\n", state)
	}
	return fmt.Sprintf("sandbox: process (default), wasm (%s)\n", state)
}

// close closes the engines that started.
func (es *engines) close() error {
	es.mu.Lock()
	es.closed = true
	p, w := es.process, es.wasm
	es.mu.Unlock()
	var err error
	if p != nil {
		err = p.Close()
	}
	if w != nil {
		w.Close()
	}
	return err
}
