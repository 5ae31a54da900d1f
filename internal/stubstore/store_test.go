package stubstore

import (
	"context"
	"encoding/json"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/codegen"
	"github.com/mcp-coordinator/mcp-coordinator/internal/flock"
)

func TestStorePackageNames(t *testing.T) {
	w, err := Open(t.TempDir())
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
		pkg, _, err := w.Put(tt.server, tools)
		if err != nil {
			t.Fatal(err)
		}
		if pkg.Name != tt.want {
			t.Errorf("%s: package %s, want %s", tt.server, pkg.Name, tt.want)
		}
		src := filepath.Join(w.Dir(), "mcp_tools", tt.want, tt.want+".go")
		f, err := parser.ParseFile(token.NewFileSet(), src, nil, parser.PackageClauseOnly)
		if err != nil || f.Name.Name != tt.want {
			t.Errorf("%s: %s declares %v (%v), want package %s", tt.server, src, f.Name, err, tt.want)
		}
		// Unchanged tools are not rewritten, and keep their name.
		again, res, err := w.Put(tt.server, tools)
		if err != nil || res != Unchanged || again.Name != tt.want {
			t.Errorf("%s: rewrite gave %v %v", tt.server, res, err)
		}
	}
}

func TestStoreDamagedManifest(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "mcp_tools", "keep"), 0o755)
	bad, _ := json.Marshal(map[string]ManifestEntry{"a": {Package: ""}, "b": {Package: "../../etc"}, "c": {Package: "keep"}})
	os.WriteFile(filepath.Join(dir, "mcp_tools", "manifest.json"), bad, 0o644)
	w, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Remove([]string{"a", "b", "c"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "mcp_tools", "manifest.json")); err != nil {
		t.Errorf("Remove with a damaged manifest deleted the tools directory: %v", err)
	}
	if _, ok := w.Entry("b"); ok {
		t.Error("an entry with a path in its package name was accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "mcp_tools", "keep")); err == nil {
		t.Error("the package of c was not removed")
	}
}

// Two processes with different configs may share a workspace: neither loses the other's entries.
func TestStoreShared(t *testing.T) {
	dir := t.TempDir()
	a, _ := Open(dir)
	b, _ := Open(dir)
	tools := []*mcp.Tool{{Name: "greet", InputSchema: map[string]any{"type": "object"}}}
	if _, _, err := a.Put("alpha", tools); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Put("beta", tools); err != nil {
		t.Fatal(err)
	}
	c, _ := Open(dir)
	for _, s := range []string{"alpha", "beta"} {
		if _, ok := c.Entry(s); !ok {
			t.Errorf("the manifest lost %s", s)
		}
	}
}

// Keys that map to one package name get their names in sorted order, whichever is written first.
func TestStoreReserve(t *testing.T) {
	w, _ := Open(t.TempDir())
	w.Reserve([]string{"my_server", "my-server"})
	tools := []*mcp.Tool{{Name: "greet", InputSchema: map[string]any{"type": "object"}}}
	p, _, _ := w.Put("my_server", tools)
	if p.Name != "my_server_2" || w.PackageFor("my-server") != "my_server" {
		t.Errorf("my_server got %s, my-server %s; want my_server_2 and my_server", p.Name, w.PackageFor("my-server"))
	}
}

