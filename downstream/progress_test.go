package downstream

import (
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestProgressFinalBeforeReturn: the session handles notifications apart from responses, so a
// result may come back while the server's last progress (3 of 3) is still being handled. The
// call waits, briefly, for the total an earlier notification announced, so that the caller
// hears it before the call returns; without a total it does not wait.
func TestProgressFinalBeforeReturn(t *testing.T) {
	var pt progressTokens
	var mu sync.Mutex
	var got []float64
	token, done := pt.register("s", "tool", func(p Progress) {
		mu.Lock()
		got = append(got, p.Progress)
		mu.Unlock()
	})
	pt.deliver(&mcp.ProgressNotificationParams{ProgressToken: token, Progress: 1, Total: 3})
	go func() {
		time.Sleep(30 * time.Millisecond) // handled after the result
		pt.deliver(&mcp.ProgressNotificationParams{ProgressToken: token, Progress: 3, Total: 3})
	}()
	done() // the call returns
	mu.Lock()
	if len(got) != 2 || got[1] != 3 {
		t.Errorf("progress heard before the call returned: %v, want [1 3]", got)
	}
	mu.Unlock()

	token, done = pt.register("s", "tool", func(Progress) {})
	pt.deliver(&mcp.ProgressNotificationParams{ProgressToken: token, Progress: 1})
	start := time.Now()
	done()
	if d := time.Since(start); d > 20*time.Millisecond {
		t.Errorf("a call without a progress total waited %s", d)
	}
}
