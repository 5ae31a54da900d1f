//go:build !linux

package process

import "syscall"

// sysProcAttr returns nil: without Pdeathsig, a runner whose parent died exits when its stdin
// reaches end of file (or at its CPU limit, if it is stuck in a snippet).
func sysProcAttr() *syscall.SysProcAttr { return nil }
