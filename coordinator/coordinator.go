package coordinator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/codegen"
	"github.com/mcp-coordinator/mcp-coordinator/delegate"
	"github.com/mcp-coordinator/mcp-coordinator/downstream"
	"github.com/mcp-coordinator/mcp-coordinator/internal/ledger"
	"github.com/mcp-coordinator/mcp-coordinator/internal/shapes"
	"github.com/mcp-coordinator/mcp-coordinator/internal/stubstore"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/skills"
)

// Options configures a Coordinator. The zero value of each field means its default.
type Options struct {
	// ConfigPath is the MCP config file. Empty means downstream.FindConfig's search order.
	ConfigPath string
	// Workspace is the workspace directory. Empty means stubstore.ResolveWorkspace's order:
	// $MCP_COORDINATOR_HOME, else ~/.mcp-coordinator.
	Workspace string
	// Logger receives diagnostics; nil means slog.Default(). Never stdout.
	Logger *slog.Logger
	// MaxLimits are the most a snippet may ask for; a request can lower them, never raise them.
	// Zero fields mean the sandbox's defaults.
	MaxLimits sandbox.Limits
	// OutputChars caps what execute_code returns to the model. Default 20,000.
	OutputChars int
	// StartTimeout bounds each downstream server's start. Default 30 s.
	StartTimeout time.Duration
	// ServerWait bounds how long a tool waits for a server that is still starting. Default 20 s.
	ServerWait time.Duration
	// ConfigPoll is how often serve checks the config file for changes. Default 1 s; negative
	// disables watching.
	ConfigPoll time.Duration
	// MaxConcurrentRuns bounds the snippets running at once; more wait their turn. Zero means
	// the engine's default: the number of CPUs, at least 2.
	MaxConcurrentRuns int
	// Sandbox runs snippets in place of the process engine; nil means the process engine. The
	// Coordinator closes it.
	Sandbox sandbox.Sandbox
	// Engine is the sandbox engine of a run that names none: EngineProcess (empty means it)
	// or EngineWasm. A run may ask for either.
	Engine string
	// WasmCache is the directory of the wasm engine's compilation cache. Empty means
	// $MCP_COORDINATOR_WASM_CACHE, else cache/wasm in the workspace.
	WasmCache string
	// SettingsPath is the coordinator's settings file (see Settings). Empty means
	// $MCP_COORDINATOR_SETTINGS, else settings.json in the workspace; a missing file is no
	// settings. Options set here win over the file's.
	SettingsPath string
	// TeamSkills is a read-only directory of the team's skills. Empty means
	// $MCP_COORDINATOR_TEAM_SKILLS, else TeamSkillsDir beside the config file when it exists.
	TeamSkills string
	// KeepConfigProblems, when true, makes New succeed despite a missing, unreadable or invalid
	// config: the Coordinator has no servers, every tool answers with the problem and how to
	// fix it (see ConfigProblem), and Start's watcher takes the file up when it appears or is
	// fixed. False (what generate and run want) means New fails with the problem.
	KeepConfigProblems bool
}

// Coordinator wires the config, the downstream Pool, the workspace stubs, the sandbox and the
// ledger together. It is safe for concurrent use.
type Coordinator struct {
	opts   Options
	log    *slog.Logger
	store  *stubstore.Store
	pool   *downstream.Pool
	sb     *engines
	ledger *ledger.Ledger
	shapes *shapes.Book // what Text() held for tools without an output schema
	skills *skills.Store
	// delegate sends work to local models. settingsProblem says why the settings file is not
	// used (delegation answers with it, list_servers shows it), or is nil.
	delegate        *delegate.Client
	settingsProblem error
	// skillsKick asks for a check of the skills that are due one (see watchSkills).
	skillsKick chan struct{}
	// skillsNote says why the team's skills are not available, or is empty.
	skillsNote string

	switchMu sync.Mutex // serialises config switches

	mu      sync.Mutex
	cfg     *downstream.Config
	genErrs map[string]string // server -> last generation failure
	// configNote says why the last config change was not fully applied, or is empty.
	configNote string
	// loaded is the config file's stamp when cfg was read: the watcher starts from it.
	loaded downstream.Stamp
	// pending is a config change waiting for a person's approval, or nil.
	pending *pendingConfig
	// life is the context of Start: background work started later (by an approval) runs under it.
	life context.Context
	// path is the config file in use, or the one searched for while none is found.
	path string
	// problem is why no config is in use (missing, unreadable, invalid), or nil.
	problem error
	// existed says whether the config file existed when New ran: a first version that loads
	// later is then taken as at start; otherwise its servers wait for approval like any added.
	existed bool

	bg        sync.WaitGroup // background generation, waited for by Close
	stop      context.CancelFunc
	closeOnce sync.Once
	closeErr  error
}

