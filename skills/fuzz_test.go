package skills

import (
	"strings"
	"testing"
)

// FuzzParse feeds the code of a save, as a model may write it, through the package clause
// fix-up and the parser: neither may panic, the fix-up keeps every line where it was, and a
// source that parses declares package x.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"// Count counts.\nfunc Count() int { return 1 }\n",
		"package main\n\nimport \"mcp_tools/demo\"\n\n// F f.\nfunc F() { demo.Echo(demo.EchoArgs{}) }\n",
		"package x; func F() {}",
		"/* c */ package\n",
		"package 123\n",
		"\xff\xfe",
		"",
		"import \"skills/x\"\n// F.\nfunc F() {}",
		"type T struct{}\n// M m.\nfunc (T) M() {}\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, code string) {
		src := withPackage("x", code)
		if got, want := strings.Count(src, "\n"), strings.Count(code, "\n"); got != want {
			t.Fatalf("the package clause moved lines: %d newlines, want %d\n%q", got, want, src)
		}
		p, err := parseSkill("x", src)
		if err == nil && len(p.funcs) == 0 {
			t.Fatalf("parsed with no exported function:\n%q", src)
		}
	})
}
