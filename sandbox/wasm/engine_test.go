package wasm_test

import (
	"context"
	"encoding/json"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/internal/testenv"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/sandboxtest"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/wasm"
)

func newEngine(t testing.TB, opts *wasm.Options) *wasm.Engine {
	t.Helper()
	var o wasm.Options
	if opts != nil {
		o = *opts
	}
	if o.CacheDir == "" {
		o.CacheDir = testenv.WasmCacheDir()
	}
	e, err := wasm.New(&o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if _, err := e.Ready(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestCorpus(t *testing.T) {
	if raceEnabled {
		t.Skip("under -race the host side of every guest call (wazero, the pipes, the session) runs several times slower: the corpus's timeouts do not hold")
	}
	// Interpreted code runs 15 to 40 times slower in the guest than in a runner process, and
	// the corpus's 5 s default is tight for its megabyte-sized cases under load.
	sandboxtest.RunCorpusScaled(t, newEngine(t, nil), 3)
}

// TestLimits: memory growth past the budget ends as a memory error, a loop and a block as
// timeouts, each within its limit, and the engine runs the next snippet normally.
func TestLimits(t *testing.T) {
	e := newEngine(t, nil)
	tests := []struct {
		name, src string
		lim       sandbox.Limits
		kind      sandbox.Kind
	}{
		{"growth", "var keep [][]byte\nfor {\n\tkeep = append(keep, make([]byte, 1<<20))\n}", sandbox.Limits{MemoryBytes: 32 << 20, Timeout: 10 * time.Second}, sandbox.KindMemory},
		{"one huge allocation", "b := make([]byte, 3<<30)\nfmt.Println(len(b))", sandbox.Limits{MemoryBytes: 32 << 20, Timeout: 10 * time.Second}, sandbox.KindMemory},
		{"for", "for {\n}", sandbox.Limits{Timeout: 500 * time.Millisecond}, sandbox.KindTimeout},
		{"select", "select {}", sandbox.Limits{Timeout: 500 * time.Millisecond}, sandbox.KindTimeout},
		{"sleep", "time.Sleep(time.Hour)", sandbox.Limits{Timeout: 500 * time.Millisecond}, sandbox.KindTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := e.Run(context.Background(), &sandbox.Request{Source: tt.src, Limits: tt.lim})
			if k := sandbox.KindOf(err); k != tt.kind {
				t.Fatalf("kind %q (%v), want %q", k, err, tt.kind)
			}
			if took := time.Since(start); took > tt.lim.Timeout+time.Second {
				t.Errorf("took %s, past the timeout %s plus a second", took, tt.lim.Timeout)
			}
			res, err := e.Run(context.Background(), &sandbox.Request{Source: `fmt.Println("next")`})
			if err != nil || res.Stdout != "next\n" {
				t.Fatalf("the next run: %v, %+v", err, res)
			}
		})
	}
}

// TestHostHeapBounded: a guest's memory lives in the host's heap; a snippet that grows its
// memory without end takes the host's heap no further than its limit (the budget, the guest's
// own size and the margin), plus the copy of one growth, whatever it asks for.
func TestHostHeapBounded(t *testing.T) {
	const budget = 64 << 20
	e := newEngine(t, &wasm.Options{PoolSize: -1})
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
		}
	}()
	_, err := e.Run(context.Background(), &sandbox.Request{
		Source: "var keep [][]byte\nfor i := 0; ; i++ {\n\tkeep = append(keep, make([]byte, 4<<20))\n}",
		Limits: sandbox.Limits{MemoryBytes: budget, Timeout: 20 * time.Second},
	})
	close(stop)
	<-sampled
	if sandbox.KindOf(err) != sandbox.KindMemory {
		t.Fatalf("want a memory error, got %v", err)
	}
	// A guest holds at most its size at the start (below GuestOverhead) plus the budget and
	// the margin; one growth copies into a buffer up to a quarter larger, with the old one
	// still held.
	limit := uint64(wasm.GuestOverhead + budget + 8<<20)
	bound := before.HeapInuse + limit*9/4 + 32<<20
	grew := peak.Load() - before.HeapInuse
	t.Logf("host heap in use grew by %d MiB at the peak; bound %d MiB", grew>>20, (bound-before.HeapInuse)>>20)
	if peak.Load() > bound {
		t.Errorf("the host's heap peaked at %d MiB, above %d MiB", peak.Load()>>20, bound>>20)
	}
	if grew < budget {
		t.Errorf("the host's heap grew by %d MiB only: did the snippet run?", grew>>20)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if after.HeapInuse > before.HeapInuse+64<<20 {
		t.Errorf("the host holds %d MiB more after the run", (after.HeapInuse-before.HeapInuse)>>20)
	}
}

// timedTools records when each call starts and ends; each call takes 100 ms.
type timedTools struct {
	mu    sync.Mutex
	spans [][2]time.Time
}

func (tt *timedTools) CallTool(ctx context.Context, server, tool string, args json.RawMessage) (json.RawMessage, error) {
	start := time.Now()
	select {
	case <-time.After(100 * time.Millisecond):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	tt.mu.Lock()
	tt.spans = append(tt.spans, [2]time.Time{start, time.Now()})
	tt.mu.Unlock()
	return json.RawMessage(`{"content":[{"type":"text","text":"ok"}]}`), nil
}

// maxOverlap returns the most spans in progress at one instant.
func maxOverlap(spans [][2]time.Time) int {
	type ev struct {
		t time.Time
		d int
	}
	var evs []ev
	for _, s := range spans {
		evs = append(evs, ev{s[0], 1}, ev{s[1], -1})
	}
	sort.Slice(evs, func(i, j int) bool {
		if evs[i].t.Equal(evs[j].t) {
			return evs[i].d < evs[j].d
		}
		return evs[i].t.Before(evs[j].t)
	})
	n, most := 0, 0
	for _, e := range evs {
		n += e.d
		most = max(most, n)
	}
	return most
}

// fanOut is a snippet making 40 calls from 40 goroutines.
const fanOut = `var wg sync.WaitGroup
for i := 0; i < 40; i++ {
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := demo.Echo(demo.EchoArgs{Message: "x"}); err != nil {
			panic(err)
		}
	}()
}
wg.Wait()
fmt.Println("done")`

// TestFanOutOverlaps: a guest waiting for one call's result does not stop its other
// goroutines from making theirs: the 40 calls overlap in time.
func TestFanOutOverlaps(t *testing.T) {
	e := newEngine(t, &wasm.Options{MaxConcurrentCalls: 40})
	tools := &timedTools{}
	res, err := e.Run(context.Background(), &sandbox.Request{Source: fanOut, Packages: sandboxtest.Packages(), Tools: tools})
	if err != nil {
		t.Fatalf("%v\n%+v", err, res)
	}
	if res.Calls != 40 || len(tools.spans) != 40 {
		t.Fatalf("%d calls counted, %d made; want 40", res.Calls, len(tools.spans))
	}
	if n := maxOverlap(tools.spans); n < 30 {
		t.Errorf("at most %d of the 40 calls were in flight at once, want at least 30", n)
	} else {
		t.Logf("%d of the 40 calls were in flight at once", n)
	}
}
