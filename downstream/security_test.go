package downstream

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"strings"
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

// A result between the stdio transport's own line limit (16 MiB) and the result cap once tore
// the whole session down, failing an innocent call in flight; and a result above the cap must
// fail only its own call.
func TestBigResultFailsOnlyItsCall(t *testing.T) {
	tests := []struct {
		name    string
		max     int
		bytes   int
		wantErr string
	}{
		{"17 MiB under the default cap", 0, 17 << 20, ""},
		{"above the cap", 1 << 20, 2 << 20, "above the 1048576-byte limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestPool(t, []ServerConfig{fakeStdio("raw", "raw")}, &PoolOptions{MaxMessageBytes: tt.max})
			if err := p.Wait(context.Background(), "raw"); err != nil {
				t.Fatal(err)
			}
			pid := p.Status()[0].PID
			bigDone := make(chan error)
			go func() {
				out, err := p.CallTool(context.Background(), "raw", "big", json.RawMessage(`{"bytes":`+strconv.Itoa(tt.bytes)+`}`))
				if err == nil && len(out) < tt.bytes {
					err = fmt.Errorf("result of %d bytes", len(out))
				}
				bigDone <- err
			}()
			for range 20 { // innocent calls while the big one is under way
				if got := rawCall(t, p, "small", `{}`); got != "ok" {
					t.Fatalf("small = %q", got)
				}
			}
			err := <-bigDone
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("big: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("big: %v, want an error with %q", err, tt.wantErr)
			}
			if got := rawCall(t, p, "small", `{}`); got != "ok" || p.Status()[0].PID != pid {
				t.Errorf("after the big result: %q, pid %d -> %d (the session must survive)", got, pid, p.Status()[0].PID)
			}
		})
	}
}

// A line on stdout that is not JSON (a banner) used to end the session, reported as "it exited
// (exit status 0)"; a cut-off answer did the same. Now the first is dropped, the second fails
// its own call, and the session stays.
func TestNonProtocolLinesKeepTheSession(t *testing.T) {
	p := newTestPool(t, []ServerConfig{fakeStdio("raw", "raw")}, nil)
	if err := p.Wait(context.Background(), "raw"); err != nil {
		t.Fatal(err)
	}
	pid := p.Status()[0].PID
	if got := rawCall(t, p, "junk", `{}`); got != "ok" {
		t.Errorf("junk = %q", got)
	}
	_, err := p.CallTool(context.Background(), "raw", "broken", json.RawMessage(`{}`))
	if err == nil || !strings.Contains(err.Error(), "malformed message") {
		t.Errorf("broken: %v, want an error about a malformed message", err)
	}
	if got := rawCall(t, p, "small", `{}`); got != "ok" || p.Status()[0].PID != pid {
		t.Errorf("after bad lines: %q, pid %d -> %d", got, pid, p.Status()[0].PID)
	}
}

func TestIDScanner(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{`{"jsonrpc":"2.0","id":7,"result":{"id":99}}`, "7"},
		{`{"result":{"id":99,"x":"\"id\":5"},"jsonrpc":"2.0","id":"a\"b"}`, `"a\"b"`},
		{`{"jsonrpc":"2.0","id":3,"method":"sampling/createMessage"}`, ""},
		{`{"jsonrpc":"2.0","method":"notifications/progress"}`, ""},
		{`{"jsonrpc":"2.0","id":{"x":1},"result":{}}`, ""},
		{`{"result":"x", "id" : 12 }`, "12"},
		{`{"idx":1,"result":"x"}`, ""},
		{`{"result":{"content":[{"type":"te`, ""},
		{`[{"id":1}]`, ""},
	}
	for _, tt := range tests {
		var s idScanner
		s.feed([]byte(tt.in))
		id, _ := s.responseID()
		if string(id) != tt.want {
			t.Errorf("%s: id %q, want %q", tt.in, id, tt.want)
		}
	}
}
