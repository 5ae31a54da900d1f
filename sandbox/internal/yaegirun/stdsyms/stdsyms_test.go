package stdsyms_test

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/internal/yaegirun/stdsyms"
)

var update = flag.Bool("update", false, "copy yaegi's symbol files again")

// copies returns the files of this package copied from yaegi's stdlib: file name -> content.
func copies(t *testing.T) map[string][]byte {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/traefik/yaegi").Output()
	if err != nil {
		t.Fatalf("locating the yaegi module: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "stdlib")
	names := []string{"maptypes.go"}
	for _, p := range sandbox.AllowedStdlib() {
		names = append(names, "go1_22_"+strings.ReplaceAll(p, "/", "_")+".go")
	}
	files := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatalf("yaegi has no symbol file for an allowed package: %v", err)
		}
		if !bytes.HasPrefix(b, []byte("package stdlib\n")) {
			b = bytes.Replace(b, []byte("\npackage stdlib\n"), []byte("\npackage stdsyms\n"), 1)
		} else {
			b = append([]byte("package stdsyms\n"), b[len("package stdlib\n"):]...)
		}
		files[n] = b
	}
	return files
}

func TestCopiesAreFresh(t *testing.T) {
	want := copies(t)
	if *update {
		old, _ := filepath.Glob("*.go")
		for _, f := range old {
			if _, ok := want[f]; ok || strings.HasPrefix(f, "go1_") {
				os.Remove(f)
			}
		}
		for n, b := range want {
			if err := os.WriteFile(n, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	have, _ := filepath.Glob("*.go")
	for _, n := range have {
		if _, ok := want[n]; !ok && strings.HasPrefix(n, "go1_") {
			t.Errorf("%s is not an allowed package's symbol file: run with -update", n)
		}
	}
	for n, b := range want {
		got, err := os.ReadFile(n)
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("%s differs from yaegi's copy (or is missing): run with -update", n)
		}
	}
}

func TestEveryAllowedPackageHasSymbols(t *testing.T) {
	for _, p := range sandbox.AllowedStdlib() {
		key := p + "/" + filepath.Base(p)
		if strings.HasSuffix(p, "/v2") {
			key = p + "/" + filepath.Base(filepath.Dir(p))
		}
		if _, ok := stdsyms.Symbols[key]; !ok { // generic packages (slices) have none: yaegi loads their source
			t.Errorf("no symbols for %s (key %s)", p, key)
		}
	}
	if len(stdsyms.MapTypes) == 0 {
		t.Error("MapTypes is empty")
	}
}
