package wasm_test

import (
	"os"
	"testing"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox/process"
)

// TestMain lets the benchmarks start process engines beside the wasm engine.
func TestMain(m *testing.M) {
	process.MaybeRunAsRunner()
	os.Exit(m.Run())
}
