package process_test

import (
	"context"
	"fmt"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/process"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/sandboxtest"
)

func ExampleEngine() {
	e, err := process.New(&process.Options{PoolSize: 1})
	if err != nil {
		panic(err)
	}
	defer e.Close()
	res, err := e.Run(context.Background(), &sandbox.Request{
		// A body: fmt and the stub package demo are imported for it.
		Source: `for _, m := range []string{"a", "b"} {
	r, err := demo.Echo(demo.EchoArgs{Message: m})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Text())
}`,
		Packages: sandboxtest.Packages(), // holds mcp_tools/demo
		Tools:    &sandboxtest.Tools{},   // answers the calls
	})
	if err != nil {
		panic(err)
	}
	fmt.Print(res.Stdout)
	fmt.Println(res.Calls, "calls")

	_, err = e.Run(context.Background(), &sandbox.Request{Source: "x := []int{1}\nfmt.Println(x[2])"})
	fmt.Println(err)
	// Output:
	// Echo: a
	// Echo: b
	// 2 calls
	// runtime error at line 2: panic: runtime error: index out of range
}
