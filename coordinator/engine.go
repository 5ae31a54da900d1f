package coordinator

import (
	"log/slog"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/process"
)

// newProcessSandbox starts the default engine. A run that asks for nothing gets the sandbox's
// defaults, lowered to the configured maxima where those are smaller; a run may ask for up to the
// maxima.
func newProcessSandbox(max sandbox.Limits, runs int, log *slog.Logger) (sandbox.Sandbox, error) {
	def := sandbox.DefaultLimits
	if max.Timeout > 0 && max.Timeout < def.Timeout {
		def.Timeout = max.Timeout
	}
	if max.MemoryBytes > 0 && max.MemoryBytes < def.MemoryBytes {
		def.MemoryBytes = max.MemoryBytes
	}
	if max.OutputBytes > 0 && max.OutputBytes < def.OutputBytes {
		def.OutputBytes = max.OutputBytes
	}
	return process.New(&process.Options{Default: def, Max: max, MaxConcurrentRuns: runs, Logger: log})
}
