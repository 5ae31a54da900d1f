package process

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// workDirPrefix starts the name of a runner's empty working directory, which is followed by the
// coordinator's process id: mcp-sandbox-<pid>-<random>.
const workDirPrefix = "mcp-sandbox-"

// legacyDirAge is how old a working directory without a process id in its name (made by an
// earlier version) must be before sweepStale removes it.
const legacyDirAge = time.Hour

func newWorkDir() (string, error) {
	return os.MkdirTemp("", fmt.Sprintf("%s%d-", workDirPrefix, os.Getpid()))
}

// sweepStale removes the runners' working directories in tmp that a coordinator killed with
// SIGKILL left behind: those whose process is gone. It returns how many it removed. Errors
// (another user's directory, a race with its owner) are ignored: the directories are empty and
// cost nothing but clutter.
func sweepStale(tmp string) int {
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return 0
	}
	removed := 0
	for _, e := range entries {
		name, ok := strings.CutPrefix(e.Name(), workDirPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidText, _, hasPID := strings.Cut(name, "-")
		pid, err := strconv.Atoi(pidText)
		switch {
		case hasPID && err == nil && pid > 0:
			if pid == os.Getpid() || processAlive(pid) {
				continue
			}
		default: // an earlier version's name: only when it has long been left alone
			info, err := e.Info()
			if err != nil || time.Since(info.ModTime()) < legacyDirAge {
				continue
			}
		}
		if os.RemoveAll(filepath.Join(tmp, e.Name())) == nil {
			removed++
		}
	}
	return removed
}
