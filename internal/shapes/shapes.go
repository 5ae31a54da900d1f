package shapes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/mcp-coordinator/mcp-coordinator/internal/atomicfile"
)

// Bounds of a rendered shape.
const (
	maxDepth  = 4
	maxKeys   = 24
	maxLength = 600
	// maxResult is the largest result whose shape is taken: decoding a bigger one would cost more
	// than a shape is worth.
	maxResult = 4 << 20
)

// Book holds the latest shape per tool. The zero value is not usable; call Open.
type Book struct {
	path     string
	queue    chan observed // never closed: Observe may race with Close
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once

	mu     sync.Mutex
	closed bool
	shapes map[string]string // "server\x00tool" -> shape
}

type observed struct {
	server, tool string
	result       []byte
}

// Open returns a Book saved at path (created on the first shape; "" keeps it in memory). A
// missing or unreadable file starts an empty book.
func Open(path string) *Book {
	b := &Book{path: path, queue: make(chan observed, 16), stop: make(chan struct{}), done: make(chan struct{}), shapes: map[string]string{}}
	if path != "" {
		if data, err := os.ReadFile(path); err == nil {
			var saved map[string]map[string]string
			if json.Unmarshal(data, &saved) == nil {
				for server, tools := range saved {
					for tool, shape := range tools {
						b.shapes[server+"\x00"+tool] = shape
					}
				}
			}
		}
	}
	go b.loop()
	return b
}

// Observe queues a tool result (a CallToolResult as JSON) whose shape is taken when it has no
// structuredContent and its text is a JSON object or array. It never blocks, and does nothing
// once the book is closed.
func (b *Book) Observe(server, tool string, result []byte) {
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed || len(result) > maxResult {
		return
	}
	select {
	case b.queue <- observed{server, tool, result}:
	default:
	}
}

// Shape returns the latest shape observed for the tool, or "".
func (b *Book) Shape(server, tool string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.shapes[server+"\x00"+tool]
}

// Close stops taking shapes, after those queued. It is idempotent and safe to call concurrently.
func (b *Book) Close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.stopOnce.Do(func() { close(b.stop) })
	<-b.done
}

func (b *Book) loop() {
	defer close(b.done)
	for {
		var o observed
		select {
		case o = <-b.queue:
		case <-b.stop:
			for {
				select {
				case o = <-b.queue:
					b.take(o)
				default:
					return
				}
			}
		}
		b.take(o)
	}
}

// take records the shape of one observed result.
func (b *Book) take(o observed) {
	shape := resultShape(o.result)
	if shape == "" {
		return
	}
	key := o.server + "\x00" + o.tool
	b.mu.Lock()
	changed := b.shapes[key] != shape
	b.shapes[key] = shape
	b.mu.Unlock()
	if changed {
		b.save()
	}
}

// save writes the book through a temporary file, so that a reader never sees half of it.
func (b *Book) save() {
	if b.path == "" {
		return
	}
	b.mu.Lock()
	out := map[string]map[string]string{}
	for key, shape := range b.shapes {
		server, tool, _ := strings.Cut(key, "\x00")
		if out[server] == nil {
			out[server] = map[string]string{}
		}
		out[server][tool] = shape
	}
	b.mu.Unlock()
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return
	}
	_ = atomicfile.Write(b.path, append(data, '\n')) // a cache: a failed write costs a re-observation
}

// resultShape is the shape of a result's text, when the result has no structuredContent and its
// text is one JSON object or array; else "".
func resultShape(result []byte) string {
	var r struct {
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
		Structured json.RawMessage `json:"structuredContent"`
		IsError    bool            `json:"isError"`
	}
	if json.Unmarshal(result, &r) != nil || r.IsError || len(r.Structured) > 0 && !bytes.Equal(r.Structured, []byte("null")) {
		return ""
	}
	var text strings.Builder
	for _, c := range r.Content {
		if c.Type == "text" {
			if text.Len() > 0 {
				text.WriteByte('\n') // as Text() joins them
			}
			text.WriteString(c.Text)
		}
	}
	t := bytes.TrimSpace([]byte(text.String()))
	if len(t) == 0 || t[0] != '{' && t[0] != '[' {
		return ""
	}
	var v any
	if json.Unmarshal(t, &v) != nil {
		return ""
	}
	return Of(v)
}

// Of renders the shape of a decoded JSON value: objects as {key: shape, ...} with sorted keys,
// arrays as [shape] after the keys of up to 20 elements merged, scalars as string, number, bool
// or null; bounded in depth, keys and length ("..." marks a cut). An object whose keys look like
// data (more than a few dozen, or not names: e-mails, paths, ids) is a map, {string: shape}, so
// that no key's text is shown.
func Of(v any) string {
	s := of(v, 0)
	if len(s) > maxLength {
		cut := maxLength
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}

// keyRE is what a key must look like to be shown: a name, not data.
var keyRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,40}$`)

func of(v any, depth int) string {
	switch v := v.(type) {
	case map[string]any:
		if depth >= maxDepth {
			return "{...}"
		}
		keys := make([]string, 0, len(v))
		names := len(v) <= maxKeys
		for k := range v {
			keys = append(keys, k)
			names = names && keyRE.MatchString(k)
		}
		sort.Strings(keys)
		if !names {
			values := make([]any, 0, min(len(keys), 20))
			for _, k := range keys[:min(len(keys), 20)] {
				values = append(values, v[k])
			}
			return "{string: " + of(merge(values), depth+1) + "}"
		}
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s: %s", k, of(v[k], depth+1)))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		if len(v) == 0 {
			return "[]"
		}
		if depth >= maxDepth {
			return "[...]"
		}
		return "[" + of(merge(v), depth+1) + "]"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case nil:
		return "null"
	}
	return "?"
}

// merge folds the first elements of an array into one: objects into an object with every key
// seen (the first non-null value of each); else the first element.
func merge(list []any) any {
	first, ok := list[0].(map[string]any)
	if !ok {
		return list[0]
	}
	out := map[string]any{}
	for k, v := range first {
		out[k] = v
	}
	for _, e := range list[1:min(len(list), 20)] {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		for k, v := range m {
			if cur, seen := out[k]; !seen || cur == nil {
				out[k] = v
			}
		}
	}
	return out
}
