package process

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/sandboxtest"
)

func newEngine(t testing.TB, opts *Options) *Engine {
	t.Helper()
	e, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestCorpus(t *testing.T) {
	if raceEnabled {
		t.Skip("under -race the runner is a race-instrumented binary whose memory limits and crash reports differ")
	}
	sandboxtest.RunCorpus(t, newEngine(t, nil))
}

// livePIDs returns the process ids of the engine's runners.
func livePIDs(e *Engine) []int {
	e.mu.Lock()
	defer e.mu.Unlock()
	var pids []int
	for c := range e.live {
		pids = append(pids, c.cmd.Process.Pid)
	}
	return pids
}

func TestCloseLeavesNoRunner(t *testing.T) {
	e, err := New(&Options{PoolSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := e.waitPool(ctx, 2); err != nil {
		t.Fatal(err)
	}
	// One run in flight when Close comes.
	errc := make(chan error, 1)
	go func() {
		_, err := e.Run(ctx, &sandbox.Request{Source: `time.Sleep(time.Hour)`, Limits: sandbox.Limits{Timeout: 20 * time.Second}})
		errc <- err
	}()
	var pids []int
	// The pool is refilled when the run ends, so while it runs there are two runners.
	for deadline := time.Now().Add(5 * time.Second); (len(pids) < 2 || len(e.pool) != 1) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		pids = livePIDs(e)
	}
	if len(pids) < 2 {
		t.Fatalf("%d live runners, want 2 (1 pooled, 1 running)", len(pids))
	}
	var dirs []string
	e.mu.Lock()
	for c := range e.live {
		dirs = append(dirs, c.dir)
	}
	e.mu.Unlock()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if sandbox.KindOf(err) != sandbox.KindKilled {
			t.Errorf("the run in flight ended with %v, want a %q error", err, sandbox.KindKilled)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the run in flight did not end after Close")
	}
	for _, pid := range pids {
		if processExists(pid) {
			t.Errorf("runner %d still exists after Close", pid)
		}
	}
	for _, d := range dirs {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("runner directory %s still exists after Close (%v)", d, err)
		}
	}
	if n := len(livePIDs(e)); n != 0 {
		t.Errorf("%d runners registered after Close", n)
	}
	if err := e.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := e.Run(ctx, &sandbox.Request{Source: trivial}); sandbox.KindOf(err) != sandbox.KindKilled {
		t.Errorf("Run after Close = %v, want a %q error", err, sandbox.KindKilled)
	}
}

func TestConcurrentCallsAndRuns(t *testing.T) {
	e := newEngine(t, nil)
	tools := &sandboxtest.Tools{}
	src := `var wg sync.WaitGroup
for i := 0; i < 8; i++ {
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := demo.Sleep(demo.SleepArgs{Ms: 600}); err != nil {
			panic(err)
		}
	}()
}
wg.Wait()
r, _ := demo.Echo(demo.EchoArgs{Message: "done"})
fmt.Println(r.Text())`
	var wg sync.WaitGroup
	results := make([]*sandbox.Result, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = e.Run(context.Background(), &sandbox.Request{Source: src, Packages: sandboxtest.Packages(), Tools: tools})
		}()
	}
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil {
			t.Fatalf("run %d: %v", i, errs[i])
		}
		got := results[i]
		want := &sandbox.Result{Stdout: "Echo: done\n", Calls: 9, Servers: map[string]sandbox.ServerUsage{"demo": {Calls: 9, Bytes: got.ToolBytes}}, ToolBytes: got.ToolBytes, Duration: got.Duration, Packages: []string{"mcp_tools/demo"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("run %d result mismatch (-want +got):\n%s", i, diff)
		}
		if got.ToolBytes < 9*40 {
			t.Errorf("run %d ToolBytes = %d, want the size of 9 results", i, got.ToolBytes)
		}
	}
	// Both runs' eight sleeps overlap: calls from goroutines and from two snippets run at once.
	if m := tools.MaxInFlight(); m < 9 {
		t.Errorf("at most %d calls were in flight at once, want at least 9 of the 16", m)
	}
}

