package wasm_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/process"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/sandboxtest"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/wasm"
)

// The engines side by side, in one run:
//
//	go test -run '^$' -bench Engines -benchtime 50x ./sandbox/wasm/
//	go test -run '^$' -bench 'Module|IdleGuest' -benchtime 1x ./sandbox/wasm/
//
// BenchmarkEngines runs the same snippets on the process and the wasm engine, each run taking
// a warm runner or guest from the pool (the timer stops while the pool refills), and reports
// p50-ms and p99-ms: a trivial snippet, one call into a fifty-function stub (pruned to the one
// function), 40 calls fanned out in goroutines, and a trivial snippet with no pool ("cold": the
// runner or guest starts for the run). BenchmarkModule is the wasm module's first compile and
// its load from the compilation cache (-benchtime 1x is plenty). BenchmarkIdleGuest is the
// host memory a pooled, idle guest holds.

// pooled is what both engines offer to wait for a warm runner.
type pooled interface {
	sandbox.Sandbox
	Idle() int
}

func engines(b *testing.B, pool int) []struct {
	name string
	e    pooled
} {
	p, err := process.New(&process.Options{PoolSize: pool})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close() })
	return []struct {
		name string
		e    pooled
	}{{"process", p}, {"wasm", newEngine(b, &wasm.Options{PoolSize: pool})}}
}

func BenchmarkEngines(b *testing.B) {
	stub50 := sandboxtest.WithStub(sandboxtest.Packages(), "stub50", sandboxtest.Stub("stub50", 50))
	cases := []struct {
		name, src, want string
		pool            int
	}{
		{"trivial", `fmt.Println("hi")`, "hi\n", 2},
		{"stub50-one-call", `r, err := stub50.Tool7(stub50.Tool7Args{Path: "/"}); if err != nil { panic(err) }; fmt.Println(r.Text())`, "ok 7\n", 2},
		{"fanout40", fanOut, "done\n", 2},
		{"trivial-cold", `fmt.Println("hi")`, "hi\n", -1},
	}
	for _, c := range cases {
		for _, eng := range engines(b, c.pool) {
			b.Run(c.name+"/"+eng.name, func(b *testing.B) {
				req := &sandbox.Request{Source: c.src, Packages: stub50, Tools: &sandboxtest.Tools{}}
				durs := make([]time.Duration, 0, b.N)
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					for c.pool > 0 && eng.e.Idle() < c.pool {
						time.Sleep(5 * time.Millisecond)
					}
					b.StartTimer()
					start := time.Now()
					res, err := eng.e.Run(context.Background(), req)
					durs = append(durs, time.Since(start))
					if err != nil || res.Stdout != c.want {
						b.Fatalf("run %d: %v %+v", i, err, res)
					}
				}
				b.StopTimer()
				sandboxtest.ReportPercentiles(b, durs)
			})
		}
	}
}

func BenchmarkModule(b *testing.B) {
	measure := func(b *testing.B, dir func() string) {
		var total time.Duration
		for i := 0; i < b.N; i++ {
			e, err := wasm.New(&wasm.Options{CacheDir: dir(), PoolSize: -1})
			if err != nil {
				b.Fatal(err)
			}
			took, err := e.Ready(context.Background(), nil)
			e.Close()
			if err != nil {
				b.Fatal(err)
			}
			total += took
		}
		b.ReportMetric(total.Seconds()/float64(b.N), "s/op")
	}
	b.Run("first-compile", func(b *testing.B) { measure(b, b.TempDir) })
	cached := b.TempDir()
	warm, err := wasm.New(&wasm.Options{CacheDir: cached, PoolSize: -1})
	if err != nil {
		b.Fatal(err)
	}
	warm.Ready(context.Background(), nil)
	warm.Close()
	b.Run("cached-load", func(b *testing.B) { measure(b, func() string { return cached }) })
}

func BenchmarkIdleGuest(b *testing.B) {
	const pool = 4
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		e := newEngine(b, &wasm.Options{PoolSize: pool})
		for e.Idle() < pool {
			time.Sleep(10 * time.Millisecond)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/pool/(1<<20), "MiB/guest")
		e.Close()
	}
}
