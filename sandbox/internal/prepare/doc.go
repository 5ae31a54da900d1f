// Package prepare turns a snippet into a program an engine can run, before anything runs. It is
// shared by the sandbox engines (sandbox/process and sandbox/wasm) and is not public
// API: only an engine calls it, in the parent process, so that a snippet's errors come back
// before any runner is involved.
//
//	prog, err := prepare.Prepare(ctx, req) // *sandbox.Error of kind compile, import denied or limits
//	if err != nil {
//		return nil, err
//	}
//	// ... the runner compiles prog.Main under MainFile, with prog.Files below its GOPATH ...
//	if runErr != nil {
//		prog.Explain(runErr) // the hint for a known interpreter gap
//	}
//
// # What it owns
//
//   - Wrapping: a snippet without a package clause becomes the body of main. Its leading
//     imports go on the first line, its top-level func and type declarations are lifted out of
//     main with //line directives, so every line of [Program.Main] is the snippet's line.
//   - Imports: packages a body uses without importing them are imported for it (allowed
//     standard packages first, then the runtime [RuntimePackage], stubs and skills). Every
//     import, and every import of a loaded stub or skill, is checked against
//     [sandbox.AllowedStdlib] and sandbox.Request.Packages; a denied one is a KindImport error
//     that lists what is allowed and says what to use instead.
//   - Known interpreter gaps: constructs certain to fail are KindCompile errors with a Hint.
//   - Loading: the stub and skill packages the snippet imports are read from
//     Request.Packages, parsed once per content (a small cache shared by all runs) and pruned to
//     the declarations the snippet uses.
//   - Hints: [Program.Explain] is the one place a run's error gets a hint. Runners report
//     errors without hints; the engine explains them in the parent, where the program's facts
//     (which stubs it imports, whether it calls errors.As) are known.
//
// The snippet is parsed once. The imports added to a body are written into [Program.Main], the
// text the interpreter gets; the package clause check, the gap checks and the loader work on
// the first syntax tree plus the list of added imports (they add no line, so every position
// holds).
//
// # Concurrency
//
// [Prepare] is safe for concurrent use. A [Program] is not changed after Prepare returns it;
// Explain only reads it and may be called from several goroutines.
package prepare