func TestMaxConcurrentCalls(t *testing.T) {
	e := newEngine(t, &Options{MaxConcurrentCalls: 3})
	tools := &sandboxtest.Tools{}
	_, err := e.Run(context.Background(), &sandbox.Request{Source: `var wg sync.WaitGroup
for i := 0; i < 10; i++ {
	wg.Add(1)
	go func() { defer wg.Done(); demo.Sleep(demo.SleepArgs{Ms: 50}) }()
}
wg.Wait()`, Packages: sandboxtest.Packages(), Tools: tools})
	if err != nil {
		t.Fatal(err)
	}
	if m := tools.MaxInFlight(); m != 3 {
		t.Errorf("%d calls were in flight at once, want 3 (the limit)", m)
	}
}

func TestLimits(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		req     sandbox.Limits
		newKind sandbox.Kind // error from New
		runKind sandbox.Kind // error from Run
	}{
		{name: "defaults", req: sandbox.Limits{}},
		{name: "lower than the default", req: sandbox.Limits{Timeout: time.Second, MemoryBytes: 32 << 20, OutputBytes: 2048}},
		{name: "timeout above the default max", req: sandbox.Limits{Timeout: time.Minute}, runKind: sandbox.KindLimits},
		{name: "within a configured max", opts: Options{Max: sandbox.Limits{Timeout: 2 * time.Minute}}, req: sandbox.Limits{Timeout: time.Minute}},
		{name: "output above max", opts: Options{Max: sandbox.Limits{OutputBytes: 4096}, Default: sandbox.Limits{OutputBytes: 4096}}, req: sandbox.Limits{OutputBytes: 8192}, runKind: sandbox.KindLimits},
		{name: "negative memory", req: sandbox.Limits{MemoryBytes: -1}, runKind: sandbox.KindLimits},
		{name: "default above max", opts: Options{Default: sandbox.Limits{MemoryBytes: 512 << 20}, Max: sandbox.Limits{MemoryBytes: 256 << 20}}, newKind: sandbox.KindLimits},
		{name: "memory below the minimum", opts: Options{Default: sandbox.Limits{MemoryBytes: 1 << 20}}, newKind: sandbox.KindLimits},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.PoolSize = -1
			e, err := New(&opts)
			if sandbox.KindOf(err) != tt.newKind {
				t.Fatalf("New: %v, want kind %q", err, tt.newKind)
			}
			if err != nil {
				return
			}
			defer e.Close()
			res, err := e.Run(context.Background(), &sandbox.Request{Source: trivial, Limits: tt.req})
			if sandbox.KindOf(err) != tt.runKind {
				t.Fatalf("Run: %v, want kind %q", err, tt.runKind)
			}
			if err == nil && res.Stdout != "hi\n" {
				t.Errorf("stdout = %q, want %q", res.Stdout, "hi\n")
			}
			if err != nil && res != nil {
				t.Errorf("a rejected request returned a result: %+v", res)
			}
		})
	}
}

func TestCancelAndDeadline(t *testing.T) {
	e := newEngine(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(time.Second, cancel)
	start := time.Now()
	res, err := e.Run(ctx, &sandbox.Request{Source: `fmt.Println("started"); for {}`})
	if sandbox.KindOf(err) != sandbox.KindKilled || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: %v, want a %q error wrapping context.Canceled", err, sandbox.KindKilled)
	}
	if res == nil || res.Stdout != "started\n" {
		t.Errorf("cancelled run result = %+v, want the output so far", res)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancelled run took %s", d)
	}
	_, err = e.Run(context.Background(), &sandbox.Request{Source: `for {}`, Limits: sandbox.Limits{Timeout: 300 * time.Millisecond}})
	if !errors.Is(err, context.DeadlineExceeded) || sandbox.KindOf(err) != sandbox.KindTimeout {
		t.Errorf("timed out run: %v, want a %q error matching context.DeadlineExceeded", err, sandbox.KindTimeout)
	}
}

