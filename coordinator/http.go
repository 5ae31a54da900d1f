package coordinator

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// HTTPPath is the URL path at which [HTTPServer] serves MCP.
const HTTPPath = "/mcp"

// HTTPOptions configures [ListenHTTP]. The zero value listens on 127.0.0.1:8080 without a token.
type HTTPOptions struct {
	// Addr is host:port, :port or a bare port. Without a host it is loopback (127.0.0.1), never
	// every interface: listening beyond the machine takes an explicit host such as 0.0.0.0.
	// Port 0 picks a free port (see [HTTPServer.URL]). Empty means 127.0.0.1:8080.
	Addr string
	// Token is the bearer token every request must carry ("Authorization: Bearer <token>").
	// Empty on a loopback address means no token; empty on any other address means one is
	// generated (see [HTTPServer.TokenGenerated]).
	Token string
	// Logger receives the transport's logs; nil means the Coordinator's logger.
	Logger *slog.Logger
	// ShutdownGrace is how long Serve waits, once its context is done, for requests in flight
	// (a running execute_code) to finish before it closes every session. Zero means 10 s.
	ShutdownGrace time.Duration
	// SessionTimeout closes a session that has sent no request for this long; its client
	// starts a new one. Zero means 30 minutes.
	SessionTimeout time.Duration
}

// HTTPServer serves one Coordinator over MCP's Streamable HTTP transport: every client session
// gets its own MCP server from [NewServer], and all share the Coordinator (one Pool of
// downstream servers, one workspace, one ledger). Create it with [ListenHTTP].
type HTTPServer struct {
	// URL is where clients connect: http://host:port/mcp, with the port actually bound.
	URL string
	// Token is the bearer token required, or empty when none is (loopback without one given).
	Token string
	// TokenGenerated is true when Token was generated because the address is not loopback and
	// none was given: the caller shows it once to the person starting the server.
	TokenGenerated bool

	c        *Coordinator
	log      *slog.Logger
	opts     HTTPOptions
	ln       net.Listener
	srv      *http.Server
	inflight atomic.Int64 // requests other than GET (whose event streams stay open)
	cancels  cancelFilter

	probeOnce sync.Once
	probe     *mcp.Server // see newServer

	mu      sync.Mutex
	servers []*mcp.Server // one per session, to close them at shutdown
}

// ListenHTTP resolves opts.Addr, decides the token and starts listening; [HTTPServer.Serve]
// then answers. A non-loopback address always needs a token.
func ListenHTTP(c *Coordinator, opts HTTPOptions) (*HTTPServer, error) {
	addr, loopback, err := resolveHTTPAddr(opts.Addr)
	if err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = c.log
	}
	if opts.ShutdownGrace <= 0 {
		opts.ShutdownGrace = 10 * time.Second
	}
	if opts.SessionTimeout <= 0 {
		opts.SessionTimeout = 30 * time.Minute
	}
	h := &HTTPServer{c: c, log: opts.Logger, opts: opts, Token: opts.Token}
	if h.Token == "" && !loopback {
		if h.Token, err = NewToken(); err != nil {
			return nil, err
		}
		h.TokenGenerated = true
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	h.ln = ln
	h.URL = "http://" + ln.Addr().String() + HTTPPath
	mux := http.NewServeMux()
	mux.Handle(HTTPPath, h.Handler())
	h.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn),
	}
	return h, nil
}

// Handler returns the MCP endpoint: bearer token check (when [HTTPServer.Token] is set), then
// cross-origin protection (a browser page of another origin cannot post to it), then go-sdk's
// Streamable HTTP handler, which also rejects a loopback request whose Host is not loopback
// (DNS rebinding).
func (h *HTTPServer) Handler() http.Handler {
	mcpHandler := mcp.NewStreamableHTTPHandler(h.newServer, &mcp.StreamableHTTPOptions{
		Logger:         h.log,
		SessionTimeout: h.opts.SessionTimeout,
	})
	var next http.Handler = http.NewCrossOriginProtection().Handler(h.cancels.wrap(mcpHandler))
	if h.Token != "" {
		next = requireToken(h.Token, next)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			h.inflight.Add(1)
			defer h.inflight.Add(-1)
		}
		next.ServeHTTP(w, r)
	})
}

// newServer is go-sdk's getServer. go-sdk v1.8.0 calls it for every request, not only for a
// new session: to check the protocol version header against the server's versions, and then,
// for a request without a session, for the session's server. Building a server costs about
// 1.5 ms (the tools' schemas), so a request of an existing session gets the shared probe
// server, which only answers that version check; a request without a session gets a new one.
func (h *HTTPServer) newServer(r *http.Request) *mcp.Server {
	if r.Header.Get("Mcp-Session-Id") != "" {
		h.probeOnce.Do(func() { h.probe = NewServer(h.c) })
		return h.probe
	}
	s := NewServer(h.c)
	h.mu.Lock()
	defer h.mu.Unlock()
	// Forget the servers whose sessions ended. One created a moment ago may have no session
	// yet: at worst, Serve's shutdown waits its grace for it instead of closing it.
	live := h.servers[:0]
	for _, o := range h.servers {
		for range o.Sessions() {
			live = append(live, o)
			break
		}
	}
	clear(h.servers[len(live):])
	h.servers = append(live, s)
	return s
}

// Serve answers until ctx is done, then shuts down gracefully: it stops accepting connections,
// waits up to ShutdownGrace for requests in flight, and closes every session (which ends their
// event streams). It returns nil after a shutdown, or the error that stopped it.
func (h *HTTPServer) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- h.srv.Serve(h.ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), h.opts.ShutdownGrace+2*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- h.srv.Shutdown(sctx) }()
	deadline := time.Now().Add(h.opts.ShutdownGrace)
	for h.inflight.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	h.closeSessions()
	if err := <-done; err != nil {
		h.srv.Close()
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (h *HTTPServer) closeSessions() {
	h.mu.Lock()
	servers := h.servers
	h.servers = nil
	h.mu.Unlock()
	for _, s := range servers {
		for ss := range s.Sessions() {
			ss.Close()
		}
	}
}

// requireToken answers 401 to a request without "Authorization: Bearer <token>". The tokens are
// compared through their SHA-256, in constant time, so neither their content nor their length
// shows in the time taken.
func requireToken(token string, next http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mcp-coordinator"`)
			http.Error(w, "unauthorized: send Authorization: Bearer <token> (the token of mcp-coordinator serve --http)", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// NewToken returns a random bearer token: 32 bytes from crypto/rand, base64url.
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// resolveHTTPAddr turns "", "8080", ":8080", "host:8080" into a listen address, loopback
// unless a host says otherwise, and says whether it is loopback ("localhost" and loopback IPs).
func resolveHTTPAddr(addr string) (string, bool, error) {
	if addr == "" {
		addr = "8080"
	}
	if !strings.Contains(addr, ":") {
		addr = ":" + addr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", false, fmt.Errorf("HTTP address %q: want host:port, :port or a port", addr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return "", false, fmt.Errorf("HTTP address %q: bad port %q", addr, port)
	}
	loopback := strings.EqualFold(host, "localhost")
	if ip := net.ParseIP(host); ip != nil {
		loopback = ip.IsLoopback()
	}
	return net.JoinHostPort(host, port), loopback, nil
}
