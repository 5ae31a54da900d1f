//go:build !unix

package downstream

import (
	"os"
	"os/exec"
	"time"
)

// setProcAttr does nothing here: there are no process groups to join.
func setProcAttr(*exec.Cmd) {}

// signalGroup kills p; there is no SIGTERM to send, so a terminate request does nothing and
// the kill that follows it ends the process.
func signalGroup(p *os.Process, kill bool) {
	if kill {
		_ = p.Kill()
	}
}

// waitGroupGone does nothing here: there is no group to wait for.
func waitGroupGone(*os.Process, time.Duration) {}
