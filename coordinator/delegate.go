package coordinator

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/codegen"
	"github.com/mcp-coordinator/mcp-coordinator/delegate"
	"github.com/mcp-coordinator/mcp-coordinator/internal/ledger"
	"github.com/mcp-coordinator/mcp-coordinator/internal/stubstore"
	"github.com/mcp-coordinator/mcp-coordinator/internal/textcap"
	"github.com/mcp-coordinator/mcp-coordinator/internal/toolsearch"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
)

// openDelegate makes the client of the providers that cfg and the environment configure. A
// settings file that could not be read (problem) leaves delegation failing with its reason.
func (c *Coordinator) openDelegate(cfg delegate.Config, problem error) error {
	c.settingsProblem = problem
	if problem != nil { // the file's providers are not to be trusted: none are used
		cfg = delegate.Config{}
	}
	cl, err := delegate.New(cfg.WithEnv(os.Getenv), &delegate.Options{Logger: c.log, Ledger: c.ledger})
	if err != nil {
		if !c.opts.KeepConfigProblems {
			return fmt.Errorf("settings %s: %w", c.opts.SettingsPath, err)
		}
		c.settingsProblem = fmt.Errorf("settings %s: %w", c.opts.SettingsPath, err)
		cl, _ = delegate.New(delegate.Config{}, &delegate.Options{Logger: c.log, Ledger: c.ledger})
	}
	c.delegate = cl
	return nil
}

// Delegate returns the client of the local model providers.
func (c *Coordinator) Delegate() *delegate.Client { return c.delegate }

type delegateCodeArgs struct {
	Spec     string `json:"spec"`
	Context  string `json:"context,omitempty"`
	Language string `json:"language,omitempty"`
	Tier     string `json:"tier,omitempty" jsonschema:"quality or fast"`
}

type delegateTaskArgs struct {
	Task        string `json:"task"`
	Tier        string `json:"tier,omitempty" jsonschema:"quality or fast"`
	MaxAttempts int    `json:"max_attempts,omitempty"`
}

// delegationFailed is the one-line answer the planner gets when delegation cannot help.
func delegationFailed(reason string) *mcp.CallToolResult {
	return toolError("DELEGATION_FAILED: " + textcap.OneLine(reason, 600))
}

// delegationFooter is the line under a delegation's answer: who wrote it, the model's tokens,
// the time.
func delegationFooter(comps []*delegate.Completion, took time.Duration, extra string) string {
	in, out, est := 0, 0, ""
	for _, comp := range comps {
		in += comp.TokensIn
		out += comp.TokensOut
		if comp.Estimated {
			est = " (estimated)"
		}
	}
	last := comps[len(comps)-1]
	model := last.ModelRequested
	if last.ModelReturned != "" && last.ModelReturned != model {
		model += " (answered as " + last.ModelReturned + ")"
	}
	return fmt.Sprintf("[%s %s · %d→%d tokens%s · %s%s]", last.Provider, model, in, out, est, roundDuration(took), extra)
}

func (c *Coordinator) delegateCode(ctx context.Context, _ *mcp.CallToolRequest, in delegateCodeArgs) (*mcp.CallToolResult, any, error) {
	if c.settingsProblem != nil {
		return delegationFailed(c.settingsProblem.Error()), nil, nil
	}
	tier, err := delegate.ParseTier(in.Tier)
	if err != nil {
		return toolError(err.Error()), nil, nil
	}
	if strings.TrimSpace(in.Spec) == "" {
		return toolError("spec is empty: say what code to write"), nil, nil
	}
	start := time.Now()
	comp, err := c.delegate.Code(ctx, delegate.CodeRequest{Spec: in.Spec, Context: in.Context, Language: in.Language, Tier: tier})
	if f := (*delegate.Failure)(nil); errors.As(err, &f) {
		return delegationFailed(f.Reason), nil, nil
	} else if err != nil {
		return toolError(err.Error()), nil, nil
	}
	return text(comp.Text + "\n" + delegationFooter([]*delegate.Completion{comp}, time.Since(start), "")), nil, nil
}

func (c *Coordinator) listLocalModels(ctx context.Context, _ *mcp.CallToolRequest, _ noArgs) (*mcp.CallToolResult, any, error) {
	if c.settingsProblem != nil {
		return toolError(c.settingsProblem.Error()), nil, nil
	}
	if !c.delegate.Configured() {
		return text("no local model is configured: set " + delegate.EnvBaseURL + " and " + delegate.EnvModelQuality + ", or providers in " + c.opts.SettingsPath + "\n"), nil, nil
	}
	var b strings.Builder
	for _, st := range c.delegate.ListModels(ctx, 3*time.Second) {
		p := st.Provider
		fmt.Fprintf(&b, "%s (%s): ", p.Name, p.URL())
		if st.OK {
			fmt.Fprintf(&b, "answers (%s), serves %s", roundDuration(st.Latency), strings.Join(nonEmpty(st.Models), ", "))
		} else {
			fmt.Fprintf(&b, "DOWN: %s", st.Err)
		}
		for _, t := range []delegate.Tier{delegate.Quality, delegate.Fast} {
			m := p.Models[t]
			fmt.Fprintf(&b, "; %s = %s", t, m)
			if st.OK && len(st.Models) > 0 && !slices.Contains(st.Models, m) {
				b.WriteString(" (not listed)")
			}
		}
		if p.Price != nil {
			fmt.Fprintf(&b, "; paid: $%g/$%g per million tokens in/out", p.Price.Input, p.Price.Output)
		}
		b.WriteString("\n")
	}
	return text(b.String()), nil, nil
}

