package downstream

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"

	"github.com/mcp-coordinator/mcp-coordinator/internal/textcap"
)

// limitTransport bounds every answer of an HTTP or SSE server before it is kept in memory: the
// go-sdk client reads a JSON body whole. A JSON answer or a server-sent event above max is read
// through without being kept and, when it answers a request of ours, replaced by a JSON-RPC
// error for that request, so that only that call (or that listing) fails. Any other body is
// cut at max with an error.
type limitTransport struct {
	base http.RoundTripper
	max  int
	log  *slog.Logger
}

func (t *limitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	id := requestID(r)
	resp, err := t.base.RoundTrip(r)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "text/event-stream" {
		resp.Body = &sseGuard{rc: resp.Body, r: bufio.NewReaderSize(resp.Body, 64<<10), max: t.max, id: id, log: t.log}
		return resp, nil
	}
	resp.Body = &bodyGuard{rc: resp.Body, max: t.max, id: id, length: resp.ContentLength,
		rpc: mt == "application/json" && resp.StatusCode == http.StatusOK, log: t.log}
	resp.ContentLength = -1
	return resp, nil
}

// requestID returns the JSON-RPC id of the message r sends, or nil. go-sdk writes the id before
// the params, so only the head of a body (which may carry megabytes of tool arguments) is read.
func requestID(r *http.Request) []byte {
	if r.GetBody == nil {
		return nil
	}
	body, err := r.GetBody()
	if err != nil {
		return nil
	}
	defer body.Close()
	head, _ := io.ReadAll(io.LimitReader(body, 64<<10))
	var s idScanner
	s.feed(head)
	s.step(',') // end a value cut at the head's end: the id is complete by then
	return s.validID()
}

// errorResponse is a JSON-RPC error answering id, saying that the server's answer was dropped.
func errorResponse(id []byte, what string) []byte {
	msg, _ := json.Marshal("the server's answer was " + what + "; it was dropped")
	return fmt.Appendf(nil, `{"jsonrpc":"2.0","id":%s,"error":{"code":-32603,"message":%s}}`, id, msg)
}

// bodyGuard is a response body read at most max bytes deep.
type bodyGuard struct {
	rc     io.ReadCloser
	max    int
	id     []byte
	length int64
	rpc    bool // a JSON-RPC answer: an oversized one becomes an error for id
	log    *slog.Logger

	data []byte
	err  error
	read bool
}

func (b *bodyGuard) Read(p []byte) (int, error) {
	if !b.read {
		b.read = true
		if b.length <= int64(b.max) {
			b.data, b.err = io.ReadAll(io.LimitReader(b.rc, int64(b.max)+1))
		}
		if b.rpc && b.id != nil && b.err == nil && len(b.data) <= b.max && !json.Valid(b.data) {
			// go-sdk would end the session on it: fail only this request.
			b.log.Warn("MCP server answered with a malformed body; dropped", "body", textcap.OneLine(string(b.data), 200))
			b.data = errorResponse(b.id, "a malformed message")
		}
		if b.length > int64(b.max) || len(b.data) > b.max {
			what := fmt.Sprintf("above the %d-byte limit", b.max)
			b.log.Warn("MCP server answered with a body above the limit; dropped", "limit", b.max, "length", b.length)
			b.data, b.err = nil, fmt.Errorf("the server's answer is %s", what)
			if b.rpc && b.id != nil {
				b.data, b.err = errorResponse(b.id, what), nil
			}
			b.rc.Close()
		}
	}
	if len(b.data) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		return 0, io.EOF
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	return n, nil
}

func (b *bodyGuard) Close() error { return b.rc.Close() }

// sseGuard passes a stream of server-sent events through one whole event at a time, and drops
// an event above max (replaced by an error event for id when the stream answers a request).
type sseGuard struct {
	rc  io.ReadCloser
	r   *bufio.Reader
	max int
	id  []byte
	log *slog.Logger

	event    []byte     // the event being read
	dropping *idScanner // set while the event being read, above max, is read through
	out      []byte
}

func (g *sseGuard) Read(p []byte) (int, error) {
	for len(g.out) == 0 {
		line, err := g.r.ReadSlice('\n')
		if g.dropping != nil {
			feedData(g.dropping, line)
		} else if g.event = append(g.event, line...); len(g.event) > g.max {
			g.dropping = &idScanner{}
			for _, l := range bytes.SplitAfter(g.event, []byte("\n")) {
				feedData(g.dropping, l)
			}
			g.event = nil
			g.log.Warn("MCP server sent an event above the limit; dropped", "limit", g.max)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		end := err != nil || len(bytes.TrimRight(line, "\r\n")) == 0
		switch {
		case end && g.dropping != nil:
			// The answer's id: the stream's request, else the one in the dropped event (the
			// legacy SSE transport answers every request on one stream).
			id := g.id
			if rid, ok := g.dropping.responseID(); ok && id == nil {
				id = rid
			}
			g.dropping = nil
			if id != nil {
				g.out = append(append([]byte("data: "), errorResponse(id, fmt.Sprintf("an event above the %d-byte limit", g.max))...), "\n\n"...)
			}
		case end:
			g.out, g.event = g.event, g.event[len(g.event):]
		}
		if err != nil && len(g.out) == 0 {
			return 0, err
		}
	}
	n := copy(p, g.out)
	g.out = g.out[n:]
	return n, nil
}

// feedData gives s the payload of a data: line of an event (a piece of one, when the line is
// longer than the reader's buffer, is fed as it is).
func feedData(s *idScanner, line []byte) {
	if rest, ok := bytes.CutPrefix(line, []byte("data:")); ok {
		line = bytes.TrimPrefix(rest, []byte(" "))
	}
	s.feed(line)
}

func (g *sseGuard) Close() error { return g.rc.Close() }
