//go:build unix

package process

import (
	"os"
	"syscall"
)

// runnerStdio returns the runner's stdin and stdout as files served by the Go poller: a
// goroutine waiting for the parent then parks instead of holding a thread, and a fresh runner
// does not have to create one on its first read.
func runnerStdio() (*os.File, *os.File) {
	return pollable(0, "stdin", os.Stdin), pollable(1, "stdout", os.Stdout)
}

func pollable(fd int, name string, fallback *os.File) *os.File {
	if err := syscall.SetNonblock(fd, true); err != nil {
		return fallback
	}
	return os.NewFile(uintptr(fd), name)
}
