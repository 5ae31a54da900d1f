package coordinator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
)

const (
	// maxSnippetBytes bounds the code of one run.
	maxSnippetBytes = 256 << 10
	// maxErrorChars bounds the error message returned for a failed run.
	maxErrorChars = 4000
	// tokenizeBudget is how many bytes of tool results a run counts exactly; the rest is
	// estimated at 4 bytes a token.
	tokenizeBudget = 8 << 20
	// unknownServer is where the meter counts calls to servers that are not configured.
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
	Usage LedgerEntry
}

// Footer is the one line appended to execute_code's answer.
func (o *RunOutcome) Footer() string {
	u := o.Usage
	var per []string
	for _, n := range slices.Sorted(maps.Keys(u.PerServer)) {
		per = append(per, fmt.Sprintf("%s %d", n, u.PerServer[n].Calls))
	}
	took := time.Duration(u.DurationMS * float64(time.Millisecond)).Round(time.Millisecond)
	if u.Calls == 0 {
		return fmt.Sprintf("[no tool calls · %d tokens returned to you · %s]", u.ReturnedTokens, took)
	}
	calls := plural(u.Calls, "tool call") + " (" + strings.Join(per, ", ") + ")"
	return fmt.Sprintf("[%s · tools returned %s, %d tokens, kept in the sandbox · %d tokens returned to you · %s]",
		calls, humanBytes(u.ToolBytes), u.ToolTokens, u.ReturnedTokens, took)
}

// Run runs a snippet against the workspace's stubs and the Pool, records it in the ledger under
// tool, and returns the outcome. timeout of 0 means the configured default. The returned error is
// only for a request that could not be run at all (empty code, limits out of range); a failing
// snippet is reported in RunOutcome.Err.
func (c *Coordinator) Run(ctx context.Context, tool, code string, timeout time.Duration) (*RunOutcome, error) {
	if strings.TrimSpace(code) == "" {
		return nil, errors.New("code is empty: pass a Go snippet (a package main, or statements for the body of main)")
	}
	if len(code) > maxSnippetBytes {
		return nil, fmt.Errorf("code is %d bytes, above the %d-byte limit: a snippet should call tools, not carry data", len(code), maxSnippetBytes)
	}
	start := time.Now()
	if err := c.ensureUsedStubs(ctx, code); err != nil {
		return nil, err
	}
	m := newMeter(c.pool, c.configuredNames())
	res, err := c.sb.Run(ctx, &sandbox.Request{
		Source:   code,
		Packages: c.ws.FS(),
		Limits:   sandbox.Limits{Timeout: timeout},
		Tools:    m,
	})
	u := m.usage()
	var se *sandbox.Error
	if err != nil && errors.As(err, &se) && se.Kind == sandbox.KindLimits {
		return nil, err
	}
	out := &RunOutcome{Err: err}
	if res != nil {
		text := res.Stdout
		if res.Stderr != "" {
			if text != "" && !strings.HasSuffix(text, "\n") {
				text += "\n"
			}
			text += "[stderr]\n" + res.Stderr
		}
		out.Output, _ = truncateOutput(text, c.opts.OutputChars)
	}
	if err != nil {
		out.ErrText, _ = truncateOutput(err.Error(), maxErrorChars)
	}
	u.Time = start.UTC()
	u.Tool = tool
	u.OK = err == nil
	if se != nil {
		u.Error = string(se.Kind)
	} else if err != nil {
		u.Error = "internal"
	}
	u.ReturnedBytes = len(out.Output) + len(out.ErrText)
	u.ReturnedTokens = CountTokens(out.Output) + CountTokens(out.ErrText)
	u.DurationMS = float64(time.Since(start).Microseconds()) / 1000
	out.Usage = u
	if lerr := c.ledger.Append(u); lerr != nil {
		c.log.Warn("ledger", "err", lerr)
	}
	return out, nil
}

// ErrServerUnavailable is wrapped by Run's error when a server the snippet uses cannot be reached.
var ErrServerUnavailable = errors.New("server unavailable")

