// Package atomicfile writes files so that a reader, or a process that starts after a crash,
// sees either the old content or the new, never a mix: the data goes to a temporary file in
// the same directory, which is then renamed over the target. A process killed mid-write leaves
// at most a stray temporary file (named .tmp-*), never a half-written target. It does not sync
// to disk: it guards against killed processes, not against power loss.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Write replaces path with data.
func Write(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", path, werr)
	}
	return nil
}
