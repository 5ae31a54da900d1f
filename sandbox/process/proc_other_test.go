//go:build !unix

package process

import "os"

// processExists reports whether a process has the id pid (best effort off Unix).
func processExists(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
