package codegen

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mcp-coordinator/mcp-coordinator/internal/ledger"
)

// goldenPackage generates the package of the golden file name (in testdata/golden).
func goldenPackage(t *testing.T, name string) *Package {
	t.Helper()
	for _, g := range readGoldens(t) {
		if filepath.Base(g.path) == name {
			pkg, err := Generate(g.server, "", decodeTools(t, g.path, g.tools))
			if err != nil {
				t.Fatal(err)
			}
			return pkg
		}
	}
	t.Fatalf("no golden file %s", name)
	return nil
}

func TestView(t *testing.T) {
	pkg := goldenPackage(t, "server-memory.txtar")
	view, err := pkg.View("SearchNodes", "CreateEntities", "SearchNodes")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "view.go", "package p\n"+view, parser.ParseComments); err != nil {
		t.Fatalf("the view is not valid Go: %v\n%s", err, view)
	}
	// Functions in the order given, each once; then types in the order of first use, each once.
	var decls []string
	for _, l := range strings.Split(view, "\n") {
		if strings.HasPrefix(l, "func ") || strings.HasPrefix(l, "type ") {
			decls = append(decls, strings.Fields(l)[1])
		}
	}
	want := []string{"SearchNodes(SearchNodesArgs)", "CreateEntities(CreateEntitiesArgs)", "SearchNodesArgs", "SearchNodesResult", "Entity",
		"Relation", "CreateEntitiesArgs", "CreateEntitiesResult"}
	if diff := cmp.Diff(want, decls); diff != "" {
		t.Errorf("declarations of the view (-want +got):\n%s\n%s", diff, view)
	}
	for _, bad := range []string{"Blocks", "Text()", "holds the", "calls the MCP tool", "json:", "omitempty"} {
		if strings.Contains(view, bad) {
			t.Errorf("the view holds %q:\n%s", bad, view)
		}
	}
	for _, good := range []string{"Observations []string // required. An array of observation contents",
		"// Search for nodes in the knowledge graph based on a query"} {
		if !strings.Contains(normalize(view), normalize(good)) {
			t.Errorf("the view lacks %q:\n%s", good, view)
		}
	}

	if _, err := pkg.View("CreateEntities", "create_entities", "Nope"); err == nil ||
		!strings.Contains(err.Error(), `"create_entities", "Nope"`) {
		t.Errorf("View with unknown names: err = %v, want one naming both", err)
	}
	if v, err := pkg.View(); err != nil || v != "" {
		t.Errorf("View() = %q, %v; want empty", v, err)
	}
	for _, td := range pkg.Tools {
		if v, _ := pkg.View(td.GoName); v != td.Doc {
			t.Errorf("%s: Doc differs from View(%[1]s)", td.GoName)
		}
	}
}

// TestViewKeepsMeaning checks what the view must keep: enum values and defaults in the comments,
// json tags where the JSON name does not follow from the Go name, required marks only where a
// zero value would be sent, and descriptions with line breaks above the field.
func TestViewKeepsMeaning(t *testing.T) {
	tools := `[{"name":"t","inputSchema":{"type":"object","properties":{
		"mode":{"type":"string","enum":["fast","slow"],"default":"fast","description":"How"},
		"id":{"type":"string"},"Id":{"type":"integer"},"list":{"type":"array","items":{"type":"string"}},
		"nullable":{"type":["string","null"]},"opt":{"type":"boolean"},
		"long":{"type":"string","description":"First line.\nSecond line."}},
		"required":["mode","Id","list","nullable","long"]},
		"outputSchema":{"type":"object","description":"What comes back.","properties":{"n":{"type":"integer"}},"required":["n"]}}]`
	pkg, err := Generate("s", "", decodeTools(t, "meaning", []byte(tools)))
	if err != nil {
		t.Fatal(err)
	}
	checkPackage(t, pkg)
	want := `type TArgs struct {
	Id int64 // required
	Id2 *string ` + "`json:\"id\"`" + `
	List []string // required
	// First line.
	// Second line.
	Long string // required
	Mode string // required. How. One of: "fast", "slow". Default: "fast".
	Nullable *string
	Opt *bool
}

// What comes back.
type TResult struct {
	N int64
}
`
	got := pkg.Tools[0].Doc
	if diff := cmp.Diff(normalize(want), normalize(got[strings.Index(got, "type TArgs"):])); diff != "" {
		t.Errorf("view (-want +got):\n%s\n%s", diff, got)
	}
}

// TestViewTokens measures the view against the documentation get_tool showed before it (the
// full declarations of each tool, with the per-tool boilerplate): at least 40% fewer o200k tokens.
func TestViewTokens(t *testing.T) {
	tests := []struct {
		golden string
		tools  []string
		before int // o200k tokens of the former ToolDoc.Doc of these tools, joined
	}{
		{"server-memory.txtar", []string{"CreateEntities", "CreateRelations", "SearchNodes"}, 894},
		{"server-filesystem.txtar", []string{"ReadTextFile"}, 307},
	}
	for _, tt := range tests {
		view, err := goldenPackage(t, tt.golden).View(tt.tools...)
		if err != nil {
			t.Fatal(err)
		}
		n := ledger.CountTokens(view)
		t.Logf("%s %v: %d tokens, was %d (%.1f%% fewer)", tt.golden, tt.tools, n, tt.before, 100-100*float64(n)/float64(tt.before))
		if float64(n) > 0.6*float64(tt.before) {
			t.Errorf("%s %v: %d tokens, want at most 60%% of %d:\n%s", tt.golden, tt.tools, n, tt.before, view)
		}
	}
}

// Two tools whose items look alike but mean different things keep their own types, so that
// neither shows the other's description.
func TestSameShapeOtherMeaning(t *testing.T) {
	tools := `[{"name":"charge","inputSchema":{"type":"object","properties":{"items":{"type":"array","items":{"type":"object","properties":{"amount":{"type":"number","description":"In euros."}},"required":["amount"]}}},"required":["items"]}},
	{"name":"refund","inputSchema":{"type":"object","properties":{"items":{"type":"array","items":{"type":"object","properties":{"amount":{"type":"number","description":"In cents, negative."}},"required":["amount"]}}},"required":["items"]}}]`
	pkg, err := Generate("s", "", decodeTools(t, "meaning", []byte(tools)))
	if err != nil {
		t.Fatal(err)
	}
	view, err := pkg.View("Refund")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(view, "In cents, negative.") || strings.Contains(view, "In euros.") {
		t.Errorf("refund's view:\n%s", view)
	}
}
