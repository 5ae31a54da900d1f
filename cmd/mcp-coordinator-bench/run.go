package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/coordinator"
	"github.com/mcp-coordinator/mcp-coordinator/internal/ledger"
	"github.com/mcp-coordinator/mcp-coordinator/internal/testenv"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
)

// serveArg makes this binary run the coordinator over stdio, with --config and --workspace: the
// bench starts the coordinator as a real process without a separate build.
const serveArg = "coordinator-serve"

// maybeServe runs the coordinator and exits when the process was started with serveArg.
func maybeServe() {
	if len(os.Args) < 2 || os.Args[1] != serveArg {
		return
	}
	fs := flag.NewFlagSet(serveArg, flag.ExitOnError)
	config := fs.String("config", "", "")
	workspace := fs.String("workspace", "", "")
	fs.Parse(os.Args[2:])
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	c, err := coordinator.New(coordinator.Options{ConfigPath: *config, Workspace: *workspace, Logger: logger,
		ConfigPoll: -1, MaxLimits: sandbox.Limits{}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "mcp-coordinator serve:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	c.Start(ctx)
	err = coordinator.NewServer(c).Run(ctx, &mcp.StdioTransport{})
	c.Close()
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, io.EOF) {
		fmt.Fprintln(os.Stderr, "mcp-coordinator serve:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

const usage = `usage: mcp-coordinator-bench [--out DIR] [--workloads W0,W1,...] [--repeats N] [--smoke]

Measures tokens and latency of direct tool calls against the same work done through
mcp-coordinator, on real MCP servers. Markdown tables go to stdout, progress to stderr.

  --out DIR         where BENCHMARKS.md and benchmarks.svg are written (default: the repository root)
  --workloads LIST  workloads to run (default: all: ` + "W0,W1,W2,W3,W4,W5" + `)
  --repeats N       latency samples per row (default 20)
  --smoke           W0 and W1, 5 latency samples, no files written (what CI runs)
`

// servers the bench needs, as installed by npm in testdata/npm.
var nodeServers = map[string]string{
	"everything": "mcp-server-everything",
	"filesystem": "mcp-server-filesystem",
	"memory":     "mcp-server-memory",
	"git":        "git-mcp-server",
	"sqlite":     "mcp-sqlite-server",
}

// run is main without the process: 0 when every answer was right, 1 on a failure or a wrong
// answer, 2 on a usage error.
// wasmCache is the wasm engine's compilation cache that the bench and its coordinator share.
func wasmCache() string { return testenv.WasmCacheDir() }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	os.Setenv(coordinator.WasmCacheEnv, wasmCache()) // the coordinator it starts inherits it
	fs := flag.NewFlagSet("mcp-coordinator-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	out := fs.String("out", "", "output directory")
	list := fs.String("workloads", "", "workloads")
	repeats := fs.Int("repeats", 20, "latency samples")
	smoke := fs.Bool("smoke", false, "smoke run")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected argument %q\n\n%s", fs.Arg(0), usage)
		return 2
	}
	chosen := workloads
	if *smoke {
		chosen = workloads[:2]
		*repeats = 5
	}
	if *list != "" {
		chosen = nil
		for _, id := range strings.Split(*list, ",") {
			w := findWorkload(strings.TrimSpace(id))
			if w == nil {
				fmt.Fprintf(stderr, "unknown workload %q (have %s)\n", id, workloadIDs())
				return 2
			}
			chosen = append(chosen, *w)
		}
	}
	if *repeats < 1 {
		fmt.Fprintln(stderr, "--repeats must be at least 1")
		return 2
	}
	root, err := repoRoot()
	if err != nil {
		fmt.Fprintln(stderr, "mcp-coordinator-bench:", err)
		return 1
	}
	if *out == "" {
		*out = root
	}
	bins, err := findParts(root)
	if err != nil {
		fmt.Fprintln(stderr, "mcp-coordinator-bench:", err)
		return 1
	}

	progress := func(format string, a ...any) { fmt.Fprintf(stderr, "bench: "+format+"\n", a...) }
	b, err := setup(ctx, bins, progress)
	if err != nil {
		fmt.Fprintln(stderr, "mcp-coordinator-bench:", err)
		return 1
	}
	defer b.close()

	rep := &report{Date: time.Now().UTC(), Repeats: *repeats}
	failed := false
	for _, w := range chosen {
		progress("%s: %s", w.ID, w.Title)
		r, err := b.runWorkload(ctx, w)
		if err != nil {
			fmt.Fprintf(stderr, "%s failed: %v\n", w.ID, err)
			failed = true
			continue
		}
		for _, s := range []*sideResult{&r.Direct, &r.Coord} {
			if !s.OK {
				failed = true
				fmt.Fprintf(stderr, "%s %s: wrong answer\n  got:  %q\n  want: %q\n", w.ID, s.Name, s.Answer, r.Expected)
			}
		}
		rep.Workloads = append(rep.Workloads, r)
		if w.Skill == nil {
			continue
		}
		progress("%s again, through a saved skill", w.ID)
		sr, err := b.runSkill(ctx, w, r.Coord)
		if err != nil {
			fmt.Fprintf(stderr, "%s through a skill failed: %v\n", w.ID, err)
			failed = true
			continue
		}
		if !sr.Second.OK {
			failed = true
			fmt.Fprintf(stderr, "%s through a skill: wrong answer\n  got:  %q\n  want: %q\n", w.ID, sr.Second.Answer, r.Expected)
		}
		rep.Skills = append(rep.Skills, sr)
	}
	progress("latency: %d samples per row", *repeats)
	lat, err := b.latency(ctx, *repeats)
	if err != nil {
		fmt.Fprintln(stderr, "latency failed:", err)
		failed = true
	}
	rep.Latency = lat
	progress("the wasm engine's compile, load and idle memory")
	if rep.Wasm, err = measureWasm(ctx, wasmCache(), !*smoke); err != nil {
		fmt.Fprintln(stderr, "wasm measurements failed:", err)
		failed = true
	}
	rep.Defs = b.defs

	fmt.Fprint(stdout, rep.markdown())
	if !*smoke && !failed {
		if err := rep.write(*out); err != nil {
			fmt.Fprintln(stderr, "mcp-coordinator-bench:", err)
			return 1
		}
		progress("wrote %s and %s", filepath.Join(*out, "BENCHMARKS.md"), filepath.Join(*out, "benchmarks.svg"))
	}
	if failed {
		return 1
	}
	return 0
}

// repoRoot is the directory holding this module's go.mod, searched upwards from the working
// directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(data), "module github.com/mcp-coordinator/mcp-coordinator\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run it inside the mcp-coordinator repository (no go.mod of github.com/mcp-coordinator/mcp-coordinator above the working directory)")
		}
		dir = parent
	}
}

