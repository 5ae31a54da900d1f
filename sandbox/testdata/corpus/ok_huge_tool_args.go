// Arguments above the engine's limit (4 MiB by default) fail the call, not the run.
msg := strings.Repeat("x", 5<<20)
_, err := demo.Echo(demo.EchoArgs{Message: msg})
fmt.Println(err)
r, err := demo.Echo(demo.EchoArgs{Message: "still works"})
fmt.Println(r.Text(), err)
// Output:
// calling demo.echo: the arguments are 5242894 bytes, above the 4194304-byte limit
// Echo: still works <nil>
