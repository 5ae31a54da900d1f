package coordinator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// truncateOutput shortens out to at most max bytes without cutting a JSON value or a line in
// half, and appends a marked notice saying what was left out. It reports whether it cut.
//
// The rules, in order: output that is one JSON array or object keeps its leading elements as a
// valid JSON value; other output keeps its leading whole lines (a single over-long line that is
// JSON is cut as JSON, any other over-long line at a rune boundary).
func truncateOutput(out string, max int) (string, bool) {
	if len(out) <= max {
		return out, false
	}
	if kept, note, ok := truncateJSON(strings.TrimSpace(out), max); ok {
		return kept + "\n" + note, true
	}
	var b strings.Builder
	lines := strings.SplitAfter(out, "\n")
	i := 0
	for ; i < len(lines) && b.Len()+len(lines[i]) <= max; i++ {
		b.WriteString(lines[i])
	}
	if i == 0 { // the first line alone is too long
		first := strings.TrimRight(lines[0], "\n")
		if kept, note, ok := truncateJSON(first, max); ok {
			return kept + "\n" + note, true
		}
		cut := max - len("…\n")
		for cut > 0 && !utf8.RuneStart(first[cut]) {
			cut--
		}
		b.WriteString(first[:cut])
		b.WriteString("…\n")
		i = 1
	}
	rest := len(out) - b.Len()
	return b.String() + fmt.Sprintf("[output truncated: %d more lines, %d more bytes not shown; print less: filter or summarise inside the snippet]", len(lines)-i, rest), true
}

// truncateJSON keeps the leading elements of a JSON array or members of an object that fit in
// max bytes. ok is false when s is not a JSON array or object.
func truncateJSON(s string, max int) (kept, note string, ok bool) {
	if len(s) == 0 || (s[0] != '[' && s[0] != '{') || !json.Valid([]byte(s)) {
		return "", "", false
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	tok, _ := dec.Token()
	open := tok.(json.Delim)
	var buf bytes.Buffer
	buf.WriteByte(byte(open))
	total, n := 0, 0
	full := false
	for dec.More() {
		var key string
		if open == '{' {
			k, _ := dec.Token()
			key = k.(string)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return "", "", false
		}
		total++
		if full {
			continue
		}
		var item []byte
		if open == '{' {
			kb, _ := json.Marshal(key)
			item = append(append(kb, ':'), v...)
		} else {
			item = v
		}
		if buf.Len()+len(item)+2 > max {
			full = true
			continue
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		buf.Write(item)
		n++
	}
	if open == '{' {
		buf.WriteByte('}')
	} else {
		buf.WriteByte(']')
	}
	what := "elements"
	if open == '{' {
		what = "members"
	}
	return buf.String(), fmt.Sprintf("[output truncated: JSON %s kept whole, showing %d of %d %s; print less: filter or summarise inside the snippet]",
		map[json.Delim]string{'[': "array", '{': "object"}[open], n, total, what), true
}
