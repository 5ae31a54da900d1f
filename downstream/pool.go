package downstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// PoolOptions configures a [Pool]. A nil *PoolOptions means all defaults.
type PoolOptions struct {
	// StartTimeout bounds one connection attempt: process start (or HTTP connect), initialize
	// and the tools listing. Zero means 30 s.
	StartTimeout time.Duration
	// CallTimeout bounds one tool call on top of the caller's context. Zero means no bound
	// beyond the context.
	CallTimeout time.Duration
	// Logger receives the Pool's own log lines: a session that ended on its own and dropped
	// messages at Warn; a server ready or failed to start (an error its callers get) at Debug.
	// Nil means slog.Default(). Servers' stderr is never logged or copied to stdout: its tail goes into
	// failure reasons.
	Logger *slog.Logger
	// OnToolsChanged, if set, is called after a server's tool list changed: after a
	// notifications/tools/list_changed, or after a restart (including the recovery of a
	// server whose first start failed) that listed different tools. It is not called for the
	// list of a server's first connection attempt: read that with [Pool.Tools] or
	// [Pool.Status]. Calls for one server do not overlap; they run on a Pool goroutine, should
	// return promptly, and may call [Pool.Status] and [Pool.Tools] but no other Pool method.
	OnToolsChanged func(server string, tools []*mcp.Tool)
	// MaxMessageBytes bounds one message from a server (a tool result, a tools listing), on
	// every transport, before it is kept in memory. A larger answer fails only its own request,
	// with an error that says so. Zero means DefaultMaxMessageBytes (64 MiB).
	MaxMessageBytes int
	// ClientName and ClientVersion are sent to the servers in initialize. Empty means
	// "mcp-coordinator" and the module version of the running binary ("devel" when unknown).
	ClientName, ClientVersion string

	// dial, when set (by tests), replaces the real transports.
	dial func(ctx context.Context, sc ServerConfig) (mcp.Transport, error)
	// started, when set (by tests), is told the pid of every stdio server started.
	started func(pid int)
}

// Defaults of PoolOptions.
const (
	DefaultStartTimeout = 30 * time.Second
	defaultClientName   = "mcp-coordinator"
)

// Restart pacing: after the n-th failure in a row (a failed start or an exit), the next
// attempt waits backoffBase·2^(n-1), at most backoffMax. A session that lived longer than
// backoffReset before it ended starts the count again. A call that finds the server waiting
// for its next attempt waits for it when that is at most maxRetryWait away, and otherwise
// fails at once with the last reason.
const (
	backoffBase  = 500 * time.Millisecond
	backoffMax   = 30 * time.Second
	backoffReset = 30 * time.Second
	maxRetryWait = 2 * time.Second
)

// State is a server's state in the Pool.
type State string

const (
	// StateStarting: the first connection attempt is under way.
	StateStarting State = "starting"
	// StateReady: the session is up and its tools are listed.
	StateReady State = "ready"
	// StateFailed: the last attempt failed, or the session ended; Err says why. The next use
	// ([Pool.Tools], [Pool.CallTool]) tries again, paced by a backoff.
	StateFailed State = "failed"
	// StateRestarting: a later connection attempt is under way.
	StateRestarting State = "restarting"
	// StateStopped: not started yet ([Pool.Start] not called and no use so far), or closed.
	StateStopped State = "stopped"
)

// ServerStatus is a snapshot of one server.
type ServerStatus struct {
	Name string
	// Transport is TransportStdio, TransportHTTP or TransportSSE.
	Transport string
	State     State
	// Err is why the server is not ready (one line: the reason, then the tail of its stderr),
	// empty otherwise.
	Err string
	// Tools are the tools of the last successful listing, in the server's order; they survive
	// a failure, so that stubs can still be shown. The values are shared: do not modify them.
	Tools []*mcp.Tool
	// ToolsAt is when Tools were listed; zero if never.
	ToolsAt time.Time
	// Attempts counts connection attempts so far, restarts included.
	Attempts int
	// RetryAt is, for a failed server, the earliest time of the next attempt.
	RetryAt time.Time
	// PID is the process id of a running stdio server, 0 otherwise.
	PID int
	// Resources and Prompts count what the server offered when it connected (its
	// resources/list and prompts/list, every page): 0 when it offers none or has not connected,
	// -1 when the listing failed.
	Resources, Prompts int
	// ServerInfo and Instructions are what the server said in initialize.
	ServerInfo   *mcp.Implementation
	Instructions string
}

