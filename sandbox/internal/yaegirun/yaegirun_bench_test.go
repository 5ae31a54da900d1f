package yaegirun

import (
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/mcp-coordinator/mcp-coordinator/mcp_tools"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/internal/prepare"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/sandboxtest"
)

// BenchmarkInterpCall measures the interpreter's share of a tool call: a stub call with a
// transport that answers at once, in process (no pipe).
func BenchmarkInterpCall(b *testing.B) {
	result := json.RawMessage(`{"content":[{"type":"text","text":"Echo: hi"}]}`)
	mcp_tools.SetTransport(func(server, tool string, args json.RawMessage) (json.RawMessage, error) { return result, nil })
	defer mcp_tools.SetTransport(nil)
	p, err := prepare.Prepare(context.Background(), &sandbox.Request{Source: `for i := 0; i < 1000; i++ {
	if _, err := demo.Echo(demo.EchoArgs{Message: "hi"}); err != nil {
		panic(err)
	}
}`, Packages: sandboxtest.Packages()})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		in, err := New(io.Discard, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if e := in.Run(p); e != nil {
			b.Fatal(e)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*1000), "us/call")
}

// BenchmarkNew measures what a pooled runner does before a snippet arrives.
func BenchmarkNew(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := New(io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrivialRun measures compiling and running a trivial snippet in a ready interpreter.
func BenchmarkTrivialRun(b *testing.B) {
	p, err := prepare.Prepare(context.Background(), &sandbox.Request{Source: `fmt.Println("hi")`})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		in, err := New(io.Discard, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if e := in.Run(p); e != nil {
			b.Fatal(e)
		}
	}
}
