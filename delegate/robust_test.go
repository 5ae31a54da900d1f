package delegate

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/internal/ledger"
)

// reviewServer answers every chat completion with body (status 200).
func reviewServer(t *testing.T, body string) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(s.Close)
	return s.URL
}

func reviewComplete(t *testing.T, body string) (*Completion, error) {
	t.Helper()
	c := client(t, prov(reviewServer(t, body), "m"))
	return c.Complete(context.Background(), Request{Messages: []Message{{"user", "hi"}}})
}

// A valid answer that carries "error": null (some proxies always send the field) is an answer,
// not an error.
func TestErrorNullIsAnswer(t *testing.T) {
	comp, err := reviewComplete(t, `{"error":null,"model":"m","choices":[{"message":{"content":"hello"},"finish_reason":"stop"}]}`)
	if err != nil || comp.Text != "hello" {
		t.Fatalf("got %v, %v", comp, err)
	}
}

// usage counts sent as strings must not throw away a good answer as "not JSON".
func TestUsageStringsKeepAnswer(t *testing.T) {
	comp, err := reviewComplete(t, `{"model":"m","choices":[{"message":{"content":"hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":"5","completion_tokens":"2"}}`)
	if err != nil || comp.Text != "hello" {
		t.Fatalf("got %v, %v", comp, err)
	}
}

// content as an array of parts (Mistral and some proxies): the text is the answer; at the very
// least the reason must not claim that a valid JSON body "is not JSON".
func TestContentPartsArray(t *testing.T) {
	comp, err := reviewComplete(t, `{"model":"m","choices":[{"message":{"content":[{"type":"text","text":"hel"},{"type":"image_url"},{"type":"text","text":"lo"}]},"finish_reason":"stop"}]}`)
	if err != nil || comp.Text != "hello" {
		t.Fatalf("got %v, %v", comp, err)
	}
}

// DeepSeek-R1 / Qwen3 chat templates open <think> in the prompt, so the answer holds only the
// closing tag: the reasoning before it must not reach the planner.
func TestOrphanCloseThink(t *testing.T) {
	comp, err := reviewComplete(t, answer("secret reasoning about the task\n</think>\n\nfunc Add(a, b int) int { return a + b }", "stop"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(comp.Text, "reasoning") || strings.Contains(comp.Text, "</think>") {
		t.Fatalf("reasoning leaked: %q", comp.Text)
	}
}

// Nested think blocks: the non-greedy match leaves "...</think>" and the tail of the reasoning.
func TestNestedThink(t *testing.T) {
	comp, err := reviewComplete(t, answer("<think>outer <think>inner</think> still thinking</think>ANSWER", "stop"))
	if err != nil {
		t.Fatal(err)
	}
	if comp.Text != "ANSWER" {
		t.Fatalf("text %q", comp.Text)
	}
}

// Code that mentions the tags as string literals must come back intact, not silently cut.
func TestThinkInsideCodeNotMangled(t *testing.T) {
	code := "func Strip(s string) string {\n\ti := strings.Index(s, \"<think>\")\n\tj := strings.Index(s, \"</think>\")\n\tif i < 0 || j < i {\n\t\treturn s\n\t}\n\treturn s[:i] + s[j+len(\"</think>\"):]\n}"
	comp, err := reviewComplete(t, answer("```go\n"+code+"\n```", "stop"))
	if err != nil {
		t.Fatal(err)
	}
	if Artifact(comp.Text) != code {
		t.Fatalf("code mangled:\n%s", comp.Text)
	}
}

// A server that sends headers and then stalls: the request's timeout must hold.
func TestHeadersThenStall(t *testing.T) {
	stop := make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		fmt.Fprint(w, `{"choices":[`)
		w.(http.Flusher).Flush()
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	defer s.Close()
	defer close(stop)
	c := client(t, prov(s.URL, "m"))
	start := time.Now()
	_, err := c.Complete(context.Background(), Request{Messages: []Message{{"user", "hi"}}})
	var f *Failure
	if !errors.As(err, &f) || time.Since(start) > 5*time.Second || strings.Contains(err.Error(), "\n") {
		t.Fatalf("after %s: %v", time.Since(start), err)
	}
}

// A listener that never accepts: the TCP handshake completes in the kernel, no answer ever.
func TestNeverAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c := client(t, prov("http://"+ln.Addr().String(), "m"))
	start := time.Now()
	_, err = c.Complete(context.Background(), Request{Messages: []Message{{"user", "hi"}}})
	var f *Failure
	if !errors.As(err, &f) || time.Since(start) > 5*time.Second {
		t.Fatalf("after %s: %v", time.Since(start), err)
	}
}

// A queued request cancelled while waiting must not leak the slot.
func TestCancelWhileQueuedNoLeak(t *testing.T) {
	release := make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Block") != "" || strings.Contains(readAll(r), "block") {
			<-release
		}
		fmt.Fprint(w, answer("ok", "stop"))
	}))
	defer s.Close()
	p := prov(s.URL, "m")
	p.Timeout = map[Tier]Duration{Quality: Duration(10 * time.Second)}
	c := client(t, p)
	done := make(chan error)
	go func() {
		_, err := c.Complete(context.Background(), Request{Messages: []Message{{"user", "block"}}})
		done <- err
	}()
	time.Sleep(200 * time.Millisecond)
	for i := 0; i < 5; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		_, err := c.Complete(ctx, Request{Messages: []Message{{"user", "x"}}})
		cancel()
		if err == nil {
			t.Fatal("queued request should fail")
		}
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if _, err := c.Complete(ctx, Request{Messages: []Message{{"user", "x"}}}); err != nil {
		t.Fatalf("slot leaked: %v", err)
	}
}

