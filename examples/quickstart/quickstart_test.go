package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"testing"

	"github.com/mcp-coordinator/mcp-coordinator/examples/demoservers"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/process"
)

func TestMain(m *testing.M) {
	process.MaybeRunAsRunner()
	demoservers.MaybeServe(os.Args)
	os.Exit(m.Run())
}

func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	got := out.String()
	for _, re := range []string{
		`the model sees 9 coordinator tools \(\d+ o200k tokens\)`,
		`inventory: ready, 1 tool,`,
		`func RecentOrders\(RecentOrdersArgs\) \(\*RecentOrdersResult, error\)`,
		`\d+ products to restock; top 5:\n    \w{3}-\d{4} stock \d+, sold \d+ in 30 days`,
		`\[calls: inventory 1, orders 1 · \d+ tokens kept out · `,
		`runs: 1 \(0 failed\), tool calls: 2`,
	} {
		if !regexp.MustCompile(re).MatchString(got) {
			t.Errorf("output lacks %s", re)
		}
	}
	if t.Failed() {
		t.Log(got)
	}
}
