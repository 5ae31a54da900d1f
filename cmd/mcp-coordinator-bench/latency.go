package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/codegen"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/wasm"
)

// runPause is the pause before each sample of a snippet row, outside the measured time.
const runPause = 400 * time.Millisecond

// latencyRow is one measured operation: n samples, as seen by the client.
type latencyRow struct {
	What     string
	Engine   string // the sandbox engine, or "-" for a direct call
	P50, P99 time.Duration
	Ratio    float64 // p50 against the p50 of the direct row doing the same calls, or 0
	Direct   bool    // a row of direct calls, the base of others
}

// latency measures, side by side in one run: get-sum calls made directly against the same calls
// made from a snippet (one call, 100 in sequence, 40 fanned out in goroutines), and a snippet
// that calls nothing. Each row is warmed up once first; a snippet row's ratio is against the
// direct row that does the same calls.
func (b *bench) latency(ctx context.Context, n int) ([]latencyRow, error) {
	call := func() error {
		res, err := b.direct["everything"].CallTool(ctx, &mcp.CallToolParams{Name: "get-sum", Arguments: map[string]any{"a": 1, "b": 2}})
		if err == nil && res.IsError {
			err = fmt.Errorf("get-sum: %s", contentText(res))
		}
		return err
	}
	sequential := func(k int) func() error {
		return func() error {
			for range k {
				if err := call(); err != nil {
					return err
				}
			}
			return nil
		}
	}
	concurrent := func(k int) func() error {
		return func() error {
			errs := make(chan error, k)
			for range k {
				go func() { errs <- call() }()
			}
			var first error
			for range k {
				if err := <-errs; err != nil && first == nil {
					first = err
				}
			}
			return first
		}
	}
	snippet := func(code string) func() error {
		return func() error {
			_, _, _, err := b.coordCall(ctx, "execute_code", map[string]any{"code": code})
			return err
		}
	}
	wasmSnippet := func(code string) func() error {
		return func() error {
			_, _, _, err := b.coordCall(ctx, "execute_code", map[string]any{"code": code, "sandbox": "wasm"})
			return err
		}
	}
	oneCall := `r, err := everything.GetSum(everything.GetSumArgs{A: 1, B: 2})
if err != nil {
	panic(err)
}
fmt.Println(r.Text())`
	hundred := `for i := 0; i < 100; i++ {
	if _, err := everything.GetSum(everything.GetSumArgs{A: 1, B: 2}); err != nil {
		panic(err)
	}
}
fmt.Println("done")`
	fanOut := `var wg sync.WaitGroup
errs := make(chan error, 40)
for i := 0; i < 40; i++ {
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := everything.GetSum(everything.GetSumArgs{A: 1, B: 2}); err != nil {
			errs <- err
		}
	}()
}
wg.Wait()
close(errs)
for err := range errs {
	panic(err)
}
fmt.Println("done")`
	rows := []struct {
		what, engine string
		vs           int // the index of the direct row it compares with, or -1
		f            func() error
	}{
		{"one call (get-sum), direct", "-", -1, call},
		{"the same call through a snippet", "process", 0, snippet(oneCall)},
		{"the same call through a snippet", "wasm", 0, wasmSnippet(oneCall)},
		{"a trivial snippet (no calls)", "process", 0, snippet(`fmt.Println("ok")`)},
		{"a trivial snippet (no calls)", "wasm", 0, wasmSnippet(`fmt.Println("ok")`)},
		{"100 sequential calls, direct", "-", -1, sequential(100)},
		{"100 sequential calls in one snippet", "process", 5, snippet(hundred)},
		{"100 sequential calls in one snippet", "wasm", 5, wasmSnippet(hundred)},
		{"40 concurrent calls, direct", "-", -1, concurrent(40)},
		{"40 calls fanned out in goroutines in one snippet", "process", 8, snippet(fanOut)},
		{"40 calls fanned out in goroutines in one snippet", "wasm", 8, wasmSnippet(fanOut)},
	}
	var out []latencyRow
	for _, r := range rows {
		if err := r.f(); err != nil { // warm-up
			return out, fmt.Errorf("%s: %w", r.what, err)
		}
		samples := make([]time.Duration, n)
		for i := range samples {
			if r.engine != "-" {
				// A wasm guest takes about 0.3 s to start (a runner process 10 to 20 ms):
				// give the pools the time a conversation gives them between two runs, so that
				// each run of either engine takes a warm one.
				time.Sleep(runPause)
			}
			start := time.Now()
			if err := r.f(); err != nil {
				return out, fmt.Errorf("%s: %w", r.what, err)
			}
			samples[i] = time.Since(start)
		}
		row := latencyRow{What: r.what, Engine: r.engine, P50: percentile(samples, 50), P99: percentile(samples, 99), Direct: r.engine == "-"}
		if r.vs >= 0 && out[r.vs].P50 > 0 {
			row.Ratio = float64(row.P50) / float64(out[r.vs].P50)
		}
		out = append(out, row)
	}
	rows2, err := b.startup(ctx, max(1, n/5))
	if err != nil {
		return out, err
	}
	out = append(out, rows2...)
	// A 100-tool server: the real tools, then copies of them under new names.
	tools := append([]*mcp.Tool(nil), b.listed...)
	for i := 0; len(tools) < 100; i++ {
		t := *b.listed[i%len(b.listed)]
		t.Name = fmt.Sprintf("%s_copy%d", t.Name, 1+i/len(b.listed))
		tools = append(tools, &t)
	}
	samples := make([]time.Duration, n)
	for i := range samples {
		start := time.Now()
		if _, err := codegen.Generate("all", "", tools); err != nil {
			return out, fmt.Errorf("codegen: %w", err)
		}
		samples[i] = time.Since(start)
	}
	out = append(out, latencyRow{What: fmt.Sprintf("codegen of a %d-tool server (the %d real tools, then copies)", len(tools), len(b.listed)), Engine: "-",
		P50: percentile(samples, 50), P99: percentile(samples, 99)})
	return out, nil
}

