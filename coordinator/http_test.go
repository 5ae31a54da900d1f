package coordinator

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestResolveHTTPAddr(t *testing.T) {
	tests := []struct {
		in, want string
		loopback bool
		err      bool
	}{
		{"", "127.0.0.1:8080", true, false},
		{"9000", "127.0.0.1:9000", true, false},
		{":9000", "127.0.0.1:9000", true, false},
		{"127.0.0.1:0", "127.0.0.1:0", true, false},
		{"localhost:9000", "localhost:9000", true, false},
		{"[::1]:9000", "[::1]:9000", true, false},
		{"0.0.0.0:9000", "0.0.0.0:9000", false, false},
		{"[::]:9000", "[::]:9000", false, false},
		{"192.168.1.5:9000", "192.168.1.5:9000", false, false},
		{"myhost:9000", "myhost:9000", false, false},
		{"127.0.0.1:port", "", false, true},
		{"a:b:c", "", false, true},
	}
	for _, tt := range tests {
		got, loopback, err := resolveHTTPAddr(tt.in)
		if (err != nil) != tt.err || got != tt.want || loopback != tt.loopback {
			t.Errorf("resolveHTTPAddr(%q) = %q, %v, %v; want %q, %v, error %v", tt.in, got, loopback, err, tt.want, tt.loopback, tt.err)
		}
	}
}

func TestRequireToken(t *testing.T) {
	h := requireToken("tok", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tests := []struct {
		auth string
		want int
	}{
		{"", 401},
		{"Bearer", 401},
		{"Bearer to", 401},
		{"Bearer tokx", 401},
		{"Basic tok", 401},
		{"Bearer tok", 200},
		{"bearer tok", 200},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/mcp", nil)
		if tt.auth != "" {
			r.Header.Set("Authorization", tt.auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tt.want {
			t.Errorf("Authorization %q: %d, want %d", tt.auth, w.Code, tt.want)
		}
		if w.Code == 401 && w.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("Authorization %q: 401 without WWW-Authenticate", tt.auth)
		}
	}
}

// TestHTTPServerPerSession: a request that starts a session gets a new MCP server; a request of
// an existing session (go-sdk asks for a server on every request, to check the protocol version)
// gets the shared probe, so that serving a call never builds a server.
func TestHTTPServerPerSession(t *testing.T) {
	f := newFixture(t, Options{})
	h, err := ListenHTTP(f.c, HTTPOptions{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer h.ln.Close()
	fresh := httptest.NewRequest("POST", "/mcp", nil)
	a, b := h.newServer(fresh), h.newServer(fresh)
	if a == b {
		t.Error("two requests without a session got the same server")
	}
	inSession := httptest.NewRequest("POST", "/mcp", nil)
	inSession.Header.Set("Mcp-Session-Id", "S1")
	p := h.newServer(inSession)
	if p == a || p == b || h.newServer(inSession) != p {
		t.Error("requests of a session must share the probe server")
	}
}
