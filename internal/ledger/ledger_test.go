package ledger

import (
	"encoding/base64"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLedgerConcurrentAppendAndStats(t *testing.T) {
	path := filepath.Join(t.TempDir(), "usage.jsonl")
	l := New(path)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := Entry{Tool: "execute_code", OK: i%5 != 0, Calls: 2, ToolTokens: 1000, ReturnedTokens: 10,
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
	st, err := New(filepath.Join(t.TempDir(), "none.jsonl")).ReadStats()
	if err != nil || st.Runs != 0 || st.String() != "no runs recorded yet" {
		t.Errorf("got %+v, %v", st, err)
	}
}

// A process killed in the middle of a write leaves a line without its end; the next entry must
// not be glued to it and lost.
func TestLedgerLineCutByAKill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "usage.jsonl")
	l := New(path)
	if err := l.Append(Entry{Tool: "execute_code", OK: true, Calls: 1}); err != nil {
		t.Fatal(err)
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"time":"2026-12-04T00:00:00Z","tool":"execute_co`)
	f.Close()
	if err := l.Append(Entry{Tool: "execute_code", OK: true, Calls: 2}); err != nil {
		t.Fatal(err)
	}
	st, err := l.ReadStats()
	if err != nil || st.Runs != 2 || st.Calls != 3 || st.BadLines != 1 {
		t.Errorf("stats %+v, %v; want 2 runs, 3 calls, 1 bad line", st, err)
	}
}

func TestCounter(t *testing.T) {
	c := NewCounter()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			server := "a"
			if i%2 == 1 {
				server = "b"
			}
			c.Add(server, []byte(strings.Repeat("hello world ", 10)))
		})
	}
	wg.Wait()
	per := c.Wait()
	one := CountTokens(strings.Repeat("hello world ", 10))
	if one == 0 || per["a"] != 10*one || per["b"] != 10*one {
		t.Errorf("per server %v, want %d each", per, 10*one)
	}
}

// Past its budget a Counter stops tokenizing and extrapolates at the rate it measured: a run
// with megabytes of results does not wait seconds for the tokenizer, and its count stays close.
func TestCounterBudget(t *testing.T) {
	var tokenized int
	countExact = func(s string) int { tokenized += len(s); return CountTokens(s) }
	t.Cleanup(func() { countExact = CountTokens })

	var results []string
	exact := 0
	for i := range 40 { // 40 results of about 100 KB of JSON: 4 MB
		var b strings.Builder
		for j := 0; b.Len() < 100<<10; j++ {
			fmt.Fprintf(&b, `{"id": %d, "name": "item %d-%d", "price": %d.%02d, "tags": ["red", "blue"]},`+"\n", j, i, j, j*7, j%100)
		}
		results = append(results, b.String())
		exact += CountTokens(b.String())
	}
	c := NewCounter()
	for _, r := range results {
		c.Add("a", []byte(r))
	}
	got := c.Wait()["a"]
	if tokenized > sampleBytes+len(results[0]) {
		t.Errorf("tokenized %d bytes of %d, want at most %d (1 MiB) and one result", tokenized, 40*len(results[0]), sampleBytes)
	}
	if diff := math.Abs(float64(got-exact)) / float64(exact); diff > 0.02 {
		t.Errorf("counted %d tokens, exactly %d: %.1f%% off", got, exact, 100*diff)
	}
}

// Past the budget each server's results are estimated at its own rate: base64 from one server
// runs about three times the tokens per byte of another's prose.
func TestCounterRatePerServer(t *testing.T) {
	prose := strings.Repeat("The quick brown fox jumps over the lazy dog, and then it rests a while. ", 7000) // 500 KB
	raw := make([]byte, 375<<10)
	for i := range raw {
		raw[i] = byte(i*7919 + i/251)
	}
	blob := base64.StdEncoding.EncodeToString(raw) // 500 KB
	c := NewCounter()
	c.Add("docs", []byte(prose))
	c.Add("blobs", []byte(blob))
	for range 6 {
		c.Add("blobs", []byte(blob))
	}
	got := c.Wait()
	want := 7 * CountTokens(blob)
	if diff := math.Abs(float64(got["blobs"]-want)) / float64(want); diff > 0.03 {
		t.Errorf("blobs counted %d tokens, exactly %d: %.1f%% off", got["blobs"], want, 100*diff)
	}
}

// A text over the sample size is counted from its first MiB, not guessed at 4 bytes a token.
func TestCountTokensLongText(t *testing.T) {
	line := `{"id": 12345, "ok": true, "v": [1, 2, 3]},` + "\n"
	short := strings.Repeat(line, sampleBytes/len(line))
	long := strings.Repeat(line, 3*sampleBytes/len(line))
	want := 3 * CountTokens(short)
	if got := CountTokens(long); math.Abs(float64(got-want))/float64(want) > 0.01 {
		t.Errorf("CountTokens of %d bytes = %d, want about %d", len(long), got, want)
	}
}

