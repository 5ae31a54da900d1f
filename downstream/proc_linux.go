package downstream

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

// setProcAttr puts the server in its own process group, so that Close reaches the
// grandchildren of wrappers such as npx, and asks Linux to kill it if the coordinator dies
// without closing it (server-everything, for one, ignores a closed stdin).
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// groupAlive reports whether a process of group pgid other than a zombie is left. Killed
// grandchildren are reparented to init, which may take its time to reap them, so kill(2)
// alone would count them for a while.
func groupAlive(pgid int) bool {
	dir, err := os.ReadDir("/proc")
	if err != nil {
		return true
	}
	want := []byte(strconv.Itoa(pgid))
	for _, e := range dir {
		if c := e.Name()[0]; c < '0' || c > '9' {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...: the fields after the last ')'.
		i := bytes.LastIndexByte(data, ')')
		if i < 0 {
			continue
		}
		f := bytes.Fields(data[i+1:])
		if len(f) >= 3 && bytes.Equal(f[2], want) && f[0][0] != 'Z' {
			return true
		}
	}
	return false
}
