// Package wasm is the strict sandbox engine: each snippet runs in the yaegi interpreter inside
// a WebAssembly guest, an instance of the process engine's runner built for GOOS=wasip1 and run
// in wazero. Its limits hold the same way on Linux, macOS and Windows, and it needs no Go
// toolchain at run time: the module ships inside the binary.
//
// # Setup
//
//	e, err := wasm.New(&wasm.Options{CacheDir: dir}) // compiles once into dir, then loads
//	if err != nil { ... }
//	defer e.Close()
//	res, err := e.Run(ctx, &sandbox.Request{Source: `fmt.Println("hi")`})
//
// [New] starts compiling the module in the background (seconds, once per machine and wazero
// version when [Options].CacheDir is set; a fraction of a second to load it from there later)
// and then fills a pool of guests. [Engine.Run] waits for the compilation, telling
// Request.Progress that it does; [Engine.Ready] and [Engine.Status] say where it stands. An
// [Engine] is safe for concurrent use; [Engine.Close] stops every guest.
//
// # A run
//
// The engine is the process engine (sandbox/process) with a guest in place of a child process:
// the same preparation, runner, wire protocol on the runner's stdin and stdout, pool, bounds
// on calls, output and notes, and the same error kinds. A guest has no files (no WithFS), no
// sockets (WASI preview 1 has no socket open), an empty environment, and the host's clocks and
// random source. A pooled guest has its interpreter initialised with the allowlisted packages
// and warmed up; each serves one run and is closed.
//
// # Limits
//
//   - Memory: wazero's page limit bounds every guest at Options.Max.MemoryBytes plus
//     [GuestOverhead]. Each run's own budget is enforced by the guest's memory allocator on the
//     host: when the run starts, the guest may grow by its budget plus 8 MiB and no further
//     (memory.grow fails, and the guest's Go runtime ends with "out of memory": a memory
//     error). Inside the guest the runner keeps the Go collector under the budget as in the
//     process engine. Guest memory lives on the host's heap, so the host's heap grows by at
//     most that cap per running guest (TestHostHeapBounded).
//   - Time: at the deadline the guest is closed (WithCloseOnContextDone), and its stdin is
//     closed so that a guest waiting in poll_oneoff wakes up.
//   - A wasm guest has one thread and no preemption: a snippet that never blocks keeps the
//     runner's own watchdog from running. Its memory cap still holds, but a snippet over its
//     budget may run on until its deadline with the collector working at the limit; a run
//     stopped at its deadline whose guest grew by its budget is asked whether its live heap
//     is over it, and is a memory error when it is or cannot answer. Goroutine stacks are
//     bounded at 16 MiB (the process engine: a quarter of the budget), because each
//     interpreted call also nests on wazero's own stack.
//   - Speed: interpreted code runs 15 to 40 times slower than in a runner process (wazero's
//     termination checks alone cost about 3x), and so does decoding tool results: about a
//     second per MiB of JSON. The wasm engine suits snippets that call tools and filter
//     modest results; the process engine, heavy computation.
//
// # Tool calls overlap
//
// The runner reads its stdin in non-blocking mode, so a goroutine waiting for a tool result
// parks in Go's poller, and the guest's scheduler waits for stdin in WASI poll_oneoff, which
// wazero serves by polling the host pipe: the other goroutines run meanwhile and make their own
// calls. A snippet that fans out 40 calls has all 40 in flight at once (TestFanOutOverlaps).
//
// # The module
//
// runner.wasm.gz is the guest (sandbox/wasm/internal/guest), built by
//
//	go test ./sandbox/wasm -run TestModuleIsFresh -update
//
// TestModuleIsFresh fails when the sources it is built from changed since; runner.wasm.json
// records their hash. See RATIONALE.md for why it is committed.
package wasm
