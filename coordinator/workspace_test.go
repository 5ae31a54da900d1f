package coordinator

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/codegen"
)

func TestWorkspacePackageNames(t *testing.T) {
	w, err := OpenWorkspace(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tools := []*mcp.Tool{{Name: "greet", InputSchema: map[string]any{"type": "object"}}}
	tests := []struct{ server, want string }{
		{"ev-a", "ev_a"},
		{"ev_a", "ev_a_2"}, // the same package name as ev-a
		{"time", "time_2"}, // an allowed standard package
		{"mcp_tools", "mcp_tools_2"},
	}
	for _, tt := range tests {
		pkg, err := codegen.Generate(tt.server, tools)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(tt.server, pkg); err != nil {
			t.Fatal(err)
		}
		if pkg.Name != tt.want {
			t.Errorf("%s: package %s, want %s", tt.server, pkg.Name, tt.want)
		}
		src := filepath.Join(w.Dir, "mcp_tools", tt.want, tt.want+".go")
		f, err := parser.ParseFile(token.NewFileSet(), src, nil, parser.PackageClauseOnly)
		if err != nil || f.Name.Name != tt.want {
			t.Errorf("%s: %s declares %v (%v), want package %s", tt.server, src, f.Name, err, tt.want)
		}
		// Unchanged tools are not rewritten, and keep their name.
		again, _ := codegen.Generate(tt.server, tools)
		if res, err := w.Write(tt.server, again); err != nil || res != Unchanged || again.Name != tt.want {
			t.Errorf("%s: rewrite gave %v %v %s", tt.server, res, err, again.Name)
		}
	}
}

func TestWorkspaceDamagedManifest(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "mcp_tools", "keep"), 0o755)
	bad, _ := json.Marshal(map[string]ManifestEntry{"a": {Package: ""}, "b": {Package: "../../etc"}, "c": {Package: "keep"}})
	os.WriteFile(filepath.Join(dir, "mcp_tools", "manifest.json"), bad, 0o644)
	w, err := OpenWorkspace(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Remove(map[string]bool{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "mcp_tools", "manifest.json")); err != nil {
		t.Errorf("Remove with a damaged manifest deleted the tools directory: %v", err)
	}
	if _, ok := w.Entry("b"); ok {
		t.Error("an entry with a path in its package name was accepted")
	}
}
