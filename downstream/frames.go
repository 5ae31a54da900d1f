package downstream

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
)

// DefaultMaxMessageBytes is the default of PoolOptions.MaxMessageBytes.
const DefaultMaxMessageBytes = 64 << 20

// frameGuard sits between a stdio server's stdout and its client session, which would end the
// whole session (and fail every call in flight) on one line it cannot take. It passes each
// line on, except:
//   - a line longer than max is read through without being kept; when it is the answer to a
//     request (a top-level "id" and no "method"), the session gets a JSON-RPC error for that id
//     instead, so that only that call fails;
//   - a line that is not JSON (a banner or a log line printed to stdout) is dropped;
//   - a line that starts like JSON but is not valid is answered like an oversized one.
//
// Dropped lines are logged (the first few) and counted for the failure reason of the server.
type frameGuard struct {
	rc  io.ReadCloser
	r   *bufio.Reader
	max int
	log *slog.Logger

	out  []byte // what Read returns next
	line []byte

	mu      sync.Mutex
	dropped int    // lines dropped or answered with an error
	last    string // what the last of them was
}

func newFrameGuard(rc io.ReadCloser, max int, log *slog.Logger) *frameGuard {
	return &frameGuard{rc: rc, r: bufio.NewReaderSize(rc, 64<<10), max: max, log: log}
}

// Close closes the stream read from.
func (g *frameGuard) Close() error { return g.rc.Close() }

func (g *frameGuard) Read(p []byte) (int, error) {
	for len(g.out) == 0 {
		if err := g.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, g.out)
	g.out = g.out[n:]
	return n, nil
}

// next reads one line and sets out to what the session should see of it.
func (g *frameGuard) next() error {
	if cap(g.line) > 1<<20 {
		g.line = nil // do not keep a big message's buffer for the session's life
	}
	g.line = g.line[:0]
	var sc *idScanner
	size := 0
	for {
		chunk, err := g.r.ReadSlice('\n')
		size += len(chunk)
		switch {
		case sc != nil:
			sc.feed(chunk)
		case len(g.line)+len(chunk) > g.max+2: // the line's end (\r\n) is not the message's
			sc = &idScanner{}
			sc.feed(g.line)
			sc.feed(chunk)
			g.line = g.line[:0]
		default:
			g.line = append(g.line, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && (size == 0 || err != io.EOF) {
			return err
		}
		break // a whole line, or the last one without a newline
	}
	if sc != nil {
		g.reject(sc, fmt.Sprintf("a message of %d bytes, above the %d-byte limit", size, g.max), "")
		return nil
	}
	trimmed := bytes.TrimSpace(g.line)
	switch {
	case len(trimmed) == 0:
		return nil
	case trimmed[0] != '{':
		g.note("a line that is not a JSON-RPC message", string(trimmed))
		return nil
	case !json.Valid(trimmed):
		sc = &idScanner{}
		sc.feed(trimmed)
		g.reject(sc, "a malformed message", string(trimmed))
		return nil
	case !isRPC(trimmed):
		g.note("a JSON line that is not a JSON-RPC message (a log line?)", string(trimmed))
		return nil
	}
	g.out = append(trimmed, '\n')
	return nil
}

// isRPC reports whether the valid JSON object msg has a top-level "jsonrpc" member (go-sdk's
// decoder ends the session on any other object, a JSON log line say). Objects above 1 MiB are
// only searched for the key, to keep big results cheap.
func isRPC(msg []byte) bool {
	if len(msg) > 1<<20 {
		return bytes.Contains(msg, []byte(`"jsonrpc"`))
	}
	var s idScanner
	s.feed(msg)
	return s.rpc
}

// reject drops a line the session cannot take and, when it answered a request, gives the
// session an error for that request instead.
func (g *frameGuard) reject(sc *idScanner, what, text string) {
	g.note(what, text)
	id, ok := sc.responseID()
	if !ok {
		return
	}
	g.out = append(errorResponse(id, what), '\n')
}

func (g *frameGuard) note(what, text string) {
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	g.mu.Lock()
	g.dropped++
	n := g.dropped
	g.last = what
	if text != "" {
		g.last += fmt.Sprintf(" (%q)", text)
	}
	g.mu.Unlock()
	if n <= 5 {
		g.log.Warn("MCP server wrote a line to stdout that is not a protocol message; dropped", "what", what, "line", text)
	}
}

// detail describes the dropped lines, or returns "".
func (g *frameGuard) detail() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.dropped == 0 {
		return ""
	}
	return fmt.Sprintf("; it wrote %d line(s) to stdout that are not protocol messages, the last: %s", g.dropped, g.last)
}

// idScanner finds, in a JSON object fed to it in pieces and never kept, the value of its
// top-level "id" and whether it has a top-level "method".
type idScanner struct {
	depth            int
	inString, escape bool
	expectKey        bool
	key              []byte // the top-level key being read (at most 8 bytes kept; escapes are not decoded)
	keyLen           int
	lastKey          string // the last complete top-level key
	inValue          bool   // reading the value of lastKey at the top level
	value            []byte // the value of "id", at most 256 bytes
	id               []byte
	method, rpc      bool // a top-level "method", "jsonrpc" member was seen
}

func (s *idScanner) feed(b []byte) {
	for _, c := range b {
		s.step(c)
	}
}

func (s *idScanner) step(c byte) {
	top := s.depth == 1
	if s.inString {
		switch {
		case s.escape:
			s.escape = false
		case c == '\\':
			s.escape = true
		case c == '"':
			s.inString = false
			if top && s.expectKey {
				s.lastKey = string(s.key)
				if s.keyLen > len(s.key) {
					s.lastKey = ""
				}
				return
			}
		}
		if top && s.expectKey {
			s.keyLen++
			if len(s.key) < 8 {
				s.key = append(s.key, c)
			}
		}
		s.capture(c)
		return
	}
	switch c {
	case '"':
		s.inString = true
		if top && s.expectKey {
			s.key, s.keyLen = s.key[:0], 0
			return
		}
	case '{', '[':
		s.depth++
		if s.depth == 1 {
			s.expectKey = true
			return
		}
	case '}', ']':
		if top {
			s.endValue()
		}
		s.depth--
		return
	case ':':
		if top {
			s.expectKey = false
			s.inValue = true
			s.value = s.value[:0]
			return
		}
	case ',':
		if top {
			s.endValue()
			s.expectKey = true
			return
		}
	case ' ', '\t', '\r', '\n':
		return
	}
	s.capture(c)
}

func (s *idScanner) capture(c byte) {
	if s.inValue && s.lastKey == "id" && len(s.value) < 256 {
		s.value = append(s.value, c)
	}
}

func (s *idScanner) endValue() {
	if s.inValue {
		switch s.lastKey {
		case "id":
			s.id = append([]byte(nil), s.value...)
		case "method":
			s.method = true
		case "jsonrpc":
			s.rpc = true
		}
	}
	s.inValue = false
}

// responseID returns the id of a response: a valid id (see validID) and no method.
func (s *idScanner) responseID() ([]byte, bool) {
	id := s.validID()
	return id, id != nil && !s.method
}

// validID returns the top-level id if it is a number or a string, else nil.
func (s *idScanner) validID() []byte {
	if len(s.id) == 0 || !json.Valid(s.id) || (s.id[0] != '"' && s.id[0] != '-' && (s.id[0] < '0' || s.id[0] > '9')) {
		return nil
	}
	return s.id
}
