package textcap

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestTruncateOutput(t *testing.T) {
	var arr []map[string]any
	for i := 0; i < 200; i++ {
		arr = append(arr, map[string]any{"id": i, "name": fmt.Sprintf("item %d", i)})
	}
	bigArray, _ := json.Marshal(arr)
	bigObject, _ := json.MarshalIndent(map[string]any{"a": strings.Repeat("x", 300), "b": 2, "c": strings.Repeat("y", 300)}, "", "  ")
	lines := strings.Repeat("line of text\n", 100)
	tests := []struct {
		name      string
		in        string
		max       int
		wantCut   bool
		wantJSON  bool   // the kept part (before the notice) is valid JSON
		wantInOut string // substring of the result
	}{
		{"short", "hello\n", 100, false, false, "hello"},
		{"json array", string(bigArray), 500, true, true, "JSON array kept whole"},
		{"json object", string(bigObject), 400, true, true, "of 3 members"},
		{"lines", lines, 100, true, false, "7 of 100 lines shown whole"},
		{"one long line", strings.Repeat("é", 500), 101, true, false, "…[cut]"},
		{"one long printed line: one line, all the room", strings.Repeat("x", 600) + "\n", 200, true, false, strings.Repeat("x", 190) + "…[cut]\n[output truncated: 0 of 1 lines shown whole, 1 cut"},
		{"ndjson lines stay whole", strings.Repeat(`{"k":"v"}`+"\n", 50), 95, true, false, "9 of 50 lines shown whole, 0 cut"},
		{"one member too big for the cap", `{"content":"` + strings.Repeat("x", 3000) + `"}`, 500, true, false, `{"content":"xxx`},
		{"short lines after a long JSON line", `[` + strings.Repeat(`"aaaaaaaaaa",`, 300) + `"z"]` + "\nsummary: done\n", 500, true, false, "summary: done"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cut := Cut(tt.in, tt.max)
			if cut != tt.wantCut {
				t.Fatalf("cut = %v, want %v", cut, tt.wantCut)
			}
			if !strings.Contains(got, tt.wantInOut) {
				t.Errorf("output %q lacks %q", got, tt.wantInOut)
			}
			if !cut {
				return
			}
			kept, _, _ := strings.Cut(got, "[output truncated")
			if len(kept) > tt.max+len("…[cut]\n") {
				t.Errorf("kept %d bytes, cap %d", len(kept), tt.max)
			}
			if tt.wantJSON && !json.Valid([]byte(strings.TrimSpace(kept))) {
				t.Errorf("kept part is not valid JSON: %q", kept)
			}
			for _, l := range strings.Split(strings.TrimSpace(kept), "\n") {
				if strings.HasPrefix(l, "{") && !strings.HasSuffix(l, "…[cut]") && !json.Valid([]byte(l)) {
					t.Errorf("half a JSON line kept: %q", l)
				}
			}
			if !strings.Contains(kept, "\uFFFD") && !isValidUTF8(kept) {
				t.Errorf("cut inside a rune: %q", kept)
			}
		})
	}
}

func isValidUTF8(s string) bool { return strings.ToValidUTF8(s, "?") == s }
