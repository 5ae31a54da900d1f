//go:build linux || darwin

package process

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// addressHeadroom is added to the address space in use (a Go process with the interpreter has
// already reserved about 1.5 GB) and twice the memory budget, for RLIMIT_AS. The limit is a
// backstop against huge single allocations; the watchdog enforces the budget itself.
const addressHeadroom = 1 << 30

// setOSLimits applies the kernel limits of a run to this process. RLIMIT_AS is set on Linux
// only: macOS does not enforce it, and there the memory watchdog is the only memory limit.
// Errors are ignored: the watchdog and the parent's deadline still hold.
func setOSLimits(timeout time.Duration, memoryBytes int64) {
	set := func(res int, v uint64) { _ = unix.Setrlimit(res, &unix.Rlimit{Cur: v, Max: v}) }
	if runtime.GOOS == "linux" {
		set(unix.RLIMIT_AS, addressInUse()+2*uint64(memoryBytes)+addressHeadroom)
	}
	cpu := cpuLimit(cpuUsed(), timeout)
	_ = unix.Setrlimit(unix.RLIMIT_CPU, &unix.Rlimit{Cur: cpu, Max: cpu + 1})
	set(unix.RLIMIT_NOFILE, 16)
	set(unix.RLIMIT_FSIZE, 0)
	set(unix.RLIMIT_CORE, 0)
}

// cpuLimit is the soft RLIMIT_CPU of a run, in whole seconds: the CPU time the runner used
// before the run (starting and warming its interpreter) plus the timeout plus a second, rounded
// up. The runner runs Go code on one processor (GOMAXPROCS 1, the collector included), so a run
// uses at most about one core and cannot reach the limit before its deadline (the second covers
// the runtime's own threads and the kernel's work for it); the limit matters only when the
// parent died and cannot kill the runner at the deadline.
func cpuLimit(used, timeout time.Duration) uint64 {
	return uint64((used + timeout + 2*time.Second - 1) / time.Second)
}

// cpuUsed returns the CPU time (user and system) this process has used.
func cpuUsed() time.Duration {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// onCPULimit calls f when the soft CPU limit is reached (SIGXCPU); the hard limit a second
// later kills the process.
func onCPULimit(f func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGXCPU)
	go func() {
		<-ch
		f()
	}()
}

// addressInUse returns the size of this process's address space (Linux), or 1.5 GB when it
// cannot be read.
func addressInUse() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err == nil {
		var pages uint64
		if _, err := fmt.Sscan(string(b), &pages); err == nil && pages > 0 {
			return pages * uint64(os.Getpagesize())
		}
	}
	return 1536 << 20
}
