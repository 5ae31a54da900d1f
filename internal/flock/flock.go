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
