//go:build unix && !linux

package downstream

import (
	"os/exec"
	"syscall"
)

// setProcAttr puts the server in its own process group, so that Close reaches the
// grandchildren of wrappers such as npx.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// groupAlive reports whether the process group may still have a running member: here,
// whether kill(2) still finds it (zombies included).
func groupAlive(int) bool { return true }