// Pool holds one MCP client session per configured server. Its methods are safe for
// concurrent use. Servers are connected under the Pool's own context: a request's context
// bounds the request, never a server's life, and only [Pool.Close] (or [Pool.Update]) stops
// servers.
type Pool struct {
	opts   PoolOptions
	log    *slog.Logger
	ctx    context.Context // the Pool's lifetime; every server context derives from it
	cancel context.CancelFunc

	mu      sync.Mutex // guards servers, started, closed
	servers map[string]*server
	started bool
	closed  bool

	goMu     sync.Mutex // guards goClosed and every wg.Add
	goClosed bool
	wg       sync.WaitGroup // every goroutine the Pool starts

	closeOnce sync.Once

	progress progressTokens // the calls that asked for progress (WithProgress)
}

// NewPool returns a Pool for servers (by name; a later duplicate replaces an earlier one).
// Nothing starts until [Pool.Start] or the first use of a server.
func NewPool(servers []ServerConfig, opts *PoolOptions) *Pool {
	var o PoolOptions
	if opts != nil {
		o = *opts
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = DefaultStartTimeout
	}
	o.CallTimeout = max(o.CallTimeout, 0)
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ClientName == "" {
		o.ClientName = defaultClientName
	}
	if o.ClientVersion == "" {
		o.ClientVersion = "devel"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			o.ClientVersion = bi.Main.Version
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pool{opts: o, log: o.Logger, ctx: ctx, cancel: cancel, servers: map[string]*server{}}
	for _, sc := range servers {
		p.servers[sc.Name] = p.newServer(sc)
	}
	return p
}

// Start begins connecting every server at once and returns without waiting. A server that
// fails or hangs does not delay the others. ctx is not retained: servers live until
// [Pool.Close]. Start does nothing after Close or when ctx is already done; a second call
// does nothing.
func (p *Pool) Start(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.started {
		return
	}
	p.started = true
	p.beginAllLocked()
}

// beginAllLocked starts every server that has not started yet; p.mu is held.
func (p *Pool) beginAllLocked() {
	for _, s := range p.servers {
		s.mu.Lock()
		if s.state == StateStopped && !s.removed {
			_ = s.beginLocked(StateStarting) // fails only once Close has begun
		}
		s.mu.Unlock()
	}
}

// Wait waits until the server's current connection attempt has ended and returns its failure,
// or nil when the server is ready. It starts the server if nothing has started it yet, but
// it does not retry a failed server. The error is an [*Error].
func (p *Pool) Wait(ctx context.Context, server string) error {
	_, _, err := p.acquire(ctx, server, false)
	return err
}

// WaitAll waits until every server is ready or failed, or ctx is done. Servers that have not
// started yet start, all at once.
func (p *Pool) WaitAll(ctx context.Context) {
	p.mu.Lock()
	if !p.closed {
		p.beginAllLocked()
	}
	p.mu.Unlock()
	for _, name := range p.names() {
		_ = p.Wait(ctx, name)
	}
}

// Status returns a snapshot of every server, sorted by name.
func (p *Pool) Status() []ServerStatus {
	p.mu.Lock()
	servers := slices.Collect(maps.Values(p.servers))
	p.mu.Unlock()
	sort.Slice(servers, func(i, j int) bool { return servers[i].cfg.Name < servers[j].cfg.Name })
	out := make([]ServerStatus, len(servers))
	for i, s := range servers {
		out[i] = s.status()
	}
	return out
}

// Tools returns the server's tools, waiting for it to be ready and (re)starting it if it
// failed and its backoff allows. The slice is the caller's; the *mcp.Tool values are shared.
func (p *Pool) Tools(ctx context.Context, server string) ([]*mcp.Tool, error) {
	s, _, err := p.acquire(ctx, server, true)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.tools), nil
}