// startup starts k fresh coordinators, each with an empty workspace, and measures the time from
// process start to the initialize answer and to the first successful execute_code that calls a
// server (its stubs generated on the way).
func (b *bench) startup(ctx context.Context, k int) ([]latencyRow, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "mcp-coordinator-bench"}, nil)
	inits, firsts := make([]time.Duration, k), make([]time.Duration, k)
	for i := range k {
		ws, err := os.MkdirTemp(b.tmp, "startup-")
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(exe, serveArg, "--config", b.config, "--workspace", ws)
		start := time.Now()
		cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd, TerminateDuration: 5 * time.Second}, nil)
		if err != nil {
			return nil, fmt.Errorf("start a coordinator: %w", err)
		}
		inits[i] = time.Since(start)
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "execute_code", Arguments: map[string]any{
			"code": "r, err := everything.GetSum(everything.GetSumArgs{A: 1, B: 2})\nif err != nil {\n\tpanic(err)\n}\nfmt.Println(r.Text())"}})
		firsts[i] = time.Since(start)
		cs.Close()
		if err == nil && res.IsError {
			err = fmt.Errorf("%s", contentText(res))
		}
		if err != nil {
			return nil, fmt.Errorf("first execute_code: %w", err)
		}
	}
	return []latencyRow{
		{What: "process start to the initialize answer", Engine: "process", P50: percentile(inits, 50), P99: percentile(inits, 99)},
		{What: fmt.Sprintf("process start to the first execute_code (%d servers to start, stubs to generate)", len(nodeServers)), Engine: "process", P50: percentile(firsts, 50), P99: percentile(firsts, 99)},
	}, nil
}

// percentile is the nearest-rank percentile p of samples.
func percentile(samples []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), samples...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	k := (p*len(s) + 99) / 100 // ceil(p/100 * n)
	if k < 1 {
		k = 1
	}
	return s[k-1]
}

// wasmFacts are the wasm engine's one-time costs, measured in this process.
type wasmFacts struct {
	Compile  time.Duration // the module compiled with an empty cache; 0 when not measured
	Load     time.Duration // the module loaded from the cache
	GuestMiB float64       // host heap held by one idle pooled guest
}

// measureWasm measures the wasm engine's first compile (when compile is set: about 20 s), its
// load from cacheDir, and the memory of idle pooled guests.
func measureWasm(ctx context.Context, cacheDir string, compile bool) (*wasmFacts, error) {
	f := &wasmFacts{}
	ready := func(dir string, pool int) (*wasm.Engine, time.Duration, error) {
		e, err := wasm.New(&wasm.Options{CacheDir: dir, PoolSize: pool})
		if err != nil {
			return nil, 0, err
		}
		took, err := e.Ready(ctx, nil)
		if err != nil {
			e.Close()
			return nil, 0, err
		}
		return e, took, nil
	}
	if compile {
		dir, err := os.MkdirTemp("", "wasm-cache")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		e, took, err := ready(dir, -1)
		if err != nil {
			return nil, err
		}
		e.Close()
		f.Compile = took
	}
	e, took, err := ready(cacheDir, -1) // fills the cache when it is empty
	if err != nil {
		return nil, err
	}
	e.Close()
	if e, took, err = ready(cacheDir, -1); err != nil {
		return nil, err
	}
	e.Close()
	f.Load = took
	const pool = 4
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	e, _, err = ready(cacheDir, pool)
	if err != nil {
		return nil, err
	}
	defer e.Close()
	for deadline := time.Now().Add(30 * time.Second); e.Idle() < pool; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the wasm pool did not fill in 30 s")
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	f.GuestMiB = float64(after.HeapInuse-before.HeapInuse) / pool / (1 << 20)
	return f, nil
}
