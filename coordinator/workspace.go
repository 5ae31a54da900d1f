package coordinator

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/codegen"
	"github.com/mcp-coordinator/mcp-coordinator/mcp_tools"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
)

// WorkspaceEnv names the variable that sets the workspace when --workspace is not given.
const WorkspaceEnv = "MCP_COORDINATOR_HOME"

// ResolveWorkspace returns the workspace directory: explicit, else $MCP_COORDINATOR_HOME, else
// ~/.mcp-coordinator.
func ResolveWorkspace(explicit string) (string, error) {
	if explicit != "" {
		return filepath.Abs(explicit)
	}
	if d := os.Getenv(WorkspaceEnv); d != "" {
		return filepath.Abs(d)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("workspace: no --workspace, no $%s and no home directory: %w", WorkspaceEnv, err)
	}
	return filepath.Join(home, ".mcp-coordinator"), nil
}

// Workspace is the directory that holds generated stubs, skills and the usage ledger:
//
//	mcp_tools/go.mod            module mcp_tools (so the tree builds with the Go toolchain)
//	mcp_tools/runtime.go        the runtime the stubs import
//	mcp_tools/manifest.json     server -> package, tools hash, generation time
//	mcp_tools/<pkg>/<pkg>.go    one generated package per server
//	mcp_tools/<pkg>/tools.json  the tools it was generated from
//	skills/                     saved skills
//	usage.jsonl                 the ledger
//
// A Workspace is safe for concurrent use.
type Workspace struct {
	Dir string

	mu       sync.Mutex
	manifest map[string]ManifestEntry // by server name
}

// ManifestEntry records one generated package.
type ManifestEntry struct {
	Package     string    `json:"package"`
	Hash        string    `json:"hash"`
	Tools       int       `json:"tools"`
	GeneratedAt time.Time `json:"generated_at"`
}

// OpenWorkspace creates dir's layout if needed and loads its manifest.
func OpenWorkspace(dir string) (*Workspace, error) {
	w := &Workspace{Dir: dir, manifest: map[string]ManifestEntry{}}
	for _, d := range []string{w.toolsDir(), filepath.Join(dir, "skills")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("workspace %s: %w", dir, err)
		}
	}
	if err := writeIfChanged(filepath.Join(w.toolsDir(), "runtime.go"), mcp_tools.RuntimeSource); err != nil {
		return nil, err
	}
	if err := writeIfChanged(filepath.Join(w.toolsDir(), "go.mod"), []byte("module mcp_tools\n\ngo 1.22\n")); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(w.manifestPath())
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("workspace: %w", err)
	default:
		if err := json.Unmarshal(data, &w.manifest); err != nil {
			// A damaged manifest only costs a regeneration: start afresh rather than refuse to run.
			w.manifest = map[string]ManifestEntry{}
		}
		for server, e := range w.manifest {
			if !token.IsIdentifier(e.Package) || e.Package == "mcp_tools" {
				delete(w.manifest, server) // never a path: Remove deletes mcp_tools/<package>
			}
		}
	}
	return w, nil
}

func (w *Workspace) toolsDir() string     { return filepath.Join(w.Dir, "mcp_tools") }
func (w *Workspace) manifestPath() string { return filepath.Join(w.toolsDir(), "manifest.json") }

// FS returns the workspace as the sandbox reads it (GOPATH src layout).
func (w *Workspace) FS() fs.FS { return os.DirFS(w.Dir) }

// Entry returns the manifest entry of server.
func (w *Workspace) Entry(server string) (ManifestEntry, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	e, ok := w.manifest[server]
	return e, ok
}

// PackageFor returns the package name that server's stubs use (or will use): codegen's name,
// suffixed with _2, _3 when another server or an allowed standard package already holds it.
func (w *Workspace) PackageFor(server string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.packageForLocked(server)
}

func (w *Workspace) packageForLocked(server string) string {
	if e, ok := w.manifest[server]; ok {
		return e.Package
	}
	base := codegen.PackageName(server)
	taken := map[string]bool{"mcp_tools": true, "skills": true}
	// A stub named like an allowed standard package (a server keyed "time") would hide it in
	// snippets whose imports are added for them.
	for _, p := range sandbox.AllowedStdlib() {
		taken[path.Base(p)] = true
	}
	for s, e := range w.manifest {
		if s != server {
			taken[e.Package] = true
		}
	}
	name := base
	for i := 2; taken[name]; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	return name
}

// WriteResult says what Write did.
type WriteResult int

const (
	Unchanged WriteResult = iota
	Written
)

func (r WriteResult) String() string {
	if r == Written {
		return "written"
	}
	return "unchanged"
}

// Write stores a generated package under the name PackageFor gives (renaming it when that differs
// from codegen's, and setting pkg.Name) unless the manifest already holds the same tools hash and the
// source file is present.
func (w *Workspace) Write(server string, pkg *codegen.Package) (WriteResult, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	name, generated := w.packageForLocked(server), pkg.Name
	pkg.Name = name
	dir := filepath.Join(w.toolsDir(), name)
	src := filepath.Join(dir, name+".go")
	if e, ok := w.manifest[server]; ok && e.Hash == pkg.Hash {
		if _, err := os.Stat(src); err == nil {
			return Unchanged, nil
		}
	}
	source := pkg.Source
	if name != generated {
		var err error
		if source, err = renamePackage(source, name); err != nil {
			return Unchanged, fmt.Errorf("workspace: package %s: %w", name, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Unchanged, fmt.Errorf("workspace: %w", err)
	}
	if err := writeAtomic(src, source); err != nil {
		return Unchanged, err
	}
	if err := writeAtomic(filepath.Join(dir, "tools.json"), pkg.ToolsJSON); err != nil {
		return Unchanged, err
	}
	w.manifest[server] = ManifestEntry{Package: name, Hash: pkg.Hash, Tools: len(pkg.Tools), GeneratedAt: time.Now().UTC()}
	return Written, w.saveManifestLocked()
}

// Remove deletes the packages of servers not in keep and reports their names.
func (w *Workspace) Remove(keep map[string]bool) ([]string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var removed []string
	for server, e := range w.manifest {
		if keep[server] {
			continue
		}
		if err := os.RemoveAll(filepath.Join(w.toolsDir(), e.Package)); err != nil {
			return removed, fmt.Errorf("workspace: %w", err)
		}
		delete(w.manifest, server)
		removed = append(removed, server)
	}
	sort.Strings(removed)
	if len(removed) == 0 {
		return nil, nil
	}
	return removed, w.saveManifestLocked()
}

func (w *Workspace) saveManifestLocked() error {
	data, err := json.MarshalIndent(w.manifest, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(w.manifestPath(), append(data, '\n'))
}

// renamePackage rewrites the package clause of a generated file: two config keys can map to
// one package name (my-server and my_server), and the second one gets a suffix.
func renamePackage(src []byte, name string) ([]byte, error) {
	f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.PackageClauseOnly)
	if err != nil {
		return nil, err
	}
	start, end := int(f.Name.Pos())-1, int(f.Name.End())-1
	return append(append(append([]byte{}, src[:start]...), name...), src[end:]...), nil
}

func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && string(old) == string(data) {
		return nil
	}
	return writeAtomic(path, data)
}

// writeAtomic writes through a temporary file and a rename, so a reader never sees half a file.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("workspace: %w", err)
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("workspace: writing %s: %w", path, werr)
	}
	return nil
}
