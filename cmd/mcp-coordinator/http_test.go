package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// httpServe is a running "mcp-coordinator serve --http" (the test binary, see maybeServe).
type httpServe struct {
	cmd   *exec.Cmd
	url   string // where to connect: the bound address, with a loopback host
	token string // the generated token, when one was printed
	done  chan error

	mu     sync.Mutex
	stderr strings.Builder
}

var (
	servingLine = regexp.MustCompile(`serving MCP at (http://\S+/mcp),`)
	tokenLine   = regexp.MustCompile(`bearer token \(shown only now.*\): (\S+)`)
)

// startHTTP starts serve --http with args after it, on a config with no servers unless args
// names one, and waits for the line that gives its URL.
func startHTTP(t testing.TB, env []string, args ...string) *httpServe {
	t.Helper()
	dir := t.TempDir()
	config := filepath.Join(dir, "mcp.json")
	os.WriteFile(config, []byte(`{"mcpServers": {}}`), 0o644)
	exe, _ := os.Executable()
	full := append([]string{serveArg, "--config", config, "--workspace", filepath.Join(dir, "ws")}, args...)
	s := &httpServe{cmd: exec.Command(exe, full...), done: make(chan error, 1)}
	s.cmd.Env = append(os.Environ(), "MCP_COORDINATOR_TOKEN=")
	s.cmd.Env = append(s.cmd.Env, env...)
	pipe, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.done
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.stderr.WriteString(line + "\n")
			if m := tokenLine.FindStringSubmatch(line); m != nil {
				s.token = m[1]
			}
			s.mu.Unlock()
			if m := servingLine.FindStringSubmatch(line); m != nil {
				found <- m[1]
			}
		}
		io.Copy(io.Discard, pipe)
		s.done <- s.cmd.Wait()
	}()
	select {
	case u := <-found:
		pu, _ := url.Parse(u)
		_, port, _ := net.SplitHostPort(pu.Host)
		s.url = "http://127.0.0.1:" + port + pu.Path
	case <-time.After(30 * time.Second):
		t.Fatalf("serve --http gave no URL:\n%s", s.errText())
	}
	return s
}

func (s *httpServe) errText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

// connect opens an MCP session over Streamable HTTP, with the bearer token when not empty.
func (s *httpServe) connect(t testing.TB, token string) *mcp.ClientSession {
	t.Helper()
	client := &http.Client{Transport: bearer{token}}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test"}, nil).Connect(context.Background(),
		&mcp.StreamableClientTransport{Endpoint: s.url, HTTPClient: client}, nil)
	if err != nil {
		t.Fatalf("connect %s: %v\n%s", s.url, err, s.errText())
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// bearer adds "Authorization: Bearer <token>" to each request.
type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	if b.token != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+b.token)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// initialize posts an initialize request with the given Authorization header (none if empty)
// and returns the HTTP status.
func initialize(t *testing.T, u, authorization string) int {
	t.Helper()
	resp, _ := postRaw(t, u, authorization, "", initializeBody)
	return resp.StatusCode
}

const initializeBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}`

// postRaw posts one body as a client of Streamable HTTP would, with the Authorization header and
// the session when not empty, and returns the response and its whole body. A failed request is
// reported with t.Errorf (it may run on another goroutine) and returns status 0.
func postRaw(t *testing.T, u, authorization, session, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if session != "" {
		req.Header.Set("Mcp-Session-Id", session)
		req.Header.Set("MCP-Protocol-Version", "2025-06-18")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("POST %s: %v", u, err)
		return &http.Response{}, ""
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(data)
}

func execute(t testing.TB, cs *mcp.ClientSession, code string) string {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "execute_code", Arguments: map[string]any{"code": code}})
	if err != nil {
		t.Fatalf("execute_code: %v", err)
	}
	text := res.Content[0].(*mcp.TextContent).Text
	if res.IsError {
		t.Fatalf("execute_code failed:\n%s", text)
	}
	return text
}

// TestServeHTTPToken: off loopback a bearer token is required (given, from the environment, or
// generated and printed once); on loopback none is needed unless one is given.
func TestServeHTTPToken(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		args []string
		// token is the token to send ("generated": the one printed); empty: none is needed.
		token string
	}{
		{"loopback, no token", nil, []string{"--http", "127.0.0.1:0"}, ""},
		{"loopback, token given", nil, []string{"--http", "127.0.0.1:0", "--token", "s3cret"}, "s3cret"},
		{"any interface, --token", nil, []string{"--http", "0.0.0.0:0", "--token", "s3cret"}, "s3cret"},
		{"any interface, environment", []string{"MCP_COORDINATOR_TOKEN=from-env"}, []string{"--http", "0.0.0.0:0"}, "from-env"},
		{"any interface, generated", nil, []string{"--http", "0.0.0.0:0"}, "generated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startHTTP(t, tt.env, tt.args...)
			token := tt.token
			if token == "generated" {
				if token = s.token; len(token) < 40 {
					t.Fatalf("no generated token printed:\n%s", s.errText())
				}
				if n := strings.Count(s.errText(), token); n != 1 {
					t.Errorf("the generated token is printed %d times, want once:\n%s", n, s.errText())
				}
			} else if s.token != "" {
				t.Errorf("a token was generated although none was needed:\n%s", s.errText())
			}
			if token == "" {
				if got := initialize(t, s.url, ""); got != http.StatusOK {
					t.Errorf("without a token: status %d, want 200", got)
				}
			} else {
				for _, auth := range []string{"", "Bearer wrong", "Basic " + token, "Bearer " + token + "x"} {
					if got := initialize(t, s.url, auth); got != http.StatusUnauthorized {
						t.Errorf("Authorization %q: status %d, want 401", auth, got)
					}
				}
				if got := initialize(t, s.url, "Bearer "+token); got != http.StatusOK {
					t.Errorf("with the token: status %d, want 200", got)
				}
			}
			// A real client with the token works end to end.
			cs := s.connect(t, token)
			if got := execute(t, cs, `fmt.Println("ok")`); !strings.HasPrefix(got, "ok\n") {
				t.Errorf("execute_code: %q", got)
			}
		})
	}
}

// TestServeHTTPSessions runs a snippet in each of two sessions at once: each gets its own answer.
func TestServeHTTPSessions(t *testing.T) {
	s := startHTTP(t, nil, "--http", "127.0.0.1:0")
	var wg sync.WaitGroup
	got := make([]string, 2)
	for i := range got {
		cs := s.connect(t, "")
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = execute(t, cs, fmt.Sprintf(`time.Sleep(300 * time.Millisecond)
fmt.Println("session", %d)`, i))
		}()
	}
	wg.Wait()
	for i, out := range got {
		if want := fmt.Sprintf("session %d\n", i); !strings.HasPrefix(out, want) {
			t.Errorf("session %d got %q, want %q first", i, out, want)
		}
	}
}

// TestServeHTTPShutdown: SIGTERM ends serve --http with exit 0, after the call in flight has
// its answer, while another session is open and idle.
func TestServeHTTPShutdown(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	s := startHTTP(t, nil, "--http", "127.0.0.1:0")
	s.connect(t, "")
	busy := s.connect(t, "")
	answer := make(chan string, 1)
	go func() {
		res, err := busy.CallTool(context.Background(), &mcp.CallToolParams{Name: "execute_code",
			Arguments: map[string]any{"code": "time.Sleep(1500 * time.Millisecond)\nfmt.Println(\"finished\")"}})
		if err != nil {
			answer <- err.Error()
			return
		}
		answer <- res.Content[0].(*mcp.TextContent).Text
	}()
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	s.cmd.Process.Signal(syscall.SIGTERM)
	if got := <-answer; !strings.HasPrefix(got, "finished\n") {
		t.Errorf("the call in flight at SIGTERM got %q", got)
	}
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		if err != nil {
			t.Errorf("after SIGTERM: %v\n%s", err, s.errText())
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("shutdown took %s", took)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("still serving 20 s after SIGTERM:\n%s", s.errText())
	}
}

// TestServeHTTPBadAddress: an address that cannot be used, or a token without HTTP, is a usage
// error.
func TestServeHTTPBadAddress(t *testing.T) {
	config, ws := setup(t)
	code, _, stderr := runCmd(t, "", "serve", "--config", config, "--workspace", ws, "--http", "127.0.0.1:notaport")
	if code != 2 || !strings.Contains(stderr, "bad port") {
		t.Errorf("code %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCmd(t, "", "serve", "--config", config, "--workspace", ws, "--token", "t")
	if code != 2 || !strings.Contains(stderr, "--token is for HTTP clients") {
		t.Errorf("--token without --http: code %d, stderr %q", code, stderr)
	}
}

// TestServeHTTPCancelAndBadInput: over HTTP as over stdio, a request the client cancelled gets
// no response on its stream, bad input is refused, and the session goes on.
func TestServeHTTPCancelAndBadInput(t *testing.T) {
	s := startHTTP(t, nil, "--http", "127.0.0.1:0")
	post := func(session, body string) (*http.Response, string) { return postRaw(t, s.url, "", session, body) }
	resp, _ := post("", initializeBody)
	session := resp.Header.Get("Mcp-Session-Id")
	if session == "" {
		t.Fatalf("no session id:\n%s", s.errText())
	}
	post(session, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)

	long := make(chan string, 1)
	go func() {
		_, body := post(session, `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"execute_code","arguments":{"code":"time.Sleep(3*time.Second)\nfmt.Println(\"done\")"}}}`)
		long <- body
	}()
	time.Sleep(700 * time.Millisecond)
	post(session, `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7,"reason":"test"}}`)
	select {
	case body := <-long:
		if strings.Contains(body, `"id":7`) {
			t.Errorf("the cancelled request got a response:\n%s", body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the cancelled request's stream did not end")
	}
	if _, body := post(session, `{"jsonrpc":"2.0","id":8,"method":"ping"}`); !strings.Contains(body, `"id":8,"result":{}`) {
		t.Errorf("ping after the cancel:\n%s", body)
	}

	// Bad input over HTTP: each body gets a 400 (the transport allows a plain message), and the
	// session answers the next ping.
	for i, bad := range []string{`not json`, `{"id":2,"method":"ping"}`, `[{"jsonrpc":"2.0","id":3,"method":"ping"}]`, `{"jsonrpc":"2.0","id":`} {
		if resp, body := post(session, bad); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: HTTP %d, want 400\n%s", bad, resp.StatusCode, body)
		}
		id := fmt.Sprint(20 + i)
		if _, body := post(session, `{"jsonrpc":"2.0","id":`+id+`,"method":"ping"}`); !strings.Contains(body, `"id":`+id+`,"result":{}`) {
			t.Errorf("ping after %s:\n%s", bad, body)
		}
	}
}