// findParts returns the path of each npm server, or an error naming what is missing and how to
// install it.
func findParts(root string) (map[string]string, error) {
	var missing []string
	if _, err := exec.LookPath("node"); err != nil {
		missing = append(missing, "node (Node.js 20 or later)")
	}
	bins := map[string]string{}
	for name, bin := range nodeServers {
		p := filepath.Join(root, "testdata", "npm", "node_modules", ".bin", bin)
		if runtime.GOOS == "windows" {
			p += ".cmd"
		}
		if _, err := os.Stat(p); err != nil {
			missing = append(missing, bin+" (testdata/npm)")
		}
		bins[name] = p
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing real parts: %s; install them with: bash .ci/install (or: cd testdata/npm && npm ci)", strings.Join(missing, ", "))
	}
	return bins, nil
}

// bench holds the data set, a direct client per server and a client of the coordinator.
type bench struct {
	tmp    string
	data   *dataset
	direct map[string]*mcp.ClientSession
	coord  *mcp.ClientSession
	// defs are the definition costs in tokens: each server's tools/list, and the coordinator's
	// tools/list with its instructions ("coordinator").
	defs map[string]int
	// listed holds each server's tools, for the codegen row; config is the coordinator's config.
	listed []*mcp.Tool
	config string
}

func setup(ctx context.Context, bins map[string]string, progress func(string, ...any)) (_ *bench, err error) {
	tmp, err := tempDir()
	if err != nil {
		return nil, err
	}
	b := &bench{tmp: tmp, direct: map[string]*mcp.ClientSession{}, defs: map[string]int{}}
	defer func() {
		if err != nil {
			b.close()
		}
	}()
	progress("data set in %s", tmp)
	if b.data, err = writeDataset(filepath.Join(tmp, "data")); err != nil {
		return nil, err
	}
	if err := writeRepo(filepath.Join(tmp, "repo"), b.data); err != nil {
		return nil, err
	}
	// Each side has its own memory file: W3 loads the same people on both.
	cmds := func(side string) map[string]*exec.Cmd {
		m := map[string]*exec.Cmd{
			"everything": exec.Command(bins["everything"]),
			"filesystem": exec.Command(bins["filesystem"], b.data.Dir),
			"memory":     exec.Command(bins["memory"]),
		}
		m["memory"].Env = append(os.Environ(), "MEMORY_FILE_PATH="+filepath.Join(tmp, side+"-memory.jsonl"))
		m["git"] = exec.Command(bins["git"])
		m["git"].Env = append(os.Environ(), "GIT_BASE_DIR="+b.data.Repo)
		m["sqlite"] = exec.Command(bins["sqlite"], b.data.DBPath)
		return m
	}
	progress("starting the direct servers")
	client := mcp.NewClient(&mcp.Implementation{Name: "mcp-coordinator-bench", Version: coordinator.Version}, nil)
	for name, cmd := range cmds("direct") {
		cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd, TerminateDuration: 200 * time.Millisecond}, nil)
		if err != nil {
			return nil, fmt.Errorf("start %s: %w", name, err)
		}
		b.direct[name] = cs
		tools, err := cs.ListTools(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("%s tools/list: %w", name, err)
		}
		b.defs[name] = tokens(tools)
		b.listed = append(b.listed, tools.Tools...)
	}

	progress("filling the SQLite database")
	for _, stmt := range b.data.ShopSQL {
		res, err := b.direct["sqlite"].CallTool(ctx, &mcp.CallToolParams{Name: "query", Arguments: map[string]any{"sql": stmt}})
		if err != nil || res.IsError {
			return nil, fmt.Errorf("sqlite: %.60s...: %v %s", stmt, err, contentText(res))
		}
	}

	progress("starting the coordinator")
	servers := map[string]any{}
	for name, cmd := range cmds("coordinator") {
		sc := map[string]any{"command": cmd.Path, "args": cmd.Args[1:]}
		switch name {
		case "memory":
			sc["env"] = map[string]string{"MEMORY_FILE_PATH": filepath.Join(tmp, "coordinator-memory.jsonl")}
		case "git":
			sc["env"] = map[string]string{"GIT_BASE_DIR": b.data.Repo}
		}
		servers[name] = sc
	}
	config := filepath.Join(tmp, "mcp.json")
	b.config = config
	data, _ := json.Marshal(map[string]any{"mcpServers": servers})
	if err := os.WriteFile(config, data, 0o644); err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, serveArg, "--config", config, "--workspace", filepath.Join(tmp, "workspace"))
	cmd.Stderr = os.Stderr
	if b.coord, err = client.Connect(ctx, &mcp.CommandTransport{Command: cmd, TerminateDuration: 5 * time.Second}, nil); err != nil {
		return nil, fmt.Errorf("start the coordinator: %w", err)
	}
	tools, err := b.coord.ListTools(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("coordinator tools/list: %w", err)
	}
	b.defs["coordinator"] = tokens(tools) + tokens(b.coord.InitializeResult().Instructions)
	// Stubs are generated before any workload, as they would be long before a conversation.
	res, err := b.coord.CallTool(ctx, &mcp.CallToolParams{Name: "generate_tools", Arguments: map[string]any{}})
	if err != nil || res.IsError {
		return nil, fmt.Errorf("coordinator generate_tools: %v %s", err, contentText(res))
	}
	return b, nil
}

// tempDir makes a fresh directory whose name always has the same length and digit count:
// paths are part of the transcripts, and a name like MkdirTemp's would change their token count
// from run to run.
func tempDir() (string, error) {
	for {
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("mcp-coordinator-bench-%09d", rand.IntN(1e9)))
		err := os.Mkdir(dir, 0o700)
		if !errors.Is(err, fs.ErrExist) {
			return dir, err
		}
	}
}

func (b *bench) close() {
	if b.coord != nil {
		b.coord.Close()
	}
	for _, cs := range b.direct {
		cs.Close()
	}
	os.RemoveAll(b.tmp)
}

// tokens counts v in o200k tokens: a string as it is, anything else as its JSON.
func tokens(v any) int {
	s, ok := v.(string)
	if !ok {
		data, err := json.Marshal(v)
		if err != nil {
			panic(err) // only values the bench built or decoded
		}
		s = string(data)
	}
	return ledger.CountTokens(s)
}

// contentText joins a result's text content.
func contentText(res *mcp.CallToolResult) string {
	if res == nil {
		return ""
	}
	var b strings.Builder
	for _, c := range res.Content {
		if t, ok := c.(*mcp.TextContent); ok {
			b.WriteString(t.Text)
		}
	}
	return b.String()
}
