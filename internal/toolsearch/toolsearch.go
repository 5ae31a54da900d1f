package toolsearch

import (
	"sort"
	"strings"
	"unicode"

	"github.com/mcp-coordinator/mcp-coordinator/codegen"
)

// Hit is one ranked tool.
type Hit struct {
	Pkg   *codegen.Package
	Tool  codegen.ToolDoc
	score float64
}

// Search ranks the tools of pkgs against query. Each query word scores where it appears: in the
// tool's name (most), its parameter names, its summary, the rest of its documentation (least),
// with prefix matches ("file" in "files") counted at a discount. Tools that match more of the
// words rank first; ties go to the shorter name, then alphabetical order.
func Search(pkgs []*codegen.Package, query string, limit int) []Hit {
	words := splitWords(query)
	var hits []Hit
	for _, p := range pkgs {
		for _, t := range p.Tools {
			name := splitWords(t.Name + " " + t.GoName)
			var params []string
			for _, pn := range t.Params {
				params = append(params, splitWords(pn)...)
			}
			summary := splitWords(t.Summary)
			doc := splitWords(t.Doc)
			server := splitWords(p.Server + " " + p.Name)
			score, matched := 0.0, 0
			for _, w := range words {
				s := 4*match(w, name) + 2*match(w, params) + 1.5*match(w, summary) + 0.5*match(w, doc) + 1*match(w, server)
				if s > 0 {
					matched++
				}
				score += s
			}
			if score == 0 {
				continue
			}
			score *= float64(matched) / float64(len(words))
			hits = append(hits, Hit{Pkg: p, Tool: t, score: score})
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if a.score != b.score {
			return a.score > b.score
		}
		if len(a.Tool.GoName) != len(b.Tool.GoName) {
			return len(a.Tool.GoName) < len(b.Tool.GoName)
		}
		return a.Pkg.Name+"."+a.Tool.GoName < b.Pkg.Name+"."+b.Tool.GoName
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return hits
}

// match is 1 when w is one of words, 0.5 when it is a prefix of one (or one is a prefix of w,
// for stems like "listing"/"list"), else 0.
func match(w string, words []string) float64 {
	best := 0.0
	for _, x := range words {
		switch {
		case x == w:
			return 1
		case len(w) >= 3 && len(x) >= 3 && (strings.HasPrefix(x, w) || strings.HasPrefix(w, x)):
			best = 0.5
		}
	}
	return best
}

// splitWords lowercases s and splits it at non-alphanumerics and lower-to-upper steps.
func splitWords(s string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	var prev rune
	for _, r := range s {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
		prev = r
	}
	flush()
	return words
}
