package codegen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/mcp-coordinator/mcp-coordinator/mcp_tools"
	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
)

// TestYaegiRoundTrip runs a generated package in the yaegi interpreter, as the sandbox does, and
// checks what reaches the transport (json names exactly as the server spells them, optional
// pointers with explicit zero values, omitted unset fields) and what comes back (content, and
// structuredContent decoded into the typed fields).
func TestYaegiRoundTrip(t *testing.T) {
	tools := `[{"name":"do it","inputSchema":{"type":"object","properties":{
		"type":{"type":"string"},"-":{"type":"string"},"id":{"type":"string"},"ID":{"type":"integer"},
		"count":{"type":"integer"},"flag":{"type":"boolean"},"unset":{"type":"string"},
		"mode":{"type":"string","enum":["fast","slow"]},"tags":{"type":"array","items":{"type":"string"}},
		"nested":{"type":"object","properties":{"x-y":{"type":"number"}},"required":["x-y"]},
		"raw":{"type":["string","boolean"]}},"required":["type","-","id","nested","raw"]},
		"outputSchema":{"type":"object","properties":{"content":{"type":"string"},"n":{"type":"integer"},
		"items":{"type":"array","items":{"type":"object","properties":{"k":{"type":"string"}}}}}}}]`
	pkg, err := Generate("my server", "", decodeTools(t, "round trip", []byte(tools)))
	if err != nil {
		t.Fatal(err)
	}
	const snippet = `package main

import (
	"encoding/json"
	"fmt"

	"mcp_tools"
	"mcp_tools/my_server"
)

func main() {
	r, err := my_server.DoIt(my_server.DoItArgs{
		Type: "t", X: "dash", Id: "lower", ID: mcp_tools.Int(0), Count: mcp_tools.Int(0),
		Flag: mcp_tools.Bool(false), Mode: mcp_tools.String(my_server.DoItArgsModeSlow),
		Nested: my_server.Nested{XY: 1.5}, Raw: true,
	})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(r.Text(), "|", r.Content, "|", r.N, "|", r.Items[0].K)
}
`
	var gotArgs string
	mcp_tools.SetTransport(func(server, tool string, args json.RawMessage) (json.RawMessage, error) {
		gotArgs = server + " " + tool + " " + string(args)
		return json.RawMessage(`{"content":[{"type":"text","text":"hello"}],
			"structuredContent":{"content":"structured","n":7,"items":[{"k":"v"}]}}`), nil
	})
	defer mcp_tools.SetTransport(nil)

	var stdout bytes.Buffer
	i := newInterp(t, pkg, &stdout)
	if _, err := i.Eval(snippet); err != nil {
		t.Fatalf("running the snippet: %v\n%s", err, pkg.Source)
	}
	wantArgs := `my server do it {"-":"dash","ID":0,"count":0,"flag":false,"id":"lower","mode":"slow",` +
		`"nested":{"x-y":1.5},"raw":true,"type":"t"}`
	if diff := cmp.Diff(wantArgs, gotArgs); diff != "" {
		t.Errorf("arguments on the wire (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff("hello | structured | 7 | v", strings.TrimSpace(stdout.String())); diff != "" {
		t.Errorf("snippet output (-want +got):\n%s", diff)
	}
}

// newInterp returns an interpreter that sees the standard library, the runtime's snippet API and
// pkg as mcp_tools/<pkg.Name>.
func newInterp(t *testing.T, pkg *Package, stdout *bytes.Buffer) *interp.Interpreter {
	t.Helper()
	files := fstest.MapFS{"_pkg/src/mcp_tools/" + pkg.Name + "/" + pkg.Name + ".go": {Data: pkg.Source}}
	i := interp.New(interp.Options{GoPath: "_pkg", SourcecodeFilesystem: files, Stdout: stdout})
	if err := i.Use(stdlib.Symbols); err != nil {
		t.Fatal(err)
	}
	if err := i.Use(interp.Exports{"mcp_tools/mcp_tools": mcp_tools.Symbols()}); err != nil {
		t.Fatal(err)
	}
	return i
}

// TestYaegiLoadsGoldens imports every golden package into the interpreter and calls its first
// tool with zero arguments, so that every construct the generator emits (recursive types, maps
// of structs, untyped constants) is known to load there too.
func TestYaegiLoadsGoldens(t *testing.T) {
	mcp_tools.SetTransport(func(server, tool string, args json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(`{"content":[{"type":"text","text":"ok"}]}`), nil
	})
	defer mcp_tools.SetTransport(nil)
	for _, g := range readGoldens(t) {
		t.Run(filepath.Base(g.path), func(t *testing.T) {
			pkg, err := Generate(g.server, "", decodeTools(t, g.path, g.tools))
			if err != nil {
				t.Fatal(err)
			}
			var stdout bytes.Buffer
			i := newInterp(t, pkg, &stdout)
			td := pkg.Tools[0]
			argType := td.GoName + "Args"
			snippet := fmt.Sprintf("package main\n\nimport (\n\t\"fmt\"\n\n\tp %q\n)\n\nfunc main() {\n"+
				"\tr, err := p.%s(p.%s{})\n\tfmt.Println(r.Text(), err)\n}\n",
				"mcp_tools/"+pkg.Name, td.GoName, argType)
			if _, err := i.Eval(snippet); err != nil {
				t.Fatalf("loading %s in yaegi: %v\n%s", pkg.Name, err, snippet)
			}
			if got := strings.TrimSpace(stdout.String()); got != "ok <nil>" {
				t.Errorf("calling %s: printed %q, want %q", td.GoName, got, "ok <nil>")
			}
		})
	}
}

// TestYaegiOptionalResultFields prints optional result fields as a snippet would, without
// dereferencing: each prints its value (zero when absent), never an address.
func TestYaegiOptionalResultFields(t *testing.T) {
	tools := `[{"name":"weigh","inputSchema":{"type":"object"},"outputSchema":{"type":"object","properties":{
		"weight":{"type":"number"},"unit":{"type":"string"},"exact":{"type":"boolean"},"count":{"type":["integer","null"]},
		"box":{"type":"object","properties":{"label":{"type":"string"},"depth":{"type":"integer"}}}}}}]`
	pkg, err := Generate("scale", "", decodeTools(t, "optional results", []byte(tools)))
	if err != nil {
		t.Fatal(err)
	}
	mcp_tools.SetTransport(func(server, tool string, args json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(`{"content":[],"structuredContent":{"weight":2.5,"unit":"kg","count":null,"box":{"label":"a"}}}`), nil
	})
	defer mcp_tools.SetTransport(nil)
	const snippet = `package main

import (
	"fmt"

	"mcp_tools/scale"
)

func main() {
	r, err := scale.Weigh(scale.WeighArgs{})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(r.Weight, r.Unit, r.Exact, r.Count, r.Box.Label, r.Box.Depth)
	fmt.Printf("%v %+v\n", r.Weight, r.Box)
}
`
	var stdout bytes.Buffer
	if _, err := newInterp(t, pkg, &stdout).Eval(snippet); err != nil {
		t.Fatalf("running the snippet: %v\n%s", err, pkg.Source)
	}
	want := "2.5 kg false 0 a 0\n2.5 {Depth:0 Label:a}"
	if diff := cmp.Diff(want, strings.TrimSpace(stdout.String())); diff != "" {
		t.Errorf("snippet output (-want +got):\n%s", diff)
	}
}

// TestYaegiRecursiveTypes marshals and decodes recursive generated types in the interpreter.
func TestYaegiRecursiveTypes(t *testing.T) {
	tools := `[{"name":"tree","inputSchema":{"type":"object","$defs":{"Node":{"type":"object","properties":{
		"name":{"type":"string"},"kids":{"type":"array","items":{"$ref":"#/$defs/Node"}},"up":{"$ref":"#/$defs/Node"}},
		"required":["name"]}},"properties":{"root":{"$ref":"#/$defs/Node"}},"required":["root"]},
		"outputSchema":{"type":"object","properties":{"next":{"$ref":"#"},"v":{"type":"integer"}}}}]`
	pkg, err := Generate("s", "", decodeTools(t, "recursive", []byte(tools)))
	if err != nil {
		t.Fatal(err)
	}
	var gotArgs string
	mcp_tools.SetTransport(func(server, tool string, args json.RawMessage) (json.RawMessage, error) {
		gotArgs = string(args)
		return json.RawMessage(`{"content":[],"structuredContent":{"v":1,"next":{"v":2}}}`), nil
	})
	defer mcp_tools.SetTransport(nil)
	const snippet = `package main

import (
	"fmt"

	"mcp_tools/s"
)

func main() {
	root := s.Node{Name: "r", Kids: []s.Node{{Name: "a"}, {Name: "b", Up: &s.Node{Name: "r"}}}}
	r, err := s.Tree(s.TreeArgs{Root: root})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(r.V, r.Next.V)
}
`
	var stdout bytes.Buffer
	if _, err := newInterp(t, pkg, &stdout).Eval(snippet); err != nil {
		t.Fatalf("running the snippet: %v\n%s", err, pkg.Source)
	}
	want := `{"root":{"kids":[{"name":"a"},{"name":"b","up":{"name":"r"}}],"name":"r"}}`
	if diff := cmp.Diff(want, gotArgs); diff != "" {
		t.Errorf("arguments on the wire (-want +got):\n%s", diff)
	}
	if got := strings.TrimSpace(stdout.String()); got != "1 2" {
		t.Errorf("snippet printed %q, want %q", got, "1 2")
	}
}
