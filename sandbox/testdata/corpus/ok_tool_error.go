_, err := demo.Fail(demo.FailArgs{Reason: "disk full"})
fmt.Println(err)
fmt.Println(errors.Is(err, mcp_tools.ErrToolFailed))
switch e := err.(type) {
case *mcp_tools.ToolError:
	fmt.Println("tool error from", e.Server, e.Tool+":", e.Message)
default:
	fmt.Println("other", e)
}
// Output:
// demo.fail: disk full
// true
// tool error from demo fail: disk full
