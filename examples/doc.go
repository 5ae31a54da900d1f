// Package examples holds runnable demos of mcp-coordinator, one per directory, each with a test:
//
//   - quickstart: the coordinator in front of two small Go MCP servers, driven by an MCP client
//     as a model would drive it (go run ./examples/quickstart).
package examples
