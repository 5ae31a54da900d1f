// Package yaegirun is the part of a sandbox runner that does not depend on the engine: it builds
// a yaegi interpreter that sees only the allowlisted standard library and the snippet-facing
// API of mcp_tools ([Exports]), runs a [prepare.Program] in it ([Interp.Run]), and turns the
// interpreter's failures into *sandbox.Error values with snippet line numbers.
//
// The process engine runs it in a re-executed child, the wasm engine in a wasip1 guest. Either way the host installs the tool-call transport with mcp_tools.SetTransport (and
// the other host functions, for resources, prompts, shown blocks and progress, with
// mcp_tools.SetHost), gives
// the interpreter writers for the snippet's output and for the interpreter's panic trace, and
// passes each trace line through [Annotate] as it is written; a [Trace] collects the annotated
// lines, bounded, and places and formats the panic. [Instrument] (applied by Run) makes each statement of the main file record
// its line first, because the interpreter itself only places a panic at the start of the
// function. [Warm] prepares a fresh process before its first snippet.
package yaegirun
