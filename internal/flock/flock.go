package flock

import (
	"context"
	"fmt"
	"os"
	"time"
)

// File is a held lock.
type File struct{ f *os.File }

// Lock opens path (creating it if needed) and waits until it holds an exclusive lock on it, or
// until ctx ends: a holder that never lets go (a process stopped with ^Z) must not hang its
// waiters for good.
func Lock(ctx context.Context, path string) (*File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	wait := time.Millisecond
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if ok {
			return &File{f}, nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, fmt.Errorf("lock %s: another process holds it: %w", path, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, 50*time.Millisecond)
	}
}

// Unlock releases the lock. It is safe to call more than once.
func (l *File) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