// New loads the config, opens the workspace and prepares (but does not start) the Pool.
func New(opts Options) (*Coordinator, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	dir, err := stubstore.ResolveWorkspace(opts.Workspace)
	if err != nil {
		return nil, err
	}
	opts.Workspace = dir
	opts.SettingsPath = settingsPath(opts.SettingsPath, dir)
	settings, serr := loadSettings(opts.SettingsPath)
	if serr != nil && !opts.KeepConfigProblems {
		return nil, serr
	}
	settings.apply(&opts)
	switch {
	case opts.OutputChars == 0:
		opts.OutputChars = 20000
	case opts.OutputChars < 200:
		return nil, fmt.Errorf("output cap %d: at least 200 characters", opts.OutputChars)
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 30 * time.Second
	}
	if opts.ConfigPoll == 0 {
		opts.ConfigPoll = time.Second
	}
	if opts.ServerWait <= 0 {
		opts.ServerWait = 20 * time.Second
	}
	if pid := os.Getenv(downstream.SpawnedByEnv); pid != "" {
		return nil, fmt.Errorf("this mcp-coordinator was started by another one (process %s, through an entry of its MCP config); "+
			"it refuses to run, because each level would start the next: remove that entry from the config", pid)
	}
	path, err := downstream.FindConfig(opts.ConfigPath)
	var cfg *downstream.Config
	var loaded downstream.Stamp
	existed := err == nil
	if err == nil {
		loaded = downstream.StampOf(path) // before reading: a change made while reading is seen later
		cfg, err = downstream.LoadConfig(path)
	} else {
		path = opts.ConfigPath
	}
	if err != nil {
		if !opts.KeepConfigProblems {
			return nil, err
		}
		cfg = &downstream.Config{Path: path}
	}
	problem := err
	store, err := stubstore.Open(dir)
	if err != nil {
		return nil, err
	}
	c := &Coordinator{
		opts:    opts,
		log:     opts.Logger,
		store:   store,
		ledger:  ledger.New(filepath.Join(dir, "usage.jsonl")),
		shapes:  shapes.Open(filepath.Join(dir, "shapes.json")),
		cfg:     cfg,
		loaded:  loaded,
		genErrs: map[string]string{},
		path:    path,
		problem: problem,
		existed: existed,
	}
	if err := c.openSkills(teamSkills(opts.TeamSkills, path)); err != nil {
		c.shapes.Close()
		return nil, err
	}
	if err := c.openDelegate(settings.Delegate, serr); err != nil {
		c.shapes.Close()
		return nil, err
	}
	if problem != nil {
		c.log.Error("mcp-coordinator starts without servers; its tools report the problem until the config is fixed", "problem", problem)
	}
	store.Reserve(slices.Collect(maps.Keys(c.configuredNames())))
	for _, w := range cfg.Warnings {
		c.log.Warn("config", "file", path, "warning", w)
	}
	c.pool = downstream.NewPool(cfg.Servers, &downstream.PoolOptions{
		StartTimeout:   opts.StartTimeout,
		Logger:         opts.Logger,
		OnToolsChanged: c.toolsChanged,
	})
	if c.sb, err = newEngines(opts, store.Dir()); err != nil {
		c.pool.Close() // no server has started yet: this only releases the Pool
		c.shapes.Close()
		return nil, err
	}
	return c, nil
}

