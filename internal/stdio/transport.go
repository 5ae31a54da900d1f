package stdio

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Transport is the MCP transport of "mcp-coordinator serve": newline-delimited JSON-RPC
// over stdin and stdout, like [mcp.StdioTransport], made to survive bad input and to honour
// cancellation.
//
//   - A line that is not JSON is answered with a JSON-RPC error -32700 (id null), a JSON value
//     that is not a JSON-RPC 2.0 message with -32600, and a batch under a protocol version
//     without batches (2025-06-18 and later, negotiated by initialize or named in a request's
//     _meta) with -32600 for each request in it; the line is then skipped and the session
//     goes on. go-sdk's own stdio connection
//     instead ends the session on any of them (its Read returns the error, and the jsonrpc2
//     reader stops), which takes every downstream server with it; the same filter belongs
//     upstream, in go-sdk's ioConn, and this one can go once it is there.
//   - A request that the client cancelled (notifications/cancelled) gets no response, as the
//     MCP specification asks; go-sdk cancels the handler but still writes its result.
//   - A request before initialize gets -32600 instead of go-sdk's code 0.
//
// Messages must not contain newlines (the MCP stdio rule): each line is one message.
type Transport struct {
	// Reader is where messages arrive; nil means os.Stdin.
	Reader io.Reader
	// Writer is where messages go; nil means os.Stdout. It is written one whole frame per
	// Write call and never closed.
	Writer io.Writer
	// MaxLineLength bounds one message. Zero means mcp.DefaultMaxLineLength (16 MiB); a longer
	// line is answered with -32600 and skipped.
	MaxLineLength int
}

// Connect implements [mcp.Transport].
func (t *Transport) Connect(ctx context.Context) (mcp.Connection, error) {
	r, w := t.Reader, t.Writer
	if r == nil {
		r = os.Stdin
	}
	if w == nil {
		w = os.Stdout
	}
	max := t.MaxLineLength
	if max <= 0 {
		max = mcp.DefaultMaxLineLength
	}
	pr, pw := io.Pipe()
	out := &lockedWriter{w: w}
	c := &guardedConn{out: out, inflight: map[jsonrpc.ID]bool{}, cancelled: map[jsonrpc.ID]bool{}}
	inner, err := (&mcp.IOTransport{Reader: pr, Writer: out, MaxLineLength: -1}).Connect(ctx)
	if err != nil {
		return nil, err
	}
	c.Connection = inner
	go c.filter(r, pw, max)
	return c, nil
}

// lockedWriter makes each Write one whole frame: go-sdk's connection and the filter's error
// answers share the output.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) Close() error { return nil }

// guardedConn is go-sdk's connection over the filtered input, with the cancellation and
// error-code fixes on its way out.
type guardedConn struct {
	mcp.Connection
	out *lockedWriter

	version atomic.Value // string: the negotiated protocol version, once initialize is answered

	mu        sync.Mutex
	initID    *jsonrpc.ID
	inflight  map[jsonrpc.ID]bool // requests read and not yet answered
	cancelled map[jsonrpc.ID]bool // in-flight requests that the client cancelled
}

// protocolsWithoutBatches is the first protocol version that removed JSON-RPC batches.
const protocolsWithoutBatches = "2025-06-18"

func (c *guardedConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	msg, err := c.Connection.Read(ctx)
	if err != nil {
		return msg, err
	}
	if req, ok := msg.(*jsonrpc.Request); ok {
		c.mu.Lock()
		switch {
		case req.IsCall():
			c.inflight[req.ID] = true
			if v := metaVersion(req.Params); v != "" {
				c.version.Store(v) // protocol 2026-07-28 and later: each request names its version
			}
			if req.Method == "initialize" {
				id := req.ID
				c.initID = &id
			}
		case req.Method == "notifications/cancelled":
			var p struct {
				RequestID any `json:"requestId"`
			}
			if json.Unmarshal(req.Params, &p) == nil {
				if id, err := jsonrpc.MakeID(p.RequestID); err == nil && c.inflight[id] {
					c.cancelled[id] = true
				}
			}
		}
		c.mu.Unlock()
	}
	return msg, nil
}

func (c *guardedConn) Write(ctx context.Context, msg jsonrpc.Message) error {
	resp, ok := msg.(*jsonrpc.Response)
	if !ok {
		return c.Connection.Write(ctx, msg)
	}
	c.mu.Lock()
	drop := c.cancelled[resp.ID]
	delete(c.cancelled, resp.ID)
	delete(c.inflight, resp.ID)
	isInit := c.initID != nil && *c.initID == resp.ID
	if isInit {
		c.initID = nil
	}
	c.mu.Unlock()
	if drop {
		return nil
	}
	if isInit && resp.Error == nil {
		var r struct {
			ProtocolVersion string `json:"protocolVersion"`
		}
		if json.Unmarshal(resp.Result, &r) == nil {
			c.version.Store(r.ProtocolVersion)
		}
	}
	if resp.Error != nil && strings.Contains(resp.Error.Error(), "invalid during session initialization") {
		var we *jsonrpc.Error
		if !errors.As(resp.Error, &we) || we.Code == 0 {
			resp = &jsonrpc.Response{ID: resp.ID, Error: &jsonrpc.Error{Code: jsonrpc.CodeInvalidRequest, Message: resp.Error.Error() + ": send initialize first"}}
		}
	}
	return c.Connection.Write(ctx, resp)
}