func TestToolCallerFailures(t *testing.T) {
	e := newEngine(t, &Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	tests := []struct {
		name  string
		tools sandbox.ToolCaller
		want  string
	}{
		{"no tool caller", nil, "calling demo.echo: tool calls are not available in this run\n"},
		{"panicking tool caller", panicky{}, "calling demo.echo: internal error in the coordinator: boom\n"},
		{"result too big", bigResult{}, "calling demo.echo: the result is 67108865 bytes, above the 67108864-byte limit\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := e.Run(context.Background(), &sandbox.Request{
				Source:   `_, err := demo.Echo(demo.EchoArgs{Message: "x"}); fmt.Println(err)`,
				Packages: sandboxtest.Packages(), Tools: tt.tools,
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Stdout != tt.want {
				t.Errorf("stdout = %q, want %q", res.Stdout, tt.want)
			}
			if res.Calls != 1 {
				t.Errorf("Calls = %d, want 1", res.Calls)
			}
		})
	}
}

type panicky struct{}

func (panicky) CallTool(context.Context, string, string, json.RawMessage) (json.RawMessage, error) {
	panic("boom")
}

type bigResult struct{}

func (bigResult) CallTool(context.Context, string, string, json.RawMessage) (json.RawMessage, error) {
	return make([]byte, 64<<20+1), nil
}

func TestBadRunnerCommand(t *testing.T) {
	tests := []struct {
		name    string
		command []string
		want    string
	}{
		{"missing program", []string{filepath.Join(t.TempDir(), "nope")}, "starting a runner"},
		{"program that is not a runner", []string{os.Args[0], "-test.run=^$"}, "does the program's main call process.MaybeRunAsRunner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, &Options{PoolSize: -1, Command: tt.command})
			_, err := e.Run(context.Background(), &sandbox.Request{Source: trivial})
			if sandbox.KindOf(err) != sandbox.KindInternal || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run: %v, want a %q error containing %q", err, sandbox.KindInternal, tt.want)
			}
		})
	}
}

func TestNoPool(t *testing.T) {
	e := newEngine(t, &Options{PoolSize: -1})
	for i := range 3 {
		res, err := e.Run(context.Background(), &sandbox.Request{Source: trivial})
		if err != nil || res.Stdout != "hi\n" {
			t.Fatalf("run %d: %+v, %v", i, res, err)
		}
	}
	if n := len(e.pool); n != 0 {
		t.Errorf("the pool holds %d runners with PoolSize -1", n)
	}
}

// readerProbe answers every call at once and records whether it ran on the goroutine that
// reads the runner's frames.
type readerProbe struct {
	mu       sync.Mutex
	onReader []bool
}

func (p *readerProbe) CallTool(context.Context, string, string, json.RawMessage) (json.RawMessage, error) {
	buf := make([]byte, 64<<10)
	buf = buf[:runtime.Stack(buf, false)]
	p.mu.Lock()
	p.onReader = append(p.onReader, strings.Contains(string(buf), "process.(*session).read("))
	p.mu.Unlock()
	return json.RawMessage(`{"content":[{"type":"text","text":"ok"}]}`), nil
}

func TestCallsOnTheReader(t *testing.T) {
	e := newEngine(t, nil)
	tests := []struct {
		name, src string
		want      []bool
	}{
		{"main alone", `for i := 0; i < 3; i++ { demo.Echo(demo.EchoArgs{}) }`, []bool{true, true, true}},
		{"from goroutines", `var wg sync.WaitGroup
for i := 0; i < 2; i++ {
	wg.Add(1)
	go func() { defer wg.Done(); demo.Echo(demo.EchoArgs{}) }()
}
wg.Wait()`, []bool{false, false}},
		{"main while a goroutine waits", `ch := make(chan int)
go func() { <-ch }()
demo.Echo(demo.EchoArgs{})
close(ch)`, []bool{false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &readerProbe{}
			if _, err := e.Run(context.Background(), &sandbox.Request{Source: tt.src, Packages: sandboxtest.Packages(), Tools: p}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, p.onReader); diff != "" {
				t.Errorf("calls made on the reading goroutine (-want +got):\n%s", diff)
			}
		})
	}
}

// stubborn blocks every call until released, ignoring the call's context.
type stubborn chan struct{}

func (s stubborn) CallTool(context.Context, string, string, json.RawMessage) (json.RawMessage, error) {
	<-s
	return nil, errors.New("released")
}

