// Command mcp-coordinator is one MCP server in front of all the MCP servers a person already uses:
// it generates a typed Go package for their tools and runs model-written Go snippets against them
// in a sandbox, so only what a snippet prints reaches the model.
//
// Usage:
//
//	mcp-coordinator serve       [--config F] [--workspace D] [--settings F] [limits]   MCP server over stdio
//	mcp-coordinator serve       --http ADDR [--token TOKEN] [...]        MCP server over Streamable HTTP
//	mcp-coordinator generate    [--config F] [--workspace D] [--server NAME]...
//	mcp-coordinator run         [--config F] [--workspace D] [--timeout T] [limits] FILE|-
//	mcp-coordinator stats       [--workspace D]
//	mcp-coordinator demo-server inventory|orders
//	mcp-coordinator version
//
// limits: --max-timeout T, --max-memory MiB, --output-chars N. A time T is plain seconds (8,
// 2.5) or a Go duration (90s, 1m30s). "mcp-coordinator help" lists every flag, and
// "mcp-coordinator <command> --help" one command's.
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
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/coordinator"
	"github.com/mcp-coordinator/mcp-coordinator/examples/demoservers"
	"github.com/mcp-coordinator/mcp-coordinator/internal/stdio"
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

// run is main without the process: it returns the exit code (0 ok, 1 failure, 2 usage or config).
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel()}))
	slog.SetDefault(logger)
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return 2
	}
	name, args := args[0], args[1:]
	switch name {
	case "--version", "-v":
		name = "version"
	case "help", "--help", "-h":
		if len(args) == 1 {
			if c, ok := lookupCommand(args[0]); ok {
				fmt.Fprint(stdout, commandHelp(c))
				return 0
			}
		}
		fmt.Fprint(stdout, usage())
		return 0
	}
	cmd, ok := lookupCommand(name)
	if !ok {
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", name, usage())
		return 2
	}
	// Parse errors are one line; the flag list is in --help, not repeated after every mistake.
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var o options
	for _, f := range cmd.flags {
		o.define(fs, f)
	}
	args, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, commandHelp(cmd))
			return 0
		}
		msg := err.Error()
		if strings.HasPrefix(msg, "flag provided but not defined") {
			msg += fmt.Sprintf(" (mcp-coordinator %s --help lists its flags)", name)
		}
		fmt.Fprintf(stderr, "mcp-coordinator %s: %s\n", name, msg)
		return 2
	}
	wantArgs := 0
	switch name {
	case "run", "demo-server":
		wantArgs = 1
	case "skills":
		wantArgs = 1
		if len(args) > 0 && (args[0] == "show" || args[0] == "rm") {
			wantArgs = 2
		}
	}
	if len(args) != wantArgs {
		fmt.Fprintf(stderr, "usage: mcp-coordinator %s\n", strings.TrimSpace(name+" "+cmd.synopsis))
		if name == "generate" {
			fmt.Fprintf(stderr, "(unexpected argument %q: use --server NAME to pick servers)\n", args[0])
		}
		return 2
	}
	switch name {
	case "version":
		fmt.Fprintln(stdout, "mcp-coordinator", coordinator.Version)
		return 0
	case "stats":
		return stats(o.workspace, o.settings, stdout, stderr)
	case "demo-server":
		if err := demoservers.Serve(ctx, args[0]); err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintln(stderr, "mcp-coordinator demo-server:", err)
			return 2
		}
		return 0
	}
	if o.token != "" && o.http == "" {
		fmt.Fprintln(stderr, "mcp-coordinator serve: --token is for HTTP clients: add --http ADDR")
		return 2
	}
	c, err := coordinator.New(coordinator.Options{
		ConfigPath:   o.config,
		Workspace:    o.workspace,
		TeamSkills:   o.teamSkills,
		SettingsPath: o.settings,
		Engine:       o.engine,
		Logger:       logger,
		MaxLimits:    sandbox.Limits{Timeout: o.maxTimeout, MemoryBytes: int64(o.maxMemory) << 20},
		OutputChars:  o.outputChars,
		// serve starts despite a config problem, so that the client shows it in the chat,
		// and skills list, show and rm need no servers; generate, run and skills check fail
		// fast with it.
		KeepConfigProblems: name == "serve" || (name == "skills" && args[0] != "check"),
	})
	if err != nil {
		fmt.Fprintln(stderr, "mcp-coordinator:", err)
		return 2
	}
	defer c.Close()
	switch name {
	case "serve":
		if o.http != "" {
			return serveHTTP(ctx, c, o.http, o.token, stderr)
		}
		return serve(ctx, c, stderr)
	case "generate":
		return generate(ctx, c, o.servers, stdout, stderr)
	case "skills":
		return skillsCommand(ctx, c, args, stdout, stderr)
	default:
		return runSnippet(ctx, c, args[0], o.timeout, stdin, stdout, stderr)
	}
}

func serve(ctx context.Context, c *coordinator.Coordinator, stderr io.Writer) int {
	c.Start(ctx)
	err := coordinator.NewServer(c).Run(ctx, &stdio.Transport{})
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, io.EOF) {
		fmt.Fprintln(stderr, "mcp-coordinator serve:", err)
		return 1
	}
	return 0
}

