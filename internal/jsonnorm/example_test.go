package jsonnorm_test

import (
	"fmt"

	"github.com/mcp-coordinator/mcp-coordinator/internal/jsonnorm"
)

func ExampleIntegers() {
	output := map[string]any{
		"type":       "object",
		"properties": map[string]any{"count": map[string]any{"type": "integer"}, "ratio": map[string]any{"type": "number"}},
	}
	fmt.Println(string(jsonnorm.Integers(output, []byte(`{"count": 3.0, "ratio": 1.0}`))))
	// Output: {"count": 3, "ratio": 1.0}
}

func ExampleEmptyRequired() {
	input := []byte(`{"type": "object", "properties": {"tags": {"type": "array"}, "note": {"type": ["array", "null"]}}, "required": ["tags", "note"]}`)
	fmt.Println(string(jsonnorm.EmptyRequired(input, []byte(`{"tags": null, "note": null}`))))
	// Output: {"tags": [], "note": null}
}