// Paths returns the config file and the workspace directory in use.
func (c *Coordinator) Paths() (config, workspace string) { return c.configPath(), c.store.Dir() }

// configPath returns the config file in use, or the one named by Options.ConfigPath (empty
// when none was named) while no config is found.
func (c *Coordinator) configPath() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.path
}

// Skipped returns the config entries that are not started (disabled, a transport the
// coordinator does not speak, the coordinator itself), with the reason, sorted by name.
func (c *Coordinator) Skipped() []downstream.Skipped {
	return slices.Clone(c.config().Skipped)
}

// config returns the config in use.
func (c *Coordinator) config() *downstream.Config {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cfg
}

// Start connects every configured server in the background, regenerates a server's stubs as
// soon as it is ready (only rewriting them when its tools changed), and watches the config file.
// It returns at once.
func (c *Coordinator) Start(ctx context.Context) {
	for _, s := range c.config().Skipped {
		c.log.Info("config: skipped server", "server", s.Name, "reason", s.Reason)
	}
	ctx = c.startPool(ctx)
	for _, s := range c.config().Servers {
		c.background(func() { c.generateWhenReady(ctx, s.Name) })
	}
	if c.opts.ConfigPoll > 0 {
		c.background(func() { c.watch(ctx) })
	}
	c.background(func() { c.watchSkills(ctx) })
	c.kickSkills() // stubs may have changed while no coordinator ran
}

// startPool begins connecting the configured servers, once, and returns the context that
// Close cancels. Without it, a server starts on first use.
func (c *Coordinator) startPool(ctx context.Context) context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.life == nil {
		c.life, c.stop = context.WithCancel(ctx)
		c.pool.Start(c.life)
	}
	return c.life
}

// background runs f on a goroutine that Close waits for.
func (c *Coordinator) background(f func()) {
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		f()
	}()
}

func (c *Coordinator) generateWhenReady(ctx context.Context, server string) {
	if err := c.pool.Wait(ctx, server); err != nil {
		if ctx.Err() == nil {
			c.log.Warn("MCP server failed to start", "server", server, "error", err)
		}
		return
	}
	if _, err := c.generate(ctx, server); err != nil {
		c.log.Warn("generate", "server", server, "err", err)
	}
}

func (c *Coordinator) toolsChanged(server string, tools []*mcp.Tool) {
	if _, _, err := c.putStubs(server, tools); err != nil {
		c.log.Warn("regenerate after tools/list_changed", "server", server, "err", err)
		return
	}
	c.log.Info("stubs regenerated: the server's tools changed", "server", server, "tools", len(tools))
}

// GenerateReport is the outcome of generating one server's stubs.
type GenerateReport struct {
	Server  string
	Package string
	Tools   int
	Result  stubstore.WriteResult
	Err     error
	Elapsed time.Duration
}

func (r GenerateReport) String() string {
	if r.Err != nil {
		return fmt.Sprintf("%-20s FAILED  %v", r.Server, r.Err)
	}
	return fmt.Sprintf("%-20s %9s  %-9s mcp_tools/%s  %s", r.Server, plural(r.Tools, "tool"), r.Result, r.Package, r.Elapsed.Round(time.Millisecond))
}

