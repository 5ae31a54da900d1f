// Package coordinator is the composition root of mcp-coordinator: it wires the user's config, the
// downstream [downstream.Pool], the generated stubs in the [Workspace], the sandbox and the
// [Ledger] together, and exposes them as one MCP server.
//
// # Use
//
//	c, err := coordinator.New(coordinator.Options{ConfigPath: "mcp.json"})
//	if err != nil { ... }
//	defer c.Close()
//	c.Start(ctx)                                        // connect servers in the background
//	err = coordinator.NewServer(c).Run(ctx, &mcp.StdioTransport{})
//
// The CLI's generate and run use [Coordinator.Generate] and [Coordinator.Run] directly.
//
// # The tool surface
//
// [NewServer] registers seven tools (list_servers, list_tools, search_tools, get_tool,
// generate_tools, execute_code, usage_stats) and the server's [Instructions]. Together they cost
// under 1,000 o200k tokens, a test keeps them there. Every failure, a snippet's included, is a
// tool result with isError set and a message the model can act on. No tool adds servers or runs
// anything on the host: the config file is the only source of servers, and a config change that
// a running server could have written (the file lies in a directory a server is given) starts no
// new server until a restart.
//
// # Staying current
//
// A server's stubs are regenerated when it becomes ready and its tools changed (by hash), when it
// sends notifications/tools/list_changed, and when the config file changes (polled, see
// [Options.ConfigPoll]); stubs of servers that left the config are removed. Until a server has
// connected, list_tools and get_tool answer from the workspace's tools.json snapshot, and a
// snippet that uses a server with no stubs yet waits for it, bounded by [Options.ServerWait].
//
// # Savings
//
// Each run appends a [LedgerEntry] to <workspace>/usage.jsonl: the bytes and o200k tokens the
// tools returned inside the sandbox, per server, against the tokens returned to the model.
// Tokens are counted off the call path, so metering adds no tokenizer time to a tool call; past
// 8 MiB of results in one run they are estimated from bytes, so the answer does not wait long.
//
// A Coordinator is safe for concurrent use: several execute_code calls may run at once.
package coordinator
