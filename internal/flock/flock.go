// Package flock holds exclusive locks on files that work across processes: flock(2) on Unix,
// LockFileEx on Windows. Two processes sharing a workspace (Claude Desktop's coordinator and
// Claude Code's) take one before each read-modify-write of a shared file.
//
// A lock is held by an open file, not by a process or goroutine: two Lock calls in one process
// exclude each other too. The lock goes when the file is closed, including when the process
// dies, so a killed holder never leaves a stale lock.
package flock

import (
	"fmt"
	"os"
)

// File is a held lock.
type File struct{ f *os.File }

// Lock opens path (creating it if needed) and waits until it holds an exclusive lock on it.
func Lock(path string) (*File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := lock(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &File{f}, nil
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