func readAll(r *http.Request) string {
	b := make([]byte, 4096)
	n, _ := r.Body.Read(b)
	return string(b[:n])
}

// A single provider that fails did not fall back to anything: its ledger line says 0 fallbacks
// ("the providers that failed before").
func TestLedgerFallbacksSingleFailure(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		fmt.Fprint(w, `{"error":"boom"}`)
	}))
	defer s.Close()
	l := ledger.New(filepath.Join(t.TempDir(), "usage.jsonl"))
	c, err := New(Config{Providers: []Provider{prov(s.URL, "m")}}, &Options{Ledger: l})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Code(context.Background(), CodeRequest{Spec: "x"}); err == nil {
		t.Fatal("want failure")
	}
	data, _ := os.ReadFile(l.Path())
	if !strings.Contains(string(data), `"ok":false`) || strings.Contains(string(data), `"fallbacks":1`) {
		t.Fatalf("ledger line: %s", data)
	}
}

// The API key must not come back in any failure, even when a server echoes it.
func TestAPIKeyNotInFailure(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(401)
		fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s"}}`, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	}))
	defer s.Close()
	p := prov(s.URL, "m")
	p.APIKey = "sk-SECRET-123456789"
	c := client(t, p)
	_, err := c.Complete(context.Background(), Request{Messages: []Message{{"user", "x"}}})
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("key in failure: %v", err)
	}
}

// A key with a trailing newline (read from a file) is trimmed: the request goes out, and the
// key is never echoed in an error.
func TestBadKeyNotInFailure(t *testing.T) {
	p := prov(reviewServer(t, answer("ok", "stop")), "m")
	p.APIKey = "sk-SECRET-123\n"
	c := client(t, p)
	_, err := c.Complete(context.Background(), Request{Messages: []Message{{"user", "x"}}})
	if err != nil {
		t.Fatalf("a key with a trailing newline failed the request: %v", err)
	}
}

// An empty fence holds no code: Artifact must not return the fence itself.
func TestArtifactEmptyFence(t *testing.T) {
	if got := Artifact("```go\n```"); got != "" {
		t.Fatalf("Artifact(empty fence) = %q", got)
	}
}

// A fence with an info string after the language (```go title="main.go") is still a fence.
func TestArtifactInfoString(t *testing.T) {
	if got := Artifact("Here:\n```go title=\"main.go\"\nfmt.Println(1)\n```\nDone."); got != "fmt.Println(1)" {
		t.Fatalf("Artifact = %q", got)
	}
}

// The failure is one line of bounded length whatever the body.
func TestHugeErrorBodyOneLine(t *testing.T) {
	big := strings.Repeat("line\n", 1<<20)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(503)
		fmt.Fprint(w, big)
	}))
	defer s.Close()
	c := client(t, prov(s.URL, "m"), prov(s.URL, "m"), prov(s.URL, "m"))
	_, err := c.Complete(context.Background(), Request{Messages: []Message{{"user", "x"}}})
	if err == nil || strings.Contains(err.Error(), "\n") || len(err.Error()) > 800 {
		t.Fatalf("len %d", len(err.Error()))
	}
}

// Model names from the environment are trimmed like the base URL ("qwen " is not a model).
func TestEnvModelSpaces(t *testing.T) {
	env := map[string]string{EnvBaseURL: " http://127.0.0.1:9/v1 ", EnvModelQuality: " qwen2.5-coder \n", EnvModelFast: "  "}
	c, err := New(Config{}.WithEnv(func(k string) string { return env[k] }), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := c.Providers()[0]
	if p.Models[Quality] != "qwen2.5-coder" || p.Models[Fast] != "qwen2.5-coder" {
		t.Fatalf("models %q", p.Models)
	}
}

// A paid provider whose answer was cut at max_tokens still charged for its tokens: the ledger
// line's cost must say so, and those tokens are not "local".
func TestPaidFailureCost(t *testing.T) {
	url := reviewServer(t, `{"model":"m","choices":[{"message":{"content":"partial"},"finish_reason":"length"}],"usage":{"prompt_tokens":1000000,"completion_tokens":1000000}}`)
	l := ledger.New(filepath.Join(t.TempDir(), "usage.jsonl"))
	p := prov(url, "m")
	p.Price = &Price{Input: 1, Output: 2}
	c, err := New(Config{Providers: []Provider{p}}, &Options{Ledger: l})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Code(context.Background(), CodeRequest{Spec: "x"}); err == nil {
		t.Fatal("want failure")
	}
	st, _ := l.ReadStats()
	if st.CostUSD != 3 || st.LocalTokensIn != 0 {
		t.Fatalf("cost %v, local tokens in %d", st.CostUSD, st.LocalTokensIn)
	}
}

// A body cut short of its Content-Length fails in one line.
func TestTruncatedBody(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5000")
		fmt.Fprint(w, `{"choices":[{"message":{"content":"hi"`)
	}))
	defer s.Close()
	c := client(t, prov(s.URL, "m"))
	_, err := c.Complete(context.Background(), Request{Messages: []Message{{"user", "x"}}})
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "dropped") {
		t.Fatalf("%v", err)
	}
}

// A tag in another case is still reasoning (<THINK> from some fine-tunes).
func TestUppercaseThink(t *testing.T) {
	comp, err := reviewComplete(t, answer("<THINK>private</THINK>ANSWER", "stop"))
	if err != nil || comp.Text != "ANSWER" {
		t.Fatalf("got %v, %v", comp, err)
	}
}
