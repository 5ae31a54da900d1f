package coordinator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
)

// cancelFilter keeps the answer of a request that the client cancelled from reaching it over
// HTTP, as the MCP specification asks ("SHOULD NOT send a response for the cancelled request"):
// go-sdk cancels the handler but still writes its result on the request's stream. It remembers
// the requests in flight per session; a notifications/cancelled for one of them makes its
// stream drop whatever is written after it. The stdio transport does the same on its own wire.
type cancelFilter struct {
	mu       sync.Mutex
	inflight map[inflightKey]*atomic.Bool // session and request id -> cancelled
}

type inflightKey struct{ session, id string }

// maxTrackedBody bounds the body read to find a request's id; a larger one is passed on as it
// is, untracked.
const maxTrackedBody = 1 << 20

func (f *cancelFilter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		session := r.Header.Get("Mcp-Session-Id")
		if r.Method != http.MethodPost || session == "" || r.ContentLength > maxTrackedBody {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxTrackedBody+1))
		if err != nil || len(body) > maxTrackedBody {
			// Pass on what was read and the rest, untracked.
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
			next.ServeHTTP(w, r)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
			Params struct {
				RequestID json.RawMessage `json:"requestId"`
			} `json:"params"`
		}
		if json.Unmarshal(body, &msg) != nil {
			next.ServeHTTP(w, r)
			return
		}
		if msg.Method == "notifications/cancelled" && len(msg.Params.RequestID) > 0 {
			f.mu.Lock()
			if c := f.inflight[inflightKey{session, string(msg.Params.RequestID)}]; c != nil {
				c.Store(true)
			}
			f.mu.Unlock()
			next.ServeHTTP(w, r)
			return
		}
		if len(msg.ID) == 0 || msg.Method == "" {
			next.ServeHTTP(w, r)
			return
		}
		key := inflightKey{session, string(msg.ID)}
		cancelled := new(atomic.Bool)
		f.mu.Lock()
		if f.inflight == nil {
			f.inflight = map[inflightKey]*atomic.Bool{}
		}
		f.inflight[key] = cancelled
		f.mu.Unlock()
		defer func() {
			f.mu.Lock()
			if f.inflight[key] == cancelled {
				delete(f.inflight, key)
			}
			f.mu.Unlock()
		}()
		next.ServeHTTP(&cancelWriter{ResponseWriter: w, cancelled: cancelled}, r)
	})
}

// cancelWriter drops what is written once its request is cancelled.
type cancelWriter struct {
	http.ResponseWriter
	cancelled *atomic.Bool
}

func (c *cancelWriter) Write(p []byte) (int, error) {
	if c.cancelled.Load() {
		return len(p), nil
	}
	return c.ResponseWriter.Write(p)
}

func (c *cancelWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (c *cancelWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
