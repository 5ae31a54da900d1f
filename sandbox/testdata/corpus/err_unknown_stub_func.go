r, err := demo.Frobnicate(demo.EchoArgs{})
fmt.Println(r, err)
// Error: compile line 1: undefined selector: mcp_tools/demo.Frobnicate
// Hint: list_tools
