package ledger

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// Entry is one line of the ledger: what the tools returned inside the sandbox against what
// went back to the model, so that savings are measured, not claimed. execute_code, the CLI's
// run, skills and delegation all append this one type.
type Entry struct {
	Time time.Time `json:"time"`
	Tool string    `json:"tool"` // execute_code, run, ...
	// Engine is the sandbox engine of a run (process, wasm); lines from before it have none.
	Engine string `json:"engine,omitempty"`
	OK     bool   `json:"ok"`
	Error  string `json:"error,omitempty"` // the error kind when !OK
	Calls  int    `json:"calls"`
	// PerServer holds calls and result tokens per downstream server.
	PerServer      map[string]ServerUsage `json:"per_server,omitempty"`
	ToolBytes      int64                  `json:"tool_bytes"`
	ToolTokens     int                    `json:"tool_tokens"`
	ReturnedBytes  int                    `json:"returned_bytes"`
	ReturnedTokens int                    `json:"returned_tokens"`
	DurationMS     float64                `json:"duration_ms"`
	// Skills are the skills the run imported ("greet"), directly or through another skill.
	Skills []string `json:"skills,omitempty"`
	// A delegation to a local model (delegate_code, delegate_task) fills these: the tier, the
	// provider that answered (or the last one tried), the model asked for and the one that
	// answered, the tokens in and out of the model (estimated, when the server sent no usage,
	// and marked so), the attempts, the providers that failed before, the cost at a paid
	// provider's price, and why it failed.
	Tier            string  `json:"tier,omitempty"`
	Provider        string  `json:"provider,omitempty"`
	ModelRequested  string  `json:"model_requested,omitempty"`
	ModelReturned   string  `json:"model_returned,omitempty"`
	TokensIn        int     `json:"tokens_in,omitempty"`
	TokensOut       int     `json:"tokens_out,omitempty"`
	TokensEstimated bool    `json:"tokens_estimated,omitempty"`
	Attempts        int     `json:"attempts,omitempty"`
	Fallbacks       int     `json:"fallbacks,omitempty"`
	CostUSD         float64 `json:"cost_usd,omitempty"`
	Reason          string  `json:"reason,omitempty"`
	// Counted says how the tool tokens were counted: CountedContext. Lines written before it
	// existed have none: they counted the raw result JSON, which runs 1.7 to 2 times higher.
	Counted string `json:"counted,omitempty"`
}

// The tools under which the skills library records its checks: the one at a save, and the
// later ones (after a server's tools changed, or asked for). They are counted apart from runs.
const (
	ToolSaveSkill  = "save_skill"
	ToolCheckSkill = "check_skill"
)

// The tools whose lines are delegations to a local model, counted apart from runs.
const (
	ToolDelegateCode = "delegate_code"
	ToolDelegateTask = "delegate_task"
)

// CountedContext marks tool tokens counted as a direct client would show the results to the
// model (see [ContextText]).
const CountedContext = "context"

// ServerUsage is one server's share of a run.
type ServerUsage struct {
	Calls      int   `json:"calls"`
	ToolBytes  int64 `json:"tool_bytes"`
	ToolTokens int   `json:"tool_tokens"`
}

// Ledger appends entries to a JSON-lines file. It is safe for concurrent use, also by several
// processes sharing the file: each entry is written with one write call on a file opened for
// appending, so lines never interleave. A line cut short by a process killed mid-write is
// closed by the next Append (and skipped, counted, by ReadStats), so it never swallows the
// next entry.
type Ledger struct {
	path string
	mu   sync.Mutex
}

// New returns a ledger at path; the file is created on the first Append.
func New(path string) *Ledger { return &Ledger{path: path} }

// Path returns the ledger file.
func (l *Ledger) Path() string { return l.path }

// Append writes e as one line.
func (l *Ledger) Append(e Entry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	buf := make([]byte, 0, len(line)+2)
	if cut(f) {
		buf = append(buf, '\n')
	}
	buf = append(append(buf, line...), '\n')
	if _, err := f.Write(buf); err != nil {
		f.Close()
		return fmt.Errorf("ledger: %w", err)
	}
	return f.Close()
}

// cut reports whether f ends in the middle of a line.
func cut(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return false
	}
	var last [1]byte
	_, err = f.ReadAt(last[:], fi.Size()-1)
	return err == nil && last[0] != '\n'
}

// Stats summarises a ledger.
type Stats struct {
	Runs, Failures int
	// SkillRuns counts the runs that imported a skill; SkillSaves and SkillChecks the check
	// runs of the skills library (one or two per save: compile, example), which are not runs.
	SkillRuns, SkillSaves, SkillChecks int
	// Delegations counts delegate_code and delegate_task; DelegationsOK those that succeeded,
	// DelegationFallbacks those not served by the first provider (another did, or none);
	// LocalTokensIn and LocalTokensOut the model tokens of unpriced (local or free) providers,
	// and CostUSD what priced ones charged.
	Delegations, DelegationsOK, DelegationFallbacks int
	LocalTokensIn, LocalTokensOut                   int
	CostUSD                                         float64
	Calls                                           int
	ToolTokens                                      int
	ReturnedTokens                                  int
	ToolBytes                                       int64
	PerServer                                       map[string]ServerUsage
	BadLines                                        int
	// RawCounted is how many runs counted their tool tokens by the earlier rule (the raw result
	// JSON, about 1.7 to 2 times the context text); they are summed as they were recorded.
	RawCounted     int
	First, Last    time.Time
	FailuresByKind map[string]int
	// Engines counts the runs per sandbox engine (runs recorded before engines were named
	// are not counted here).
	Engines map[string]int
}

