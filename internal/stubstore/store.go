package stubstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing/fstest"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/codegen"
	"github.com/mcp-coordinator/mcp-coordinator/internal/atomicfile"
	"github.com/mcp-coordinator/mcp-coordinator/internal/flock"
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

// Store is the one owner of a workspace's generated stub packages:
//
//	mcp_tools/go.mod            module mcp_tools (so the tree builds with the Go toolchain)
//	mcp_tools/runtime.go        the runtime the stubs import
//	mcp_tools/manifest.json     server -> package, tools hash, generation time
//	mcp_tools/<pkg>/<pkg>.go    one generated package per server
//	mcp_tools/<pkg>/tools.json  the tools it was generated from
//	mcp_tools/.lock             the cross-process lock
//
// It keeps the generated packages in memory too; [Store.Get] and [Store.Put] are the one way
// out and the one way in. A Store is safe for concurrent use, and several processes may share a
// workspace: every change to the manifest or a package directory happens under a file lock,
// with the manifest read again under it.
type Store struct {
	dir string // the workspace

	mu       sync.Mutex
	manifest map[string]ManifestEntry    // by server name
	reserved map[string]string           // server -> package name, for servers not generated yet
	pkgs     map[string]*codegen.Package // server -> its package, as generated or loaded
}

// ManifestEntry records one generated package.
type ManifestEntry struct {
	Package     string    `json:"package"`
	Hash        string    `json:"hash"`
	Tools       int       `json:"tools"`
	GeneratedAt time.Time `json:"generated_at"`
}

// Open creates the layout of the workspace dir if needed and loads its manifest.
func Open(dir string) (*Store, error) {
	w := &Store{dir: dir, manifest: map[string]ManifestEntry{}, reserved: map[string]string{}, pkgs: map[string]*codegen.Package{}}
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
	m, err := w.readManifest()
	if err != nil {
		return nil, err
	}
	w.manifest = m
	return w, nil
}

// Dir returns the workspace directory.
func (w *Store) Dir() string { return w.dir }

// readManifest reads the manifest from disk. A missing or damaged manifest is empty (it only costs
// a regeneration), and entries whose package is not a plain identifier are dropped: Remove
// deletes mcp_tools/<package>.
func (w *Store) readManifest() (map[string]ManifestEntry, error) {
	m := map[string]ManifestEntry{}
	data, err := os.ReadFile(w.manifestPath())
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("workspace: %w", err)
	}
	if json.Unmarshal(data, &m) != nil {
		return map[string]ManifestEntry{}, nil
	}
	for server, e := range m {
		if !token.IsIdentifier(e.Package) || e.Package == "mcp_tools" {
			delete(m, server)
		}
	}
	return m, nil
}

func (w *Store) toolsDir() string     { return filepath.Join(w.dir, "mcp_tools") }
func (w *Store) manifestPath() string { return filepath.Join(w.toolsDir(), "manifest.json") }

// FS returns the workspace as the sandbox reads it (GOPATH src layout).
//
// The stub packages come from memory, not from disk: another coordinator sharing the workspace
// may have written its own package for a server of the same name (or removed it), and a snippet
// must run against the stubs this process shows and calls. Skills come from disk.
func (w *Store) FS() fs.FS { return packagesFS{w} }

// packagesFS serves mcp_tools/ from the store's memory, as it is when a file is opened (the
// sandbox asks the coordinator for a snippet's packages before it reads them), and everything
// else from disk.
type packagesFS struct{ w *Store }

func (p packagesFS) Open(name string) (fs.File, error) {
	if name != "mcp_tools" && !strings.HasPrefix(name, "mcp_tools/") {
		return os.DirFS(p.w.dir).Open(name)
	}
	p.w.mu.Lock()
	stubs := fstest.MapFS{}
	for _, pkg := range p.w.pkgs {
		stubs["mcp_tools/"+pkg.Name+"/"+pkg.Name+".go"] = &fstest.MapFile{Data: pkg.Source, Mode: 0o444}
	}
	p.w.mu.Unlock()
	return stubs.Open(name)
}

