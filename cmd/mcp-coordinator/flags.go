package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/examples/demoservers"
)

// command is a subcommand: its synopsis after the name, what it does, and its flags in the
// order its help lists them (names in flagSpecs).
type command struct {
	name, synopsis, summary string
	flags                   []string
}

var commands = []command{
	{"serve", "[--config F] [--workspace D] [--settings F] [--http ADDR [--token TOKEN]] [limits]",
		"run as an MCP server over stdio (what Claude Desktop and Claude Code start), or over Streamable HTTP",
		[]string{"config", "workspace", "settings", "team-skills", "http", "token", "sandbox", "max-timeout", "max-memory", "output-chars"}},
	{"generate", "[--config F] [--workspace D] [--server NAME]...",
		"connect to the configured servers and write their Go packages",
		[]string{"config", "workspace", "server"}},
	{"run", "[--config F] [--workspace D] [--sandbox E] [--timeout T] [limits] FILE|-",
		"run a Go snippet (FILE, or - for stdin) against the configured servers",
		[]string{"config", "workspace", "team-skills", "sandbox", "timeout", "max-timeout", "max-memory", "output-chars"}},
	{"skills", "list|show NAME|rm NAME|check [--config F] [--workspace D] [--team-skills D]",
		"list, show or delete saved skills; check compiles every skill again (and re-runs read-only examples), exit 1 if any is broken",
		[]string{"config", "workspace", "team-skills"}},
	{"stats", "[--workspace D] [--settings F]",
		"summarise the usage ledger: tokens kept out of the model's context, skills, delegations",
		[]string{"workspace", "settings"}},
	{"demo-server", strings.Join(demoservers.Names, "|"),
		"serve a small demo MCP server over stdio (examples/demo-servers.json starts them)",
		nil},
	{"version", "", "print the version", nil},
}

// flagSpec describes a flag: its name, the placeholder of its value, and its help.
type flagSpec struct {
	name, arg, help string
}

var flagSpecs = []flagSpec{
	{"config", "F", "MCP servers config (default: $MCP_SERVERS_CONFIG, ./.mcp.json, Claude Desktop's)"},
	{"workspace", "D", "workspace directory (default: $MCP_COORDINATOR_HOME, ~/.mcp-coordinator)"},
	{"http", "ADDR", "serve Streamable HTTP at http://ADDR/mcp instead of stdio; ADDR is host:port or :port (loopback)"},
	{"token", "TOKEN", "bearer token HTTP clients must send (default: $MCP_COORDINATOR_TOKEN; off loopback, generated and printed)"},
	{"settings", "F", "the coordinator's settings: local model providers, limits, team skills (default: $MCP_COORDINATOR_SETTINGS, <workspace>/settings.json)"},
	{"team-skills", "D", "read-only directory of the team's skills (default: $MCP_COORDINATOR_TEAM_SKILLS, .mcp-skills beside the config)"},
	{"sandbox", "E", "sandbox engine of a snippet that names none: process or wasm (default: the settings' sandbox, process)"},
	{"server", "NAME", "only this server; repeatable (default: every configured server)"},
	{"timeout", "T", "time limit of this run (default: --max-timeout)"},
	{"max-timeout", "T", "longest time a snippet may ask for (default 30s)"},
	{"max-memory", "MiB", "heap budget of a snippet (default 256)"},
	{"output-chars", "N", "cap on the output returned to the model (default 20000)"},
}

// limitFlags are the flags of the limits group: a snippet may ask for less, never more.
var limitFlags = map[string]bool{"max-timeout": true, "max-memory": true, "output-chars": true}

// timeForms says which values a time flag (T) takes.
const timeForms = "seconds (8, 2.5) or a Go duration (90s, 1m30s)"

// options are the values of every command's flags.
type options struct {
	config, workspace      string
	teamSkills, settings   string
	engine                 string
	http, token            string
	servers                multiFlag
	timeout, maxTimeout    time.Duration
	maxMemory, outputChars int
}

