package downstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/internal/jsonnorm"
)

// server is one configured server and its connection attempts.
type server struct {
	p      *Pool
	cfg    ServerConfig
	ctx    context.Context // the server's life; ends when it is stopped
	cancel context.CancelFunc

	refreshMu sync.Mutex // serialises tool listings and OnToolsChanged calls

	mu       sync.Mutex
	state    State
	err      *Error        // why the server is failed
	done     chan struct{} // closed when the attempt under way ends; nil when none is
	conn     *conn         // the live connection when ready
	tools    []*mcp.Tool
	toolsAt  time.Time
	relistAt time.Time // when an unknown tool last caused a tools/list (see mayRelist)
	// relisting is set while a listing after tools/list_changed runs; pending holds the
	// connection of a notification that arrived meanwhile (see listChanged).
	relisting bool
	pending   *conn
	info      *mcp.InitializeResult
	offers    offers // the resources and prompts of the last connection
	attempts  int
	failures  int // failures in a row, for the backoff
	retryAt   time.Time
	removed   bool
}

// conn is one connection (one session; for stdio, one process).
type conn struct {
	sess    *mcp.ClientSession
	proc    *process        // stdio only
	frames  *frameGuard     // stdio only: what the session reads of the process's stdout
	http    *http.Transport // http and sse only
	started time.Time

	cancel  context.CancelCauseFunc // ends the connection's context: kills the process group
	life    context.Context         // ends when close begins: bounds the requests made on it
	endLife context.CancelFunc
	closing atomic.Bool
	ended   chan struct{} // closed by watch once the session's end is recorded
	crash   *Error        // why the session ended on its own; read only after ended is closed
	changed bool          // a list_changed arrived before the connection was live; guarded by server.mu
	offers  offers        // counted when the connection was made
}

// offers counts what a server offers besides tools; -1 when its listing failed.
type offers struct{ resources, prompts int }

func (p *Pool) newServer(sc ServerConfig) *server {
	ctx, cancel := context.WithCancel(p.ctx)
	return &server{p: p, cfg: sc, ctx: ctx, cancel: cancel, state: StateStopped}
}

// beginLocked starts a connection attempt; s.mu is held. Once Close has begun it returns the
// error to report instead.
func (s *server) beginLocked(state State) error {
	done := make(chan struct{})
	s.state, s.done = state, done
	s.attempts++
	first := s.attempts == 1
	if !s.p.spawn(func() { s.connect(first, done) }) {
		s.state, s.done = StateStopped, nil
		close(done)
		return errorf(KindUnavailable, s.cfg.Name, "", nil, "server %q is unavailable: the pool is closed", s.cfg.Name)
	}
	return nil
}

// connect runs one connection attempt and records its outcome.
func (s *server) connect(first bool, done chan struct{}) {
	start := time.Now()
	c, tools, err := s.dial()
	s.mu.Lock()
	s.done = nil
	if s.removed {
		s.mu.Unlock()
		close(done)
		if c != nil {
			c.close()
		}
		return
	}
	if err != nil {
		s.failures++
		s.retryAt = time.Now().Add(backoff(s.failures))
		s.state, s.err = StateFailed, err
		s.mu.Unlock()
		close(done)
		// Whoever waits for the server gets this error: logging it too would report it twice.
		s.p.log.Debug("MCP server failed to start", "server", s.cfg.Name, "error", err.Msg)
		return
	}
	prev := s.tools
	s.state, s.err, s.conn = StateReady, nil, c
	s.tools, s.toolsAt, s.info = tools, time.Now(), c.sess.InitializeResult()
	s.offers = c.offers
	changed := c.changed
	s.mu.Unlock()
	close(done)
	if !s.p.spawn(func() { s.watch(c) }) {
		close(c.ended) // Close has begun; it will close c through stop
	}
	if changed {
		s.listChanged(c)
	}
	s.p.log.Debug("MCP server ready", "server", s.cfg.Name, "tools", len(tools), "took", time.Since(start).Round(time.Millisecond))
	if !first && !sameTools(prev, tools) {
		s.refreshMu.Lock()
		s.p.notify(s.cfg.Name, tools)
		s.refreshMu.Unlock()
	}
}

