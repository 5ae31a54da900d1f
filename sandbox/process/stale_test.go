package process

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// A coordinator killed with SIGKILL left its runners' working directories behind (200 after
// repeated kills); the next engine removes those whose process is gone.
func TestSweepStale(t *testing.T) {
	tmp := t.TempDir()
	old := time.Now().Add(-2 * legacyDirAge)
	mk := func(name string, mtime time.Time) {
		p := filepath.Join(tmp, name)
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, mtime, mtime)
	}
	dead := 1 << 30 // beyond any pid_max
	mk(fmt.Sprintf("mcp-sandbox-%d-123", dead), time.Now())
	mk(fmt.Sprintf("mcp-sandbox-%d-456", os.Getpid()), old)
	mk(fmt.Sprintf("mcp-sandbox-%d-789", os.Getppid()), old)
	mk("mcp-sandbox-2893745", old) // an earlier version's name, long left
	mk("mcp-sandbox-9999999", time.Now())
	mk("other-dir", old)
	if n := sweepStale(tmp); n != 2 {
		t.Errorf("removed %d directories, want 2", n)
	}
	var left []string
	entries, _ := os.ReadDir(tmp)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	sort.Strings(left)
	want := []string{fmt.Sprintf("mcp-sandbox-%d-456", os.Getpid()), fmt.Sprintf("mcp-sandbox-%d-789", os.Getppid()), "mcp-sandbox-9999999", "other-dir"}
	sort.Strings(want)
	if fmt.Sprint(left) != fmt.Sprint(want) {
		t.Errorf("left %v, want %v", left, want)
	}
}
