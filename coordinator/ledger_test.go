package coordinator

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestLedgerConcurrentAppendAndStats(t *testing.T) {
	path := filepath.Join(t.TempDir(), "usage.jsonl")
	l := NewLedger(path)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := LedgerEntry{Tool: "execute_code", OK: i%5 != 0, Calls: 2, ToolTokens: 1000, ReturnedTokens: 10,
				PerServer: map[string]ServerUsage{"fs": {Calls: 2, ToolTokens: 1000}}}
			if !e.OK {
				e.Error = "timeout"
			}
			if err := l.Append(e); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// A damaged line is counted, not fatal.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("{not json\n")
	f.Close()

	st, err := l.ReadStats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Runs != 50 || st.Failures != 10 || st.Calls != 100 || st.BadLines != 1 {
		t.Errorf("runs=%d failures=%d calls=%d bad=%d, want 50 10 100 1", st.Runs, st.Failures, st.Calls, st.BadLines)
	}
	if st.Saved() != 50*990 {
		t.Errorf("saved = %d, want %d", st.Saved(), 50*990)
	}
	if st.PerServer["fs"].Calls != 100 {
		t.Errorf("per server fs calls = %d, want 100", st.PerServer["fs"].Calls)
	}
	s := st.String()
	for _, want := range []string{"runs: 50 (10 failed; timeout 10)", "kept out of context: 49500 tokens", "fs: 100 calls"} {
		if !strings.Contains(s, want) {
			t.Errorf("stats text lacks %q:\n%s", want, s)
		}
	}
}

func TestLedgerMissingFile(t *testing.T) {
	st, err := NewLedger(filepath.Join(t.TempDir(), "none.jsonl")).ReadStats()
	if err != nil || st.Runs != 0 || st.String() != "no runs recorded yet" {
		t.Errorf("got %+v, %v", st, err)
	}
}
