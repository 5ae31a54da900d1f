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
	cpu := uint64(cpuLimit(timeout) / time.Second)
	_ = unix.Setrlimit(unix.RLIMIT_CPU, &unix.Rlimit{Cur: cpu, Max: cpu + 1})
	set(unix.RLIMIT_NOFILE, 16)
	set(unix.RLIMIT_FSIZE, 0)
	set(unix.RLIMIT_CORE, 0)
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
