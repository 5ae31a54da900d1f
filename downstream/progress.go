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
// notification sent before the result may be handled after it).
func WithProgress(ctx context.Context, f func(Progress)) context.Context {
	return context.WithValue(ctx, progressKey{}, f)
}

// progressTokens routes progress notifications to the calls that asked for them.
type progressTokens struct {
	next atomic.Uint64
	mu   sync.Mutex
	m    map[string]progressRoute
}

type progressRoute struct {
	server, tool string
	f            func(Progress)
}

// register returns a fresh token routed to f for a call of tool on server, and a function
// that removes it.
func (pt *progressTokens) register(server, tool string, f func(Progress)) (string, func()) {
	token := fmt.Sprintf("mcp-coordinator-%d", pt.next.Add(1))
	pt.mu.Lock()
	if pt.m == nil {
		pt.m = map[string]progressRoute{}
	}
	pt.m[token] = progressRoute{server, tool, f}
	pt.mu.Unlock()
	return token, func() {
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

// deliver passes a notification to the call whose token it carries; others are dropped.
func (pt *progressTokens) deliver(p *mcp.ProgressNotificationParams) {
	token, ok := p.ProgressToken.(string)
	if !ok {
		return
	}
	pt.mu.Lock()
	r, ok := pt.m[token]
	pt.mu.Unlock()
	if ok {
		r.f(Progress{Server: r.server, Tool: r.tool, Progress: p.Progress, Total: p.Total, Message: p.Message})
	}
}