// filter copies the messages of r that go-sdk's connection can take to w, one per line, and
// answers the others itself. It closes w at the end of r.
func (c *guardedConn) filter(r io.Reader, w *io.PipeWriter, max int) {
	br := bufio.NewReaderSize(r, 64<<10)
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		tooLong := len(line)+len(chunk) > max+2
		if !tooLong {
			line = append(line, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			if tooLong {
				line = line[:0]
				// Skip to the end of the line, then answer.
				for errors.Is(err, bufio.ErrBufferFull) {
					_, err = br.ReadSlice('\n')
				}
				c.answer(nil, jsonrpc.CodeInvalidRequest, fmt.Sprintf("message longer than %d bytes", max))
				if err != nil {
					break
				}
			}
			continue
		}
		if tooLong {
			line = line[:0]
			c.answer(nil, jsonrpc.CodeInvalidRequest, fmt.Sprintf("message longer than %d bytes", max))
		} else if msg := bytes.TrimSpace(line); len(msg) > 0 && c.check(msg) {
			if _, werr := w.Write(append(msg, '\n')); werr != nil {
				return // the connection is closed
			}
		}
		line = line[:0]
		if err != nil {
			break
		}
	}
	w.Close()
}

// check reports whether msg can go to go-sdk's connection; if not, it answers msg.
func (c *guardedConn) check(msg []byte) bool {
	if !json.Valid(msg) {
		c.answer(nil, jsonrpc.CodeParseError, "Parse error: not a JSON value (one JSON-RPC message per line)")
		return false
	}
	if msg[0] != '[' {
		if _, err := jsonrpc.DecodeMessage(msg); err != nil {
			c.answer(idOf(msg), jsonrpc.CodeInvalidRequest, "Invalid Request: "+err.Error())
			return false
		}
		return true
	}
	var batch []json.RawMessage
	if err := json.Unmarshal(msg, &batch); err != nil || len(batch) == 0 {
		c.answer(nil, jsonrpc.CodeInvalidRequest, "Invalid Request: an empty batch")
		return false
	}
	v, _ := c.version.Load().(string)
	for _, m := range batch {
		if dm, err := jsonrpc.DecodeMessage(m); err == nil {
			if r, ok := dm.(*jsonrpc.Request); ok {
				v = max(v, metaVersion(r.Params))
			}
		}
	}
	if v >= protocolsWithoutBatches {
		text := fmt.Sprintf("Invalid Request: JSON-RPC batches are not supported in protocol version %s; send each message on its own line", v)
		answered := false
		for _, m := range batch {
			if req, err := jsonrpc.DecodeMessage(m); err == nil {
				if r, ok := req.(*jsonrpc.Request); ok && r.IsCall() {
					c.answer(idOf(m), jsonrpc.CodeInvalidRequest, text)
					answered = true
				}
			}
		}
		if !answered {
			c.answer(nil, jsonrpc.CodeInvalidRequest, text)
		}
		return false
	}
	seen := map[jsonrpc.ID]bool{}
	for _, m := range batch {
		dm, err := jsonrpc.DecodeMessage(m)
		if err != nil {
			c.answer(nil, jsonrpc.CodeInvalidRequest, "Invalid Request in batch: "+err.Error())
			return false
		}
		if r, ok := dm.(*jsonrpc.Request); ok && r.IsCall() {
			if seen[r.ID] {
				c.answer(nil, jsonrpc.CodeInvalidRequest, "Invalid Request: a batch with the same id twice")
				return false
			}
			seen[r.ID] = true
		}
	}
	return true
}

// metaVersion returns the protocol version that a request's params name in _meta, or "".
func metaVersion(params json.RawMessage) string {
	var p struct {
		Meta map[string]any `json:"_meta"`
	}
	if len(params) == 0 || json.Unmarshal(params, &p) != nil {
		return ""
	}
	v, _ := p.Meta[mcp.MetaKeyProtocolVersion].(string)
	return v
}

// idOf returns msg's id when it is a valid one (a string or a number), else nil (null).
func idOf(msg []byte) any {
	var m struct {
		ID any `json:"id"`
	}
	if json.Unmarshal(msg, &m) != nil {
		return nil
	}
	switch m.ID.(type) {
	case string, float64:
		return m.ID
	}
	return nil
}

// answer writes an error response with id (nil: null).
func (c *guardedConn) answer(id any, code int64, message string) {
	data, _ := json.Marshal(map[string]any{
		"jsonrpc": "2.0",
		"id":      id,
		"error":   map[string]any{"code": code, "message": message},
	})
	c.out.Write(append(data, '\n'))
}