// CallTool calls tool on server with args (a JSON object; empty means {}) and returns the
// MCP CallToolResult as JSON. A result with isError set is a normal answer. It implements
// sandbox.ToolCaller.
//
// Against the tool's schemas, CallTool sends a null in a required array or object property of
// args as [] or {}, and returns each integer of structuredContent that is written with a
// fraction or an exponent (1.0, 1e2) as an integer literal (see internal/jsonnorm), so that
// typed stubs and servers read each other as the schemas mean.
//
// CallTool waits for a starting server and restarts a failed or exited one (paced by a
// backoff). The error, an [*Error], is one line: an unknown server (with the configured
// names), an unknown tool (with close names), a server that is down (with its reason and
// stderr tail), a JSON-RPC error from the server, or the end of ctx or of CallTimeout.
func (p *Pool) CallTool(ctx context.Context, server, tool string, args json.RawMessage) (json.RawMessage, error) {
	if len(args) == 0 {
		args = json.RawMessage("{}")
	} else if !json.Valid(args) || firstByte(args) != '{' {
		return nil, errorf(KindProtocol, server, tool, nil, "server %q: the arguments of %s must be a JSON object", server, tool)
	}
	s, c, err := p.acquire(ctx, server, true)
	if err != nil {
		return nil, err
	}
	t := s.tool(tool)
	if t == nil {
		// The list may be stale (a list_changed we missed): look once more, but not more than
		// once a second, so a snippet looping on a wrong name does not flood the server.
		if !s.mayRelist() || s.refresh(ctx, c) != nil {
			return nil, s.unknownTool(tool)
		}
		if t = s.tool(tool); t == nil {
			return nil, s.unknownTool(tool)
		}
	}
	return s.call(ctx, c, t, args)
}

// Update applies a changed config: servers not in servers are stopped, new ones are added
// (and started, if the Pool was started), and those whose config changed are restarted.
// Unchanged servers keep their sessions. Update returns without waiting; stopped servers shut
// down in the background (Close waits for them). It returns the names of the servers it added
// or restarted, sorted. After Close it does nothing.
func (p *Pool) Update(servers []ServerConfig) (started []string) {
	want := map[string]ServerConfig{}
	for _, sc := range servers {
		want[sc.Name] = sc
	}
	var stop []*server
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	for name, s := range p.servers {
		sc, ok := want[name]
		if ok && SameConfig(s.cfg, sc) {
			delete(want, name)
			continue
		}
		stop = append(stop, s)
		delete(p.servers, name)
	}
	for name, sc := range want {
		started = append(started, name)
		s := p.newServer(sc)
		p.servers[name] = s
		if p.started {
			s.mu.Lock()
			_ = s.beginLocked(StateStarting) // fails only once Close has begun
			s.mu.Unlock()
		}
	}
	p.mu.Unlock()
	for _, s := range stop {
		p.log.Info("stopping MCP server: removed or changed in the config", "server", s.cfg.Name)
		if !p.spawn(s.stop) {
			s.stop()
		}
	}
	sort.Strings(started)
	return started
}

// Close stops every server (stdin closed, then SIGTERM, then SIGKILL, about 0.4 s at most per
// server, all at once) and waits until every process and goroutine the Pool started has ended.
// Calls in flight fail. Close is idempotent and always returns nil.
func (p *Pool) Close() error {
	p.closeOnce.Do(func() {
		p.mu.Lock()
		p.closed = true
		servers := slices.Collect(maps.Values(p.servers))
		p.mu.Unlock()
		p.goMu.Lock()
		p.goClosed = true
		p.goMu.Unlock()
		var wg sync.WaitGroup
		for _, s := range servers {
			wg.Go(s.stop)
		}
		wg.Wait()
		p.wg.Wait()
		p.cancel()
	})
	return nil
}

