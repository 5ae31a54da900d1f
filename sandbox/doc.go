// Package sandbox runs the Go snippets a model writes against the generated mcp_tools/<server>
// packages: tool calls happen locally, and only what the snippet prints comes back.
//
// A [Sandbox] is an engine. The default one is [github.com/mcp-coordinator/mcp-coordinator/sandbox/process],
// which interprets each snippet with yaegi in a fresh child process. This package is the public
// contract every engine implements: [Sandbox], [Request], [Result], [Limits], [ToolCaller], the
// classified [Error], and the import allowlist ([AllowedStdlib]). How an engine turns a snippet
// into a runnable program (wrapping, imports, known gaps, stub loading) is shared by the engines
// below sandbox/internal and is not part of the API: see RATIONALE.md.
//
//	sb, err := process.New(nil) // 30 s, 256 MiB, 1 MiB of output; a pool of 2 runners
//	...
//	res, err := sb.Run(ctx, &sandbox.Request{
//		Source:   `r, err := everything.Echo(everything.EchoArgs{Message: "hi"})
//	if err != nil {
//		panic(err)
//	}
//	fmt.Println(r.Text())`,
//		Packages: os.DirFS(workspace), // mcp_tools/<server>/*.go, skills/<name>/*.go
//		Tools:    pool,                // performs the calls
//	})
//
// # Snippets
//
// A snippet is either a complete package main, or the statements of main without a package
// clause. A body may start with import declarations, and may declare functions, methods and
// types at its top level (they are moved out of main). Packages it uses without importing them
// are imported for it: fmt.Println, strings.Fields, json.Marshal, everything.Echo, mcp_tools.Int
// just work. Every error carries the line of the snippet as the model wrote it.
//
// # Imports
//
// A snippet may import the standard packages of [AllowedStdlib] (computation, text, encodings,
// time, sync, context: nothing that reaches files, the network, processes, the environment or
// os.Exit), the runtime mcp_tools, the stub packages mcp_tools/<server> and the skills
// skills/<name> found in [Request.Packages], and what those import in turn. Anything else is a
// KindImport error that lists what is allowed and says what to use instead. Only the packages a
// snippet imports are loaded, and a stub keeps only the functions and types the snippet uses.
//
// # Known interpreter gaps
//
// The interpreter has the Go 1.22 standard library and misses a few newer or rarer features.
// A run is rejected before it starts, with a KindCompile error whose Hint says what to write
// instead, when the snippet uses the min, max and clear builtins, range over a function
// (iterators), the slices and maps functions that do not work (slices.Contains, ContainsFunc,
// Index, IndexFunc, EqualFunc and cmp.Compare, Less do), or MarshalJSON/UnmarshalJSON methods
// (ignored by the interpreter). An interpreter error gets a hint when the interpreter fails on
// errors.As into a snippet's type (use a type switch), on generic type inference from a
// function literal (write the type arguments), or on standard library symbols newer than
// Go 1.22.
//
// # Limits
//
// Each run has a wall-clock timeout, a memory budget and an output limit ([DefaultLimits]: 30 s,
// 256 MiB, 1 MiB). An engine is configured with defaults and maxima ([ConfigureLimits]); a
// request may lower a limit, or raise it up to the maximum, never past it ([ResolveLimits]).
// Output past the limit stops the run with KindOutput and the output kept so far. (Truncating
// output for the model's context is the server's job, not the sandbox's.) A snippet itself is
// at most [MaxSourceBytes] (1 MiB); a bigger one is a KindLimits error.
//
// # Errors
//
// Every failure of a run is an *[Error] with a [Kind]: compile, import denied, runtime (a panic,
// in main or in a goroutine, with its snippet line; a stack overflow), timeout (matches
// context.DeadlineExceeded), memory, output, killed (cancelled, or the runner died otherwise),
// limits, internal. Errors found before the snippet starts come with a nil [Result]; afterwards
// the Result holds what was printed, the tool calls made and, for a runtime error, the panic
// trace in Stderr.
//
// # Conformance
//
// Every engine must pass the corpus in testdata/corpus, run by
// [github.com/mcp-coordinator/mcp-coordinator/sandbox/sandboxtest.RunCorpus]: working programs
// ending in // Output:, and adversarial ones (denied imports, endless loops, memory bombs, a
// million goroutines, a gigabyte of output, panicking goroutines, unknown tools) ending in
// // Error:. See RATIONALE.md for why the sandbox is built the way it is.
package sandbox