// Entry returns the manifest entry of server.
func (w *Store) Entry(server string) (ManifestEntry, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	e, ok := w.manifest[server]
	return e, ok
}

// sourcePresent reports whether the source of e is on disk (another process sharing the
// workspace may have removed it).
func (w *Store) sourcePresent(e ManifestEntry) bool {
	_, err := os.Stat(filepath.Join(w.toolsDir(), e.Package, e.Package+".go"))
	return err == nil
}

// PackageFor returns the package name that server's stubs use (or will use): codegen's name,
// suffixed with _2, _3 when another server or an allowed standard package already holds it.
func (w *Store) PackageFor(server string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.packageForLocked(server)
}

// Reserve settles the package names of servers that have none yet, in sorted order, so that two
// keys mapping to one name (my-server, my_server) get the same names whichever is generated first.
func (w *Store) Reserve(servers []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	sorted := slices.Sorted(slices.Values(servers))
	for _, s := range sorted {
		if _, ok := w.manifest[s]; !ok {
			delete(w.reserved, s)
			w.reserved[s] = w.packageForLocked(s)
		}
	}
}

func (w *Store) packageForLocked(server string) string {
	if e, ok := w.manifest[server]; ok {
		return e.Package
	}
	if name, ok := w.reserved[server]; ok && !w.heldByOther(server, name) {
		return name
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
	for s, name := range w.reserved {
		if s != server && !w.heldByOther(s, name) {
			taken[name] = true
		}
	}
	name := base
	for i := 2; taken[name]; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	return name
}

// heldByOther reports whether the manifest gives package name to a server other than server
// (another process sharing the workspace wrote it since name was reserved).
func (w *Store) heldByOther(server, name string) bool {
	for s, e := range w.manifest {
		if s != server && e.Package == name {
			return true
		}
	}
	return false
}

// WriteResult says what Put did on disk.
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

// Get returns server's package without talking to the server: the one in memory, else the one
// the workspace holds (generated from its tools.json). It returns nil when there is none.
func (w *Store) Get(server string) *codegen.Package {
	w.mu.Lock()
	pkg, e, ok := w.pkgs[server], ManifestEntry{}, false
	if pkg == nil {
		e, ok = w.manifest[server]
	}
	w.mu.Unlock()
	if pkg != nil || !ok {
		return pkg
	}
	// Read and generate without holding w.mu: runs read packages meanwhile.
	data, err := os.ReadFile(filepath.Join(w.toolsDir(), e.Package, "tools.json"))
	var tools []*mcp.Tool
	if err != nil || json.Unmarshal(data, &tools) != nil {
		return nil
	}
	if pkg, err = generate(server, e.Package, tools); err != nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if held := w.pkgs[server]; held != nil { // a Put or another Get came first
		return held
	}
	w.pkgs[server] = pkg
	return pkg
}

// Put generates server's package from tools, under the name PackageFor settles, and stores it:
// in memory, and on disk unless the manifest already holds the same tools hash and the source
// file is present. It waits at most lockWait for another process holding the workspace.
func (w *Store) Put(server string, tools []*mcp.Tool) (*codegen.Package, WriteResult, error) {
	unlock, err := w.lockShared()
	if err != nil {
		return nil, Unchanged, err
	}
	defer unlock()
	w.mu.Lock()
	name := w.packageForLocked(server)
	w.mu.Unlock()
	pkg, err := generate(server, name, tools)
	if err != nil {
		return nil, Unchanged, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	res, err := w.writeLocked(server, pkg)
	if err != nil {
		return nil, Unchanged, err
	}
	w.pkgs[server] = pkg
	return pkg, res, nil
}

// generate is codegen.Generate for a listing that came from an untrusted server: a panic in
// the generator becomes an error.
func generate(server, name string, tools []*mcp.Tool) (pkg *codegen.Package, err error) {
	defer func() {
		if v := recover(); v != nil {
			pkg, err = nil, fmt.Errorf("codegen failed on the tools of %s (a bug in mcp-coordinator): %v", server, v)
		}
	}()
	return codegen.Generate(server, name, tools)
}

// writeLocked writes pkg's files and manifest entry unless they are current; w.mu and the
// cross-process lock are held.
func (w *Store) writeLocked(server string, pkg *codegen.Package) (WriteResult, error) {
	dir := filepath.Join(w.toolsDir(), pkg.Name)
	if e, ok := w.manifest[server]; ok && e.Hash == pkg.Hash && e.Package == pkg.Name && w.sourcePresent(e) {
		return Unchanged, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Unchanged, fmt.Errorf("workspace: %w", err)
	}
	if err := writeAtomic(filepath.Join(dir, pkg.Name+".go"), pkg.Source); err != nil {
		return Unchanged, err
	}
	if err := writeAtomic(filepath.Join(dir, "tools.json"), pkg.ToolsJSON); err != nil {
		return Unchanged, err
	}
	e := ManifestEntry{Package: pkg.Name, Hash: pkg.Hash, Tools: len(pkg.Tools), GeneratedAt: time.Now().UTC()}
	return Written, w.updateManifestLocked(func(m map[string]ManifestEntry) { m[server] = e })
}

// Remove deletes the packages of the named servers (those it has) and forgets them. Only
// servers that left this process's config are named: another config may share the workspace
// (a process whose packages another removed keeps serving them from memory).
func (w *Store) Remove(servers []string) error {
	unlock, err := w.lockShared()
	if err != nil {
		return err
	}
	defer unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	var gone []string
	for _, server := range servers {
		e, ok := w.manifest[server]
		if !ok {
			continue
		}
		if err := os.RemoveAll(filepath.Join(w.toolsDir(), e.Package)); err != nil {
			return fmt.Errorf("workspace: %w", err)
		}
		delete(w.pkgs, server)
		gone = append(gone, server)
	}
	if len(gone) == 0 {
		return nil
	}
	return w.updateManifestLocked(func(m map[string]ManifestEntry) {
		for _, s := range gone {
			delete(m, s)
		}
	})
}

// lockWait bounds how long a change waits for another process holding the workspace.
const lockWait = 10 * time.Second

// lockShared takes the workspace's cross-process lock (other coordinators may share the
// workspace) and reloads the manifest as they left it. Every change to the manifest or to a
// package directory happens under it. It is taken before w.mu, never while holding it, so that
// waiting for another process never blocks readers in this one.
func (w *Store) lockShared() (unlock func(), err error) {
	ctx, cancel := context.WithTimeout(context.Background(), lockWait)
	defer cancel()
	l, err := flock.Lock(ctx, filepath.Join(w.toolsDir(), ".lock"))
	if err != nil {
		return nil, fmt.Errorf("workspace: %w", err)
	}
	m, err := w.readManifest()
	if err != nil {
		l.Unlock()
		return nil, err
	}
	w.mu.Lock()
	w.manifest = m
	w.mu.Unlock()
	return func() { l.Unlock() }, nil
}

// updateManifestLocked applies change to the manifest as it is on disk now (another process may
// share the workspace and have written entries of its own), saves it and keeps it. The
// cross-process lock and w.mu are held.
func (w *Store) updateManifestLocked(change func(map[string]ManifestEntry)) error {
	m, err := w.readManifest()
	if err != nil {
		return err
	}
	change(m)
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(w.manifestPath(), append(data, '\n')); err != nil {
		return err
	}
	w.manifest = m
	return nil
}

func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && string(old) == string(data) {
		return nil
	}
	return writeAtomic(path, data)
}

func writeAtomic(path string, data []byte) error {
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("workspace: %w", err)
	}
	return nil
}
