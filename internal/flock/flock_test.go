package flock

import (
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Holders never overlap, within one process as across processes (the lock belongs to the open
// file): read-modify-write of a counter file under the lock loses no update.
func TestLockExcludes(t *testing.T) {
	dir := t.TempDir()
	lockPath, counter := filepath.Join(dir, "lock"), filepath.Join(dir, "counter")
	const workers, rounds = 8, 25
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range rounds {
				l, err := Lock(lockPath)
				if err != nil {
					t.Error(err)
					return
				}
				data, _ := os.ReadFile(counter)
				n, _ := strconv.Atoi(string(data))
				time.Sleep(100 * time.Microsecond)
				os.WriteFile(counter, []byte(strconv.Itoa(n+1)), 0o644)
				if err := l.Unlock(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	data, _ := os.ReadFile(counter)
	if n, _ := strconv.Atoi(string(data)); n != workers*rounds {
		t.Errorf("counter = %d, want %d: updates were lost", n, workers*rounds)
	}
}
