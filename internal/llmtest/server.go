package llmtest

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/internal/testenv"
)

// ModelName is the name the server reports for the tiny model.
const ModelName = "tiny-random-llama"

// Grammar is the GBNF grammar that [Start]'s server puts on every answer: 1 to 400 printable
// ASCII characters or newlines.
const Grammar = `root ::= [ -~\n]{1,400}`

// startTimeout bounds how long the server may take to load the model and listen.
const startTimeout = 60 * time.Second

// Dir returns testdata/llm, where .ci/install puts node-llama-cpp and where serve.mjs lives.
func Dir() string {
	return filepath.Join(testenv.Root(), "testdata", "llm")
}

// Start writes the tiny model into a temporary directory, serves it with testdata/llm/serve.mjs
// (node from PATH, llama.cpp on one CPU thread) on a free port of 127.0.0.1, and returns the
// OpenAI-compatible base URL (ending in /v1) and the model name. The server stops when the test
// ends. When node or the pinned node-llama-cpp is missing the test skips, or fails with
// MCP_COORDINATOR_REQUIRE_INTEGRATION=1 (see [testenv.Require]).
func Start(t testing.TB) (baseURL, model string) {
	t.Helper()
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the llama.cpp prebuilt binary in testdata/llm is pinned for linux-x64 (@node-llama-cpp/linux-x64)")
	}
	dir := Dir()
	node, nodeErr := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join(dir, "node_modules", "node-llama-cpp", "package.json"))
	_, binErr := os.Stat(filepath.Join(dir, "node_modules", "@node-llama-cpp", "linux-x64", "package.json"))
	testenv.Require(t, nodeErr == nil && modErr == nil && binErr == nil,
		"node and node-llama-cpp with its linux-x64 binary (testdata/llm)", testenv.InstallStep)

	modelPath := filepath.Join(t.TempDir(), "tiny.gguf")
	if err := WriteTinyModel(modelPath, 1); err != nil {
		t.Fatal(err)
	}

	// A fixed seed: on one machine each request always gets the same answer. The tiny model
	// ends its text on its own after about 300 tokens (see WriteTinyModel), but the tokens it
	// samples differ between CPUs, and on some one answer ran past 2,048 tokens: the grammar
	// ends every answer after at most 400 printable characters, wherever it runs.
	cmd := exec.Command(node, "serve.mjs", "--model", modelPath, "--name", ModelName, "--port", "0",
		"--max-tokens", "2048", "--seed", "1", "--grammar", Grammar, "--exit-on-stdin-close")
	cmd.Dir = dir
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	setProcessGroup(cmd)
	// The server exits when its stdin closes, so it does not outlive a test binary that dies.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s serve.mjs: %v", node, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	stop := func() {
		_ = stdin.Close()
		killProcessGroup(cmd)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			t.Logf("the llm server (pid %d) did not exit", cmd.Process.Pid)
		}
	}
	t.Cleanup(stop)

	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		first := true
		for sc.Scan() {
			if first {
				lines <- sc.Text()
				first = false
			}
		}
		// Keep reading so that the server never blocks on a full pipe.
		_, _ = io.Copy(io.Discard, stdout)
	}()

	select {
	case line := <-lines:
		addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
		if !ok || !strings.HasPrefix(addr, "http://127.0.0.1:") {
			t.Fatalf("the llm server printed %q instead of its address; stderr:\n%s", line, stderr)
		}
		t.Logf("llm server %s (%s) ready in %v", addr, ModelName, time.Since(started).Round(time.Millisecond))
		return strings.TrimSuffix(addr, "/") + "/v1", ModelName
	case <-exited:
		t.Fatalf("the llm server exited before listening: %v; stderr:\n%s", cmd.ProcessState, stderr)
	case <-time.After(startTimeout):
		t.Fatalf("the llm server did not listen within %v; stderr:\n%s", startTimeout, stderr)
	}
	return "", ""
}

// syncBuffer collects a process's stderr for error messages.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 64<<10 {
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
