package codegen

import (
	"fmt"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// A server's listing is untrusted: a 300 MB description once became a 300 MB stub and a 300 MB
// tools.json. Descriptions and schemas are capped, with a note the model can read.
func TestHugeDescriptionAndSchemaAreCapped(t *testing.T) {
	props := map[string]any{}
	for i := range 20000 {
		props[fmt.Sprintf("field_%05d", i)] = map[string]any{"type": "string", "description": "a field"}
	}
	tools := []*mcp.Tool{
		{Name: "wordy", Description: strings.Repeat("é words ", 1<<17), InputSchema: map[string]any{"type": "object"}},
		{Name: "wide", Description: "Wide input.", InputSchema: map[string]any{"type": "object", "properties": props}},
		{Name: "plain", Description: "Plain.", InputSchema: map[string]any{"type": "object", "properties": map[string]any{"a": map[string]any{"type": "string"}}}},
	}
	pkg, err := Generate("big", "", tools)
	if err != nil {
		t.Fatal(err)
	}
	checkPackage(t, pkg)
	if len(pkg.Source) > 64<<10 || len(pkg.ToolsJSON) > 64<<10 {
		t.Errorf("stub %d bytes, tools.json %d bytes: not capped", len(pkg.Source), len(pkg.ToolsJSON))
	}
	src := strings.ReplaceAll(string(pkg.Source), "\n// ", " ") // comments are wrapped
	for _, want := range []string{
		fmt.Sprintf("[description cut: %d bytes, above the 16384-byte limit]", len(tools[0].Description)),
		"[inputSchema of ",
		"bytes dropped, above the 262144-byte limit: untyped]",
		"type PlainArgs struct",
	} {
		if !strings.Contains(src, want) {
			t.Errorf("the stub lacks %q", want)
		}
	}
}
