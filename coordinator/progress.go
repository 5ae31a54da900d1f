package coordinator

import (
	"context"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// progressQueue bounds the progress notifications waiting to be sent; more are dropped, so
// that a snippet reporting in a loop never waits for the client.
const progressQueue = 64

// notifier sends one request's progress notifications, in order, with increasing progress
// values, on a goroutine of its own.
type notifier struct {
	mu     sync.Mutex
	closed bool
	queue  chan string
	done   chan struct{}
}

// newNotifier starts sending progress for token on session until close.
func newNotifier(ctx context.Context, session *mcp.ServerSession, token any) *notifier {
	n := &notifier{queue: make(chan string, progressQueue), done: make(chan struct{})}
	go func() {
		defer close(n.done)
		step := 0
		for msg := range n.queue {
			step++
			_ = session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: token, Progress: float64(step), Message: msg})
		}
	}()
	return n
}

// send queues msg; it never blocks, and does nothing once the queue is full or closed.
func (n *notifier) send(msg string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	select {
	case n.queue <- msg:
	default:
	}
}

// close stops taking messages and waits until those queued are sent.
func (n *notifier) close() {
	n.mu.Lock()
	if !n.closed {
		n.closed = true
		close(n.queue)
	}
	n.mu.Unlock()
	<-n.done
}
