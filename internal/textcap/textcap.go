package textcap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Cut shortens out to about max bytes and appends a marked notice saying what was left
// out. It reports whether it cut.
//
// Output that is one JSON array or object keeps its leading elements as a valid JSON value.
// Other output keeps whole lines while they fit; a line too long for what is left is cut as JSON
// the same way when it is an array or object, else at a rune boundary and marked "…[cut]" (as is
// a JSON line none of whose elements fits); it gets at most half of what is left when lines follow.
func Cut(out string, max int) (string, bool) {
	if len(out) <= max {
		return out, false
	}
	if kept, note, ok := truncateJSON(strings.TrimSpace(out), max); ok {
		return kept + "\n" + note, true
	}
	var b strings.Builder
	lines := strings.SplitAfter(out, "\n")
	if n := len(lines); lines[n-1] == "" {
		lines = lines[:n-1] // the end of the last line, not a line
	}
	shown, cut := 0, 0
	for i, line := range lines {
		left := max - b.Len()
		if len(line) <= left {
			b.WriteString(line)
			shown++
			continue
		}
		const mark = "…[cut]\n"
		if left < 64 {
			break
		}
		if i < len(lines)-1 {
			left /= 2 // leave room for the lines after this one
		}
		cut++
		if kept, _, ok := truncateJSON(strings.TrimRight(line, "\n"), left-1); ok {
			b.WriteString(kept + "\n")
			continue
		}
		n := left - len(mark)
		for n > 0 && !utf8.RuneStart(line[n]) {
			n--
		}
		b.WriteString(line[:n] + mark)
	}
	kept := b.String()
	return kept + fmt.Sprintf("[output truncated: %d of %d lines shown whole, %d cut; about %d bytes not shown; print less: filter or summarise inside the snippet]",
		shown, len(lines), cut, len(out)-len(kept)), true
}

// truncateJSON keeps the leading elements of a JSON array or members of an object that fit in
// max bytes. ok is false when s is not a JSON array or object, or when not one element fits.
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
	if n == 0 {
		return "", "", false
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

// OneLine flattens s to one line (runs of white space become one space) of at most n bytes,
// cut at a rune boundary and marked with "…".
func OneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
