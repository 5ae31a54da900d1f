//go:build unix

package process

import (
	"errors"
	"syscall"
)

// processExists reports whether a process (a zombie included) has the id pid.
func processExists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
