package process

import (
	"testing"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox/sandboxtest"
)

func newEngine(t testing.TB, opts *Options) *Engine {
	t.Helper()
	e, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestCorpus(t *testing.T) {
	sandboxtest.RunCorpus(t, newEngine(t, nil))
}
