//go:build wasip1

// Command guest is the sandbox runner built for GOOS=wasip1 GOARCH=wasm: the process engine's
// runner, unchanged, which the wasm engine runs inside wazero. See sandbox/wasm (go generate
// builds it into runner.wasm.gz).
package main

import (
	"fmt"
	"os"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox/process"
)

func main() {
	process.MaybeRunAsRunner()
	fmt.Fprintln(os.Stderr, "this module is the sandbox runner: the wasm engine starts it")
	os.Exit(2)
}
