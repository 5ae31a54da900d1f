import "mcp_tools/nope"

nope.Call()
// Error: import denied line 1: there is no stub package mcp_tools/nope; available: mcp_tools/demo