func (p *Pool) notify(name string, tools []*mcp.Tool) {
	if p.opts.OnToolsChanged != nil {
		p.opts.OnToolsChanged(name, slices.Clone(tools))
	}
}

func (p *Pool) recordPID(pid int) {
	if p.opts.started != nil {
		p.opts.started(pid)
	}
}

// dial makes one connection: transport, initialize, tools/list, all within StartTimeout.
func (s *server) dial() (*conn, []*mcp.Tool, *Error) {
	p := s.p
	ctx, cancel := context.WithCancelCause(s.ctx)
	life, endLife := context.WithCancel(ctx)
	c := &conn{cancel: cancel, life: life, endLife: endLife, started: time.Now(), ended: make(chan struct{})}
	timer := time.AfterFunc(p.opts.StartTimeout, func() { cancel(errStartTimeout) })
	phase := "start"
	fail := func(err error) (*conn, []*mcp.Tool, *Error) {
		timer.Stop()
		e := s.startErr(ctx, c, phase, err)
		c.close()
		return nil, nil, e
	}

	var t mcp.Transport
	switch {
	case p.opts.dial != nil:
		var err error
		if t, err = p.opts.dial(ctx, s.cfg); err != nil {
			return fail(err)
		}
	case s.cfg.Type == TransportStdio:
		proc, err := startProcess(ctx, s.cfg)
		if err != nil {
			return fail(err)
		}
		c.proc = proc
		p.recordPID(proc.pid())
		c.frames = newFrameGuard(proc.stdout, p.opts.MaxMessageBytes, p.log.With("server", s.cfg.Name))
		t = proc.transport(c.frames)
	default:
		t, c.http = httpTransport(s.cfg, p.opts.MaxMessageBytes, p.log.With("server", s.cfg.Name))
	}

	phase = "initialize"
	client := mcp.NewClient(&mcp.Implementation{Name: p.opts.ClientName, Version: p.opts.ClientVersion}, &mcp.ClientOptions{
		// No roots, sampling or elicitation: a snippet cannot answer them (see the package doc).
		Capabilities: &mcp.ClientCapabilities{},
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) {
			s.listChanged(c)
		},
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			p.progress.deliver(req.Params)
		},
	})
	sess, err := client.Connect(ctx, t, nil)
	if err != nil {
		return fail(err)
	}
	c.sess = sess
	phase = "tools/list"
	tools, err := listTools(ctx, sess)
	if err != nil {
		return fail(err)
	}
	c.offers = countOffers(ctx, sess)
	if !timer.Stop() {
		return fail(context.Cause(ctx))
	}
	return c, tools, nil
}

// startErr explains a failed connection attempt.
func (s *server) startErr(ctx context.Context, c *conn, phase string, err error) *Error {
	var what string
	var uerr *url.Error
	switch {
	case errors.Is(context.Cause(ctx), errStartTimeout):
		if phase == "start" {
			what = fmt.Sprintf("it did not start within %s", s.p.opts.StartTimeout)
		} else {
			what = fmt.Sprintf("no answer to %s within %s", phase, s.p.opts.StartTimeout)
		}
	case s.ctx.Err() != nil:
		what = "it was stopped while starting"
	case c.proc != nil && connectionClosed(err) && c.proc.waitExit(time.Second):
		what = fmt.Sprintf("it exited during %s", phase)
	case errors.As(err, &uerr):
		what = fmt.Sprintf("cannot reach %s: %s", s.cfg.URL, oneLine(uerr.Err))
	case phase == "start":
		what = oneLine(err)
	default:
		what = fmt.Sprintf("%s failed: %s", phase, oneLine(err))
	}
	return errorf(KindUnavailable, s.cfg.Name, "", err, "server %q failed to start: %s%s", s.cfg.Name, what, c.procDetail())
}

// connectionClosed reports whether err says that the peer closed the connection.
func connectionClosed(err error) bool {
	return errors.Is(err, mcp.ErrConnectionClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, os.ErrClosed)
}

