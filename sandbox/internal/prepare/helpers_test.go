package prepare_test

import (
	"errors"
	"io/fs"
	"testing/fstest"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
)

func asError(err error, e **sandbox.Error) bool { return errors.As(err, e) }

// withFile returns base with one more file.
func withFile(base fs.FS, name, src string) fs.FS {
	m := fstest.MapFS{}
	fs.WalkDir(base, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(base, p)
			m[p] = &fstest.MapFile{Data: b}
		}
		return err
	})
	m[name] = &fstest.MapFile{Data: []byte(src)}
	return m
}
