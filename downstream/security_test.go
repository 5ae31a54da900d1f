package downstream

import (
	"context"
	"encoding/json"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// rawCall calls a tool of the raw fake and returns its text.
func rawCall(t *testing.T, p *Pool, tool, args string) string {
	t.Helper()
	out, err := p.CallTool(context.Background(), "raw", tool, json.RawMessage(args))
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	text, _ := resultText(t, out)
	return text
}

// A server with 2,000 tools that floods notifications/tools/list_changed once started a
// goroutine and a listing per notification. Now they coalesce: one listing runs, one waits.
func TestListChangedFloodCoalesces(t *testing.T) {
	sc := fakeStdio("raw", "raw")
	sc.Env["RAW_TOOLS"] = "2000"
	p := newTestPool(t, []ServerConfig{sc}, nil)
	if err := p.Wait(context.Background(), "raw"); err != nil {
		t.Fatal(err)
	}
	goroutines := runtime.NumGoroutine()
	peak := goroutines
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 3 {
			rawCall(t, p, "flood", `{"n":1000}`)
		}
	}()
	for {
		select {
		case <-done:
		case <-time.After(time.Millisecond):
			peak = max(peak, runtime.NumGoroutine())
			continue
		}
		break
	}
	// Let a pending listing run (at most one more, after the pace).
	time.Sleep(listChangedPace + 500*time.Millisecond)
	lists, _ := strconv.Atoi(rawCall(t, p, "lists", `{}`))
	// One listing at the start, then at most: one right away, and one per pace interval.
	if lists < 2 || lists > 4 {
		t.Errorf("3,000 notifications caused %d tools/list requests, want 1 to 3 after the first", lists-1)
	}
	if peak-goroutines > 20 {
		t.Errorf("goroutines rose from %d to %d during the flood", goroutines, peak)
	}
	t.Logf("3,000 notifications: %d listings, goroutines %d -> peak %d", lists-1, goroutines, peak)
}