// procDetail returns " (exit status N); stderr: <tail>" for a stdio server, as far as known.
func (c *conn) procDetail() string {
	if c.proc == nil {
		return ""
	}
	var b strings.Builder
	if st := c.proc.exitStatus(); st != "" {
		fmt.Fprintf(&b, " (%s)", st)
	}
	b.WriteString(c.frames.detail())
	if tail := c.proc.stderr.Tail(5, 500); tail != "" {
		fmt.Fprintf(&b, "; stderr: %s", tail)
	}
	return b.String()
}

// close shuts the connection down: calls in flight are cancelled, the session closed (for
// stdio: stdin closed, SIGTERM, SIGKILL), and the process group killed. It waits for the
// process to exit.
func (c *conn) close() {
	c.closing.Store(true)
	c.endLife()
	if c.sess != nil {
		_ = c.sess.Close()
	}
	c.cancel(errStopped)
	if c.proc != nil {
		c.proc.stdin.Close()
		c.proc.kill()
		c.proc.waitExit(2 * time.Second)
		c.proc.stdout.Close()
	}
	if c.http != nil {
		c.http.CloseIdleConnections()
	}
}

// bound returns ctx, also cancelled when the connection starts closing.
func (c *conn) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(c.life, cancel)
	return ctx, func() { stop(); cancel() }
}

// watch waits for the session to end and, unless it was closed on purpose, records the
// failure so that the next use restarts the server.
func (s *server) watch(c *conn) {
	err := c.sess.Wait()
	defer close(c.ended)
	if c.closing.Load() {
		return
	}
	var why string
	if c.proc != nil {
		c.proc.waitExit(time.Second)
		why = "it exited" + c.procDetail()
	} else {
		why = "the connection was lost"
		if err != nil {
			why += ": " + oneLine(err)
		}
	}
	s.lost(c, errorf(KindUnavailable, s.cfg.Name, "", err, "server %q stopped: %s", s.cfg.Name, why))
}

// lost records that connection c ended on its own with e, so that the next use restarts the
// server, and closes c.
func (s *server) lost(c *conn, e *Error) {
	s.mu.Lock()
	if s.conn != c || s.removed {
		s.mu.Unlock()
		return
	}
	s.conn = nil
	if time.Since(c.started) >= backoffReset {
		s.failures = 0
	}
	s.failures++
	s.retryAt = time.Now().Add(backoff(s.failures))
	s.state, s.err = StateFailed, e
	c.crash = e
	s.mu.Unlock()
	s.p.log.Warn("MCP server stopped; it restarts on next use", "server", s.cfg.Name, "error", e.Msg)
	c.close()
}

// stop ends the server for good (Close, or Update removing or changing it).
func (s *server) stop() {
	s.mu.Lock()
	if s.removed {
		s.mu.Unlock()
		return
	}
	s.removed = true
	s.state = StateStopped
	c := s.conn
	s.conn = nil
	s.mu.Unlock()
	if c != nil {
		c.close()
	}
	s.cancel() // aborts an attempt under way
}

// listChangedPace is the least time between two listings caused by tools/list_changed.
const listChangedPace = time.Second

// listChanged handles a notifications/tools/list_changed from c. Notifications coalesce: per
// server at most one listing runs and one more waits, and listings start at most once per
// listChangedPace, so a server that floods the notification costs one listing a second, not
// a goroutine and a listing per notification.
func (s *server) listChanged(c *conn) {
	s.mu.Lock()
	if s.relisting {
		s.pending = c
		s.mu.Unlock()
		return
	}
	s.relisting = true
	s.mu.Unlock()
	ok := s.p.spawn(func() {
		for {
			s.toolsChanged(c)
			pace := time.NewTimer(listChangedPace)
			select {
			case <-pace.C:
			case <-s.ctx.Done():
				pace.Stop()
			}
			s.mu.Lock()
			c, s.pending = s.pending, nil
			if c == nil || s.ctx.Err() != nil {
				s.relisting = false
				s.mu.Unlock()
				return
			}
			s.mu.Unlock()
		}
	})
	if !ok {
		s.mu.Lock()
		s.relisting = false
		s.mu.Unlock()
	}
}