// Generate (re)introspects servers (all configured servers when none are named), concurrently,
// and writes the stubs of each whose tools changed. Without Start, it starts only the servers
// it introspects. progress, when not nil, is called (one call at a time) as each server
// finishes. It returns one report per server, sorted; an error only for an unknown server name.
func (c *Coordinator) Generate(ctx context.Context, servers []string, progress func(done, total int, r GenerateReport)) ([]GenerateReport, error) {
	cfg := c.config()
	known := map[string]bool{}
	for _, s := range cfg.Servers {
		known[s.Name] = true
	}
	if len(servers) == 0 {
		for _, s := range cfg.Servers {
			servers = append(servers, s.Name)
		}
	}
	for _, s := range servers {
		if !known[s] {
			return nil, fmt.Errorf("unknown server %q; configured: %s", s, strings.Join(serverNames(cfg), ", "))
		}
	}
	reports := make([]GenerateReport, len(servers))
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for i, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			r, err := c.generate(ctx, s)
			r.Server, r.Err, r.Elapsed = s, err, time.Since(start)
			reports[i] = r
			if progress != nil {
				mu.Lock()
				done++
				progress(done, len(servers), r)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	sort.Slice(reports, func(i, j int) bool { return reports[i].Server < reports[j].Server })
	return reports, nil
}

// generate lists server's tools and stores its package.
func (c *Coordinator) generate(ctx context.Context, server string) (GenerateReport, error) {
	tools, err := c.pool.Tools(ctx, server)
	if err != nil {
		c.setGenErr(server, err)
		return GenerateReport{}, err
	}
	pkg, res, err := c.putStubs(server, tools)
	if err != nil {
		return GenerateReport{}, err
	}
	return GenerateReport{Package: pkg.Name, Tools: len(pkg.Tools), Result: res}, nil
}

// putStubs stores the package of server's tools, recording a failure for list_servers.
func (c *Coordinator) putStubs(server string, tools []*mcp.Tool) (*codegen.Package, stubstore.WriteResult, error) {
	if !c.configuredNames()[server] {
		return nil, stubstore.Unchanged, fmt.Errorf("server %s is no longer configured", server)
	}
	pkg, res, err := c.store.Put(server, tools)
	if err != nil {
		err = fmt.Errorf("generating stubs for %s: %w", server, err)
		c.setGenErr(server, err)
		return nil, res, err
	}
	c.setGenErr(server, nil)
	c.kickSkills()
	return pkg, res, nil
}

func (c *Coordinator) setGenErr(server string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		delete(c.genErrs, server)
		return
	}
	c.genErrs[server] = err.Error()
}

// stubs returns server's generated package: the store's, else it waits (bounded by
// ServerWait) for the server and generates.
func (c *Coordinator) stubs(ctx context.Context, server string) (*codegen.Package, error) {
	if !c.configuredNames()[server] {
		return nil, fmt.Errorf("unknown server %q; configured: %s", server, strings.Join(serverNames(c.config()), ", "))
	}
	if pkg := c.store.Get(server); pkg != nil {
		return pkg, nil
	}
	wctx, cancel := context.WithTimeout(ctx, c.opts.ServerWait)
	defer cancel()
	if _, err := c.generate(wctx, server); err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			for _, st := range c.pool.Status() {
				if st.Name == server && st.Err != "" {
					return nil, fmt.Errorf("server %s is %s: %s", server, st.State, st.Err)
				}
			}
			return nil, fmt.Errorf("server %s is still starting; try again in a few seconds", server)
		}
		return nil, err
	}
	if pkg := c.store.Get(server); pkg != nil {
		return pkg, nil
	}
	return nil, fmt.Errorf("server %s: its stubs could not be stored", server)
}

func (c *Coordinator) configuredNames() map[string]bool {
	names := map[string]bool{}
	for _, s := range c.config().Servers {
		names[s.Name] = true
	}
	return names
}

func serverNames(cfg *downstream.Config) []string {
	var names []string
	for _, s := range cfg.Servers {
		names = append(names, s.Name)
	}
	if len(names) == 0 {
		return []string{"(none)"}
	}
	return names
}

// Close stops the Pool's servers and the sandbox's runners. It is idempotent.
func (c *Coordinator) Close() error {
	c.closeOnce.Do(func() {
		if c.stop != nil {
			c.stop()
		}
		// The Pool first: its closing sessions end any tool call still out, which the
		// sandbox's Close waits for.
		perr := c.pool.Close()
		c.closeErr = errors.Join(c.sb.close(), perr)
		c.bg.Wait()
		c.shapes.Close()
	})
	return c.closeErr
}
