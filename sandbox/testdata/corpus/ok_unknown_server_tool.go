_, err := mcp_tools.Call("nope", "x", nil, nil)
fmt.Println(err)
_, err = mcp_tools.Call("demo", "missing", map[string]any{"a": 1}, nil)
fmt.Println(err)
_, isCall := err.(*mcp_tools.CallError)
fmt.Println(isCall, errors.Is(err, mcp_tools.ErrToolFailed))
// Output:
// calling nope.x: unknown server "nope"
// calling demo.missing: unknown tool "missing" on server "demo"
// true false
