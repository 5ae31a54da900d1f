package process

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
)

// TestRunnerIsolation reads a running runner's environment, directory and limits in /proc.
func TestRunnerIsolation(t *testing.T) {
	e := newEngine(t, &Options{PoolSize: -1})
	const timeout, memory = 3 * time.Second, 64 << 20
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(ctx, &sandbox.Request{Source: `time.Sleep(10 * time.Second)`, Limits: sandbox.Limits{Timeout: timeout, MemoryBytes: memory}})
	}()
	defer func() { cancel(); <-done }()
	var pid int
	for deadline := time.Now().Add(5 * time.Second); pid == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if p := livePIDs(e); len(p) == 1 {
			pid = p[0]
		}
	}
	if pid == 0 {
		t.Fatal("no runner started")
	}
	proc := filepath.Join("/proc", strconv.Itoa(pid))
	// The runner sets RLIMIT_CORE last: wait until it has.
	var limits map[string][2]string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		limits = procLimits(t, proc)
		if limits["Max core file size"] == [2]string{"0", "0"} {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the runner did not apply its limits within 10 s: %q", limits)
		}
	}
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
	for name, want := range map[string][2]string{"Max open files": {"16", "16"}, "Max file size": {"0", "0"}} {
		if got := limits[name]; got != want {
			t.Errorf("runner %s = %q, want %q", name, got, want)
		}
	}
	// CPU: the timeout plus a second, plus what the runner used before the run (at most what
	// it has used by now, which /proc counts in coarser ticks than the runner: a second of
	// slack), rounded up to seconds; the hard limit a second more. (Not the timeout on every
	// core: the runner uses one.)
	cpu := limits["Max cpu time"]
	soft, err1 := strconv.Atoi(cpu[0])
	hard, err2 := strconv.Atoi(cpu[1])
	used := procCPU(t, proc)
	if lo, hi := int((timeout+time.Second)/time.Second), int((used+timeout+time.Second)/time.Second)+1; err1 != nil || err2 != nil || soft < lo || soft > hi || hard != soft+1 {
		t.Errorf("runner Max cpu time = %q, want a soft limit between %d and %d s (timeout %s plus a second, plus %s used) and a hard limit a second more", cpu, lo, hi, timeout, used)
	}
	// Address space: finite, above twice the budget plus the headroom.
	as := limits["Max address space"]
	if n, err := strconv.ParseUint(as[0], 10, 64); err != nil || n < 2*memory+addressHeadroom || as[1] != as[0] {
		t.Errorf("runner Max address space = %q, want a finite limit of at least %d bytes", as, 2*memory+addressHeadroom)
	}
}

// procLimits reads /proc/<pid>/limits: soft and hard value by limit name.
func procLimits(t *testing.T, proc string) map[string][2]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(proc, "limits"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][2]string{}
	for _, l := range strings.Split(string(b), "\n")[1:] {
		if len(l) < 26 {
			continue
		}
		if f := strings.Fields(l[26:]); len(f) >= 2 {
			m[strings.TrimSpace(l[:26])] = [2]string{f[0], f[1]}
		}
	}
	return m
}

// procCPU reads the CPU time (user and system) a process has used from /proc/<pid>/stat.
func procCPU(t *testing.T, proc string) time.Duration {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(proc, "stat"))
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	utime, err1 := strconv.Atoi(f[11])
	stime, err2 := strconv.Atoi(f[12])
	if err1 != nil || err2 != nil {
		t.Fatalf("cannot read the CPU time in %s/stat: %q", proc, b)
	}
	return time.Duration(utime+stime) * time.Second / 100 // clock ticks: USER_HZ is 100
}
