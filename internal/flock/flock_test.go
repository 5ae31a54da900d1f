package flock

import (
	"context"
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
				l, err := Lock(context.Background(), lockPath)
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

// A waiter gives up when its context ends: a holder that never lets go must not hang it.
func TestLockGivesUp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	held, err := Lock(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if l, err := Lock(ctx, path); err == nil {
		l.Unlock()
		t.Fatal("took a lock another holder has")
	}
	held.Unlock()
	l, err := Lock(context.Background(), path)
	if err != nil {
		t.Fatalf("after the holder let go: %v", err)
	}
	l.Unlock()
}
