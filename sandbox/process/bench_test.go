package process

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/sandboxtest"
)

// The figures the issue asks for:
//
//	go test -run '^$' -bench . -benchtime 200x ./sandbox/process/
//
// BenchmarkTrivial/warm and /cold report p50-ms and p99-ms of a trivial snippet with and
// without a pool. BenchmarkToolCall compares one echo call through the sandbox with the same
// call from a plain go-sdk client to the same in-memory go-sdk server. BenchmarkCalls runs 100
// and 1,000 sequential calls in one snippet, alternating with as many direct calls, and reports
// us/call for both and their ratio (-benchtime 20x is plenty). BenchmarkCallOverhead is the
// sandbox's own cost per call, with a tool that answers at once. BenchmarkStub50 imports a
// fifty-tool stub and calls one tool (pruned: one function loaded), or references all fifty.

const trivial = `fmt.Println("hi")`

// runAndMeasure runs req b.N times, waiting for a warm runner before each run when warm, and
// reports the p50 and p99 latency.
func runAndMeasure(b *testing.B, e *Engine, req *sandbox.Request, warm bool, check func(*sandbox.Result)) {
	b.Helper()
	ctx := context.Background()
	durs := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if warm {
			b.StopTimer()
			if err := e.waitPool(ctx, 2); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		start := time.Now()
		res, err := e.Run(ctx, req)
		durs = append(durs, time.Since(start))
		if err != nil {
			b.Fatalf("run %d: %v", i, err)
		}
		if check != nil {
			check(res)
		}
	}
	b.StopTimer()
	sandboxtest.ReportPercentiles(b, durs)
}

func BenchmarkTrivial(b *testing.B) {
	req := &sandbox.Request{Source: trivial}
	check := func(res *sandbox.Result) {
		if res.Stdout != "hi\n" {
			b.Fatalf("stdout = %q", res.Stdout)
		}
	}
	b.Run("warm", func(b *testing.B) {
		runAndMeasure(b, newEngine(b, &Options{PoolSize: 2}), req, true, check)
	})
	b.Run("cold", func(b *testing.B) {
		runAndMeasure(b, newEngine(b, &Options{PoolSize: -1}), req, false, check)
	})
}

// sdkCaller sends the sandbox's calls to a go-sdk client session, whatever the server name.
type sdkCaller struct{ cs *mcp.ClientSession }

func (c sdkCaller) CallTool(ctx context.Context, server, tool string, args json.RawMessage) (json.RawMessage, error) {
	res, err := c.cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		return nil, err
	}
	return json.Marshal(res)
}

// newEchoServer returns a go-sdk server with one tool, echo {message}.
func newEchoServer() *mcp.Server {
	server := mcp.NewServer(&mcp.Implementation{Name: "bench", Version: "1"}, nil)
	type in struct {
		Message string `json:"message"`
	}
	mcp.AddTool(server, &mcp.Tool{Name: "echo", Description: "echoes"}, func(ctx context.Context, req *mcp.CallToolRequest, args in) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "Echo: " + args.Message}}}, nil, nil
	})
	return server
}

// echoServerEnv makes the test binary an echo server on stdio (see TestMain).
const echoServerEnv = "SANDBOX_TEST_ECHO_SERVER"

// serveEchoOnStdio runs the echo server on stdio when the test binary was started as one.
func serveEchoOnStdio() bool {
	if os.Getenv(echoServerEnv) != "1" {
		return false
	}
	if err := newEchoServer().Run(context.Background(), &mcp.StdioTransport{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	return true
}

// echoServer returns a client session to the echo server: in memory, or in a child process
// over stdio (the way the coordinator reaches real servers).
func echoServer(b testing.TB, transport string) *mcp.ClientSession {
	b.Helper()
	ctx := context.Background()
	var t mcp.Transport
	switch transport {
	case "memory":
		ct, st := mcp.NewInMemoryTransports()
		if _, err := newEchoServer().Connect(ctx, st, nil); err != nil {
			b.Fatal(err)
		}
		t = ct
	case "stdio":
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), echoServerEnv+"=1")
		t = &mcp.CommandTransport{Command: cmd, TerminateDuration: 200 * time.Millisecond}
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "bench-client", Version: "1"}, nil).Connect(ctx, t, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cs.Close() })
	return cs
}

func directCall(b testing.TB, cs *mcp.ClientSession) {
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "echo", Arguments: json.RawMessage(`{"message":"hi"}`)})
	if err != nil || res.IsError {
		b.Fatalf("direct call: %v %v", err, res)
	}
}

func BenchmarkToolCall(b *testing.B) {
	for _, transport := range []string{"memory", "stdio"} {
		b.Run(transport, func(b *testing.B) { benchToolCall(b, echoServer(b, transport)) })
	}
}