// spawn runs f on a goroutine that Close waits for; it reports false, without running f, once
// Close has begun.
func (p *Pool) spawn(f func()) bool {
	p.goMu.Lock()
	defer p.goMu.Unlock()
	if p.goClosed {
		return false
	}
	p.wg.Go(f)
	return true
}

func (p *Pool) names() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Sorted(maps.Keys(p.servers))
}

func (p *Pool) lookup(name string) (*server, error) {
	p.mu.Lock()
	s, ok := p.servers[name]
	closed := p.closed
	p.mu.Unlock()
	switch {
	case closed:
		return nil, errorf(KindUnavailable, name, "", nil, "server %q is unavailable: the pool is closed", name)
	case !ok:
		names := p.names()
		msg := fmt.Sprintf("unknown server %q", name)
		if c := closeNames(name, names); len(c) > 0 {
			msg += fmt.Sprintf("; did you mean %s?", quoteList(c))
		}
		if len(names) == 0 {
			msg += "; no servers are configured"
		} else {
			msg += fmt.Sprintf(" (configured: %s)", quoteList(names))
		}
		return nil, errorf(KindUnknownServer, name, "", nil, "%s", msg)
	}
	return s, nil
}

// acquire returns the server and its live connection, waiting for an attempt under way.
// With retry, a failed server is restarted when its backoff allows.
func (p *Pool) acquire(ctx context.Context, name string, retry bool) (*server, *conn, error) {
	s, err := p.lookup(name)
	if err != nil {
		return nil, nil, err
	}
	retried := false
	for {
		s.mu.Lock()
		switch {
		case s.removed:
			s.mu.Unlock()
			return nil, nil, errorf(KindUnavailable, name, "", nil, "server %q is unavailable: it was stopped", name)
		case s.state == StateReady:
			c := s.conn
			s.mu.Unlock()
			return s, c, nil
		case s.done != nil:
			done := s.done
			s.mu.Unlock()
			select {
			case <-done:
				retried = true // an attempt just ended under our eyes: if it failed, say so now
				continue
			case <-ctx.Done():
				return nil, nil, errorf(KindCanceled, name, "", ctx.Err(), "waiting for server %q to start: %v", name, ctx.Err())
			}
		case s.state == StateStopped: // never started
			err := s.beginLocked(StateStarting)
			s.mu.Unlock()
			if err != nil {
				return nil, nil, err
			}
			continue
		}
		// Failed.
		failure, wait := s.err, time.Until(s.retryAt)
		if !retry || retried {
			s.mu.Unlock()
			return nil, nil, failure
		}
		if wait <= 0 {
			retried = true
			err := s.beginLocked(StateRestarting)
			s.mu.Unlock()
			if err != nil {
				return nil, nil, err
			}
			continue
		}
		s.mu.Unlock()
		if d, ok := ctx.Deadline(); wait > maxRetryWait || ok && time.Until(d) < wait {
			return nil, nil, errorf(failure.Kind, name, "", failure.Err, "%s (next attempt in %s)", failure.Msg, wait.Round(100*time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, nil, failure
		}
	}
}

// SameConfig reports whether a and b describe the same server (nil and empty lists and maps are
// the same).
func SameConfig(a, b ServerConfig) bool {
	return a.Name == b.Name && a.Type == b.Type && a.Command == b.Command && slices.Equal(a.Args, b.Args) &&
		maps.Equal(a.Env, b.Env) && a.URL == b.URL && maps.Equal(a.Headers, b.Headers)
}

func sameTools(a, b []*mcp.Tool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		ja, err1 := json.Marshal(a[i])
		jb, err2 := json.Marshal(b[i])
		if err1 != nil || err2 != nil || string(ja) != string(jb) {
			return false
		}
	}
	return true
}

func firstByte(b []byte) byte {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c
		}
	}
	return 0
}

func backoff(failures int) time.Duration {
	if failures <= 0 {
		return 0
	}
	d := backoffBase << min(failures-1, 10)
	return min(d, backoffMax)
}

// errStartTimeout and errStopped are the causes with which a connection's context ends.
var (
	errStartTimeout = errors.New("start timeout")
	errStopped      = errors.New("stopped")
)