// ensureUsedStubs waits (bounded by ServerWait) for the stubs of every server the snippet
// appears to use that has none on disk: a server still starting right after serve began, one
// just added to the config, or one whose package another coordinator sharing the workspace
// removed. A server that cannot provide them is reported by name.
func (c *Coordinator) ensureUsedStubs(ctx context.Context, code string) error {
	for _, s := range c.Config().Servers {
		pkg := c.ws.PackageFor(s.Name)
		if !strings.Contains(code, `"mcp_tools/`+pkg+`"`) && !usesIdent(code, pkg) {
			continue
		}
		if c.ws.Present(s.Name) {
			continue
		}
		c.mu.Lock()
		delete(c.pkgs, s.Name) // its files are gone: generate them again
		c.mu.Unlock()
		if _, err := c.stubs(ctx, s.Name); err != nil {
			return fmt.Errorf("%w: the snippet uses %s, whose stubs are not available: %w", ErrServerUnavailable, pkg, err)
		}
	}
	return nil
}

// usesIdent reports whether code holds pkg followed by a dot, as a whole word.
func usesIdent(code, pkg string) bool {
	for i := 0; ; {
		j := strings.Index(code[i:], pkg+".")
		if j < 0 {
			return false
		}
		j += i
		if j == 0 || !isIdentByte(code[j-1]) {
			return true
		}
		i = j + 1
	}
}

func isIdentByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= 0x80
}

// meter wraps the Pool to count what tools return into the sandbox, per server. Tokens are
// counted off the call path, by one worker, so metering adds no tokenizer time to a call.
type meter struct {
	caller sandbox.ToolCaller
	known  map[string]bool // configured servers; others are counted as unknownServer
	queue  chan metered
	done   chan struct{}
	qmu    sync.RWMutex // senders hold it shared, so usage can close queue safely
	closed bool
	mu     sync.Mutex
	per    map[string]ServerUsage
}

type metered struct {
	server string
	result json.RawMessage
}

func newMeter(caller sandbox.ToolCaller, known map[string]bool) *meter {
	m := &meter{caller: caller, known: known, queue: make(chan metered, 1024), done: make(chan struct{}), per: map[string]ServerUsage{}}
	go func() {
		defer close(m.done)
		budget := tokenizeBudget
		for r := range m.queue {
			// Past the budget, estimate: a run's answer must not wait long for the tokenizer.
			tokens := len(r.result) / 4
			if budget > 0 {
				tokens = CountTokens(string(r.result))
				budget -= len(r.result)
			}
			m.mu.Lock()
			u := m.per[r.server]
			u.ToolTokens += tokens
			m.per[r.server] = u
			m.mu.Unlock()
		}
	}()
	return m
}

func (m *meter) CallTool(ctx context.Context, server, tool string, args json.RawMessage) (json.RawMessage, error) {
	res, err := m.caller.CallTool(ctx, server, tool, args)
	if !m.known[server] {
		server = unknownServer
	}
	m.mu.Lock()
	u := m.per[server]
	u.Calls++
	u.ToolBytes += int64(len(res))
	m.per[server] = u
	m.mu.Unlock()
	m.qmu.RLock()
	if len(res) > 0 && !m.closed {
		m.queue <- metered{server, res}
	}
	m.qmu.RUnlock()
	return res, err
}

// usage stops token counting and returns the totals so far. Calls that end later (a call still
// queued when its run timed out) are counted in the meter only, never in the returned entry.
func (m *meter) usage() LedgerEntry {
	m.qmu.Lock()
	if !m.closed {
		m.closed = true
		close(m.queue)
	}
	m.qmu.Unlock()
	<-m.done
	m.mu.Lock()
	defer m.mu.Unlock()
	e := LedgerEntry{PerServer: maps.Clone(m.per)}
	for _, u := range m.per {
		e.Calls += u.Calls
		e.ToolBytes += u.ToolBytes
		e.ToolTokens += u.ToolTokens
	}
	return e
}
