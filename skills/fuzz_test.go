package skills

import (
	"strings"
	"testing"
)

// FuzzParse feeds the code of a save, as a model may write it, through the package clause and
// import fix-up and the parser: neither may panic, and a source that parses declares package x
// with an exported function, the lines of both sources as the model wrote them.
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
		src, store := sources("x", code, map[string]string{"fmt": "fmt", "demo": "mcp_tools/demo"})
		// Lines stay: the text added is on the package clause's line, or on two lines of
		// its own (the clause, then a //line directive) above the code, unchanged.
		switch strings.Count(src, "\n") - strings.Count(code, "\n") {
		case 0:
		case 2:
			if !strings.HasSuffix(src, "\n//line x.go:1\n"+code) {
				t.Fatalf("the code changed below the added lines:\n%q\n%q", code, src)
			}
		default:
			t.Fatalf("lines moved:\n%q\n%q", code, src)
		}
		p, err := parseSkill("x", src)
		if err == nil && len(p.funcs) == 0 {
			t.Fatalf("parsed with no exported function:\n%q", src)
		}
		if err == nil {
			if _, err := parseSkill("x", store); err != nil {
				t.Fatalf("the source checked parses, the one stored does not: %v\n%q", err, store)
			}
		}
	})
}
