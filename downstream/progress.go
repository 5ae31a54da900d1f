package downstream

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Progress is one progress notification a server sent during a tool call.
type Progress struct {
	Server, Tool string
	// Progress and Total are as the server sent them (Total 0 when unknown); Message may be
	// empty.
	Progress, Total float64
	Message         string
}

type progressKey struct{}

// WithProgress returns a context that makes [Pool.CallTool] ask the server for progress
// (a progress token in the request) and pass each notification that arrives during the call
// to f. f must return promptly, and may be called up to 200 ms after the call returned (a
// notification sent before the result may be handled after it); when the server announced a
// total, the call waits up to 150 ms for the notification that reaches it before returning.
func WithProgress(ctx context.Context, f func(Progress)) context.Context {
	return context.WithValue(ctx, progressKey{}, f)
}

// progressTokens routes progress notifications to the calls that asked for them.
type progressTokens struct {
	next atomic.Uint64
	mu   sync.Mutex
	m    map[string]*progressRoute
}

type progressRoute struct {
	server, tool string
	f            func(Progress)
	// seen is signalled (without blocking) at each notification; last and total are the
	// latest one's, under progressTokens.mu.
	seen        chan struct{}
	last, total float64
}

// finalWait bounds how long a call that returned waits for the last progress notification
// (one whose progress reaches its total) when an earlier one announced a total: the session
// handles notifications apart from responses, so the final one may be handled after the
// result, too late for the caller.
const finalWait = 150 * time.Millisecond

// register returns a fresh token routed to f for a call of tool on server, and a function
// that removes it.
func (pt *progressTokens) register(server, tool string, f func(Progress)) (string, func()) {
	token := fmt.Sprintf("mcp-coordinator-%d", pt.next.Add(1))
	r := &progressRoute{server: server, tool: tool, f: f, seen: make(chan struct{}, 1)}
	pt.mu.Lock()
	if pt.m == nil {
		pt.m = map[string]*progressRoute{}
	}
	pt.m[token] = r
	pt.mu.Unlock()
	return token, func() {
		pt.awaitFinal(r)
		// The session may handle a notification sent before the result after the result:
		// keep the route a little longer.
		time.AfterFunc(progressLinger, func() {
			pt.mu.Lock()
			delete(pt.m, token)
			pt.mu.Unlock()
		})
	}
}

// progressLinger is how long a call's progress still reaches its function after the call
// returned.
const progressLinger = 200 * time.Millisecond

// awaitFinal waits, at most finalWait, until r has seen progress reach the total an earlier
// notification announced; without a total it returns at once.
func (pt *progressTokens) awaitFinal(r *progressRoute) {
	deadline := time.NewTimer(finalWait)
	defer deadline.Stop()
	for {
		pt.mu.Lock()
		done := r.total <= 0 || r.last >= r.total
		pt.mu.Unlock()
		if done {
			return
		}
		select {
		case <-r.seen:
		case <-deadline.C:
			return
		}
	}
}

// deliver passes a notification to the call whose token it carries; others are dropped.
func (pt *progressTokens) deliver(p *mcp.ProgressNotificationParams) {
	token, ok := p.ProgressToken.(string)
	if !ok {
		return
	}
	pt.mu.Lock()
	r, ok := pt.m[token]
	pt.mu.Unlock()
	if !ok {
		return
	}
	r.f(Progress{Server: r.server, Tool: r.tool, Progress: p.Progress, Total: p.Total, Message: p.Message})
	pt.mu.Lock()
	r.last, r.total = max(r.last, p.Progress), max(r.total, p.Total)
	pt.mu.Unlock()
	select {
	case r.seen <- struct{}{}:
	default:
	}
}
