package codegen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// schemaFuzzer turns fuzz bytes into tools with small random schemas: names that clash, types,
// nesting, enums, unions and $refs (to $defs, to the root and to properties, dangling or cyclic).
type schemaFuzzer struct {
	b []byte
	i int
}

func (z *schemaFuzzer) next() int {
	if z.i >= len(z.b) {
		return 0
	}
	c := z.b[z.i]
	z.i++
	return int(c)
}

func (z *schemaFuzzer) pick(list []string) string { return list[z.next()%len(list)] }

var (
	fuzzNames = []string{"a", "A", "id", "ID", "Id", "type", "func", "2x", "-", "", "a,b", "x y", "Content", "content",
		"text", "Text", "items", "$ref", "ünï", "get-sum", "get_sum", "getSum", "_", "default", "Args", "Result"}
	fuzzDescs = []string{"", "Plain text.", "a */ b `c` /* d", "+build linux", "line\n\n\n    code\n- item\n  * sub",
		"\x00\ufeff\r\n\t", "Deprecated: x", "# Heading", "//go:generate x",
		"long " + string(bytes.Repeat([]byte("word "), 60))}
	fuzzTypes = []string{"string", "integer", "number", "boolean", "object", "array", "null", "decimal"}
)

func (z *schemaFuzzer) schema(depth int) any {
	if depth > 4 {
		return map[string]any{"type": z.pick(fuzzTypes[:4])}
	}
	s := map[string]any{}
	if d := z.pick(fuzzDescs); d != "" {
		s["description"] = d
	}
	switch z.next() % 16 {
	case 0:
		s["type"] = "string"
		if z.next()%2 == 0 {
			s["enum"] = []any{z.pick(fuzzNames), z.pick(fuzzNames)}
		}
	case 1:
		s["type"] = "integer"
		if z.next()%2 == 0 {
			s["enum"] = []any{json.Number("1"), json.Number("-2"), json.Number("1.5")}
		}
	case 2:
		s["type"] = z.pick(fuzzTypes)
	case 3:
		s["type"] = "boolean"
	case 4:
		s["type"] = "object"
		props := map[string]any{}
		var req []any
		for range z.next() % 4 {
			n := z.pick(fuzzNames)
			props[n] = z.schema(depth + 1)
			if z.next()%2 == 0 {
				req = append(req, n)
			}
		}
		s["properties"] = props
		if len(req) > 0 {
			s["required"] = req
		}
	case 5:
		s["type"] = "array"
		if z.next()%4 != 0 {
			s["items"] = z.schema(depth + 1)
		}
	case 6:
		s["type"] = "object"
		if z.next()%3 != 0 {
			s["additionalProperties"] = z.schema(depth + 1)
		}
	case 7:
		s["$ref"] = z.pick([]string{"#", "#/$defs/D0", "#/$defs/D1", "#/definitions/D2", "#/properties/a",
			"#/properties/id/items", "#/$defs/missing", "http://x/y", "#anchor", "#/$defs/D0/properties/a"})
	case 8, 9:
		kw := "anyOf"
		if z.next()%2 == 0 {
			kw = "oneOf"
		}
		var list []any
		for range 1 + z.next()%3 {
			list = append(list, z.schema(depth+1))
		}
		if z.next()%2 == 0 {
			list = append(list, map[string]any{"type": "null"})
		}
		s[kw] = list
	case 10:
		s["type"] = []any{z.pick(fuzzTypes), z.pick(fuzzTypes)}
	case 11:
		// no type at all
	case 12:
		return z.next()%2 == 0
	case 13:
		s["allOf"] = []any{z.schema(depth + 1), z.schema(depth + 1)}
	case 14:
		s["const"] = z.pick(fuzzNames)
	case 15:
		s["enum"] = []any{z.pick(fuzzNames), json.Number("3"), true, nil}
		s["$anchor"] = "anchor"
	}
	if z.next()%5 == 0 {
		s["default"] = z.pick(fuzzNames)
	}
	return s
}

func (z *schemaFuzzer) root() any {
	r := map[string]any{"type": "object"}
	props := map[string]any{}
	for range z.next() % 5 {
		props[z.pick(fuzzNames)] = z.schema(1)
	}
	r["properties"] = props
	r["required"] = []any{z.pick(fuzzNames), z.pick(fuzzNames)}
	defs := map[string]any{}
	for i := range z.next() % 3 {
		defs[fmt.Sprintf("D%d", i)] = z.schema(1)
	}
	r["$defs"] = defs
	r["definitions"] = map[string]any{"D2": z.schema(2)}
	return r
}

func (z *schemaFuzzer) tools() []*mcp.Tool {
	var tools []*mcp.Tool
	for range 1 + z.next()%3 {
		t := &mcp.Tool{Name: z.pick(fuzzNames), Description: z.pick(fuzzDescs), InputSchema: z.root()}
		if z.next()%2 == 0 {
			t.OutputSchema = z.root()
		}
		tools = append(tools, t)
	}
	return tools
}

// FuzzGenerate asserts that any schema yields a package that type-checks, never a panic, and the
// same output for the tools in reverse order. A plain go test runs the seeds only.
func FuzzGenerate(f *testing.F) {
	for _, seed := range []string{
		"", "\x00", "\x04\x04\x04\x04\x04\x04\x04", "\x07\x07\x07\x07\x07\x07", "\x08\x04\x03\x04\x09\x04\x02",
		"\x03\x02\x01\x00\x0f\x0e\x0d\x0c\x0b\x0a\x09\x08\x07\x06\x05\x04\x03\x02\x01\x00",
		"hard schemas: refs, unions, enums, maps and clashes \xff\xfe\xfd\x10\x20\x30\x40",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tools := (&schemaFuzzer{b: data}).tools()
		pkg, err := Generate("fuzz server", "", tools)
		if err != nil {
			t.Fatalf("Generate: %v", err)
		}
		checkPackage(t, pkg)
		slices.Reverse(tools)
		again, err := Generate("fuzz server", "", tools)
		if err != nil {
			t.Fatalf("Generate (reversed): %v", err)
		}
		if !bytes.Equal(pkg.Source, again.Source) || pkg.Hash != again.Hash {
			t.Errorf("the output depends on the order of tools")
		}
	})
}
