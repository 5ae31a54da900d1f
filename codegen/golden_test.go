package codegen

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the generated sections of the golden files in testdata/golden")

// A golden archive holds, in its comment, "server: <config key>"; tools.json is the input (a
// tools/list snapshot, or hand-written schemas) and the other files are the expected output:
// <package>.go is the generated source, docs.txt the ToolDocs.
type golden struct {
	path   string
	server string
	tools  []byte
	ar     *txtar.Archive
}

func readGoldens(t testing.TB) []golden {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "golden", "*.txtar"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden files in testdata/golden (%v)", err)
	}
	var out []golden
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		g := golden{path: p, ar: ar}
		for _, line := range strings.Split(string(ar.Comment), "\n") {
			if v, ok := strings.CutPrefix(line, "server: "); ok {
				g.server = v
			}
		}
		for _, f := range ar.Files {
			if f.Name == "tools.json" {
				g.tools = f.Data
			}
		}
		if g.server == "" || g.tools == nil {
			t.Fatalf("%s: needs a \"server: <key>\" comment line and a tools.json file", p)
		}
		out = append(out, g)
	}
	return out
}

func decodeTools(t testing.TB, name string, data []byte) []*mcp.Tool {
	t.Helper()
	var tools []*mcp.Tool
	if err := json.Unmarshal(data, &tools); err != nil {
		t.Fatalf("%s: decoding tools.json: %v", name, err)
	}
	return tools
}

// docsText renders the ToolDocs for the golden files.
func docsText(pkg *Package) string {
	var b strings.Builder
	for _, td := range pkg.Tools {
		fmt.Fprintf(&b, "== %s (%q)\nsignature: %s\nsummary: %s\nparams: %s\n\n%s\n",
			td.GoName, td.Name, td.Signature, td.Summary, strings.Join(td.Params, ", "), td.Doc)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	for _, g := range readGoldens(t) {
		t.Run(filepath.Base(g.path), func(t *testing.T) {
			pkg, err := Generate(g.server, "", decodeTools(t, g.path, g.tools))
			if err != nil {
				t.Fatalf("Generate(%q): %v", g.server, err)
			}
			checkPackage(t, pkg)
			got := map[string]string{pkg.Name + ".go": string(pkg.Source), "docs.txt": docsText(pkg)}
			if *update {
				ar := &txtar.Archive{Comment: g.ar.Comment, Files: []txtar.File{{Name: "tools.json", Data: g.tools}}}
				for _, name := range []string{pkg.Name + ".go", "docs.txt"} {
					ar.Files = append(ar.Files, txtar.File{Name: name, Data: []byte(got[name])})
				}
				if err := os.WriteFile(g.path, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want := map[string]string{}
			for _, f := range g.ar.Files {
				if f.Name != "tools.json" {
					want[f.Name] = string(f.Data)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: generated output differs from the golden file (-want +got); run go test ./codegen -update to accept:\n%s", g.path, diff)
			}
		})
	}
}

// TestDeterministic generates every golden input twice, the second time from shuffled tools, and
// expects the same bytes, hash and docs.
func TestDeterministic(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, g := range readGoldens(t) {
		tools := decodeTools(t, g.path, g.tools)
		first, err := Generate(g.server, "", tools)
		if err != nil {
			t.Fatal(err)
		}
		shuffled := decodeTools(t, g.path, g.tools)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		second, err := Generate(g.server, "", shuffled)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(first, second, cmp.AllowUnexported(Package{})); diff != "" {
			t.Errorf("%s: output depends on the order of tools (-first +shuffled):\n%s", g.path, diff)
		}
		// The snapshot is a faithful input: generating from it gives the same package.
		third, err := Generate(g.server, "", decodeTools(t, g.path+" ToolsJSON", first.ToolsJSON))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(first, third, cmp.AllowUnexported(Package{})); diff != "" {
			t.Errorf("%s: generating from ToolsJSON differs (-first +from snapshot):\n%s", g.path, diff)
		}
	}
}

func TestHashTracksTools(t *testing.T) {
	tools := `[{"name":"a","inputSchema":{"type":"object","properties":{"x":{"type":"string"}}}}]`
	changed := `[{"name":"a","inputSchema":{"type":"object","properties":{"x":{"type":"integer"}}}}]`
	p1, err := Generate("s", "", decodeTools(t, "tools", []byte(tools)))
	if err != nil {
		t.Fatal(err)
	}
	p2, err := Generate("other server", "", decodeTools(t, "tools", []byte(tools)))
	if err != nil {
		t.Fatal(err)
	}
	p3, err := Generate("s", "", decodeTools(t, "changed", []byte(changed)))
	if err != nil {
		t.Fatal(err)
	}
	if p1.Hash != p2.Hash {
		t.Errorf("the hash depends on the server key: %s vs %s", p1.Hash, p2.Hash)
	}
	if p1.Hash == p3.Hash {
		t.Errorf("a changed property type kept the hash %s", p1.Hash)
	}
	if !strings.HasPrefix(p1.Hash, "sha256:") || len(p1.Hash) != len("sha256:")+64 {
		t.Errorf("Hash = %q, want sha256:<64 hex digits>", p1.Hash)
	}
}