// Saved is the number of tokens kept out of the model's context.
func (s Stats) Saved() int {
	if s.ToolTokens > s.ReturnedTokens {
		return s.ToolTokens - s.ReturnedTokens
	}
	return 0
}

// ReadStats reads and summarises the ledger; a missing file is an empty ledger and a damaged
// line is counted, not fatal.
func (l *Ledger) ReadStats() (Stats, error) {
	s := Stats{PerServer: map[string]ServerUsage{}, FailuresByKind: map[string]int{}, Engines: map[string]int{}}
	f, err := os.Open(l.path)
	if os.IsNotExist(err) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("ledger: %w", err)
	}
	defer f.Close()
	return s, readStats(f, &s)
}

func readStats(r io.Reader, s *Stats) error {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) == 0 {
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("ledger: %w", err)
			}
			continue
		}
		var e Entry
		if jerr := json.Unmarshal(line, &e); jerr != nil || e.Tool == "" {
			s.BadLines++
			continue
		}
		if s.First.IsZero() || e.Time.Before(s.First) {
			s.First = e.Time
		}
		if e.Time.After(s.Last) {
			s.Last = e.Time
		}
		switch e.Tool {
		case ToolSaveSkill:
			s.SkillSaves++
			continue
		case ToolCheckSkill:
			s.SkillChecks++
			continue
		case ToolDelegateCode, ToolDelegateTask:
			s.Delegations++
			if e.OK {
				s.DelegationsOK++
			}
			if e.Fallbacks > 0 || !e.OK {
				s.DelegationFallbacks++
			}
			if e.CostUSD == 0 {
				s.LocalTokensIn += e.TokensIn
				s.LocalTokensOut += e.TokensOut
			}
			s.CostUSD += e.CostUSD
			continue
		}
		s.Runs++
		if e.Engine != "" {
			s.Engines[e.Engine]++
		}
		if len(e.Skills) > 0 {
			s.SkillRuns++
		}
		if e.Counted == "" && e.Calls > 0 {
			s.RawCounted++
		}
		if !e.OK {
			s.Failures++
			s.FailuresByKind[e.Error]++
		}
		s.Calls += e.Calls
		s.ToolTokens += e.ToolTokens
		s.ReturnedTokens += e.ReturnedTokens
		s.ToolBytes += e.ToolBytes
		for name, u := range e.PerServer {
			t := s.PerServer[name]
			t.Calls += u.Calls
			t.ToolBytes += u.ToolBytes
			t.ToolTokens += u.ToolTokens
			s.PerServer[name] = t
		}
	}
}

// String renders the summary for a person or a model.
func (s Stats) String() string {
	if s.Runs == 0 && s.SkillSaves+s.SkillChecks+s.Delegations == 0 {
		return "no runs recorded yet"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "runs: %d (%d failed", s.Runs, s.Failures)
	for _, k := range slices.Sorted(maps.Keys(s.FailuresByKind)) {
		fmt.Fprintf(&b, "; %s %d", k, s.FailuresByKind[k])
	}
	fmt.Fprintf(&b, "), tool calls: %d\n", s.Calls)
	if len(s.Engines) > 0 {
		var per []string
		for _, k := range slices.Sorted(maps.Keys(s.Engines)) {
			per = append(per, fmt.Sprintf("%s %d", k, s.Engines[k]))
		}
		fmt.Fprintf(&b, "sandbox engines: %s\n", strings.Join(per, ", "))
	}
	fmt.Fprintf(&b, "tool results inside the sandbox: %d tokens (%s); returned to the model: %d tokens; kept out of context: %d tokens",
		s.ToolTokens, HumanBytes(s.ToolBytes), s.ReturnedTokens, s.Saved())
	if s.ToolTokens > 0 {
		fmt.Fprintf(&b, " (%.0f%%)", 100*float64(s.Saved())/float64(s.ToolTokens))
	}
	b.WriteString("\n")
	for _, n := range slices.Sorted(maps.Keys(s.PerServer)) {
		u := s.PerServer[n]
		fmt.Fprintf(&b, "  %s: %d calls, %d tokens returned by tools\n", n, u.Calls, u.ToolTokens)
	}
	if s.SkillRuns+s.SkillSaves+s.SkillChecks > 0 {
		fmt.Fprintf(&b, "skills: imported by %d of %d runs; check runs: %d at save, %d later\n", s.SkillRuns, s.Runs, s.SkillSaves, s.SkillChecks)
	}
	if s.Delegations > 0 {
		fmt.Fprintf(&b, "delegations: %d, %.0f%% succeeded, fallback rate %.0f%%; %d tokens generated locally (%d read)",
			s.Delegations, 100*float64(s.DelegationsOK)/float64(s.Delegations), 100*float64(s.DelegationFallbacks)/float64(s.Delegations),
			s.LocalTokensOut, s.LocalTokensIn)
		if s.CostUSD > 0 {
			fmt.Fprintf(&b, "; paid providers charged $%.4f", s.CostUSD)
		}
		b.WriteString("\n")
	}
	if s.BadLines > 0 {
		fmt.Fprintf(&b, "(%d unreadable ledger lines skipped)\n", s.BadLines)
	}
	if s.RawCounted > 0 {
		fmt.Fprintf(&b, "(%d earlier runs counted raw result JSON, about 1.7 to 2 times what a client shows)\n", s.RawCounted)
	}
	fmt.Fprintf(&b, "since %s", s.First.Format(time.RFC3339))
	return b.String()
}

// HumanBytes formats a byte count for a person: 12 B, 3.4 KB, 5.6 MB.
func HumanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
