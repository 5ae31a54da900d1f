// Package downstream reads the user's MCP config and holds one client session per configured
// server: the servers whose tools the coordinator turns into Go packages and calls for snippets.
//
//	path, err := downstream.FindConfig(flagConfig)
//	cfg, err := downstream.LoadConfig(path)         // servers, skipped entries, warnings
//	pool := downstream.NewPool(cfg.Servers, nil)
//	defer pool.Close()
//	pool.Start(ctx)                                 // every server at once; returns at once
//	pool.WaitAll(ctx)
//	for _, st := range pool.Status() { ... }        // state, reason, tools per server
//	res, err := pool.CallTool(ctx, "everything", "echo", json.RawMessage(`{"message":"hi"}`))
//
// # The config file
//
// [FindConfig] picks the file: the --config flag, else $MCP_SERVERS_CONFIG, else ./.mcp.json,
// else Claude Desktop's claude_desktop_config.json (macOS ~/Library/Application Support/Claude,
// Windows %APPDATA%\Claude, Linux $XDG_CONFIG_HOME/Claude or ~/.config/Claude). Its error lists
// every place it tried.
//
// [LoadConfig] and [ParseConfig] accept the three shapes in use:
//
//	{"mcpServers": {"fs": {"command": "npx", "args": [...], "env": {...}}}}            Claude Desktop
//	{"mcpServers": {"api": {"type": "http", "url": "https://...", "headers": {...}}}}  Claude Code .mcp.json
//	{"inputs": [...], "servers": {"gh": {"type": "http", "url": "..."}}}              VS Code mcp.json (JSONC)
//
// "type" is "stdio", "http" (Streamable HTTP) or "sse"; without it an entry with "command" is
// stdio and one with only "url" is http. "streamable-http" is read as http. Comments and
// trailing commas are allowed; unknown fields and other top-level keys are ignored.
//
// In command, args, env values, url and header values, ${VAR} and ${VAR:-default} are expanded
// from the environment as Claude Code does:
//
//	${VAR}              the value of VAR, even when it is empty
//	${VAR:-default}     the value of VAR if it is set (even empty), else default
//	${VAR} (unset)      left as written, with a warning in [Config.Warnings] naming server and field
//	$VAR                never expanded
//	${A:-${B}}          the braces end at the first "}": A unset gives "${B}" (not expanded again)
//
// Entries are skipped, with the reason in [Config.Skipped], when "disabled" is true, when their
// transport is WebSocket, or when they would start the coordinator itself: a command named
// mcp-coordinator[.exe] in any directory, a command or argument that is the running executable,
// an argument naming the module github.com/mcp-coordinator/mcp-coordinator (go run), or an npm
// package argument mcp-coordinator[@version] (npx). A server merely pointed at a directory
// called mcp-coordinator is kept.
//
// A file that cannot be used is an error that names the file, the line and the column (in
// characters) and the reason: malformed JSON, a field of the wrong type ("args" must be an
// array of strings), an unknown type, stdio without "command", http or sse without "url", a
// name defined twice. A syntax error stops at the first; problems in the entries are all
// reported, one [*ConfigError] per line.
//
// # The Pool
//
// A [Pool] holds a go-sdk [mcp.ClientSession] per server. [Pool.Start] connects all servers
// concurrently; a server that fails or hangs never delays the others. A server's life follows
// the Pool's own context, never a request's: only [Pool.Close] and [Pool.Update] stop servers.
//
//	stopped ──Start or first use──▶ starting ──▶ ready ──session ends──▶ failed
//	                                    └──────────▶ failed ──next use──▶ restarting ──▶ ready | failed
//
// [Pool.Status] reports each server's [State], the reason of a failure (one line: what went
// wrong, the exit status, then the tail of the server's stderr), its tools and when they were
// listed. A stdio server's stderr is kept in a 16 KiB ring buffer; it never reaches the
// coordinator's stdout (which carries its own MCP protocol) nor its log.
//
// A failed server, or one whose session ended (a crashed process, a lost HTTP connection), is
// restarted on its next use ([Pool.Tools], [Pool.CallTool]), paced by a backoff: 0.5 s after
// the first failure in a row, then 1 s, 2 s, ... up to 30 s; a session that lived 30 s resets
// the count. A use that finds the next attempt at most 2 s away waits for it; otherwise it fails
// at once with the last reason. [Pool.Wait] never retries. Tools are listed with pagination and
// listed again on notifications/tools/list_changed; [PoolOptions.OnToolsChanged] hears about it.
//
// [Pool.CallTool] implements sandbox.ToolCaller: it returns the MCP CallToolResult as JSON, and a
// result with isError set is an answer, not an error. Its errors are [*Error] values with a
// [ErrorKind] and one line of text: an unknown server (listing the configured ones), an unknown
// tool (with close names: "ech" suggests "echo", "get_sum" suggests "getSum"), a server that is
// down (with its reason), a JSON-RPC error from the server, or the end of the caller's context
// or of [PoolOptions.CallTimeout] (errors.Is(err, context.DeadlineExceeded) holds).
//
// [Pool.ListResources], [Pool.ReadResource], [Pool.ListPrompts] and [Pool.GetPrompt] implement
// sandbox.ResourceCaller the same way (listings follow every page, up to 10,000 items), and
// [ServerStatus] counts the resources and prompts a server offered when it connected. A call
// whose context comes from [WithProgress] asks the server for progress and hears each
// notification.
//
// [Pool.Update] applies a changed config: new servers start, removed ones stop, changed ones
// restart, unchanged ones keep their sessions.
//
// # Transports
//
// stdio: the Pool starts the command itself, with the coordinator's environment plus the
// entry's env, and speaks newline-delimited JSON over its pipes ([mcp.IOTransport]); owning the
// process (rather than using [mcp.CommandTransport]) lets it record the exit status without a
// race and signal the whole process group. On Unix each server leads its own process group, so
// that the grandchildren of wrappers such as npx are reached; on Linux the server also gets
// SIGKILL if the coordinator dies without closing it (PR_SET_PDEATHSIG), because
// server-everything, for one, ignores a closed stdin. Shutdown follows the MCP spec: stdin
// closed, 200 ms, SIGTERM to the group, 200 ms, SIGKILL to the group; Close returns once every
// process of the group has gone. On Windows there are no groups and no SIGTERM: after the
// grace periods the process alone is killed.
//
// A limit: when the coordinator itself is killed with SIGKILL, nothing signals the group, and
// PR_SET_PDEATHSIG reaches only the process the Pool started. A server run through a wrapper
// that does not exec it (sh -c "server", not sh -c "exec server") and that ignores the end of
// its stdin then outlives the coordinator (a subreaper does not help: it is the process that
// died). On macOS and Windows there is no PDEATHSIG at all, and only servers that exit when
// stdin closes go with a killed coordinator. An orderly exit (SIGTERM, SIGINT, the client
// closing stdin) stops every server everywhere.
//
// Every process the Pool starts gets [SpawnedByEnv] in its environment.
//
// Each line a stdio server writes passes a guard before the session reads it: a message above
// [PoolOptions.MaxMessageBytes] is read through without being kept and, when it answers a
// request, replaced by a JSON-RPC error for that request; a line that is not JSON (a banner) is
// dropped; a malformed one is treated like an oversized one. One bad line thus fails at most
// its own call, never the session, and dropped lines are named in the server's failure reason.
//
// http: [mcp.StreamableClientTransport]; sse: [mcp.SSEClientTransport]. Headers from the config
// are added to every request by the HTTP client's RoundTripper, and every answer is bounded as
// it is read (the go-sdk client reads a JSON body whole): a JSON body or a server-sent event
// above MaxMessageBytes becomes an error for its own request.
//
// # Client capabilities
//
// The Pool advertises no client capabilities: no roots, no sampling, no elicitation. A snippet
// runs unattended and cannot answer a server's sampling or elicitation request, and the
// coordinator has no roots of its own to offer; advertising them only makes servers list tools
// that would always fail. Measured with server-everything 2026.8.31 (see
// TestEverythingToolsByCapability):
//
//	capabilities advertised       tools
//	none (the Pool)                  13
//	roots (go-sdk default)           14   + get-roots-list
//	sampling                         14   + trigger-sampling-request
//	elicitation                      14   + trigger-elicitation-request
//	roots, sampling, elicitation     16
//
// server-filesystem lists 14 tools either way, but with roots advertised and none given it
// logs "No valid root directories provided by client"; without roots it keeps the directories
// of its command line, which is what the user configured.
//
// # Figures
//
// Measured on a shared 2-core machine (go test -bench . ./downstream; ratios matter more than
// absolutes). Connecting server-everything, -filesystem, -memory and -sequential-thinking
// (process start, initialize, tools/list): 0.64 to 0.77 s at once against 1.08 to 1.21 s one
// after the other at a load average of 2; at a load average of 6 the two were equal, since
// node's start is CPU-bound. One tool call through the Pool: 0.16 to 0.73 ms to server-everything
// over stdio, 0.48 to 0.58 ms to the go-sdk example server over stdio, 0.32 to 0.42 ms in memory,
// 2.9 to 4.7 ms to server-everything over Streamable HTTP on loopback. Close of seven servers
// (five stdio, two HTTP) takes about 0.2 s, the stdin grace period of server-everything.
//
// # Testing
//
// Unit tests use in-memory go-sdk servers. The failure shapes (a server that exits at once, one
// that hangs at initialize and ignores SIGTERM, one that crashes mid-session, one that spawns a
// grandchild, one that sends tools/list_changed) re-execute the test binary as a fake stdio
// server, switched by DOWNSTREAM_FAKE_SERVER in TestMain. Integration tests run the pinned npm
// and go-sdk servers found by internal/testenv, over stdio, Streamable HTTP and SSE, and check
// that no process is left after Close.
package downstream
