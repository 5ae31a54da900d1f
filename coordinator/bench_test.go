package coordinator

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkRun measures Coordinator.Run end to end (preparation, the sandbox, metering, the
// ledger) against a demo server over stdio: a snippet with no calls, and one with 50 calls
// (per-call overhead = (calls50 - trivial) / 50).
func BenchmarkRun(b *testing.B) {
	dir := b.TempDir()
	exe, _ := os.Executable()
	config := filepath.Join(dir, "mcp.json")
	data, _ := json.Marshal(map[string]any{"mcpServers": map[string]any{
		"inventory": map[string]any{"command": exe, "args": []string{"demo-server", "inventory"}},
	}})
	os.WriteFile(config, data, 0o644)
	c, err := New(Options{ConfigPath: config, Workspace: filepath.Join(dir, "ws"), ConfigPoll: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	c.Start(ctx)
	for _, bc := range []struct{ name, code string }{
		{"trivial", `fmt.Println("hi")`},
		{"calls50", `n := 0
for i := 0; i < 50; i++ {
	r, err := inventory.ListProducts(inventory.ListProductsArgs{Category: mcp_tools.String("cables")})
	if err != nil {
		panic(err)
	}
	n += len(r.Products)
}
fmt.Println(n)`},
	} {
		if out, err := c.Run(ctx, "bench", bc.code, 0); err != nil || out.Err != nil {
			b.Fatalf("%s: %v %v", bc.name, err, out)
		}
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				out, err := c.Run(ctx, "bench", bc.code, 0)
				if err != nil || out.Err != nil {
					b.Fatalf("%v %v", err, out.Err)
				}
			}
		})
	}
}
