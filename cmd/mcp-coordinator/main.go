// Command mcp-coordinator is one MCP server in front of all the MCP servers a person already uses:
// it generates a typed Go package for their tools and runs model-written Go snippets against them
// in a sandbox, so only what a snippet prints reaches the model.
//
// Usage:
//
//	mcp-coordinator serve    [--config F] [--workspace D] [limits]          MCP server over stdio
//	mcp-coordinator generate [--config F] [--workspace D] [--server NAME]...
//	mcp-coordinator run      [--config F] [--workspace D] [--timeout S] [limits] FILE|-
//	mcp-coordinator stats    [--workspace D]
//
// limits: --max-timeout D, --max-memory MiB, --output-chars N.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/coordinator"
	"github.com/mcp-coordinator/mcp-coordinator/internal/ledger"
	"github.com/mcp-coordinator/mcp-coordinator/internal/stubstore"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/process"
)

func main() {
	process.MaybeRunAsRunner() // returns unless this process was started as a sandbox runner
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal kills at once, even while shutting down
	}()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage: mcp-coordinator <command> [flags]

commands:
  serve      run as an MCP server over stdio (what Claude Desktop / Claude Code start)
  generate   connect to the configured servers and write their Go packages
  run        run a Go snippet (FILE, or - for stdin) against the configured servers
  stats      summarise the usage ledger: tokens kept out of the model's context
  version    print the version

flags (serve, generate, run):
  --config F        MCP config file (default: $MCP_SERVERS_CONFIG, ./.mcp.json, Claude Desktop's)
  --workspace D     workspace directory (default: $MCP_COORDINATOR_HOME, ~/.mcp-coordinator)
limits (serve, run): a snippet may ask for less, never more
  --max-timeout D   longest run (default 30s)
  --max-memory MiB  heap budget (default 256)
  --output-chars N  output returned to the model (default 20000)
`

// run is main without the process: it returns the exit code (0 ok, 1 failure, 2 usage or config).
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel()}))
	slog.SetDefault(logger)
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "", "MCP config file")
	workspace := fs.String("workspace", "", "workspace directory")
	var servers multiFlag
	var timeout, maxTimeout time.Duration
	var maxMemory, outputChars int
	limitFlags := func() {
		fs.DurationVar(&maxTimeout, "max-timeout", 0, "longest wall-clock time a snippet may ask for (default 30s)")
		fs.IntVar(&maxMemory, "max-memory", 0, "heap budget of a snippet in MiB (default 256)")
		fs.IntVar(&outputChars, "output-chars", 0, "cap on the output returned to the model (default 20000)")
	}
	switch cmd {
	case "generate":
		fs.Var(&servers, "server", "generate only this server (repeatable)")
	case "run":
		fs.DurationVar(&timeout, "timeout", 0, "wall-clock limit of the snippet (default 30s)")
		limitFlags()
	case "serve":
		limitFlags()
	case "stats":
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "mcp-coordinator", coordinator.Version)
		return 0
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if cmd != "run" && fs.NArg() > 0 {
		fmt.Fprintf(stderr, "mcp-coordinator %s: unexpected argument %q (use --server NAME to pick servers)\n", cmd, fs.Arg(0))
		return 2
	}
	if cmd == "stats" {
		return stats(*workspace, stdout, stderr)
	}
	c, err := coordinator.New(coordinator.Options{
		ConfigPath:  *config,
		Workspace:   *workspace,
		Logger:      logger,
		MaxLimits:   sandbox.Limits{Timeout: maxTimeout, MemoryBytes: int64(maxMemory) << 20},
		OutputChars: outputChars,
	})
	if err != nil {
		fmt.Fprintln(stderr, "mcp-coordinator:", err)
		return 2
	}
	defer c.Close()
	switch cmd {
	case "serve":
		return serve(ctx, c, stderr)
	case "generate":
		return generate(ctx, c, servers, stdout, stderr)
	default:
		if fs.NArg() != 1 {
			fmt.Fprintln(stderr, "usage: mcp-coordinator run [--config F] [--workspace D] [--timeout S] FILE|-")
			return 2
		}
		return runSnippet(ctx, c, fs.Arg(0), timeout, stdin, stdout, stderr)
	}
}

func serve(ctx context.Context, c *coordinator.Coordinator, stderr io.Writer) int {
	c.Start(ctx)
	err := coordinator.NewServer(c).Run(ctx, &mcp.StdioTransport{})
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, io.EOF) {
		fmt.Fprintln(stderr, "mcp-coordinator serve:", err)
		return 1
	}
	return 0
}

func generate(ctx context.Context, c *coordinator.Coordinator, servers []string, stdout, stderr io.Writer) int {
	reports, err := c.Generate(ctx, servers, nil)
	if err != nil {
		fmt.Fprintln(stderr, "mcp-coordinator generate:", err)
		return 2
	}
	config, workspace := c.Paths()
	if len(reports) == 0 {
		fmt.Fprintf(stderr, "no servers configured in %s\n", config)
	}
	code := 0
	for _, r := range reports {
		fmt.Fprintln(stdout, r)
		if r.Err != nil {
			code = 1
		}
	}
	fmt.Fprintf(stdout, "workspace: %s\n", workspace)
	return code
}

func runSnippet(ctx context.Context, c *coordinator.Coordinator, file string, timeout time.Duration, stdin io.Reader, stdout, stderr io.Writer) int {
	var src []byte
	var err error
	if file == "-" {
		src, err = io.ReadAll(stdin)
	} else {
		src, err = os.ReadFile(file)
	}
	if err != nil {
		fmt.Fprintln(stderr, "mcp-coordinator run:", err)
		return 2
	}
	// Servers start on first use: only those the snippet needs (for missing stubs or calls).
	out, err := c.Run(ctx, "run", string(src), timeout)
	if err != nil {
		fmt.Fprintln(stderr, "mcp-coordinator run:", err)
		return 2
	}
	fmt.Fprint(stdout, out.Output)
	if out.Output != "" && !strings.HasSuffix(out.Output, "\n") {
		fmt.Fprintln(stdout)
	}
	fmt.Fprintln(stderr, out.Footer())
	if out.Err != nil {
		fmt.Fprintln(stderr, out.ErrText)
		return 1
	}
	return 0
}

func stats(workspace string, stdout, stderr io.Writer) int {
	dir, err := stubstore.ResolveWorkspace(workspace)
	if err != nil {
		fmt.Fprintln(stderr, "mcp-coordinator stats:", err)
		return 2
	}
	st, err := ledger.New(filepath.Join(dir, "usage.jsonl")).ReadStats()
	if err != nil {
		fmt.Fprintln(stderr, "mcp-coordinator stats:", err)
		return 1
	}
	fmt.Fprintln(stdout, st)
	return 0
}

func logLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(os.Getenv("MCP_COORDINATOR_LOG"))); err != nil {
		return slog.LevelInfo
	}
	return l
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
