package prepare_test

import (
	"context"
	"testing"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/internal/prepare"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/sandboxtest"
)

func BenchmarkPrepare(b *testing.B) {
	stub := sandboxtest.WithStub(nil, "stub50", sandboxtest.Stub("stub50", 50))
	for _, c := range []struct {
		name string
		req  *sandbox.Request
	}{
		{"trivial", &sandbox.Request{Source: `fmt.Println("hi")`}},
		{"stub50-one-tool", &sandbox.Request{Source: `r, _ := stub50.Tool7(stub50.Tool7Args{Path: "/"}); fmt.Println(r.Text())`, Packages: stub}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := prepare.Prepare(context.Background(), c.req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