func TestContextText(t *testing.T) {
	tests := []struct{ name, result, want string }{
		{"text and structuredContent: the text once", `{"content":[{"type":"text","text":"a \"b\"\nc"}],"structuredContent":{"content":"a \"b\"\nc"}}`, "a \"b\"\nc"},
		{"two text blocks", `{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}`, "a\nb"},
		{"an image: media, not text", `{"content":[{"type":"text","text":"a"},{"type":"image","data":"AAAA","mimeType":"image/png"}]}`, "a"},
		{"an embedded resource's text", `{"content":[{"type":"resource","resource":{"uri":"x:a","text":"hello"}}]}`, "hello"},
		{"structuredContent only", `{"content":[],"structuredContent":{"n":1}}`, `{"n":1}`},
		{"nothing", `{"content":[]}`, ""},
		{"not a result", `[1,2]`, `[1,2]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := ContextText([]byte(tt.result)); got != tt.want {
				t.Errorf("ContextText = %q, want %q", got, tt.want)
			}
		})
	}
}

// Lines written before the context rule are summed as they were and counted apart.
func TestStatsRawCounted(t *testing.T) {
	l := New(filepath.Join(t.TempDir(), "usage.jsonl"))
	l.Append(Entry{Time: time.Now(), Tool: "execute_code", OK: true, Calls: 1, ToolTokens: 200})
	l.Append(Entry{Time: time.Now(), Tool: "execute_code", OK: true, Calls: 1, ToolTokens: 100, Counted: CountedContext})
	s, err := l.ReadStats()
	if err != nil {
		t.Fatal(err)
	}
	if s.RawCounted != 1 || s.ToolTokens != 300 || !strings.Contains(s.String(), "1 earlier runs counted raw result JSON") {
		t.Errorf("stats %+v\n%s", s, s)
	}
}

func TestContextTokensCountsMedia(t *testing.T) {
	image := `{"content":[{"type":"image","data":"` + strings.Repeat("A", 50<<10) + `","mimeType":"image/png"}]}`
	if got := ContextTokens([]byte(image)); got != MediaTokens {
		t.Errorf("a 50 KiB image counts %d tokens, want %d", got, MediaTokens)
	}
}

// Runs that import a skill are counted; the skills library's checks are not runs.
func TestStatsSkills(t *testing.T) {
	l := New(filepath.Join(t.TempDir(), "usage.jsonl"))
	l.Append(Entry{Time: time.Now(), Tool: "execute_code", OK: true, Skills: []string{"greet"}, Counted: CountedContext})
	l.Append(Entry{Time: time.Now(), Tool: "execute_code", OK: true, Counted: CountedContext})
	l.Append(Entry{Time: time.Now(), Tool: ToolSaveSkill, OK: true, Calls: 3, ToolTokens: 50, Skills: []string{"greet"}})
	l.Append(Entry{Time: time.Now(), Tool: ToolCheckSkill, OK: false, Error: "compile error"})
	s, err := l.ReadStats()
	if err != nil {
		t.Fatal(err)
	}
	if s.Runs != 2 || s.SkillRuns != 1 || s.SkillSaves != 1 || s.SkillChecks != 1 || s.Calls != 0 || s.Failures != 0 ||
		!strings.Contains(s.String(), "skills: imported by 1 of 2 runs; check runs: 1 at save, 1 later") {
		t.Errorf("stats %+v\n%s", s, s)
	}
}

// Delegations are counted apart from runs: success, fallbacks, local tokens, cost.
func TestStatsDelegations(t *testing.T) {
	l := New(filepath.Join(t.TempDir(), "usage.jsonl"))
	l.Append(Entry{Time: time.Now(), Tool: ToolDelegateCode, OK: true, TokensIn: 100, TokensOut: 40})
	l.Append(Entry{Time: time.Now(), Tool: ToolDelegateTask, OK: true, Fallbacks: 1, TokensIn: 1000, TokensOut: 200, CostUSD: 0.002})
	l.Append(Entry{Time: time.Now(), Tool: ToolDelegateTask, OK: false, Reason: "after 3 attempts", TokensIn: 50, TokensOut: 10})
	l.Append(Entry{Time: time.Now(), Tool: "delegate_task:run", OK: false, Calls: 2})
	s, err := l.ReadStats()
	if err != nil {
		t.Fatal(err)
	}
	want := "delegations: 3, 67% succeeded, fallback rate 67%; 50 tokens generated locally (150 read); paid providers charged $0.0020"
	if s.Runs != 1 || s.Calls != 2 || s.Delegations != 3 || s.LocalTokensOut != 50 || !strings.Contains(s.String(), want) {
		t.Errorf("stats %+v\n%s\nwant %q", s, s, want)
	}
}
