//go:build wasip1

package process

import (
	"os"
	"syscall"
)

// runnerStdio returns the runner's stdin as a file served by the Go poller and its stdout as
// it is. In a wasip1 guest (the wasm engine) this is what lets tool calls overlap: a goroutine
// waiting for a reply parks in the poller, and the guest's scheduler waits for stdin in
// poll_oneoff, instead of the whole guest blocking in a read. Stdout stays blocking: a write
// that finds the host's pipe full waits for the host to read it.
func runnerStdio() (*os.File, *os.File) {
	if err := syscall.SetNonblock(0, true); err != nil {
		return os.Stdin, os.Stdout
	}
	return os.NewFile(0, "stdin"), os.Stdout
}
