package coordinator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/downstream"
	"github.com/mcp-coordinator/mcp-coordinator/internal/ledger"
	"github.com/mcp-coordinator/mcp-coordinator/internal/textcap"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
	"github.com/mcp-coordinator/mcp-coordinator/skills"
)

const (
	// maxErrorChars bounds the error message returned for a failed run.
	maxErrorChars = 4000
	// unknownServer is where the ledger counts calls to servers that are not configured.
	unknownServer = "(unknown server)"
)

// RunOutcome is a finished snippet run as the model or the CLI sees it.
type RunOutcome struct {
	// Output is what the snippet printed (stdout, then stderr marked as such), truncated to
	// Options.OutputChars with a structural notice.
	Output string
	// Err is the snippet's failure (a *sandbox.Error), or nil; ErrText is its message for the
	// model, capped like the output.
	Err     error
	ErrText string
	// Usage is what the run cost and saved; it is also the ledger line.
	Usage ledger.Entry
	// Note says what the run did differently from what was asked (a timeout above the maximum
	// ran with the maximum), or is empty. The footer shows it.
	Note string
	// Blocks are the content blocks the snippet showed (mcp_tools.Show), MCP content as JSON,
	// at most mcp_tools.MaxShowBlocks.
	Blocks []json.RawMessage
}

// RunRequest is one snippet run for [Coordinator.Execute].
type RunRequest struct {
	// Tool names the run in the ledger ("execute_code").
	Tool string
	// Code is the snippet.
	Code string
	// Timeout of 0 means the configured default.
	Timeout time.Duration
	// Sandbox is the engine (EngineProcess, EngineWasm); empty means Options.Engine.
	Sandbox string
	// Progress, when set, receives one line for each step of the run: its start, each tool
	// call made, each progress notification a server sends during a call, and the snippet's own
	// reports (mcp_tools.Progress). It may be called concurrently, and shortly after Execute
	// returned; it must return promptly.
	Progress func(message string)

	// skills serves the skills/ tree in place of the library's: a skill's check.
	skills fs.FS
}

// Footer is the one line appended to execute_code's answer: the calls per server (so the model
// can confirm that a loop ran), the tokens of tool results kept out of its context (counted as a
// direct client would have shown them), and the time.
func (o *RunOutcome) Footer() string {
	u := o.Usage
	took := roundDuration(time.Duration(u.DurationMS * float64(time.Millisecond)))
	note := ""
	if o.Note != "" {
		note = " · " + o.Note
	}
	if u.Calls == 0 {
		return fmt.Sprintf("[no calls · %s%s]", took, note)
	}
	var per []string
	for _, n := range slices.Sorted(maps.Keys(u.PerServer)) {
		per = append(per, fmt.Sprintf("%s %d", n, u.PerServer[n].Calls))
	}
	return fmt.Sprintf("[calls: %s · %d tokens kept out · %s%s]", strings.Join(per, ", "), u.ToolTokens, took, note)
}

// Run runs a snippet against the workspace's stubs and the Pool, records it in the ledger under
// tool, and returns the outcome. timeout of 0 means the configured default; one above the
// configured maximum runs with the maximum, and RunOutcome.Note says so. The returned error is
// only for a request that could not be run at all (empty code, limits out of range); a failing
// snippet is reported in RunOutcome.Err.
func (c *Coordinator) Run(ctx context.Context, tool, code string, timeout time.Duration) (*RunOutcome, error) {
	return c.Execute(ctx, RunRequest{Tool: tool, Code: code, Timeout: timeout})
}