// Concurrent generate runs in two processes kept only 15 to 27 of 30 manifest entries (a
// read-modify-write without a cross-process lock), and two keys that map to one package name in
// two processes overwrote each other's directory.
func TestStoreSharedConcurrently(t *testing.T) {
	dir := t.TempDir()
	a, _ := Open(dir)
	b, _ := Open(dir)
	tools := []*mcp.Tool{{Name: "greet", InputSchema: map[string]any{"type": "object"}}}
	var wg sync.WaitGroup
	for i := range 15 {
		for _, w := range []struct {
			ws     *Store
			server string
		}{{a, fmt.Sprintf("a%d", i)}, {b, fmt.Sprintf("b%d", i)}} {
			wg.Go(func() {
				if _, _, err := w.ws.Put(w.server, tools); err != nil {
					t.Error(err)
				}
			})
		}
	}
	var pa, pb *codegen.Package
	wg.Go(func() { pa, _, _ = a.Put("my-server", tools) })
	wg.Go(func() { pb, _, _ = b.Put("my_server", tools) })
	wg.Wait()
	c, _ := Open(dir)
	if got := len(c.manifest); got != 32 {
		t.Errorf("the manifest holds %d entries, want 32", got)
	}
	if pa.Name == pb.Name {
		t.Fatalf("my-server and my_server both got package %s", pa.Name)
	}
	for server, name := range map[string]string{"my-server": pa.Name, "my_server": pb.Name} {
		src, err := os.ReadFile(filepath.Join(dir, "mcp_tools", name, name+".go"))
		if e, _ := c.Entry(server); err != nil || e.Package != name || !strings.Contains(string(src), "package "+name+"\n") {
			t.Errorf("%s: manifest %+v, package %s: %v", server, e, name, err)
		}
	}
}

// A package held in memory keeps serving runs when another process removes its files; a package
// on disk only is loaded from its tools.json.
func TestStoreGet(t *testing.T) {
	dir := t.TempDir()
	a, _ := Open(dir)
	tools := []*mcp.Tool{{Name: "greet", InputSchema: map[string]any{"type": "object"}}}
	put, _, err := a.Put("alpha", tools)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Open(dir)
	got := b.Get("alpha")
	if got == nil || got.Hash != put.Hash || got.Name != "alpha" || string(got.Source) != string(put.Source) {
		t.Fatalf("Get from disk: %+v", got)
	}
	if err := b.Remove([]string{"alpha"}); err != nil {
		t.Fatal(err)
	}
	if got := a.Get("alpha"); got == nil {
		t.Fatal("Get after another process removed the package")
	}
	if src, err := fs.ReadFile(a.FS(), "mcp_tools/alpha/alpha.go"); err != nil || string(src) != string(put.Source) {
		t.Errorf("the sandbox's view lost the package: %v", err)
	}
	if b.Get("nope") != nil {
		t.Error("Get of an unknown server")
	}
}

// Two processes that both configure a server "db", with other tools: each runs snippets against
// its own stubs, whatever the other wrote to disk last.
func TestStoreSameNameTwoProcesses(t *testing.T) {
	dir := t.TempDir()
	a, _ := Open(dir)
	b, _ := Open(dir)
	obj := map[string]any{"type": "object"}
	if _, _, err := a.Put("db", []*mcp.Tool{{Name: "query_postgres", InputSchema: obj}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Put("db", []*mcp.Tool{{Name: "query_sqlite", InputSchema: obj}}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		s    *Store
		want string
	}{{a, "QueryPostgres"}, {b, "QuerySqlite"}} {
		src, err := fs.ReadFile(tt.s.FS(), "mcp_tools/db/db.go")
		if err != nil || !strings.Contains(string(src), tt.want) || tt.s.Get("db").Tools[0].GoName != tt.want {
			t.Errorf("the sandbox's view lacks %s: %v", tt.want, err)
		}
	}
}

// A process holding the workspace lock (a generate stopped with ^Z) must not block readers: they
// never wait for the file lock, and a writer gives up after lockWait.
func TestStoreLockHeldElsewhere(t *testing.T) {
	dir := t.TempDir()
	a, _ := Open(dir)
	obj := map[string]any{"type": "object"}
	if _, _, err := a.Put("one", []*mcp.Tool{{Name: "x", InputSchema: obj}}); err != nil {
		t.Fatal(err)
	}
	other, err := flock.Lock(context.Background(), filepath.Join(dir, "mcp_tools", ".lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Unlock()
	put := make(chan error, 1)
	go func() { _, _, err := a.Put("two", []*mcp.Tool{{Name: "y", InputSchema: obj}}); put <- err }()
	read := make(chan bool)
	go func() { a.Get("one"); a.PackageFor("one"); a.FS(); a.Entry("one"); close(read) }()
	select {
	case <-read:
	case <-time.After(5 * time.Second):
		t.Fatal("readers blocked while another process holds the workspace lock")
	}
	other.Unlock()
	if err := <-put; err != nil {
		t.Errorf("Put after the lock was released: %v", err)
	}
}
