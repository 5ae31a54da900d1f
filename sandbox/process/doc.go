// Package process is the default sandbox engine: each snippet runs in the yaegi interpreter
// inside a fresh child process (a runner) that the coordinator's own binary becomes when it is
// re-executed. A runaway snippet (an endless loop, a memory bomb, a panicking goroutine, a
// gigabyte of output) ends its runner, never the coordinator.
//
// # Setup
//
// The binary that creates an [Engine] must call [MaybeRunAsRunner] first thing in main (and a
// test that starts an engine, in TestMain): when the process was started as a runner, it serves
// one snippet and exits there.
//
//	func main() {
//		process.MaybeRunAsRunner()
//		e, err := process.New(nil) // nil: the defaults
//		if err != nil { ... }
//		defer e.Close()
//		res, err := e.Run(ctx, &sandbox.Request{Source: `fmt.Println("hi")`})
//	}
//
// [New] takes [Options] (nil means defaults): default and maximum limits, the pool size, the
// command that starts a runner, bounds on tool calls, and the number of runs at once. An
// [Engine] is safe for concurrent use: each run has a runner of its own, and runs beyond
// Options.MaxConcurrentRuns (default: one per core, at least two) wait for a slot, as long as
// their context allows. [Engine.Close] stops the runs in flight, kills every runner and waits
// until each is reaped.
//
// # A run
//
// [Engine.Run] prepares the snippet in the parent (syntax, imports, known interpreter gaps,
// packages; errors come back before any process is involved), takes a started runner from the
// pool (or starts one), and sends it the program. The runner has an empty environment and an
// empty temporary working directory; its interpreter sees only the allowlisted standard library
// and the mcp_tools API, and its standard input is empty. It lowers its own limits for the run,
// compiles, runs main, reports and exits; the parent kills and reaps it either way: a runner
// serves one snippet only. Pooled runners have their interpreter ready,
// so a warm run costs well under a millisecond of process work beyond the snippet itself.
//
// # Tool calls
//
// The parent alone holds the server sessions: a snippet's mcp_tools.Call becomes a message on the
// runner's stdout, the parent performs it with the request's sandbox.ToolCaller (which checks
// that the server and tool exist) and writes the result back. Calls from the snippet's
// goroutines are multiplexed by id and run concurrently, up to Options.MaxConcurrentCalls;
// arguments and results are bounded in size, server and tool names to 256 bytes without NUL (a
// call that breaks a bound fails with a *mcp_tools.CallError, and the run goes on). The Result
// counts the calls per server (for the first 64 servers) and the bytes the tools returned.
//
// The runtime's other requests travel the same way: mcp_tools.ListResources, ReadResource,
// ListPrompts and GetPrompt become a request frame naming the MCP method (never mistaken for a
// tool, whatever a server names its tools), served by the ToolCaller when it is also a
// sandbox.ResourceCaller, answered and counted like a call. mcp_tools.Show sends a content
// block one way (at most 4 kept, each frame at most 2 MiB; the runtime bounds the data to
// 1 MiB) into Result.Blocks, and mcp_tools.Progress a line to Request.Progress, at most one
// per 50 ms.
//
// A tool call costs two extra process hops (runner to parent and back) on top of the server's
// own round trip, so the engine keeps the wake-ups around them to a minimum: a call made while
// the snippet has no other goroutine is performed on the parent goroutine that read it, and the
// runner runs on one processor (GOMAXPROCS 1, with GOGC 400 so that the collector keeps up
// without a core of its own). A snippet's goroutines therefore share one core.
//
// # Limits and how they are enforced
//
//   - Time: the parent kills the runner (SIGKILL) at the deadline; a time.Sleep or a blocked
//     goroutine cannot outlive it. RLIMIT_CPU (the timeout plus a second, on top of what the
//     runner used to start: it runs on one processor) is a backstop should the parent die.
//   - Memory: a watchdog in the runner reads the heap and stack sizes every 20 ms and ends the
//     run as soon as they pass the budget (confirmed after a collection), so slow growth and a
//     million goroutines end as memory errors within a fraction of a second. The Go collector's
//     soft limit is set to the budget. On Linux, RLIMIT_AS (the address space in use, plus twice
//     the budget, plus 1 GiB) turns a single huge allocation into an immediate out-of-memory
//     exit. The goroutine stack is bounded (a quarter of the budget, at most 256 MiB) so that
//     deep recursion ends as a stack overflow.
//   - Output: the runner stops at the output limit, and the parent checks it too.
//   - Files and processes: the interpreter has no os, os/exec, net or syscall; RLIMIT_NOFILE is
//     16, RLIMIT_FSIZE 0, RLIMIT_CORE 0. On Linux, the kernel kills a runner whose coordinator
//     dies (Pdeathsig); everywhere, a runner exits when its stdin closes.
//   - What crosses the pipe: the parent bounds every frame by its type (an output chunk, a
//     trace line, a note of the mcp_tools runtime, a call, the report), so that nothing a snippet chooses, a panic value, a
//     function's name in a trace, a tool's name, can grow the coordinator's memory. The
//     runner cuts an error's message to 2 KiB and a trace line to 512 bytes; the parent keeps
//     64 lines of the last panic's trace and Result.Stderr shows 20 frames, after at most 10
//     notes of 1 KiB.
//   - Snippets: the parent rejects a snippet above sandbox.MaxSourceBytes (1 MiB) before
//     parsing it.
//
// Weaker off Linux: macOS does not enforce RLIMIT_AS (the watchdog and the parent's deadline
// remain; a single enormous allocation may succeed lazily before the watchdog sees it) and has
// no Pdeathsig. Windows has no rlimits at all here (no CPU, file-size or descriptor limits; a
// Job Object would provide them and is not implemented): the deadline, the watchdog and the
// output limit still hold.
//
// # Failures
//
// A runner that ends without a report is classified from the head of its stderr, where the Go
// runtime writes why it died: "out of memory" is a memory error, "stack overflow" and an
// unrecovered panic in a goroutine are runtime errors, with the snippet line taken from the
// interpreter's panic trace and a line marker each statement updates.
package process
