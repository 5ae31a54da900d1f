// Command mcp-coordinator-bench measures what the coordinator saves and what it costs, on real
// MCP servers, with a client that drives it the way a model would.
//
// It writes a deterministic data set into a temporary directory, starts the pinned npm servers
// from testdata/npm (server-everything, server-filesystem, server-memory, git-mcp-server,
// mcp-sqlite) and the coordinator
// (this binary re-executed as "mcp-coordinator serve"), then runs each workload twice: once with
// direct tool calls, once through the coordinator (search_tools, get_tool, execute_code). Every
// call is really made; both transcripts are counted in o200k tokens, and each side's answer is
// checked against the expected one, so a saving can never come from a wrong answer.
//
// Usage:
//
//	go run ./cmd/mcp-coordinator-bench [--out DIR] [--workloads W0,W1,...] [--repeats N] [--smoke]
//
// It prints markdown tables on stdout and progress on stderr, and writes BENCHMARKS.md and
// benchmarks.svg into --out (default: the repository root). --smoke runs W0 and W1 with a few
// latency repeats and writes nothing: it is what CI runs. A missing real part (node, the npm
// servers) is named with the command that installs it, and the exit code is 1.
//
// # Transcripts
//
// Direct: the tool definitions of every configured server (their tools/list JSON), each call's
// arguments (what the model writes) and each result as a client shows it to the model: its
// text, structuredContent only when there is no text (ledger.ContextTokens, the rule of the
// coordinator's own footer). Coordinator: its tools/list and instructions, the discovery calls
// (search_tools, then one get_tool for the tools the snippet uses) with their answers, the
// snippet, and what execute_code returned. Model turns: one per call plus the final answer.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox/process"
)

func main() {
	process.MaybeRunAsRunner() // returns unless this process was started as a sandbox runner
	maybeServe()               // returns unless this process was started as the coordinator
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
