package codegen

import "testing"

func TestPackageName(t *testing.T) {
	tests := []struct{ key, want string }{
		{"filesystem", "filesystem"},
		{"server-everything", "server_everything"},
		{"My Server!", "my_server"},
		{"--a--b--", "a_b"},
		{"GitHub", "github"},
		{"ünïcode", "n_code"},
		{"", "server"},
		{"!!!", "server"},
		{"1password", "t1password"},
		{"go", "tgo"},
		{"map", "tmap"},
		{"main", "tmain"},
		{"init", "tinit"},
		{"mcp_tools", "mcp_tools"},
	}
	for _, tt := range tests {
		if got := PackageName(tt.key); got != tt.want {
			t.Errorf("PackageName(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func TestGoName(t *testing.T) {
	tests := []struct{ name, want string }{
		{"read_text_file", "ReadTextFile"},
		{"get-sum", "GetSum"},
		{"greet (structured)", "GreetStructured"},
		{"getTinyImage", "GetTinyImage"},
		{"ID", "ID"},
		{"id", "Id"},
		{"userID", "UserID"},
		{"HTTPServer", "HTTPServer"},
		{"v2Beta", "V2Beta"},
		{"2fa", "T2fa"},
		{"3d-mode", "T3dMode"},
		{"type", "Type"},
		{"_private", "Private"},
		{"", "X"},
		{"$", "X"},
		{"ünïcode", "NCode"},
		{"customized greeting 1", "CustomizedGreeting1"},
	}
	for _, tt := range tests {
		if got := GoName(tt.name); got != tt.want {
			t.Errorf("GoName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCommentLines(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"empty", " \n\n ", nil},
		{"crlf and blank runs", "a\r\n\r\n\r\n\nb\n", []string{"a", "", "b"}},
		{"control chars and BOM", "a\x00b\ufeffc\x1bd", []string{"a b c d"}},
		{"invalid UTF-8", "a\xffb", []string{"a\uFFFDb"}},
		{"build constraint", "+build linux\n  +build x", []string{"`+build` linux", "  `+build` x"}},
		{"indented kept", "    code line that is long " + repeat("x", 120), []string{"    code line that is long " + repeat("x", 120)}},
		{"wrapped at 97 columns", repeat("word ", 30), []string{repeat("word ", 18) + "word", repeat("word ", 10) + "word"}},
	}
	for _, tt := range tests {
		got := commentLines(tt.text, 0)
		if len(got) != len(tt.want) {
			t.Errorf("%s: commentLines = %q, want %q", tt.name, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: commentLines = %q, want %q", tt.name, got, tt.want)
				break
			}
		}
	}
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

func TestSummary(t *testing.T) {
	tests := []struct{ desc, want string }{
		{"Echoes back the input. More text here.", "Echoes back the input."},
		{"\n\nFirst line\nsecond line", "First line"},
		{"Version 1.2 is fine", "Version 1.2 is fine"},
		{"", ""},
		{repeat("long ", 60), repeat("long ", 39) + "long..."},
	}
	for _, tt := range tests {
		if got := summary(tt.desc); got != tt.want {
			t.Errorf("summary(%q) = %q, want %q", tt.desc, got, tt.want)
		}
	}
}