func TestCallIgnoringItsContext(t *testing.T) {
	e := newEngine(t, nil)
	tests := []struct{ name, src string }{
		{"main alone", `fmt.Println("before"); demo.Echo(demo.EchoArgs{})`},
		{"from a goroutine", `fmt.Println("before"); done := make(chan int); go func() { demo.Echo(demo.EchoArgs{}); close(done) }(); <-done`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release := make(stubborn)
			defer close(release)
			// Long enough to reach the call under the race detector on a loaded machine (at
			// 300 ms a run there once ended before its first line).
			const timeout = 2 * time.Second
			start := time.Now()
			res, err := e.Run(context.Background(), &sandbox.Request{Source: tt.src, Packages: sandboxtest.Packages(), Tools: release, Limits: sandbox.Limits{Timeout: timeout}})
			if sandbox.KindOf(err) != sandbox.KindTimeout {
				t.Errorf("Run: %v, want a %q error", err, sandbox.KindTimeout)
			}
			if res == nil || res.Stdout != "before\n" || res.Calls != 1 {
				t.Errorf("result = %+v, want the output so far and 1 call", res)
			}
			if d, max := time.Since(start), timeout+callGrace+2*time.Second; d > max {
				t.Errorf("Run took %s with a tool call that ignores its context, want at most %s", d, max)
			}
		})
	}
}

// gate holds every call until released, after saying that it entered.
type gate struct{ entered, release chan struct{} }

func (g gate) CallTool(context.Context, string, string, json.RawMessage) (json.RawMessage, error) {
	g.entered <- struct{}{}
	<-g.release
	return json.RawMessage(`{"content":[{"type":"text","text":"ok"}]}`), nil
}

