package prepare_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/internal/prepare"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/sandboxtest"
)

// TestPrepareTruncatedDecls: snippets that end inside a declaration the wrapper hoists. A body
// whose last token was the keyword type once indexed past the end of the tokens and panicked in
// the coordinator's process.
func TestPrepareTruncatedDecls(t *testing.T) {
	for _, src := range []string{
		"fmt.Println(\"hi\")\ntype",
		"type",
		"fmt.Println(1)\ntype T",
		"x := 1; type T = [",
		"func",
		"func (",
		"func (r T)",
		"func (r T) M",
		"func f(",
		"func f() {",
		"import",
		"import (",
		"import x",
		"x := 1\nfunc f[",
		"type T struct {",
	} {
		t.Run(src, func(t *testing.T) {
			// Some of these are expressions the type checker rejects later; Prepare must only
			// not panic, and fail with a classified error when it fails.
			_, err := prepare.Prepare(context.Background(), &sandbox.Request{Source: src, Packages: sandboxtest.Packages()})
			var se *sandbox.Error
			if err != nil && !errors.As(err, &se) {
				t.Fatalf("Prepare(%q): unclassified error %T %v", src, err, err)
			}
		})
	}
}

// FuzzPrepare: whatever the snippet text, Prepare (the wrapper, the import scan, the gap checks
// and the stub pruning, all run in the coordinator's process) returns a program or a classified
// error, and never panics.
func FuzzPrepare(f *testing.F) {
	cases, err := filepath.Glob(filepath.Join(sandboxtest.Dir(), "corpus", "*.go.txt"))
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range cases {
		data, err := os.ReadFile(c)
		if err != nil {
			f.Fatal(err)
		}
		src, _, _ := strings.Cut(string(data), "\n// Output:")
		src, _, _ = strings.Cut(src, "\n// Error:")
		f.Add(src)
	}
	for _, s := range []string{"fmt.Println(\"hi\")\ntype", "import (\n\"fmt\"", "func (x) y(", "type T[", "package", "package main; import"} {
		f.Add(s)
	}
	pkgs := sandboxtest.Packages()
	f.Fuzz(func(t *testing.T, src string) {
		p, err := prepare.Prepare(context.Background(), &sandbox.Request{Source: src, Packages: pkgs})
		if err == nil {
			if p == nil || p.Main == "" {
				t.Fatalf("Prepare(%q): no error and no program", src)
			}
			return
		}
		var se *sandbox.Error
		if !errors.As(err, &se) {
			t.Fatalf("Prepare(%q): unclassified error %T %v", src, err, err)
		}
	})
}
