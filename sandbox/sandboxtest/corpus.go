package sandboxtest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
)

// Case is one program of the conformance corpus, testdata/corpus/*.go.txt (not .go, so that
// gofmt and the go tool leave the snippets alone). The program is the snippet, as a model would
// write it (with or without a package clause), and its comments say what must happen:
//
//	// Timeout: 2s              limits of the run (Timeout, Memory, OutputLimit); default 5s
//	// Memory: 64MiB
//	// OutputLimit: 4096
//	...
//	// Output:                  the exact output, one "// line" per line
//	// hello
//	// Error: runtime line 7: index out of range   the error kind, optionally its snippet
//	                                               line, and a substring of its message
//	// Hint: sort.Slice         a substring of the error's hint ("none": the error has none)
//
// A case may have both Output (what was printed before the failure) and Error.
type Case struct {
	Name   string
	Source string
	Limits sandbox.Limits
	Output *string      // expected stdout; nil: not checked
	Kind   sandbox.Kind // expected error kind; "": success
	Line   int          // expected error line; 0: not checked
	Msg    string       // substring of the error message
	Hint   string       // substring of the hint
}

// DefaultCaseTimeout is the timeout of a corpus case that sets none.
const DefaultCaseTimeout = 5 * time.Second

// LoadCorpus reads the cases of testdata/corpus.
func LoadCorpus() ([]Case, error) {
	paths, err := filepath.Glob(filepath.Join(Dir(), "corpus", "*.go.txt"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var cases []Case
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		c, err := parseCase(strings.TrimSuffix(filepath.Base(p), ".go.txt"), string(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		cases = append(cases, c)
	}
	return cases, nil
}

func parseCase(name, src string) (Case, error) {
	c := Case{Name: name, Source: src, Limits: sandbox.Limits{Timeout: DefaultCaseTimeout}}
	lines := strings.Split(src, "\n")
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		key, val, ok := strings.Cut(strings.TrimPrefix(l, "// "), ": ")
		if !strings.HasPrefix(l, "// ") {
			continue
		}
		if !ok && l == "// Output:" {
			var out []string
			for i+1 < len(lines) && strings.HasPrefix(lines[i+1], "//") && !isDirective(lines[i+1]) {
				i++
				s := strings.TrimPrefix(lines[i], "//")
				out = append(out, strings.TrimPrefix(s, " "))
			}
			text := ""
			if len(out) > 0 {
				text = strings.Join(out, "\n") + "\n"
			}
			c.Output = &text
			continue
		}
		if !ok {
			continue
		}
		var err error
		switch key {
		case "Timeout":
			c.Limits.Timeout, err = time.ParseDuration(val)
		case "Memory":
			c.Limits.MemoryBytes, err = parseSize(val)
		case "OutputLimit":
			var n int64
			n, err = parseSize(val)
			c.Limits.OutputBytes = int(n)
		case "Error":
			kind, msg, _ := strings.Cut(val, ": ")
			if k, line, ok := strings.Cut(kind, " line "); ok {
				kind = k
				c.Line, err = strconv.Atoi(line)
			}
			c.Kind, c.Msg = sandbox.Kind(kind), msg
		case "Hint":
			c.Hint = val
		}
		if err != nil {
			return c, fmt.Errorf("line %d: %v", i+1, err)
		}
	}
	if c.Output == nil && c.Kind == "" {
		return c, errors.New("no // Output: or // Error: expectation")
	}
	return c, nil
}

func isDirective(l string) bool {
	for _, d := range []string{"// Error:", "// Hint:", "// Timeout:", "// Memory:", "// OutputLimit:"} {
		if strings.HasPrefix(l, d) {
			return true
		}
	}
	return false
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(s, suffix) {
			s, mult = strings.TrimSuffix(s, suffix), m
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n * mult, err
}

// RunCorpus runs every corpus case against sb, with [Packages] and a [Tools], and checks its
// output, its error kind, line and message, that it ended within its timeout plus one second,
// and that the test process itself is unharmed: it is still running, and its goroutines and
// heap are back to normal afterwards.
func RunCorpus(t *testing.T, sb sandbox.Sandbox) { RunCorpusScaled(t, sb, 1) }

// RunCorpusScaled is RunCorpus for an engine that runs interpreted code more slowly (the wasm
// engine: several times): each case that does not expect a timeout gets scale times its
// timeout. The cases that expect one keep theirs, and still must end within it plus a second.
func RunCorpusScaled(t *testing.T, sb sandbox.Sandbox, scale int) {
	cases, err := LoadCorpus()
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("the corpus is empty")
	}
	goroutines := runtime.NumGoroutine()
	pkgs := Packages()
	for _, c := range cases {
		if c.Kind != sandbox.KindTimeout {
			c.Limits.Timeout *= time.Duration(scale)
		}
		t.Run(c.Name, func(t *testing.T) {
			RunCase(t, sb, c, pkgs, &Tools{})
		})
	}
	CheckUnharmed(t, goroutines)
}

// RunCase runs one case and checks its outcome.
func RunCase(t *testing.T, sb sandbox.Sandbox, c Case, pkgs fs.FS, tools sandbox.ToolCaller) {
	t.Helper()
	start := time.Now()
	res, err := sb.Run(context.Background(), &sandbox.Request{Source: c.Source, Packages: pkgs, Limits: c.Limits, Tools: tools})
	elapsed := time.Since(start)
	if limit := c.Limits.Timeout + time.Second; elapsed > limit {
		t.Errorf("the run took %s, more than its timeout plus one second (%s)", elapsed.Round(time.Millisecond), limit)
	}
	var se *sandbox.Error
	if err != nil && !errors.As(err, &se) {
		t.Fatalf("Run returned %T (%v), want a *sandbox.Error", err, err)
	}
	switch {
	case c.Kind == "" && err != nil:
		t.Errorf("Run failed: %v", err)
		if res != nil {
			t.Logf("stdout: %q\nstderr: %q", res.Stdout, res.Stderr)
		}
	case c.Kind != "" && err == nil:
		t.Errorf("Run succeeded, want a %q error containing %q", c.Kind, c.Msg)
	case c.Kind != "":
		if se.Kind != c.Kind {
			t.Errorf("error kind = %q, want %q; error: %v", se.Kind, c.Kind, err)
		}
		if !strings.Contains(err.Error(), c.Msg) {
			t.Errorf("error %q does not contain %q", err, c.Msg)
		}
		if c.Line != 0 && se.Line != c.Line {
			t.Errorf("error line = %d, want %d; error: %v", se.Line, c.Line, err)
		}
		switch {
		case c.Hint == "none" && se.Hint != "":
			t.Errorf("error hint %q, want none", se.Hint)
		case c.Hint != "none" && c.Hint != "" && !strings.Contains(se.Hint, c.Hint):
			t.Errorf("error hint %q does not contain %q", se.Hint, c.Hint)
		}
	}
	if c.Output != nil {
		got := ""
		if res != nil {
			got = res.Stdout
		}
		if diff := cmp.Diff(*c.Output, got); diff != "" {
			t.Errorf("output mismatch (-want +got):\n%s", diff)
		}
	}
}

// CheckUnharmed checks that the test process's goroutines are back near the count before the
// runs (background reaping may take a moment) and that its heap is small: whatever the
// snippets did happened elsewhere.
func CheckUnharmed(t *testing.T, goroutinesBefore int) {
	t.Helper()
	var n int
	for deadline := time.Now().Add(5 * time.Second); ; {
		n = runtime.NumGoroutine()
		if n <= goroutinesBefore+10 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n > goroutinesBefore+10 {
		t.Errorf("the test process has %d goroutines after the runs, %d before", n, goroutinesBefore)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc > 256<<20 {
		t.Errorf("the test process holds %d MiB of heap after the runs", ms.HeapAlloc>>20)
	}
}
