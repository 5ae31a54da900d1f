package codegen

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

var spaces = regexp.MustCompile(`[ \t]+`)

// normalize collapses runs of blanks, so that expectations do not depend on gofmt's alignment.
func normalize(s string) string { return spaces.ReplaceAllString(s, " ") }

// TestHardSchemas generates small servers with one hard case each and looks for the lines that
// matter; every output must also type-check (checkPackage).
func TestHardSchemas(t *testing.T) {
	tests := []struct {
		name    string
		tools   string
		want    []string
		notWant []string
	}{
		{
			name: "recursive $defs",
			tools: `[{"name":"t","inputSchema":{"type":"object","$defs":{"Node":{"type":"object","properties":{
				"kids":{"type":"array","items":{"$ref":"#/$defs/Node"}},"up":{"$ref":"#/$defs/Node"},"v":{"type":"string"}},
				"required":["up"]}},"properties":{"root":{"$ref":"#/$defs/Node"}},"required":["root"]}}]`,
			want: []string{"type Node struct {", "Kids []Node `json:\"kids,omitempty\"`", "Up *Node `json:\"up\"`",
				"Root Node `json:\"root\"`"},
		},
		{
			name: "draft-07 definitions and a $ref to a property",
			tools: `[{"name":"t","inputSchema":{"definitions":{"Pt":{"type":"object","properties":{"x":{"type":"number"}}}},
				"type":"object","properties":{"p":{"$ref":"#/definitions/Pt"},"q":{"$ref":"#/properties/p"},
				"n":{"type":"integer"},"m":{"$ref":"#/properties/n"}}}}]`,
			want: []string{"P *Pt `json:\"p,omitempty\"`", "Q *Pt `json:\"q,omitempty\"`", "M *int64 `json:\"m,omitempty\"`"},
		},
		{
			name: "recursion through the root",
			tools: `[{"name":"t","inputSchema":{"type":"object","properties":{"next":{"$ref":"#"}},"required":["next"]},
				"outputSchema":{"type":"object","properties":{"more":{"$ref":"#"}}}}]`,
			want: []string{"Next *TArgs `json:\"next\"`", "More *TResult `json:\"more,omitempty\"`"},
		},
		{
			name: "nullable",
			tools: `[{"name":"t","inputSchema":{"type":"object","properties":{
				"a":{"anyOf":[{"type":"string"},{"type":"null"}]},"b":{"type":["integer","null"]},
				"c":{"anyOf":[{"type":"boolean"},{"type":"null"}]},"d":{"type":["array","null"],"items":{"type":"string"}}},
				"required":["a","b","d"]}}]`,
			want: []string{"A *string `json:\"a\"`", "B *int64 `json:\"b\"`", "C *bool `json:\"c,omitempty\"`", "D []string `json:\"d\"`"},
		},
		{
			name: "oneOf of objects",
			tools: `[{"name":"t","inputSchema":{"type":"object","properties":{"s":{"oneOf":[
				{"type":"object","properties":{"kind":{"const":"c"},"r":{"type":"number"}},"required":["kind","r"]},
				{"type":"object","properties":{"kind":{"const":"s"},"side":{"type":"number"}},"required":["kind","side"]}]}},
				"required":["s"]}}]`,
			want: []string{"S S `json:\"s\"`", "type S struct {", `// One of: "c", "s".`,
				"Kind *string `json:\"kind,omitempty\"`", "R *float64 `json:\"r,omitempty\"`", "Side *float64 `json:\"side,omitempty\"`"},
		},
		{
			name: "other unions",
			tools: `[{"name":"t","inputSchema":{"type":"object","properties":{
				"a":{"anyOf":[{"type":"string"},{"type":"array","items":{"type":"string"}}]},
				"b":{"type":["string","number"]},"c":{"type":["integer","number"]},
				"d":{"anyOf":[{"type":"string","minLength":1},{"type":"string","pattern":"x"}]}}}}]`,
			want: []string{"A any `json:\"a,omitempty\"`", "B any `json:\"b,omitempty\"`",
				"C *float64 `json:\"c,omitempty\"`", "D *string `json:\"d,omitempty\"`"},
		},
		{
			name: "no type: not narrowed by keywords alone",
			tools: `[{"name":"t","inputSchema":{"type":"object","properties":{
				"p":{"properties":{"x":{"type":"string"}}},"i":{"items":{"type":"string"}},"m":{"additionalProperties":{"type":"string"}},
				"e":{"enum":[1,2.5]},"c":{"const":"x"},"u":{"anyOf":[{"type":"integer"},{"type":"number"}]},
				"w":{"anyOf":[{"type":"number"},{}]},"b":{"oneOf":[{"type":"string"},true]},"f":{"anyOf":[{"type":"string"},false]},
				"o":{"anyOf":[{"properties":{"x":{"type":"string"}}},{"properties":{"y":{"type":"string"}}}]},
				"t":{"type":"array","prefixItems":[{"type":"string"}],"items":{"type":"integer"}}}}}]`,
			want: []string{"P any `json:\"p,omitempty\"`", "I any `json:\"i,omitempty\"`", "M any `json:\"m,omitempty\"`",
				"E *float64 `json:\"e,omitempty\"`", "C *string `json:\"c,omitempty\"`", "U *float64 `json:\"u,omitempty\"`",
				"W any `json:\"w,omitempty\"`", "B any `json:\"b,omitempty\"`", "F *string `json:\"f,omitempty\"`",
				"O any `json:\"o,omitempty\"`", "T []any `json:\"t,omitempty\"`"},
		},
		{
			name: "declared type refined by variants",
			tools: `[{"name":"t","inputSchema":{"type":"object","properties":{
				"a":{"type":"array","anyOf":[{"items":{"type":"string"}},{"minItems":1,"items":{"type":"string"}}]},
				"o":{"type":"object","anyOf":[{"properties":{"x":{"type":"string"}}},{"additionalProperties":true}]},
				"n":{"anyOf":[{"type":["string","null"]},{"type":"string","maxLength":3}]}}}}]`,
			want: []string{"A []string `json:\"a,omitempty\"`", "O *O `json:\"o,omitempty\"`", "X *string `json:\"x,omitempty\"`",
				"N *string `json:\"n,omitempty\"`"},
		},
		{
			name: "maps",
			tools: `[{"name":"t","inputSchema":{"type":"object","properties":{
				"a":{"type":"object","additionalProperties":{"type":"integer"}},"b":{"type":"object"},
				"c":{"type":"object","additionalProperties":{"type":"object","properties":{"x":{"type":"string"}}}}},
				"required":["a"]}}]`,
			want: []string{"A map[string]int64 `json:\"a\"`", "B map[string]any `json:\"b,omitempty\"`",
				"C map[string]CValue `json:\"c,omitempty\"`", "type CValue struct {"},
		},
		{
			name: "enums",
			tools: `[{"name":"echo","inputSchema":{"type":"object","properties":{
				"mode":{"type":"string","enum":["fast","slow"]},"n":{"type":"integer","enum":[1,-2]},
				"u":{"enum":["on","off"]}},"required":["mode"]}}]`,
			want: []string{"Mode string `json:\"mode\"`", `// One of: "fast", "slow".`, `EchoArgsModeFast = "fast"`,
				`EchoArgsModeSlow = "slow"`, "N *int64 `json:\"n,omitempty\"`", "EchoArgsN1 = 1", "EchoArgsNNeg2 = -2",
				"U *string `json:\"u,omitempty\"`", `EchoArgsUOn = "on"`, "// Allowed values of EchoArgs.mode."},
			notWant: []string{"type EchoArgsMode "},
		},
		{
			name:  "missing type",
			tools: `[{"name":"t","inputSchema":{"type":"object","properties":{"a":{"description":"x"},"b":true},"required":["a"]}}]`,
			want:  []string{"A any `json:\"a\"`", "B any `json:\"b,omitempty\"`"},
		},
		{
			name: "keywords, case clashes and digits",
			tools: `[{"name":"t","inputSchema":{"type":"object","properties":{"type":{"type":"string"},"func":{"type":"string"},
				"id":{"type":"string"},"ID":{"type":"string"},"Id":{"type":"string"},"2fa":{"type":"string"},"-":{"type":"string"}},
				"required":["type","-"]}}]`,
			want: []string{"Type string `json:\"type\"`", "Func *string `json:\"func,omitempty\"`", "ID *string `json:\"ID,omitempty\"`",
				"Id *string `json:\"Id,omitempty\"`", "Id2 *string `json:\"id,omitempty\"`", "T2fa *string `json:\"2fa,omitempty\"`",
				"X string `json:\"-,\"`"},
		},
		{
			name:  "property names json cannot tag",
			tools: `[{"name":"t","inputSchema":{"type":"object","properties":{"a,b":{"type":"string"},"ok":{"type":"string"}}}}]`,
			want:  []string{`// The property "a,b" is left out`, "Ok *string `json:\"ok,omitempty\"`"},
		},
		{
			name: "tools mapping to one identifier",
			tools: `[{"name":"get_sum","inputSchema":{}},{"name":"get-sum","inputSchema":{}},{"name":"getSum","inputSchema":{}},
				{"name":"9lives","inputSchema":{}}]`,
			want: []string{"func GetSum(args GetSumArgs) (*GetSumResult, error)", `mcp_tools.Call("s", "get-sum", args, nil)`,
				"func GetSum2(args GetSum2Args) (*GetSum2Result, error)", `mcp_tools.Call("s", "getSum", args, nil)`,
				"func GetSum3(args GetSum3Args) (*GetSum3Result, error)", `mcp_tools.Call("s", "get_sum", args, nil)`,
				"func T9lives(args T9livesArgs)"},
		},
		{
			name: "comment breakers",
			tools: "[{\"name\":\"t\",\"description\":\"a `x` */ b\\n/* c\\n+build linux\\n\\u0000\\ufeff\\ud800\"," +
				"\"inputSchema\":{\"type\":\"object\",\"properties\":{\"p\":{\"type\":\"string\",\"description\":\"*/ `q`\"}}}}]",
			want:    []string{"// a `x` */ b", "// /* c", "// `+build` linux", "// */ `q`"},
			notWant: []string{"// +build", "//go:build", "\x00", "\ufeff"},
		},
		{
			name: "structured output meeting Content and Text",
			tools: `[{"name":"t","inputSchema":{"type":"object"},"outputSchema":{"type":"object","properties":{
				"content":{"type":"string"},"text":{"type":"string"},"n":{"type":"integer"}},"required":["content","n"]}}]`,
			want: []string{"Blocks  []mcp_tools.Content `json:\"-\"`", "Content string `json:\"content\"`",
				"Text2 string `json:\"text,omitempty\"`", "N int64 `json:\"n\"`", `mcp_tools.Call("s", "t", args, out)`,
				"func (r *TResult) Text() string {"},
		},
		{
			name:  "output schema without properties",
			tools: `[{"name":"t","inputSchema":{"type":"object"},"outputSchema":{"type":"object","additionalProperties":true}}]`,
			want:  []string{`mcp_tools.Call("s", "t", args, nil)`},
		},
		{
			name: "definition named like a function",
			tools: `[{"name":"Point","inputSchema":{"type":"object","$defs":{"Point":{"type":"object","properties":{"x":{"type":"number"}}}},
				"properties":{"p":{"$ref":"#/$defs/Point"}}}}]`,
			want: []string{"func Point(args PointArgs)", "P *PointArgsPoint `json:\"p,omitempty\"`", "type PointArgsPoint struct {"},
		},
		{
			name:  "$ref cycles and dangling refs",
			tools: `[{"name":"t","inputSchema":{"type":"object","$defs":{"A":{"$ref":"#/$defs/B"},"B":{"$ref":"#/$defs/A"},"L":{"type":"array","items":{"$ref":"#/$defs/L"}}},"properties":{"a":{"$ref":"#/$defs/A"},"l":{"$ref":"#/$defs/L"},"x":{"$ref":"#/nowhere"},"r":{"$ref":"http://example.com/s.json"}}}}]`,
			want:  []string{"A any `json:\"a,omitempty\"`", "L []any `json:\"l,omitempty\"`", "X any `json:\"x,omitempty\"`", "R any `json:\"r,omitempty\"`"},
		},
		{
			name:  "anchors and percent-encoded pointers",
			tools: `[{"name":"t","inputSchema":{"type":"object","$defs":{"a b":{"$anchor":"ab","type":"integer"},"c/d":{"type":"boolean"}},"properties":{"x":{"$ref":"#ab"},"y":{"$ref":"#/$defs/a%20b"},"z":{"$ref":"#/$defs/c~1d"}}}}]`,
			want:  []string{"X *int64 `json:\"x,omitempty\"`", "Y *int64 `json:\"y,omitempty\"`", "Z *bool `json:\"z,omitempty\"`"},
		},
		{
			name:  "no input schema",
			tools: `[{"name":"t","inputSchema":null},{"name":"u","inputSchema":"nonsense"},{"name":"v","inputSchema":[1,2]}]`,
			want:  []string{"type TArgs struct{}", "type UArgs struct{}", "type VArgs struct{}"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkg, err := Generate("s", "", decodeTools(t, tt.name, []byte(tt.tools)))
			if err != nil {
				t.Fatalf("Generate: %v", err)
			}
			checkPackage(t, pkg)
			src := normalize(string(pkg.Source))
			for _, w := range tt.want {
				if !strings.Contains(src, normalize(w)) {
					t.Errorf("the output lacks %q:\n%s", w, pkg.Source)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(src, normalize(w)) {
					t.Errorf("the output has %q:\n%s", w, pkg.Source)
				}
			}
		})
	}
}

func TestGenerateErrors(t *testing.T) {
	if _, err := Generate("s", "", []*mcpTool{nil}); err == nil || !strings.Contains(err.Error(), "tool 0 is nil") {
		t.Errorf("Generate with a nil tool: err = %v, want \"tool 0 is nil\"", err)
	}
	bad := &mcpTool{Name: "bad", InputSchema: func() {}}
	if _, err := Generate("s", "", []*mcpTool{bad}); err == nil || !strings.Contains(err.Error(), `tool "bad"`) {
		t.Errorf("Generate with an unmarshalable schema: err = %v, want one naming tool \"bad\"", err)
	}
}

type mcpTool = mcp.Tool

// TestServerKeys generates packages for odd config keys: the package name, the header line and the
// key passed to mcp_tools.Call must all hold.
func TestServerKeys(t *testing.T) {
	tools := `[{"name":"ping","inputSchema":{"type":"object"}}]`
	tests := []struct {
		key, pkgName, call string
	}{
		{"mcp_tools", "mcp_tools", `"mcp_tools"`},
		{"json", "json", `"json"`},
		{"go", "tgo", `"go"`},
		{"", "server", `""`},
		{"weird\nkey\x00\xff", "weird_key", `"weird\nkey\x00\xff"`},
		{"+build linux", "build_linux", `"+build linux"`},
	}
	for _, tt := range tests {
		pkg, err := Generate(tt.key, "", decodeTools(t, tt.key, []byte(tools)))
		if err != nil {
			t.Fatalf("Generate(%q): %v", tt.key, err)
		}
		checkPackage(t, pkg)
		if pkg.Name != tt.pkgName || pkg.Server != tt.key {
			t.Errorf("Generate(%q): Name %q, Server %q; want %q, %q", tt.key, pkg.Name, pkg.Server, tt.pkgName, tt.key)
		}
		if want := "mcp_tools.Call(" + tt.call + `, "ping", args, nil)`; !strings.Contains(string(pkg.Source), want) {
			t.Errorf("Generate(%q): the source lacks %s:\n%s", tt.key, want, pkg.Source)
		}
	}
	empty, err := Generate("none", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	checkPackage(t, empty)
	if len(empty.Tools) != 0 || string(empty.ToolsJSON) != "[]\n" {
		t.Errorf("Generate with no tools: %d tools, ToolsJSON %q", len(empty.Tools), empty.ToolsJSON)
	}
}

// A schema nested thousands of levels deep must stay cheap: past maxNesting, objects are maps.
func TestDeepNesting(t *testing.T) {
	inner := map[string]any{"type": "object", "properties": map[string]any{"leaf": map[string]any{"type": "string"}}}
	for i := 0; i < 4000; i++ {
		inner = map[string]any{"type": "object", "properties": map[string]any{fmt.Sprintf("level%d", i): inner}}
	}
	tool := &mcp.Tool{Name: "deep", InputSchema: inner}
	pkg, err := Generate("deep", "", []*mcp.Tool{tool})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkg.Source) > 64<<10 {
		t.Errorf("%d bytes of source for one deep tool", len(pkg.Source))
	}
	if !strings.Contains(string(pkg.Source), "map[string]any") {
		t.Error("deep objects did not become maps")
	}
	checkPackage(t, pkg)
}
