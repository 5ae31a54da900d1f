package toolsearch

import (
	"strings"
	"testing"
)

func TestSplitWords(t *testing.T) {
	if got, want := strings.Join(splitWords("read_text_file getTinyImage (x)"), " "), "read text file get tiny image x"; got != want {
		t.Errorf("splitWords = %q, want %q", got, want)
	}
}