// define adds the flag called name to fs, bound to its field of o.
func (o *options) define(fs *flag.FlagSet, name string) {
	spec := lookupFlag(name)
	switch name {
	case "config":
		fs.StringVar(&o.config, name, "", spec.help)
	case "workspace":
		fs.StringVar(&o.workspace, name, "", spec.help)
	case "team-skills":
		fs.StringVar(&o.teamSkills, name, "", spec.help)
	case "settings":
		fs.StringVar(&o.settings, name, "", spec.help)
	case "http":
		fs.StringVar(&o.http, name, "", spec.help)
	case "sandbox":
		fs.StringVar(&o.engine, name, "", spec.help)
	case "token":
		fs.StringVar(&o.token, name, "", spec.help)
	case "server":
		fs.Var(&o.servers, name, spec.help)
	case "timeout":
		fs.Var(timeFlag{&o.timeout}, name, spec.help)
	case "max-timeout":
		fs.Var(timeFlag{&o.maxTimeout}, name, spec.help)
	case "max-memory":
		fs.Var(countFlag{&o.maxMemory, "MiB", 1 << 20}, name, spec.help)
	case "output-chars":
		fs.Var(countFlag{&o.outputChars, "characters", 1 << 30}, name, spec.help)
	default:
		panic("undefined flag " + name)
	}
}

func lookupFlag(name string) flagSpec {
	for _, f := range flagSpecs {
		if f.name == name {
			return f
		}
	}
	panic("undefined flag " + name)
}

func lookupCommand(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// usage is the top-level help: every command with its synopsis, then every flag.
func usage() string {
	var b strings.Builder
	b.WriteString("usage: mcp-coordinator <command> [flags]\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "%s\n  %-11s %s\n", strings.TrimRight(fmt.Sprintf("  %-11s %s", c.name, c.synopsis), " "), "", c.summary)
	}
	b.WriteString("\nflags:\n")
	for _, f := range flagSpecs {
		if !limitFlags[f.name] {
			writeFlag(&b, f, usedBy(f.name))
		}
	}
	b.WriteString("limits (serve, run): a snippet may ask for less, never more\n")
	for _, f := range flagSpecs {
		if limitFlags[f.name] {
			writeFlag(&b, f, "")
		}
	}
	b.WriteString("T is " + timeForms + ".\n\nmcp-coordinator <command> --help shows one command's flags.\n")
	return b.String()
}

// usedBy names the commands that take flag name, in parentheses.
func usedBy(name string) string {
	var names []string
	for _, c := range commands {
		if slices.Contains(c.flags, name) {
			names = append(names, c.name)
		}
	}
	return "(" + strings.Join(names, ", ") + ")"
}

func writeFlag(b *strings.Builder, f flagSpec, suffix string) {
	help := f.help
	if suffix != "" {
		help = suffix + " " + help
	}
	fmt.Fprintf(b, "  %-18s %s\n", "--"+f.name+" "+f.arg, help)
}

// commandHelp is one command's help: its synopsis, what it does, and only its own flags.
func commandHelp(c command) string {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: mcp-coordinator %s\n\n%s\n", strings.TrimSpace(c.name+" "+c.synopsis), c.summary)
	if len(c.flags) == 0 {
		return b.String()
	}
	b.WriteString("\nflags:\n")
	times := false
	for _, name := range c.flags {
		f := lookupFlag(name)
		writeFlag(&b, f, "")
		times = times || f.arg == "T"
	}
	if times {
		b.WriteString("T is " + timeForms + ".\n")
	}
	if slices.ContainsFunc(c.flags, func(n string) bool { return limitFlags[n] }) {
		b.WriteString("The limits (--max-*, --output-chars) are the most a snippet gets: execute_code's timeout_seconds\n" +
			"(or run --timeout) can lower the time limit, never raise it.\n")
	}
	return b.String()
}

// timeFlag is a time flag's value: plain seconds (8, 2.5) or a Go duration (90s, 1m30s).
// countFlag is a whole number from 1 to max: a bad one gets one line that says so, rather than
// "parse error", and a huge one cannot overflow on its way to bytes.
type countFlag struct {
	n    *int
	unit string
	max  int
}

func (f countFlag) String() string {
	if f.n == nil || *f.n == 0 {
		return ""
	}
	return strconv.Itoa(*f.n)
}

func (f countFlag) Set(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > f.max {
		return fmt.Errorf("want a whole number of %s from 1 to %d", f.unit, f.max)
	}
	*f.n = n
	return nil
}

type timeFlag struct{ d *time.Duration }

func (f timeFlag) String() string {
	if f.d == nil || *f.d == 0 {
		return ""
	}
	return f.d.String()
}

func (f timeFlag) Set(v string) error {
	d, err := parseTime(v)
	if err != nil {
		return err
	}
	*f.d = d
	return nil
}

// parseTime reads plain seconds (8, 2.5) or a Go duration (90s, 1m30s).
func parseTime(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		secs, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil || math.IsNaN(secs) || math.IsInf(secs, 0) || math.Abs(secs) > math.MaxInt64/float64(time.Second) {
			return 0, errors.New("want " + timeForms)
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d < 0 {
		return 0, errors.New("want " + timeForms + ", not a negative time")
	}
	return d, nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