// serveHTTP serves Streamable HTTP at addr until ctx is done (SIGINT, SIGTERM). The token is
// --token, else $MCP_COORDINATOR_TOKEN, else none on loopback and a generated one elsewhere,
// printed here once.
func serveHTTP(ctx context.Context, c *coordinator.Coordinator, addr, token string, stderr io.Writer) int {
	if token == "" {
		token = os.Getenv(tokenEnv)
	}
	hs, err := coordinator.ListenHTTP(c, coordinator.HTTPOptions{Addr: addr, Token: token})
	if err != nil {
		fmt.Fprintln(stderr, "mcp-coordinator serve:", err)
		return 2
	}
	if hs.TokenGenerated {
		fmt.Fprintf(stderr, "mcp-coordinator: bearer token (shown only now; pass --token or $%s to choose one): %s\n", tokenEnv, hs.Token)
	}
	auth := "no token (loopback)"
	if hs.Token != "" {
		auth = "clients send Authorization: Bearer <token>"
	}
	fmt.Fprintf(stderr, "mcp-coordinator: serving MCP at %s, %s\n", hs.URL, auth)
	// The servers outlive ctx, so that calls in flight finish during the shutdown; c.Close
	// stops them after.
	c.Start(context.WithoutCancel(ctx))
	if err := hs.Serve(ctx); err != nil {
		fmt.Fprintln(stderr, "mcp-coordinator serve:", err)
		return 1
	}
	return 0
}

// tokenEnv is the variable that gives serve --http its bearer token when --token does not.
const tokenEnv = "MCP_COORDINATOR_TOKEN"

func generate(ctx context.Context, c *coordinator.Coordinator, servers []string, stdout, stderr io.Writer) int {
	// Skipped entries are in the summary: the ones named, or all when none are.
	var skipped []string
	named := map[string]bool{}
	for _, s := range servers {
		named[s] = true
	}
	for _, s := range c.Skipped() {
		if len(named) == 0 || named[s.Name] {
			skipped = append(skipped, fmt.Sprintf("%-20s skipped (%s)", s.Name, s.Reason))
			servers = slices.DeleteFunc(servers, func(n string) bool { return n == s.Name })
		}
	}
	var reports []coordinator.GenerateReport
	if len(servers) > 0 || len(named) == 0 {
		var err error
		if reports, err = c.Generate(ctx, servers, nil); err != nil {
			fmt.Fprintln(stderr, "mcp-coordinator generate:", err)
			return 2
		}
	}
	config, workspace := c.Paths()
	if len(reports) == 0 && len(skipped) == 0 {
		fmt.Fprintf(stderr, "no servers configured in %s\n", config)
	}
	code := 0
	for _, r := range reports {
		fmt.Fprintln(stdout, r)
		if r.Err != nil {
			code = 1
		}
	}
	for _, s := range skipped {
		fmt.Fprintln(stdout, s)
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

// parseInterleaved parses fs's flags wherever they stand among the arguments ("skills show
// NAME --workspace D") and returns the other arguments in order.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

func skillsCommand(ctx context.Context, c *coordinator.Coordinator, args []string, stdout, stderr io.Writer) int {
	lib := c.Skills()
	switch args[0] {
	case "list":
		list := lib.List()
		if len(list) == 0 {
			fmt.Fprintf(stdout, "no skills in %s\n", lib.Dir())
		}
		for _, sk := range list {
			fmt.Fprint(stdout, sk.Line())
		}
		return 0
	case "show":
		sk, err := lib.Get(args[1])
		if err != nil {
			fmt.Fprintln(stderr, "mcp-coordinator skills:", err)
			return 1
		}
		fmt.Fprint(stdout, sk.Doc())
		return 0
	case "rm":
		if err := lib.Delete(ctx, args[1]); err != nil {
			fmt.Fprintln(stderr, "mcp-coordinator skills:", err)
			return 1
		}
		fmt.Fprintf(stdout, "deleted %s (kept in %s)\n", args[1], filepath.Join(lib.Dir(), ".deleted"))
		return 0
	case "check":
		results, err := lib.Check(ctx)
		code := 0
		for _, r := range results {
			switch {
			case r.Inconclusive != "":
				code = 1
				fmt.Fprintf(stdout, "UNKNOWN %s: not checked: %s\n", r.Name, r.Inconclusive)
			case r.Broken != "":
				code = 1
				fmt.Fprintf(stdout, "BROKEN  %s: %s\n", r.Name, r.Broken)
			default:
				fmt.Fprintf(stdout, "ok      %s\n", r.Name)
			}
		}
		if err != nil {
			fmt.Fprintln(stderr, "mcp-coordinator skills check:", err)
			return 1
		}
		if len(results) == 0 {
			fmt.Fprintf(stdout, "no skills in %s\n", lib.Dir())
		}
		return code
	}
	fmt.Fprintf(stderr, "mcp-coordinator skills: unknown action %q: use list, show NAME, rm NAME or check\n", args[0])
	return 2
}

func stats(workspace, settings string, stdout, stderr io.Writer) int {
	text, err := coordinator.Stats(workspace, settings)
	if err != nil {
		fmt.Fprintln(stderr, "mcp-coordinator stats:", err)
		return 1
	}
	fmt.Fprintln(stdout, text)
	return 0
}

func logLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(os.Getenv("MCP_COORDINATOR_LOG"))); err != nil {
		return slog.LevelInfo
	}
	return l
}
