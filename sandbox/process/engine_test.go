package process

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
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

func TestRunnerIsolation(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	e := newEngine(t, &Options{PoolSize: -1})
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(context.Background(), &sandbox.Request{Source: `time.Sleep(10 * time.Second)`, Limits: sandbox.Limits{Timeout: 3 * time.Second}})
	}()
	defer func() { <-done }()
	var pid int
	for deadline := time.Now().Add(5 * time.Second); pid == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if p := livePIDs(e); len(p) == 1 {
			pid = p[0]
		}
	}
	if pid == 0 {
		t.Fatal("no runner started")
	}
	time.Sleep(300 * time.Millisecond) // let it apply its limits
	proc := filepath.Join("/proc", strconv.Itoa(pid))
	env, err := os.ReadFile(filepath.Join(proc, "environ"))
	if err != nil {
		t.Fatal(err)
	}
	if len(env) != 0 {
		t.Errorf("runner environment = %q, want empty", env)
	}
	cwd, err := os.Readlink(filepath.Join(proc, "cwd"))
	if err != nil {
		t.Fatal(err)
	}
	if ents, err := os.ReadDir(cwd); err != nil || len(ents) != 0 || !strings.HasPrefix(filepath.Base(cwd), "mcp-sandbox-") {
		t.Errorf("runner working directory %s: %d entries, err %v; want an empty mcp-sandbox- directory", cwd, len(ents), err)
	}
	limits, err := os.ReadFile(filepath.Join(proc, "limits"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Max cpu time", "Max open files            16", "Max file size             0", "Max address space"} {
		if !strings.Contains(string(limits), want) {
			t.Errorf("runner limits lack %q:\n%s", want, limits)
		}
	}
	if strings.Contains(string(limits), "Max address space         unlimited") {
		t.Errorf("runner address space is unlimited:\n%s", limits)
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
		want := &sandbox.Result{Stdout: "Echo: done\n", Calls: 9, CallsByServer: map[string]int{"demo": 9}, ToolBytes: got.ToolBytes, Duration: got.Duration}
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
			const timeout = 300 * time.Millisecond
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