func (s *server) toolsChanged(c *conn) {
	s.mu.Lock()
	live := s.conn == c
	if !live {
		c.changed = true // during the start: connect lists again once c is live
	}
	s.mu.Unlock()
	if !live {
		return
	}
	ctx, cancel := context.WithTimeout(c.life, s.p.opts.StartTimeout)
	defer cancel()
	if err := s.refresh(ctx, c); err != nil {
		s.p.log.Warn("MCP server announced new tools but listing them failed", "server", s.cfg.Name, "error", oneLine(err))
	}
}

// refresh lists the tools of c again and records them if c is still the live connection,
// calling OnToolsChanged when they differ.
// mayRelist reports whether an unknown tool may trigger a fresh tools/list: at most once a
// second per server.
func (s *server) mayRelist() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Since(s.relistAt) < time.Second {
		return false
	}
	s.relistAt = time.Now()
	return true
}

func (s *server) refresh(ctx context.Context, c *conn) error {
	ctx, cancel := c.bound(ctx)
	defer cancel()
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	tools, err := listTools(ctx, c.sess)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.conn != c {
		s.mu.Unlock()
		return nil
	}
	changed := !sameTools(s.tools, tools)
	s.tools, s.toolsAt = tools, time.Now()
	s.mu.Unlock()
	if changed {
		s.p.notify(s.cfg.Name, tools)
	}
	return nil
}

// offersTimeout bounds the listings of countOffers: a server slow to list its resources
// still starts, with its count unknown.
const offersTimeout = 5 * time.Second

// countOffers counts the resources and prompts that sess's server offers (when its
// capabilities say it offers them), -1 for a listing that failed: a server whose resources
// cannot be listed still serves its tools.
func countOffers(ctx context.Context, sess *mcp.ClientSession) offers {
	ctx, cancel := context.WithTimeout(ctx, offersTimeout)
	defer cancel()
	var o offers
	caps := sess.InitializeResult().Capabilities
	if caps == nil {
		return o
	}
	if caps.Resources != nil {
		all, err := collect(sess.Resources(ctx, nil))
		o.resources = len(all)
		if err != nil {
			o.resources = -1
		}
	}
	if caps.Prompts != nil {
		all, err := collect(sess.Prompts(ctx, nil))
		o.prompts = len(all)
		if err != nil {
			o.prompts = -1
		}
	}
	return o
}

func listTools(ctx context.Context, sess *mcp.ClientSession) ([]*mcp.Tool, error) {
	var tools []*mcp.Tool
	for t, err := range sess.Tools(ctx, nil) {
		if err != nil {
			return nil, err
		}
		tools = append(tools, t)
	}
	return tools, nil
}

// tool returns the tool of the last listing named name, or nil.
func (s *server) tool(name string) *mcp.Tool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := slices.IndexFunc(s.tools, func(t *mcp.Tool) bool { return t.Name == name }); i >= 0 {
		return s.tools[i]
	}
	return nil
}

func (s *server) unknownTool(tool string) error {
	s.mu.Lock()
	names := make([]string, len(s.tools))
	for i, t := range s.tools {
		names[i] = t.Name
	}
	s.mu.Unlock()
	msg := fmt.Sprintf("server %q has no tool %q", s.cfg.Name, tool)
	switch c := closeNames(tool, names); {
	case len(c) > 0:
		msg += fmt.Sprintf("; did you mean %s?", quoteList(c))
	case len(names) == 0:
		msg += "; it has no tools"
	case len(names) <= 12:
		msg += "; its tools are " + strings.Join(names, ", ")
	default:
		msg += fmt.Sprintf("; it has %d other tools", len(names))
	}
	return errorf(KindUnknownTool, s.cfg.Name, tool, nil, "%s", msg)
}

