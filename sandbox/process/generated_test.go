package process

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/tools/txtar"

	"github.com/mcp-coordinator/mcp-coordinator/internal/testenv"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
)

// okTools answers every call with a text "ok" and an empty structuredContent.
type okTools struct{}

func (okTools) CallTool(ctx context.Context, server, tool string, args json.RawMessage) (json.RawMessage, error) {
	return json.RawMessage(`{"content":[{"type":"text","text":"ok"}],"structuredContent":{}}`), nil
}

// TestGeneratedStubs calls every function of the stubs that codegen generates for real servers
// (its golden files), each alone, so that the stub is pruned to that function: the pruned stub
// must compile in the interpreter, send the call and decode the result.
func TestGeneratedStubs(t *testing.T) {
	dir := filepath.Join(testenv.Root(), "codegen", "testdata", "golden")
	paths, _ := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if len(paths) == 0 {
		t.Fatalf("no codegen goldens in %s", dir)
	}
	e := newEngine(t, nil)
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if !strings.HasSuffix(f.Name, ".go") {
				continue
			}
			pf, err := parser.ParseFile(token.NewFileSet(), f.Name, f.Data, 0)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			pkg := pf.Name.Name
			pkgs := fstest.MapFS{"mcp_tools/" + pkg + "/" + f.Name: {Data: f.Data}}
			t.Run(pkg, func(t *testing.T) {
				for _, d := range pf.Decls {
					fd, ok := d.(*ast.FuncDecl)
					if !ok || fd.Recv != nil || !fd.Name.IsExported() || fd.Type.Params.NumFields() != 1 {
						continue
					}
					arg, ok := fd.Type.Params.List[0].Type.(*ast.Ident)
					if !ok {
						continue
					}
					src := "r, err := " + pkg + "." + fd.Name.Name + "(" + pkg + "." + arg.Name + "{})\nif err != nil {\n\tpanic(err)\n}\nfmt.Println(r.Text())\n"
					res, err := e.Run(context.Background(), &sandbox.Request{Source: src, Packages: pkgs, Tools: okTools{}})
					if err != nil {
						t.Errorf("%s: %v", fd.Name.Name, err)
						continue
					}
					if res.Stdout != "ok\n" || res.Calls != 1 {
						t.Errorf("%s: stdout %q, %d calls; want \"ok\\n\", 1 call", fd.Name.Name, res.Stdout, res.Calls)
					}
				}
			})
		}
	}
}
