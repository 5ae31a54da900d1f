//go:build !unix && !windows

package flock

import "os"

// On other systems (wasip1) there is no second process to exclude.
func tryLock(*os.File) (bool, error) { return true, nil }
func unlock(*os.File) error          { return nil }
