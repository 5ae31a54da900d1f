package codegen

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// realTools returns n tools taken in turn from the real server snapshots in testdata/golden
// (renamed with their server's name, and replicated when the snapshots hold fewer than n).
func realTools(tb testing.TB, n int) []*mcp.Tool {
	tb.Helper()
	var all []*mcp.Tool
	for _, g := range readGoldens(tb) {
		if strings.HasPrefix(filepath.Base(g.path), "hard") {
			continue
		}
		server := strings.TrimSuffix(filepath.Base(g.path), ".txtar")
		for _, t := range decodeTools(tb, g.path, g.tools) {
			t.Name = server + "_" + t.Name
			all = append(all, t)
		}
	}
	out := make([]*mcp.Tool, n)
	for i := range out {
		t := *all[i%len(all)]
		if i >= len(all) {
			t.Name = fmt.Sprintf("%s_%d", t.Name, i/len(all))
		}
		out[i] = &t
	}
	return out
}

// BenchmarkGenerate100Tools generates one package from 100 real tools (the snapshots of
// git-mcp-server, server-filesystem, server-memory and the others).
func BenchmarkGenerate100Tools(b *testing.B) {
	tools := realTools(b, 100)
	var size int
	for b.Loop() {
		pkg, err := Generate("bench", "", tools)
		if err != nil {
			b.Fatal(err)
		}
		size = len(pkg.Source)
	}
	b.ReportMetric(float64(size), "source-bytes")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/tool")
}
