package ledger

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStatsOnlySkillChecks: a ledger that holds only the skills library's check runs
// (a save before any execute_code, or `skills check`) is summarised, but First is set only for
// runs, so the summary ends "since 0001-01-01T00:00:00Z".
func TestStatsOnlySkillChecks(t *testing.T) {
	l := New(filepath.Join(t.TempDir(), "usage.jsonl"))
	l.Append(Entry{Time: time.Now(), Tool: ToolSaveSkill, OK: true})
	s, err := l.ReadStats()
	if err != nil {
		t.Fatal(err)
	}
	if out := s.String(); strings.Contains(out, "0001-01-01") {
		t.Errorf("summary of a ledger with only a save check:\n%s", out)
	}
}
