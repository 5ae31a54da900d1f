// Package coordinator is the composition root of mcp-coordinator and its MCP surface: it builds
// the parts and connects them, and holds no state of its own beyond the config in use and what
// list_servers reports about it. Each concern has one owner:
//
//   - the config file and the server sessions: [downstream] (config, Pool, config watching);
//   - the generated stub packages on disk and in memory: internal/stubstore;
//   - snippet preparation and runs, with their accounting (calls and bytes per server):
//     [sandbox] and its engines;
//   - the usage ledger and token counting: internal/ledger;
//   - cutting text for the model: internal/textcap; ranking tools: internal/toolsearch;
//   - the stdio wire: internal/stdio.
//
// # Use
//
//	c, err := coordinator.New(coordinator.Options{ConfigPath: "mcp.json", KeepConfigProblems: true})
//	if err != nil { ... }
//	defer c.Close()
//	c.Start(ctx)                                        // connect servers in the background
//	err = coordinator.NewServer(c).Run(ctx, &stdio.Transport{})  // internal/stdio
//
// The CLI's generate and run use [Coordinator.Generate] and [Coordinator.Run] directly, without
// KeepConfigProblems: a config problem fails them at once. serve keeps it: the server starts,
// and every tool answers with [Coordinator.ConfigProblem] until the file is fixed.
//
// serve runs over internal/stdio's Transport: go-sdk's stdio transport made robust (a line that
// is not a JSON-RPC message is answered with an error and skipped instead of ending the session,
// and a cancelled request gets no response), or over HTTP ([ListenHTTP]).
//
// # Beyond tools
//
// A snippet reads its servers' resources and prompts through the runtime (the Pool serves
// them), and the content blocks it shows (mcp_tools.Show: at most 4, of 1 MiB each) follow its
// printed output in execute_code's result. With a progress token, execute_code sends progress
// at its start, for each tool call, for each progress a server reports during a call, and for
// the snippet's own mcp_tools.Progress (a queue of 64 drops the excess; never blocking the
// run). The coordinator's own resources/list and resources/read re-expose the servers'
// resources, named mcp-coordinator://<server>/<uri> (see resources.go).
//
// # Over HTTP
//
// [ListenHTTP] serves the same Coordinator over Streamable HTTP: go-sdk's handler creates an
// MCP server per client session with [NewServer], so every session shares the Pool, the
// workspace and the ledger, while each snippet runs alone. Loopback is the default; any other
// address requires a bearer token:
//
//	hs, err := coordinator.ListenHTTP(c, coordinator.HTTPOptions{Addr: ":8080"})
//	if err != nil { ... }
//	c.Start(ctx)
//	err = hs.Serve(ctx) // until ctx is done, then a graceful shutdown
//
// # The tool surface
//
// [NewServer] registers nine tools (list_servers, list_tools, search_tools, get_tool,
// generate_tools, execute_code, save_skill, delete_skill, usage_stats), three more when a local
// model is configured (delegate_code, delegate_task, list_local_models), and the server's
// instructions; a test keeps their cost under budget. The skills library (package skills) and
// the local models (package delegate) are wired here: list_tools {"server": "skills"},
// get_tool "skills.<name>" and search_tools show the skills. Every failure, a snippet's included, is a tool result with isError set and
// a message the model can act on, and a handler that panics answers with an internal error
// instead of taking the server down. No tool adds servers or runs anything on the host: the
// config file is the only source of servers, and a config change that adds or changes a server
// takes effect only with a person's approval, asked through elicitation at the next tool call
// (or after a restart).
//
// # Staying current
//
// A server's stubs are regenerated when it becomes ready and its tools changed (by hash), when it
// sends notifications/tools/list_changed, and when the config file changes (polled, see
// [Options.ConfigPoll]); stubs of servers that left the config are removed. Until a server has
// connected, list_tools and get_tool answer from the workspace's tools.json snapshot, and a
// snippet that uses a server with no stubs yet waits for it (the sandbox asks, through
// sandbox.Request.Resolve, for the packages the snippet uses), bounded by [Options.ServerWait].
//
// # Savings
//
// Each run appends a ledger entry to <workspace>/usage.jsonl: the bytes and o200k tokens the
// tools returned inside the sandbox, per server, against the tokens returned to the model.
//
// A Coordinator is safe for concurrent use: several execute_code calls may run at once.
package coordinator
