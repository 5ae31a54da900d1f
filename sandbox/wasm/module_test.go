package wasm

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rebuild runner.wasm.gz and runner.wasm.json")

// manifest is runner.wasm.json: what the committed module was built from.
type manifest struct {
	// Inputs is the hash of every source file of this module that the runner is built from,
	// and of the versions of the other modules it uses (see inputsHash).
	Inputs string `json:"inputs"`
	// Go is the toolchain that built it; another one builds different bytes from the same
	// inputs, which is no reason to rebuild.
	Go string `json:"go"`
	// Module is the sha256 of the uncompressed module, Size its length.
	Module string `json:"module"`
	Size   int    `json:"size"`
}

const guestPkg = "./internal/guest"

// buildFlags are the flags the module is built with.
var buildFlags = []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w"}

func wasip1(cmd *exec.Cmd) *exec.Cmd {
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	return cmd
}

// inputsHash hashes what the module is built from: the path and content of each Go and
// embedded file of the packages of this repository it links (for wasip1), and the path and
// version of each other module.
func inputsHash(t *testing.T) string {
	out, err := wasip1(exec.Command("go", "list", "-deps", "-json", guestPkg)).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	type pkg struct {
		ImportPath string
		Dir        string
		Standard   bool
		GoFiles    []string
		EmbedFiles []string
		Module     *struct {
			Path, Version string
			Main          bool
		}
	}
	var lines []string
	h := sha256.New()
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		switch {
		case p.Standard:
		case p.Module != nil && p.Module.Main:
			for _, f := range append(p.GoFiles, p.EmbedFiles...) {
				b, err := os.ReadFile(filepath.Join(p.Dir, f))
				if err != nil {
					t.Fatal(err)
				}
				sum := sha256.Sum256(b)
				lines = append(lines, p.ImportPath+"/"+f+" "+hex.EncodeToString(sum[:]))
			}
		case p.Module != nil:
			lines = append(lines, p.Module.Path+"@"+p.Module.Version)
		}
	}
	sort.Strings(lines)
	lines = slices.Compact(lines)
	io.WriteString(h, strings.Join(lines, "\n"))
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

func readManifest(t *testing.T) manifest {
	b, err := os.ReadFile("runner.wasm.json")
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("runner.wasm.json: %v", err)
	}
	return m
}

// TestModuleIsFresh fails when the runner's sources changed since runner.wasm.gz was built.
// Rebuild it with
//
//	go test ./sandbox/wasm -run TestModuleIsFresh -update
func TestModuleIsFresh(t *testing.T) {
	inputs := inputsHash(t)
	if *update {
		rebuild(t, inputs)
	}
	if m := readManifest(t); m.Inputs != inputs {
		t.Fatalf("runner.wasm.gz is stale: its sources changed since it was built (%s, now %s); rebuild it: go test ./sandbox/wasm -run TestModuleIsFresh -update", m.Inputs, inputs)
	}
}

// TestEmbeddedModuleMatchesManifest checks that the embedded module is the one the manifest
// describes (a commit with one file and not the other fails here).
func TestEmbeddedModuleMatchesManifest(t *testing.T) {
	m := readManifest(t)
	zr, err := gzip.NewReader(bytes.NewReader(module))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != m.Module || len(b) != m.Size {
		t.Fatalf("the embedded module is %d bytes, sha256 %s; runner.wasm.json says %d, %s", len(b), got, m.Size, m.Module)
	}
}

func rebuild(t *testing.T, inputs string) {
	out := filepath.Join(t.TempDir(), "runner.wasm")
	args := append(append([]string{"build"}, buildFlags...), "-o", out, guestPkg)
	if b, err := wasip1(exec.Command("go", args...)).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	goVersion, _ := exec.Command("go", "env", "GOVERSION").Output()
	sum := sha256.Sum256(b)
	m, _ := json.MarshalIndent(manifest{Inputs: inputs, Go: strings.TrimSpace(string(goVersion)), Module: hex.EncodeToString(sum[:]), Size: len(b)}, "", "  ")
	if err := os.WriteFile("runner.wasm.gz", z.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("runner.wasm.json", append(m, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	module = z.Bytes()
	t.Logf("rebuilt runner.wasm.gz: %d bytes (%d uncompressed)", z.Len(), len(b))
}
