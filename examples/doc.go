// Package examples holds runnable demos of mcp-coordinator, one per directory, each with a test:
//
//   - quickstart: the coordinator in front of two small Go MCP servers, driven by an MCP client
//     as a model would drive it (go run ./examples/quickstart).
//   - demo-servers.json: a servers config that starts the same two demo servers from the
//     installed binary ("mcp-coordinator demo-server inventory|orders"), so that generate, run
//     and serve can be tried without node; cmd/mcp-coordinator's TestDemoServersConfig runs
//     the README's commands with it.
package examples
