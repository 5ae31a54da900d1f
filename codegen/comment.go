package codegen

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// commentWidth is the width that comment text is wrapped to, "// " included.
const commentWidth = 100

// cleanText makes arbitrary text safe for a Go line comment: valid UTF-8, "\n" line ends, no
// control characters or byte order marks (both are illegal in Go source), no trailing spaces,
// no leading, trailing or repeated blank lines. Tabs become four spaces.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		case r == '\t':
			b.WriteString("    ")
		case r == '\uFEFF' || unicode.IsControl(r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	lines := strings.Split(b.String(), "\n")
	out := lines[:0]
	for _, l := range lines {
		l = strings.TrimRight(l, " ")
		if l == "" && (len(out) == 0 || out[len(out)-1] == "") {
			continue
		}
		out = append(out, l)
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return strings.Join(out, "\n")
}

// commentLines cleans text and wraps each unindented line to fit width (less the "// " prefix and
// indent columns). Indented lines (code and lists in Go doc comments) are kept as they are.
func commentLines(text string, indent int) []string {
	text = cleanText(text)
	if text == "" {
		return nil
	}
	width := commentWidth - 3 - indent
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if line == "" || line[0] == ' ' || utf8.RuneCountInString(line) <= width {
			out = append(out, line)
			continue
		}
		cur, n := "", 0
		for _, w := range strings.Fields(line) {
			wn := utf8.RuneCountInString(w)
			if n > 0 && n+1+wn > width {
				out = append(out, cur)
				cur, n = "", 0
			}
			if n > 0 {
				cur += " "
				n++
			}
			cur += w
			n += wn
		}
		if n > 0 {
			out = append(out, cur)
		}
	}
	for i, l := range out {
		out[i] = safeLine(l)
	}
	return out
}

// commentSafe turns s into one line of plain text for a comment, for names and keys.
func commentSafe(s string) string {
	return strings.Join(strings.Fields(cleanText(s)), " ")
}

// summary returns the first sentence of a description (at most about 200 characters), for
// one-line listings.
func summary(desc string) string {
	text := cleanText(desc)
	var first string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			first = l
			break
		}
	}
	if i := strings.Index(first, ". "); i >= 0 {
		first = first[:i+1]
	}
	const max = 200
	if utf8.RuneCountInString(first) > max {
		r := []rune(first)[:max]
		cut := string(r)
		if i := strings.LastIndexByte(cut, ' '); i > max/2 {
			cut = cut[:i]
		}
		first = cut + "..."
	}
	return first
}