func TestMaxConcurrentRuns(t *testing.T) {
	e, err := New(&Options{MaxConcurrentRuns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	pkgs := sandboxtest.Packages()
	// hold starts a run that takes the only slot and keeps it until release is closed.
	hold := func() (release chan struct{}, done chan error) {
		g := gate{entered: make(chan struct{}), release: make(chan struct{})}
		done = make(chan error, 1)
		go func() {
			_, err := e.Run(context.Background(), &sandbox.Request{Source: `demo.Echo(demo.EchoArgs{})`, Packages: pkgs, Tools: g})
			done <- err
		}()
		select {
		case <-g.entered:
		case <-time.After(10 * time.Second):
			t.Fatal("the holding run made no call")
		}
		return g.release, done
	}
	release, done := hold()
	tools := &sandboxtest.Tools{}
	waiter := &sandbox.Request{Source: `demo.Echo(demo.EchoArgs{Message: "waiter"})`, Packages: pkgs, Tools: tools}
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		kind sandbox.Kind
		is   error
	}{
		{"deadline while waiting", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 200*time.Millisecond)
		}, sandbox.KindTimeout, context.DeadlineExceeded},
		{"cancelled while waiting", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(200*time.Millisecond, cancel)
			return ctx, cancel
		}, sandbox.KindKilled, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := tt.ctx()
			defer cancel()
			start := time.Now()
			res, err := e.Run(ctx, waiter)
			if sandbox.KindOf(err) != tt.kind || !errors.Is(err, tt.is) || !strings.Contains(err.Error(), "1 run slots") {
				t.Errorf("Run: %v; want a %q error matching %v that names the slots", err, tt.kind, tt.is)
			}
			if res != nil {
				t.Errorf("a run that never started returned a result: %+v", res)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("the waiting run took %s to give up", d)
			}
		})
	}
	if n := tools.Calls(); n != 0 {
		t.Errorf("the waiting runs made %d calls, want none: they must not start", n)
	}
	// A run waiting when the slot frees runs, after the holder.
	second := make(chan error, 1)
	go func() {
		_, err := e.Run(context.Background(), waiter)
		second <- err
	}()
	e.waitSlotWaiters(t, 1)
	if n := tools.Calls(); n != 0 {
		t.Errorf("a run started while the only slot was taken (%d calls)", n)
	}
	close(release)
	for i, c := range []chan error{done, second} {
		if err := <-c; err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	if n := tools.Calls(); n != 1 {
		t.Errorf("the run waiting for the slot made %d calls, want 1", n)
	}
	// Close ends a run waiting for a slot, and the run holding it whose call ignores its
	// context.
	release, done = hold()
	defer close(release)
	waiting := make(chan error, 1)
	go func() {
		_, err := e.Run(context.Background(), waiter)
		waiting <- err
	}()
	e.waitSlotWaiters(t, 1)
	closeStart := time.Now()
	e.Close()
	if d := time.Since(closeStart); d > 3*time.Second {
		t.Errorf("Close took %s with a call in flight that ignores its context", d)
	}
	for _, c := range []chan error{done, waiting} {
		select {
		case err := <-c:
			if sandbox.KindOf(err) != sandbox.KindKilled {
				t.Errorf("a run after Close: %v, want a %q error", err, sandbox.KindKilled)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a run did not end after Close")
		}
	}
}

func TestCallsByServerBounded(t *testing.T) {
	e := newEngine(t, nil)
	res, err := e.Run(context.Background(), &sandbox.Request{Source: `for i := 0; i < 200; i++ {
	mcp_tools.Call(fmt.Sprint("made-up-", i%100), "t", nil, nil)
}
demo.Echo(demo.EchoArgs{})`, Packages: sandboxtest.Packages(), Tools: &sandboxtest.Tools{}})
	if err != nil {
		t.Fatal(err)
	}
	// The first 64 servers called are named; the other 36 and demo, called last, are not.
	got := map[string]int{}
	for name, u := range res.Servers {
		got[name] = u.Calls
	}
	want := map[string]int{sandbox.OtherServers: 2*(100-maxServersCounted) + 1}
	for i := range maxServersCounted {
		want["made-up-"+strconv.Itoa(i)] = 2
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("calls per server (-want +got):\n%s", diff)
	}
	if res.Calls != 201 {
		t.Errorf("Calls = %d, want 201", res.Calls)
	}
}

// stubbornTools answers demo.echo only when release is closed, whatever the call's context
// says: a ToolCaller that ignores cancellation.
type stubbornTools struct {
	release chan struct{}
	started chan struct{}
}

func (s *stubbornTools) CallTool(ctx context.Context, server, tool string, args json.RawMessage) (json.RawMessage, error) {
	close(s.started)
	<-s.release
	return json.RawMessage(`{"content":[{"type":"text","text":"late"}]}`), nil
}

// A call that outlives its run (its caller ignores the run's end) once wrote to the counters
// that the run had handed out: a data race, and a ledger line that changed after it was written.
// Now Run gives such a call up: it is never counted or observed after Run returns, and Close
// waits for it.
func TestCallOutlivingItsRunIsGivenUp(t *testing.T) {
	e := newEngine(t, nil)
	tools := &stubbornTools{release: make(chan struct{}), started: make(chan struct{})}
	var observed atomic.Int64
	res, err := e.Run(context.Background(), &sandbox.Request{
		Source: `demo.Echo(demo.EchoArgs{Message: "x"})`,
		// 2 s: the call must start before the deadline, also under the race detector on a
		// loaded machine (at 300 ms a run there once ended before it).
		Packages: sandboxtest.Packages(), Tools: tools, Limits: sandbox.Limits{Timeout: 2 * time.Second},
		Observe: func(string, string, []byte) { observed.Add(1) },
	})
	if sandbox.KindOf(err) != sandbox.KindTimeout {
		t.Fatalf("err = %v, want a timeout", err)
	}
	before := fmt.Sprint(res.Calls, res.ToolBytes, res.Servers)
	close(tools.release) // the call returns now, after its run
	closed := make(chan struct{})
	go func() { e.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	if after := fmt.Sprint(res.Calls, res.ToolBytes, res.Servers); after != before || observed.Load() != 0 {
		t.Errorf("the result changed after Run: %s -> %s, observed %d", before, after, observed.Load())
	}
	if res.Calls != 1 || res.ToolBytes != 0 {
		t.Errorf("calls %d, bytes %d: want the one call counted and no result", res.Calls, res.ToolBytes)
	}
}