func benchToolCall(b *testing.B, cs *mcp.ClientSession) {
	b.Run("direct", func(b *testing.B) {
		durs := make([]time.Duration, 0, b.N)
		for i := 0; i < b.N; i++ {
			start := time.Now()
			directCall(b, cs)
			durs = append(durs, time.Since(start))
		}
		sandboxtest.ReportPercentiles(b, durs)
	})
	req := &sandbox.Request{
		Source:   `r, err := demo.Echo(demo.EchoArgs{Message: "hi"}); if err != nil { panic(err) }; fmt.Println(r.Text())`,
		Packages: sandboxtest.Packages(),
		Tools:    sdkCaller{cs},
	}
	b.Run("sandbox", func(b *testing.B) {
		runAndMeasure(b, newEngine(b, &Options{PoolSize: 2}), req, true, func(res *sandbox.Result) {
			if res.Stdout != "Echo: hi\n" || res.Calls != 1 {
				b.Fatalf("stdout = %q, calls = %d", res.Stdout, res.Calls)
			}
		})
	})
	b.Run("sandbox-no-call", func(b *testing.B) {
		noCall := *req
		noCall.Source = `_ = demo.EchoArgs{Message: "hi"}; fmt.Println("Echo: hi")`
		runAndMeasure(b, newEngine(b, &Options{PoolSize: 2}), &noCall, true, nil)
	})
}

func BenchmarkCalls(b *testing.B) {
	for _, transport := range []string{"memory", "stdio"} {
		b.Run(transport, func(b *testing.B) { benchCalls(b, echoServer(b, transport)) })
	}
}

// benchCalls alternates n direct calls and a snippet making the same n calls, so that both
// see the same machine load, and reports the median time per call of each and the median of
// their ratios (each run against the direct calls just before it: a stall of the shared
// machine spoils one pair, not the figure).
func benchCalls(b *testing.B, cs *mcp.ClientSession) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("calls=%d", n), func(b *testing.B) {
			req := &sandbox.Request{
				Source: fmt.Sprintf(`n := 0
for i := 0; i < %d; i++ {
	r, err := demo.Echo(demo.EchoArgs{Message: "hi"})
	if err != nil {
		panic(err)
	}
	n += len(r.Text())
}
fmt.Println(n)`, n),
				Packages: sandboxtest.Packages(),
				Tools:    sdkCaller{cs},
			}
			e := newEngine(b, &Options{PoolSize: 2})
			ctx := context.Background()
			perCall := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 / float64(n) }
			var direct, inSandbox, ratios []float64
			for i := 0; i < b.N; i++ {
				if err := e.waitPool(ctx, 2); err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				for j := 0; j < n; j++ {
					directCall(b, cs)
				}
				d := perCall(time.Since(start))
				start = time.Now()
				res, err := e.Run(ctx, req)
				s := perCall(time.Since(start))
				if err != nil || res.Calls != n {
					b.Fatalf("run: %v, %d calls", err, res.Calls)
				}
				direct, inSandbox, ratios = append(direct, d), append(inSandbox, s), append(ratios, s/d)
			}
			b.ReportMetric(median(direct), "direct-us/call")
			b.ReportMetric(median(inSandbox), "sandbox-us/call")
			b.ReportMetric(median(ratios), "ratio")
		})
	}
}

func median(x []float64) float64 {
	sort.Float64s(x)
	return x[len(x)/2]
}

// BenchmarkCallOverhead runs 1,000 calls to an instant fake tool: the time per call is the
// sandbox's own cost (interpreter, JSON, pipe round trip).
func BenchmarkCallOverhead(b *testing.B) {
	const n = 1000
	req := &sandbox.Request{
		Source: fmt.Sprintf(`for i := 0; i < %d; i++ {
	if _, err := demo.Echo(demo.EchoArgs{Message: "hi"}); err != nil {
		panic(err)
	}
}`, n),
		Packages: sandboxtest.Packages(),
		Tools:    &sandboxtest.Tools{},
	}
	runAndMeasure(b, newEngine(b, &Options{PoolSize: 2}), req, true, nil)
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "us/call")
}

func BenchmarkStub50(b *testing.B) {
	pkgs := sandboxtest.WithStub(nil, "stub50", sandboxtest.Stub("stub50", 50))
	var all strings.Builder
	for i := 1; i <= 50; i++ {
		fmt.Fprintf(&all, "_ = stub50.Tool%d\n", i)
	}
	for _, c := range []struct{ name, src string }{
		{"one-tool", `r, err := stub50.Tool7(stub50.Tool7Args{Path: "/"}); if err != nil { panic(err) }; fmt.Println(r.Text())`},
		{"all-tools", all.String() + `r, err := stub50.Tool7(stub50.Tool7Args{Path: "/"}); if err != nil { panic(err) }; fmt.Println(r.Text())`},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := &sandbox.Request{Source: c.src, Packages: pkgs, Tools: &sandboxtest.Tools{}}
			runAndMeasure(b, newEngine(b, &Options{PoolSize: 2}), req, true, func(res *sandbox.Result) {
				if res.Stdout != "ok 7\n" {
					b.Fatalf("stdout = %q", res.Stdout)
				}
			})
		})
	}
}
