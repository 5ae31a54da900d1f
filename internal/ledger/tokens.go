package ledger

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"

	"github.com/tiktoken-go/tokenizer"
)

var (
	o200kOnce sync.Once
	o200k     tokenizer.Codec
)

// CountTokens counts s in o200k tokens (Claude's own count runs about 1.1 to 1.2 times higher).
// Of a text over 1 MiB only the first MiB is counted, and the rest estimated at its rate, to
// keep large tool results cheap to meter.
func CountTokens(s string) int {
	if len(s) > sampleBytes {
		return int(float64(count(s[:sampleBytes])) * float64(len(s)) / sampleBytes)
	}
	return count(s)
}

// sampleBytes is how much of a long text CountTokens counts: about 0.2 s of the tokenizer.
const sampleBytes = 1 << 20

func count(s string) int {
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

// MediaTokens is what one image or audio block of a result counts as: a client shows it as
// media, not as its base64 text, and a model pays about this much for an image of common size
// (width x height / 750 for about 1100 x 1100 pixels).
const MediaTokens = 1600

// ContextText is the text a direct MCP client puts into the model's context for a tool result (a
// CallToolResult as JSON): the text of its text blocks, an embedded resource's text, each other
// block but images and audio as its JSON, and structuredContent only when there is no content,
// since a client shows one form of a result, not both. media counts the image and audio blocks,
// which a client shows as media (see MediaTokens). A result that is not a CallToolResult counts
// as it is.
func ContextText(result []byte) (text string, media int) {
	var r struct {
		Content    []json.RawMessage `json:"content"`
		Structured json.RawMessage   `json:"structuredContent"`
	}
	if json.Unmarshal(result, &r) != nil {
		return string(result), 0
	}
	if len(r.Content) == 0 {
		if s := bytes.TrimSpace(r.Structured); len(s) > 0 && !bytes.Equal(s, []byte("null")) {
			return string(s), 0
		}
		return "", 0
	}
	var b strings.Builder
	for _, c := range r.Content {
		var block struct {
			Type     string  `json:"type"`
			Text     *string `json:"text"`
			Resource struct {
				Text *string `json:"text"`
			} `json:"resource"`
		}
		json.Unmarshal(c, &block)
		switch {
		case block.Type == "image" || block.Type == "audio":
			media++
			continue
		case block.Type == "text" && block.Text != nil:
			c = []byte(*block.Text)
		case block.Type == "resource" && block.Resource.Text != nil:
			c = []byte(*block.Resource.Text)
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.Write(c)
	}
	return b.String(), media
}

// ContextTokens counts a tool result as a direct client would put it into the model's context:
// the o200k tokens of its ContextText, plus MediaTokens per image or audio block.
func ContextTokens(result []byte) int {
	text, media := ContextText(result)
	return CountTokens(text) + media*MediaTokens
}

// Counter counts the o200k tokens of tool results per server, as a direct client would put them
// into the model's context (see [ContextText]), off the call path: Add queues a result and
// returns at once (unless a thousand wait), one goroutine counts, and Wait returns the totals
// once every queued result is counted. Past countBudget bytes in all, results are estimated at
// the rate measured so far (tokens per byte of what was counted, the server's own when it has
// one: prose and base64 differ threefold), so that a run's answer
// never waits long for the tokenizer (about 5 MB/s on one core).
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
const countBudget = sampleBytes

// countExact counts a result's text for a Counter (a test watches it).
var countExact = CountTokens

// NewCounter starts a Counter.
func NewCounter() *Counter {
	c := &Counter{queue: make(chan counted, 1024), done: make(chan struct{}), per: map[string]int{}}
	go func() {
		defer close(c.done)
		type rate struct{ bytes, tokens int } // what was counted exactly
		var all rate
		per := map[string]*rate{}
		for r := range c.queue {
			text, media := ContextText(r.result)
			own := per[r.server]
			if own == nil {
				own = &rate{}
				per[r.server] = own
			}
			var n int
			switch {
			case all.bytes < countBudget:
				n = countExact(text)
				all.bytes, all.tokens = all.bytes+len(text), all.tokens+n
				own.bytes, own.tokens = own.bytes+len(text), own.tokens+n
			case own.bytes >= 4<<10: // the server's own rate, when it has one
				n = int(float64(len(text)) * float64(own.tokens) / float64(own.bytes))
			case all.tokens > 0:
				n = int(float64(len(text)) * float64(all.tokens) / float64(all.bytes))
			default:
				n = len(text) / 4
			}
			c.per[r.server] += n + media*MediaTokens
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