// Execute is [Coordinator.Run] with the run's progress reported (see RunRequest).
func (c *Coordinator) Execute(ctx context.Context, req RunRequest) (*RunOutcome, error) {
	tool, code, timeout := req.Tool, req.Code, req.Timeout
	if strings.TrimSpace(code) == "" {
		return nil, errors.New("code is empty: pass a Go snippet (a package main, or statements for the body of main)")
	}
	if len(code) > sandbox.MaxSourceBytes {
		return nil, fmt.Errorf("code is %d bytes, above the %d-byte limit: a snippet should call tools, not carry data", len(code), sandbox.MaxSourceBytes)
	}
	var note string
	if max := c.maxTimeout(); timeout > max {
		note = fmt.Sprintf("timeout %s is above the maximum: ran with %s", roundDuration(timeout), max)
		timeout = max
	}
	start := time.Now()
	tokens := ledger.NewCounter()
	var tools sandbox.ToolCaller = c.pool
	if req.Progress != nil {
		req.Progress("running the snippet")
		tools = progressTools{c.pool, req.Progress}
	}
	tree := req.skills
	if tree == nil {
		tree = c.skills.FS()
	}
	sb, err := c.sb.get(req.Sandbox)
	if err != nil {
		return nil, err
	}
	prepared := firstUse(sb)
	res, err := sb.Run(ctx, &sandbox.Request{
		Source:   code,
		Resolve:  c.resolve,
		Packages: skills.Mount(c.store.FS(), tree),
		Limits:   sandbox.Limits{Timeout: timeout},
		Tools:    tools,
		Progress: req.Progress,
		Observe: func(server, tool string, result []byte) {
			tokens.Add(server, result)
			c.shapes.Observe(server, tool, result)
		},
	})
	perTokens := tokens.Wait()
	var se *sandbox.Error
	if err != nil && errors.As(err, &se) && se.Kind == sandbox.KindLimits {
		return nil, err
	}
	if p := prepared(); p != "" {
		note = strings.TrimPrefix(note+" · "+p, " · ")
	}
	out := &RunOutcome{Err: err, Note: note}
	u := ledger.Entry{Time: start.UTC(), Tool: tool, Engine: c.sb.name(req.Sandbox), OK: err == nil, PerServer: map[string]ledger.ServerUsage{}, Counted: ledger.CountedContext}
	if res != nil {
		text := res.Stdout
		if res.Stderr != "" {
			if text != "" && !strings.HasSuffix(text, "\n") {
				text += "\n"
			}
			text += "[stderr]\n" + res.Stderr
		}
		out.Output, _ = textcap.Cut(text, c.opts.OutputChars)
		known := c.configuredNames()
		for name, su := range res.Servers {
			key := name
			if !known[name] && name != sandbox.OtherServers {
				key = unknownServer
			}
			pu := u.PerServer[key]
			pu.Calls += su.Calls
			pu.ToolBytes += su.Bytes
			pu.ToolTokens += perTokens[name]
			u.PerServer[key] = pu
			u.ToolTokens += perTokens[name]
		}
		u.Calls, u.ToolBytes = res.Calls, res.ToolBytes
		recordSkills(&u, res.Packages)
		out.Blocks = res.Blocks
	}
	if se != nil && se.Kind == sandbox.KindOutput {
		// Say what the model gets: not the engine's limit, but this cap.
		e := *se
		e.Hint = fmt.Sprintf("you get about %d characters of it, cut where marked", c.opts.OutputChars)
		err = &e
	}
	if err != nil {
		out.ErrText, _ = textcap.Cut(err.Error(), maxErrorChars)
	}
	if se != nil {
		u.Error = string(se.Kind)
	} else if err != nil {
		u.Error = "internal"
	}
	u.ReturnedBytes = len(out.Output) + len(out.ErrText)
	u.ReturnedTokens = ledger.CountTokens(out.Output) + ledger.CountTokens(out.ErrText)
	u.DurationMS = float64(time.Since(start).Microseconds()) / 1000
	out.Usage = u
	if lerr := c.ledger.Append(u); lerr != nil {
		c.log.Warn("ledger", "err", lerr)
	}
	return out, nil
}

// resolve makes the stub package at importPath present when it belongs to a configured server:
// a server still starting right after serve began, one just added to the config, or one whose
// package another coordinator sharing the workspace removed. It waits at most ServerWait.
func (c *Coordinator) resolve(ctx context.Context, importPath string) error {
	pkg, ok := strings.CutPrefix(importPath, "mcp_tools/")
	if !ok {
		return nil
	}
	for _, s := range c.config().Servers {
		if c.store.PackageFor(s.Name) != pkg {
			continue
		}
		if _, err := c.stubs(ctx, s.Name); err != nil {
			return fmt.Errorf("the snippet uses %s, whose stubs are not available: %w", pkg, err)
		}
		return nil
	}
	return nil
}

// maxTimeout is the longest run a snippet may ask for: Options.MaxLimits.Timeout, else the
// sandbox's default.
func (c *Coordinator) maxTimeout() time.Duration {
	if c.opts.MaxLimits.Timeout > 0 {
		return c.opts.MaxLimits.Timeout
	}
	return sandbox.DefaultLimits.Timeout
}

// roundDuration shows a duration without a long fraction: milliseconds below a second, tenths
// of a second above.
func roundDuration(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// progressTools is the Pool, reporting each tool call and the progress that servers send
// during it.
type progressTools struct {
	*downstream.Pool
	report func(message string)
}

func (t progressTools) CallTool(ctx context.Context, server, tool string, args json.RawMessage) (json.RawMessage, error) {
	t.report(fmt.Sprintf("calling %s.%s", server, tool))
	ctx = downstream.WithProgress(ctx, func(p downstream.Progress) {
		msg := fmt.Sprintf("%s.%s: %g", p.Server, p.Tool, p.Progress)
		if p.Total > 0 {
			msg += fmt.Sprintf("/%g", p.Total)
		}
		if p.Message != "" {
			msg += " " + p.Message
		}
		t.report(msg)
	})
	return t.Pool.CallTool(ctx, server, tool, args)
}
