package process

import "syscall"

// sysProcAttr makes the kernel kill a runner when the coordinator dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
