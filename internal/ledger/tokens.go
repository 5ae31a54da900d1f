package ledger

import (
	"sync"

	"github.com/tiktoken-go/tokenizer"
)

var (
	o200kOnce sync.Once
	o200k     tokenizer.Codec
)

// CountTokens counts s in o200k tokens (Claude's own count runs about 1.1 to 1.2 times higher).
// Texts over 1 MiB are estimated at 4 bytes a token, to keep large tool results cheap to meter.
func CountTokens(s string) int {
	if len(s) > 1<<20 {
		return len(s) / 4
	}
	o200kOnce.Do(func() {
		c, err := tokenizer.Get(tokenizer.O200kBase)
		if err == nil {
			o200k = c
		}
	})
	if o200k == nil {
		return len(s) / 4
	}
	n, err := o200k.Count(s)
	if err != nil {
		return len(s) / 4
	}
	return n
}

// Counter counts the o200k tokens of tool results per server, off the call path: Add queues a
// result and returns at once (unless a thousand wait), one goroutine counts, and Wait returns the
// totals once every queued result is counted. Past countBudget bytes in all, results are
// estimated at 4 bytes a token, so that a run's answer never waits long for the tokenizer.
// Add may be called concurrently; it must not be called after Wait.
type Counter struct {
	queue chan counted
	done  chan struct{}
	per   map[string]int
}

type counted struct {
	server string
	result []byte
}

// countBudget is how many bytes of results a Counter counts exactly.
const countBudget = 8 << 20

// NewCounter starts a Counter.
func NewCounter() *Counter {
	c := &Counter{queue: make(chan counted, 1024), done: make(chan struct{}), per: map[string]int{}}
	go func() {
		defer close(c.done)
		budget := countBudget
		for r := range c.queue {
			n := len(r.result) / 4
			if budget > 0 {
				n = CountTokens(string(r.result))
				budget -= len(r.result)
			}
			c.per[r.server] += n
		}
	}()
	return c
}

// Add queues a result of server for counting.
func (c *Counter) Add(server string, result []byte) {
	if len(result) > 0 {
		c.queue <- counted{server, result}
	}
}

// Wait stops the Counter and returns the tokens per server.
func (c *Counter) Wait() map[string]int {
	close(c.queue)
	<-c.done
	return c.per
}