// call makes one tool call on c, its arguments and result normalised against the tool's schemas.
func (s *server) call(ctx context.Context, c *conn, t *mcp.Tool, args json.RawMessage) (json.RawMessage, error) {
	tool := t.Name
	args = jsonnorm.EmptyRequired(t.InputSchema, args)
	callCtx, cancel := c.bound(ctx)
	defer cancel()
	if d := s.p.opts.CallTimeout; d > 0 {
		var cancelT context.CancelFunc
		callCtx, cancelT = context.WithTimeout(callCtx, d)
		defer cancelT()
	}
	params := &mcp.CallToolParams{Name: tool, Arguments: args}
	if f, _ := ctx.Value(progressKey{}).(func(Progress)); f != nil {
		token, done := s.p.progress.register(s.cfg.Name, tool, f)
		defer done()
		params.SetProgressToken(token)
	}
	res, err := c.sess.CallTool(callCtx, params)
	if err != nil {
		return nil, s.callErr(ctx, callCtx, c, tool, err)
	}
	if t.OutputSchema != nil && res.StructuredContent != nil {
		// Encoded once here, so that the result's encoding below copies it.
		sc, err := json.Marshal(res.StructuredContent)
		if err != nil {
			return nil, errorf(KindProtocol, s.cfg.Name, tool, err, "server %q: the result of %s cannot be encoded: %v", s.cfg.Name, tool, err)
		}
		res.StructuredContent = json.RawMessage(jsonnorm.Integers(t.OutputSchema, sc))
	}
	out, err := json.Marshal(res)
	if err != nil {
		return nil, errorf(KindProtocol, s.cfg.Name, tool, err, "server %q: the result of %s cannot be encoded: %v", s.cfg.Name, tool, err)
	}
	return out, nil
}

func (s *server) callErr(ctx, callCtx context.Context, c *conn, tool string, err error) error {
	name := s.cfg.Name
	var werr *jsonrpc.Error
	var uerr *url.Error
	switch {
	case ctx.Err() != nil:
		return errorf(KindCanceled, name, tool, ctx.Err(), "call to %s on server %q ended: %v", tool, name, ctx.Err())
	case c.life.Err() == nil && errors.Is(callCtx.Err(), context.DeadlineExceeded):
		return errorf(KindCanceled, name, tool, context.DeadlineExceeded, "server %q did not answer %s within %s", name, tool, s.p.opts.CallTimeout)
	case errors.As(err, &uerr): // before werr: the HTTP transports wrap both
		// Do not wait for the transport's own reconnection attempts: the next use reconnects.
		s.lost(c, errorf(KindUnavailable, name, "", err, "server %q stopped: the connection was lost: %s", name, oneLine(uerr)))
		return errorf(KindUnavailable, name, tool, err, "server %q cannot be reached: %s", name, oneLine(uerr))
	case errors.As(err, &werr):
		return errorf(KindProtocol, name, tool, err, "server %q answered %s with JSON-RPC error %d: %s", name, tool, werr.Code, oneLine(errors.New(werr.Message)))
	}
	// The connection failed: most likely the server exited. Wait briefly for watch to say why.
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case <-c.ended:
		if c.crash != nil {
			return errorf(KindUnavailable, name, tool, err, "server %q stopped during the call to %s: %s", name, tool, strings.TrimPrefix(c.crash.Msg, fmt.Sprintf("server %q stopped: ", name)))
		}
		return errorf(KindUnavailable, name, tool, err, "server %q was stopped during the call to %s", name, tool)
	case <-t.C:
	}
	return errorf(KindProtocol, name, tool, err, "server %q: calling %s failed: %s", name, tool, oneLine(err))
}

func (s *server) status() ServerStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := ServerStatus{
		Name: s.cfg.Name, Transport: s.cfg.Type, State: s.state,
		Tools: slices.Clone(s.tools), ToolsAt: s.toolsAt, Attempts: s.attempts,
	}
	if s.state == StateFailed && s.err != nil {
		st.Err, st.RetryAt = s.err.Msg, s.retryAt
	}
	if s.conn != nil && s.conn.proc != nil {
		st.PID = s.conn.proc.pid()
	}
	if s.info != nil {
		st.ServerInfo, st.Instructions = s.info.ServerInfo, s.info.Instructions
		st.Resources, st.Prompts = s.offers.resources, s.offers.prompts
	}
	return st
}

// oneLine flattens an error message onto one line.
func oneLine(err error) string {
	if err == nil {
		return ""
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}
