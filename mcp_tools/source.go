package mcp_tools

import _ "embed"

// RuntimeSource is the source of this package's runtime.go. The coordinator writes it to
// <workspace>/mcp_tools/runtime.go so that the generated packages beside it compile with the Go
// toolchain as well as in the sandbox.
//
//go:embed runtime.go
var RuntimeSource []byte
