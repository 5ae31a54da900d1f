package yaegirun

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestCut(t *testing.T) {
	tests := []struct {
		name string
		s    string
		max  int
		want string
	}{
		{"short", "abc", 10, "abc"},
		{"exact", "abcdef", 6, "abcdef"},
		{"long", strings.Repeat("a", 20) + strings.Repeat("b", 20), 30, "aaaaa…[30 bytes cut]…bbbbb"},
		{"between runes", strings.Repeat("é", 20), 24, "é…[36 bytes cut]…é"},
		{"max below the marker", strings.Repeat("x", 100), 3, "…[100 bytes cut]…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Cut(tt.s, tt.max)
			if got != tt.want {
				t.Errorf("Cut(%q, %d) = %q, want %q", tt.s, tt.max, got, tt.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("Cut(%q, %d) = %q is not valid UTF-8", tt.s, tt.max, got)
			}
			if len(tt.s) > tt.max && len(got) > tt.max && tt.max >= len("…[100 bytes cut]…") {
				t.Errorf("Cut(%q, %d) holds %d bytes", tt.s, tt.max, len(got))
			}
		})
	}
}

// TestTraceBounds feeds a Trace the lines of a deep recursion through a function with a huge
// name: it must keep few, short lines and still place and format the panic.
func TestTraceBounds(t *testing.T) {
	name := "main.f" + strings.Repeat("x", 64<<10)
	tr := &Trace{}
	tr.Add("3\t4:1: panic: main.main(...)") // an earlier, recovered unwinding
	for i := 0; i < 900; i++ {
		line := "7\t2:1: panic: " + name + "(...)"
		if i == 0 {
			line = Annotate("2:1: panic: " + name + "(...)\n")
			line = "7" + line[strings.IndexByte(line, '\t'):]
		}
		tr.Add(line)
	}
	tr.Add("7\t9:1: panic: main.main(...)")
	if n := len(tr.lines); n != MaxTraceFrames {
		t.Errorf("the trace keeps %d lines, want %d", n, MaxTraceFrames)
	}
	for i, l := range tr.lines {
		if len(l) > MaxTraceLine {
			t.Fatalf("line %d holds %d bytes, want at most %d", i, len(l), MaxTraceLine)
		}
	}
	if got := tr.PanicLine(); got != 7 {
		t.Errorf("PanicLine = %d, want 7", got)
	}
	text := tr.Format()
	if len(text) > 8<<10 {
		t.Errorf("Format returned %d bytes, want at most 8 KiB", len(text))
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	want := []string{"panic at line 7", lines[1], "... 881 more frames"}
	if got := []string{lines[0], lines[1], lines[len(lines)-1]}; !cmp.Equal(want, got) {
		t.Errorf("Format lines (-want +got):\n%s", cmp.Diff(want, got))
	}
	if !strings.HasPrefix(lines[1], "in main.fxxx") || !strings.Contains(lines[1], " bytes cut]…xxx") || !strings.HasSuffix(lines[1], "xxx (starting line 2)") {
		t.Errorf("frame line = %q, want the function's name cut and its line", lines[1])
	}
	if n := len(lines); n != 22 {
		t.Errorf("Format wrote %d lines, want 22:\n%s", n, text)
	}
}
