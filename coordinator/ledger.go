package coordinator

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

// LedgerEntry is one line of <workspace>/usage.jsonl: what the tools returned inside the sandbox
// against what went back to the model, so that savings are measured, not claimed.
type LedgerEntry struct {
	Time  time.Time `json:"time"`
	Tool  string    `json:"tool"` // execute_code, or the CLI's run
	OK    bool      `json:"ok"`
	Error string    `json:"error,omitempty"` // the error kind when !OK
	Calls int       `json:"calls"`
	// PerServer holds calls and result tokens per downstream server.
	PerServer      map[string]ServerUsage `json:"per_server,omitempty"`
	ToolBytes      int64                  `json:"tool_bytes"`
	ToolTokens     int                    `json:"tool_tokens"`
	ReturnedBytes  int                    `json:"returned_bytes"`
	ReturnedTokens int                    `json:"returned_tokens"`
	DurationMS     float64                `json:"duration_ms"`
}

// ServerUsage is one server's share of a run.
type ServerUsage struct {
	Calls      int   `json:"calls"`
	ToolBytes  int64 `json:"tool_bytes"`
	ToolTokens int   `json:"tool_tokens"`
}

// Ledger appends entries to a JSON-lines file. It is safe for concurrent use, and each entry is
// written with one write call on a file opened for appending, so lines never interleave.
type Ledger struct {
	path string
	mu   sync.Mutex
}

// NewLedger returns a ledger at path; the file is created on the first Append.
func NewLedger(path string) *Ledger { return &Ledger{path: path} }

// Append writes e as one line.
func (l *Ledger) Append(e LedgerEntry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("ledger: %w", err)
	}
	return f.Close()
}

// Stats summarises a ledger.
type Stats struct {
	Runs, Failures int
	Calls          int
	ToolTokens     int
	ReturnedTokens int
	ToolBytes      int64
	PerServer      map[string]ServerUsage
	BadLines       int
	First, Last    time.Time
	FailuresByKind map[string]int
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
	s := Stats{PerServer: map[string]ServerUsage{}, FailuresByKind: map[string]int{}}
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
		var e LedgerEntry
		if jerr := json.Unmarshal(line, &e); jerr != nil || e.Tool == "" {
			s.BadLines++
			continue
		}
		s.Runs++
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
		if s.First.IsZero() || e.Time.Before(s.First) {
			s.First = e.Time
		}
		if e.Time.After(s.Last) {
			s.Last = e.Time
		}
	}
}

// String renders the summary for a person or a model.
func (s Stats) String() string {
	if s.Runs == 0 {
		return "no runs recorded yet"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "runs: %d (%d failed", s.Runs, s.Failures)
	for _, k := range slices.Sorted(maps.Keys(s.FailuresByKind)) {
		fmt.Fprintf(&b, "; %s %d", k, s.FailuresByKind[k])
	}
	fmt.Fprintf(&b, "), tool calls: %d\n", s.Calls)
	fmt.Fprintf(&b, "tool results inside the sandbox: %d tokens (%s); returned to the model: %d tokens; kept out of context: %d tokens",
		s.ToolTokens, humanBytes(s.ToolBytes), s.ReturnedTokens, s.Saved())
	if s.ToolTokens > 0 {
		fmt.Fprintf(&b, " (%.0f%%)", 100*float64(s.Saved())/float64(s.ToolTokens))
	}
	b.WriteString("\n")
	for _, n := range slices.Sorted(maps.Keys(s.PerServer)) {
		u := s.PerServer[n]
		fmt.Fprintf(&b, "  %s: %d calls, %d tokens returned by tools\n", n, u.Calls, u.ToolTokens)
	}
	if s.BadLines > 0 {
		fmt.Fprintf(&b, "(%d unreadable ledger lines skipped)\n", s.BadLines)
	}
	fmt.Fprintf(&b, "since %s", s.First.Format(time.RFC3339))
	return b.String()
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
