//go:build unix

package downstream

import (
	"os"
	"syscall"
	"time"
)

// signalGroup sends SIGKILL (kill) or SIGTERM to the process group that p leads, or to p
// alone when that fails.
func signalGroup(p *os.Process, kill bool) {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	if err := syscall.Kill(-p.Pid, sig); err != nil {
		_ = p.Signal(sig)
	}
}

// waitGroupGone waits, up to d, until no process of the group that p led is left (signals are
// delivered asynchronously: a killed grandchild may still run for a moment).
func waitGroupGone(p *os.Process, d time.Duration) {
	deadline := time.Now().Add(d)
	for syscall.Kill(-p.Pid, 0) == nil && groupAlive(p.Pid) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
}
