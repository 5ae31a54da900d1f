package sandbox

import (
	"context"
	"encoding/json"
	"io/fs"
	"time"
)

// Sandbox runs snippets. Implementations are safe for concurrent use: several snippets may run at
// once, and tool calls from one snippet's goroutines may be in flight together.
type Sandbox interface {
	// Run prepares and runs req. The Result is non-nil whenever the snippet started (it holds what
	// was printed before a failure); a failure of the snippet is returned as a *Error.
	Run(ctx context.Context, req *Request) (*Result, error)
	// Close stops every runner the Sandbox started. It is idempotent.
	Close() error
}

// ToolCaller performs tool calls for snippets. The coordinator's downstream Pool implements it.
// CallTool receives the arguments as a JSON object and returns the MCP CallToolResult as JSON
// (a result with isError set is a normal answer, not an error). An error means the call could not
// be made: unknown server or tool, server down, protocol error, ctx done. An error with a method
// CallKind() string names its kind for the snippet (the mcp_tools.Kind* strings); the engine
// names a context's end itself.
//
// A ToolCaller that also implements [ResourceCaller] serves the snippet's
// mcp_tools.ListResources, ReadResource, ListPrompts and GetPrompt; with one that does not,
// those fail.
type ToolCaller interface {
	CallTool(ctx context.Context, server, tool string, args json.RawMessage) (json.RawMessage, error)
}

// ResourceCaller reads servers' resources and prompts for snippets. Each method returns the
// MCP result as JSON (ListResourcesResult with every page's resources, ReadResourceResult,
// ListPromptsResult with every page's prompts, GetPromptResult); errors are as for
// ToolCaller.CallTool. The downstream Pool implements it.
type ResourceCaller interface {
	ListResources(ctx context.Context, server string) (json.RawMessage, error)
	ReadResource(ctx context.Context, server, uri string) (json.RawMessage, error)
	ListPrompts(ctx context.Context, server string) (json.RawMessage, error)
	GetPrompt(ctx context.Context, server, name string, args map[string]string) (json.RawMessage, error)
}

// Request is one snippet run.
type Request struct {
	// Source is the snippet as the model wrote it: a package main, or statements that become the
	// body of main.
	Source string
	// Packages resolves non-standard imports, laid out like a GOPATH src directory:
	// mcp_tools/<server>/*.go for stubs, skills/<name>/*.go for skills. Nil means none.
	// Only the packages the snippet imports are read.
	Packages fs.FS
	// Limits lowers the engine's configured limits for this run; zero fields keep the defaults.
	// A value above the configured maximum is an error of kind KindLimits.
	Limits Limits
	// Resolve, when set, is asked before Packages is read for each stub or skill package the
	// snippet may use: every mcp_tools/<name> or skills/<name> it imports, and, for a body,
	// mcp_tools/<x> and skills/<x> for each x it names (x.Y) without declaring or importing it.
	// The coordinator makes the package present (waiting for a server still starting) and
	// returns nil, or nil too for a name it does not know (the import check reports that); an
	// error means the package exists but cannot be had now, and the run fails with
	// KindUnavailable and the error's message.
	Resolve func(ctx context.Context, importPath string) error
	// Tools performs the snippet's tool calls. Nil makes every call fail.
	Tools ToolCaller
	// Observe, when set, sees the result of every tool call that returns during the run (the
	// coordinator counts their tokens and notes their shapes with it). It may be called
	// concurrently, must return promptly, and is never called once Run has returned.
	Observe func(server, tool string, result []byte)
	// Progress, when set, receives the snippet's own progress reports (mcp_tools.Progress),
	// one line each; an engine may drop reports that come faster than it forwards them (the
	// process engine forwards at most one per 50 ms). It may be
	// called concurrently, must return promptly, and is never called once Run has returned.
	Progress func(message string)
}

// OtherServers is the key of Result.Servers that counts the calls to the servers beyond those
// an engine names.
const OtherServers = "(other servers)"

// ServerUsage is one server's share of a run's tool calls.
type ServerUsage struct {
	// Calls counts the calls made; Bytes the size of the results they returned.
	Calls int
	Bytes int64
}

// Limits bounds one run. A zero field means "the default".
type Limits struct {
	// Timeout is the wall-clock limit. Default 30 s.
	Timeout time.Duration
	// MemoryBytes is the budget for the snippet's heap and goroutine stacks. Default 256 MiB.
	MemoryBytes int64
	// OutputBytes caps the output. Default 1 MiB; past it the run stops with KindOutput.
	OutputBytes int
}

// Result is what a run produced.
type Result struct {
	// Stdout is what the snippet printed (fmt.Print*, print, println), at most
	// Limits.OutputBytes. A snippet has no stderr of its own (os is not importable): Stderr holds
	// the notes of the mcp_tools runtime, one line each (a tool result that did not fit its
	// type, once per tool), then the interpreter's trace of the panic that ended a run with a
	// runtime error, innermost function first, with snippet lines; an engine bounds both (the
	// process engine, to 10 notes of at most 1 KiB and 20 frames of at most 256 bytes).
	Stdout, Stderr string
	// Calls is the number of tool calls the snippet made, and ToolBytes the size of the results
	// they returned into the sandbox; Servers splits both per server. An engine names a bounded
	// number of servers (the process engine, 64: the first a run calls) and counts the calls to
	// the others under OtherServers. Run returns only once every call it started has returned
	// or been given up (see the engine), so these never change after Run.
	Calls     int
	ToolBytes int64
	Servers   map[string]ServerUsage
	// Blocks are the content blocks the snippet handed to the model (mcp_tools.Show), each an
	// MCP content block as JSON, in the order shown: at most mcp_tools.MaxShowBlocks.
	Blocks []json.RawMessage
	// Packages are the stub and skill packages the run loaded ("mcp_tools/demo",
	// "skills/greet"), those that other packages imported included, sorted.
	Packages []string
	// Duration is the wall time of the run, preparation included.
	Duration time.Duration
}