func nonEmpty(models []string) []string {
	if len(models) == 0 {
		return []string{"(nothing listed)"}
	}
	return models
}

func (c *Coordinator) delegateTask(ctx context.Context, req *mcp.CallToolRequest, in delegateTaskArgs) (*mcp.CallToolResult, any, error) {
	if c.settingsProblem != nil {
		return delegationFailed(c.settingsProblem.Error()), nil, nil
	}
	tier, err := delegate.ParseTier(in.Tier)
	if err != nil {
		return toolError(err.Error()), nil, nil
	}
	if strings.TrimSpace(in.Task) == "" {
		return toolError("task is empty: describe what the snippet should find or do"), nil, nil
	}
	tr := delegate.TaskRequest{Task: in.Task, Tier: tier, MaxAttempts: in.MaxAttempts}
	if token := progressToken(req); token != nil {
		n := newNotifier(ctx, req.Session, token)
		defer n.close()
		tr.Progress = func(attempt, max int, msg string) { n.send(msg) }
	}
	start := time.Now()
	res, err := c.delegate.Task(ctx, tr, taskEnv{c})
	if res == nil { // the request was refused before any attempt
		return toolError(err.Error()), nil, nil
	}
	snippet, _ := textcap.Cut(strings.TrimRight(res.Snippet, "\n"), maxSnippetChars)
	if err != nil {
		var b strings.Builder
		b.WriteString(textcap.OneLine(err.Error(), 800))
		if snippet != "" {
			fmt.Fprintf(&b, "\n// the last snippet:\n%s\n", snippet)
		}
		return toolError(b.String()), nil, nil
	}
	out := res.Output
	if out != "" && !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	extra := fmt.Sprintf(" · %s", plural(res.Attempts, "attempt"))
	return text(fmt.Sprintf("%s// the snippet (save_skill keeps it):\n%s\n%s", out, snippet, delegationFooter(res.Completions, time.Since(start), extra))), nil, nil
}

// maxSnippetChars bounds the snippet a delegate_task answer shows: the model's text may be
// anything, and the answer goes into the planner's context.
const maxSnippetChars = 8000

// taskEnv gives a delegated task what the local model needs and runs its snippets.
type taskEnv struct{ c *Coordinator }

// briefTools bounds the tools whose declarations a delegated task gets.
const briefTools = 6

func (e taskEnv) Brief(ctx context.Context, task string) string {
	c := e.c
	var b strings.Builder
	pkgs, _ := c.allStubs(ctx, searchWait)
	var refs []toolRef
	for _, h := range toolsearch.Search(pkgs, task, briefTools) {
		refs = append(refs, toolRef{h.Pkg, h.Tool})
	}
	if len(refs) > 0 {
		b.WriteString("Tool packages (tool X is func X(XArgs) (*XResult, error); XResult has Text() and typed fields):\n")
		b.WriteString(c.declarations(refs))
	}
	list := c.skills.List()
	skillPkgs, skillOf := skillPackages(list)
	var seen []*codegen.Package
	for _, h := range toolsearch.Search(skillPkgs, task, 3) {
		if !slices.Contains(seen, h.Pkg) && skillOf[h.Pkg].Broken == "" {
			seen = append(seen, h.Pkg)
		}
	}
	if len(seen) > 0 {
		b.WriteString("\nSaved skills (import \"skills/<name>\", call in one line):\n")
		for _, p := range seen {
			b.WriteString(skillOf[p].Line())
		}
	}
	b.WriteString("\nRules: optional arguments are pointers: mcp_tools.String(\"x\"), Int(3), Float(1.5), Bool(true). Errors: check every err and print it. Imports allowed: " +
		strings.Join(sandbox.AllowedStdlib(), " ") + ", the tool packages and skills; no os, net, files or exec. The interpreter lacks min/max, range over func, slices.Sort* (use sort), errors.As into own types, generic inference from func literals, custom MarshalJSON.\n")
	return b.String()
}

func (e taskEnv) Run(ctx context.Context, code string) (string, error) {
	out, err := e.c.Execute(ctx, RunRequest{Tool: "delegate_task:run", Code: code})
	if err != nil {
		return "", err
	}
	if out.Err != nil {
		msg := out.ErrText
		if out.Output != "" {
			msg += "\noutput before the failure:\n" + out.Output
		}
		return out.Output, fmt.Errorf("%s", msg)
	}
	return out.Output, nil
}

// StatsText is the ledger's summary (usage_stats, mcp-coordinator stats), plus what the first
// priced provider among providers would have charged for the tokens generated locally.
func StatsText(st ledger.Stats, providers []delegate.Provider) string {
	out := st.String()
	if st.LocalTokensIn+st.LocalTokensOut == 0 {
		return out
	}
	for _, p := range providers {
		if p.Price != nil {
			return out + fmt.Sprintf("\nat %s's price the local tokens would have cost $%.4f", p.Name, p.Price.Cost(st.LocalTokensIn, st.LocalTokensOut))
		}
	}
	return out
}

// Stats is StatsText for the workspace's ledger and the providers of the settings file
// (settings: as Options.SettingsPath; empty means the default) and the environment.
func Stats(workspace, settings string) (string, error) {
	dir, err := stubstore.ResolveWorkspace(workspace)
	if err != nil {
		return "", err
	}
	st, err := ledger.New(filepath.Join(dir, "usage.jsonl")).ReadStats()
	if err != nil {
		return "", err
	}
	var providers []delegate.Provider
	if s, err := loadSettings(settingsPath(settings, dir)); err == nil {
		if cl, err := delegate.New(s.Delegate.WithEnv(os.Getenv), nil); err == nil {
			providers = cl.Providers()
		}
	}
	return StatsText(st, providers), nil
}
