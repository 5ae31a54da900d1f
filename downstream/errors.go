package downstream

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// ErrorKind classifies an [*Error].
type ErrorKind string

const (
	// KindUnknownServer: no server of that name is configured.
	KindUnknownServer ErrorKind = "unknown server"
	// KindUnknownTool: the server has no tool of that name.
	KindUnknownTool ErrorKind = "unknown tool"
	// KindUnavailable: the server failed to start, exited, was removed, or the Pool is closed.
	KindUnavailable ErrorKind = "server unavailable"
	// KindProtocol: the server answered with a JSON-RPC error (invalid arguments, say).
	KindProtocol ErrorKind = "protocol error"
	// KindCanceled: the caller's context ended (or CallTimeout passed) first. Err is the
	// context's error, so errors.Is(err, context.DeadlineExceeded) works.
	KindCanceled ErrorKind = "canceled"
)

// Error is the error the Pool returns. Its message is one line that names the server (and the
// tool) and says what to do about it where that is known.
type Error struct {
	Kind         ErrorKind
	Server, Tool string
	// Msg is the whole message.
	Msg string
	// Err is the underlying cause, if any.
	Err error
}

func (e *Error) Error() string { return e.Msg }

// CallKind names the failure as a snippet sees it (mcp_tools.ErrorKind): the Kind, except that
// a call that ran out of time is "timeout".
func (e *Error) CallKind() string {
	if e.Kind == KindCanceled && errors.Is(e.Err, context.DeadlineExceeded) {
		return "timeout"
	}
	return string(e.Kind)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func errorf(kind ErrorKind, server, tool string, cause error, format string, args ...any) *Error {
	return &Error{Kind: kind, Server: server, Tool: tool, Msg: fmt.Sprintf(format, args...), Err: cause}
}

// closeNames returns up to three names from names that look like name: the same after
// dropping case and punctuation, a prefix or substring, or a small edit distance.
func closeNames(name string, names []string) []string {
	type cand struct {
		name string
		d    int
	}
	n := normName(name)
	var cands []cand
	for _, c := range names {
		m := normName(c)
		d := editDistance(n, m)
		switch {
		case m == n:
			d = 0
		case len(n) >= 3 && (strings.Contains(m, n) || strings.Contains(n, m)):
			d = min(d, 1)
		}
		if d <= max(2, len(n)/3) {
			cands = append(cands, cand{c, d})
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].d != cands[j].d {
			return cands[i].d < cands[j].d
		}
		return cands[i].name < cands[j].name
	})
	var out []string
	for i := 0; i < len(cands) && i < 3; i++ {
		out = append(out, cands[i].name)
	}
	return out
}

func normName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// quoteList formats names as "a", "b" and "c".
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	switch len(q) {
	case 0:
		return ""
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}
