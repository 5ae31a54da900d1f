package yaegirun

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox/internal/prepare"
)

// The bounds of a panic trace. A trace line holds the name of the panicking function, which
// the snippet chooses, and a deep recursion writes one line per frame: without bounds a
// snippet could make its trace as large as it likes.
const (
	// MaxTraceLine is the most bytes of one annotated trace line; [Annotate] and [Trace.Add]
	// cut longer ones in the middle.
	MaxTraceLine = 512
	// MaxTraceFrames is the number of lines a [Trace] keeps of the last unwinding.
	MaxTraceFrames = 64
	// maxTraceReport bounds the frames [Trace.Format] writes, and maxReportLine each line.
	maxTraceReport = 20
	maxReportLine  = 256
)

// Cut returns s when it holds at most max bytes, else its head and tail joined by a marker
// saying how many bytes were cut, in at most max bytes in all (more only when max is too small
// for the marker). It cuts between runes.
func Cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	room := max - len("…[ bytes cut]…") - len(strconv.Itoa(len(s)))
	if room < 0 {
		room = 0
	}
	head, tail := room/2, len(s)-(room-room/2)
	for head > 0 && !utf8.RuneStart(s[head]) {
		head--
	}
	for tail < len(s) && !utf8.RuneStart(s[tail]) {
		tail++
	}
	return s[:head] + "…[" + strconv.Itoa(tail-head) + " bytes cut]…" + s[tail:]
}

var traceLine = regexp.MustCompile(`^(?:(\d+)\t)?(?:(\S+?\.go):)?(\d+)(?::\d+)?: panic`)

// Annotate prefixes a line of the interpreter's panic trace with the current line marker (the
// snippet line of the statement that last started, in any goroutine) and a tab, and cuts it to
// MaxTraceLine bytes. A runner calls it as the trace is written, before the panic can end the
// process.
func Annotate(traceLine string) string {
	return Cut(strconv.Itoa(int(atomic.LoadInt64(&marker)))+"\t"+strings.TrimRight(traceLine, "\n"), MaxTraceLine)
}

// Trace collects the annotated lines of a run's panic traces, oldest first, in bounded memory:
// it keeps the first MaxTraceFrames lines of the last unwinding (the innermost frames, which
// place the panic), each cut to MaxTraceLine bytes, and counts the others. An unwinding prints
// one line per frame, innermost first, and ends at main.main for the main goroutine, so the
// last one starts after the previous line that reached main.main. (A panic recovered earlier
// in the same goroutine may still be included.) The zero Trace is empty; it is not safe for
// concurrent use.
type Trace struct {
	lines []string
	more  int  // lines of the last unwinding beyond lines
	ended bool // the last line added reached main.main: the next one starts an unwinding
}

// NewTrace returns a Trace holding lines, added in order.
func NewTrace(lines ...string) *Trace {
	t := &Trace{}
	for _, l := range lines {
		t.Add(l)
	}
	return t
}

// Add adds the next annotated trace line.
func (t *Trace) Add(line string) {
	if t.ended {
		t.lines, t.more = t.lines[:0], 0
	}
	t.ended = strings.Contains(line, "panic: main.main(")
	if len(t.lines) == MaxTraceFrames {
		t.more++
		return
	}
	t.lines = append(t.lines, Cut(line, MaxTraceLine))
}

// PanicLine returns the snippet line where the last panic happened: the line marker when the
// panic began, else the first statement of the innermost function of the main file. It
// returns 0 when neither is known.
func (t *Trace) PanicLine() int {
	if len(t.lines) > 0 {
		if m := traceLine.FindStringSubmatch(t.lines[0]); m != nil && m[1] != "" && m[1] != "0" {
			n, _ := strconv.Atoi(m[1])
			return n
		}
	}
	for _, l := range t.lines {
		if line, ok := mainLine(l); ok {
			return line
		}
	}
	return 0
}

// mainLine returns the line of a trace line in the main file. The interpreter reports the
// first statement of the function, not the statement that panicked.
func mainLine(l string) (int, bool) {
	m := traceLine.FindStringSubmatch(l)
	if m == nil || (m[2] != "" && m[2] != prepare.MainFile) {
		return 0, false
	}
	n, _ := strconv.Atoi(m[3])
	return n, true
}

var traceFunc = regexp.MustCompile(`panic: (.+?)\(\.\.\.\)$`)

// Format renders the last panic for the model, innermost function first: "panic at line 7"
// then one "in main.f (line 5)" per frame, with the line where the function starts, at most
// 20 frames of at most 256 bytes each.
func (t *Trace) Format() string {
	if len(t.lines) == 0 {
		return ""
	}
	var b strings.Builder
	if line := t.PanicLine(); line > 0 {
		fmt.Fprintf(&b, "panic at line %d\n", line)
	}
	for i, l := range t.lines {
		if i == maxTraceReport {
			fmt.Fprintf(&b, "... %d more frames\n", len(t.lines)-i+t.more)
			break
		}
		m := traceLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		fn := "?"
		if f := traceFunc.FindStringSubmatch(l); f != nil {
			fn = f[1]
		}
		var s string
		if m[2] == "" || m[2] == prepare.MainFile {
			s = fmt.Sprintf("in %s (starting line %s)", fn, m[3])
		} else {
			s = fmt.Sprintf("in %s (%s:%s)", fn, strings.TrimPrefix(m[2], gopath+"/src/"), m[3])
		}
		b.WriteString(Cut(s, maxReportLine) + "\n")
	}
	return b.String()
}
