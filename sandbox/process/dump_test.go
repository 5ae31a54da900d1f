package process

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/sandboxtest"
)

func TestDump(t *testing.T) {
	if os.Getenv("DUMP") == "" {
		t.Skip()
	}
	e := newEngine(t, nil)
	cases, _ := sandboxtest.LoadCorpus()
	for _, c := range cases {
		start := time.Now()
		res, err := e.Run(context.Background(), &sandbox.Request{Source: c.Source, Packages: sandboxtest.Packages(), Limits: c.Limits, Tools: &sandboxtest.Tools{}})
		var stderr string
		if res != nil {
			stderr = res.Stderr
		}
		fmt.Printf("%-28s %6s %v\n", c.Name, time.Since(start).Round(time.Millisecond), err)
		if stderr != "" {
			fmt.Printf("   stderr: %q\n", stderr)
		}
	}
}
