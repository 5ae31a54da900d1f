package delegate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fake is a scripted OpenAI-compatible server: the model name picks the answer's shape.
type fake struct {
	*httptest.Server
	inFlight, maxInFlight atomic.Int64
	release               chan struct{} // "block" waits for it
	requests              atomic.Int64
	busy                  atomic.Int64 // "busy-once" answers
}

func newFake(t *testing.T) *fake {
	f := &fake{release: make(chan struct{})}
	newFakeServer(f)
	t.Cleanup(f.Close)
	return f
}

func newFakeServer(f *fake) *httptest.Server {
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f.Server
}

func answer(content, finish string) string {
	b, _ := json.Marshal(map[string]any{"model": "served", "choices": []any{map[string]any{
		"message": map[string]any{"role": "assistant", "content": content}, "finish_reason": finish}},
		"usage": map[string]any{"prompt_tokens": 11, "completion_tokens": 7}})
	return string(b)
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		m := f.maxInFlight.Load()
		if n <= m || f.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	if r.URL.Path == "/v1/models" {
		switch r.Header.Get("Authorization") {
		case "Bearer null":
			fmt.Fprint(w, `{"object":"list","data":null}`)
		default:
			fmt.Fprint(w, `{"object":"list","data":[{"id":"tiny","object":"model","owned_by":"llama-swap","meta":{"llamaswap":{"state":"ready"}}},{"id":"big"}]}`)
		}
		return
	}
	var req struct {
		Model string `json:"model"`
	}
	json.NewDecoder(r.Body).Decode(&req)
	switch req.Model {
	case "ok":
		fmt.Fprint(w, answer("func Add(a, b int) int { return a + b }", "stop"))
	case "fenced":
		fmt.Fprint(w, answer("Here you go:\n```go\nfunc Add(a, b int) int { return a + b }\n```\nHope it helps.", "stop"))
	case "think":
		fmt.Fprint(w, answer("<think>\nthe user wants addition\n</think>\nfunc Add() {}", "stop"))
	case "empty-think":
		fmt.Fprint(w, answer("<think>\n\n</think>\n\nfunc Add() {}", "stop"))
	case "reasoning-field":
		fmt.Fprint(w, `{"model":"served","choices":[{"message":{"content":"func Add() {}","reasoning_content":"long thoughts","reasoning":"more"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":4}}`)
	case "no-usage":
		fmt.Fprint(w, `{"model":"served","choices":[{"message":{"content":"func Add() {}"},"finish_reason":"stop"}]}`)
	case "wrong-model":
		fmt.Fprint(w, strings.Replace(answer("func Add() {}", "stop"), `"served"`, `"whatever-is-loaded"`, 1))
	case "unterminated":
		fmt.Fprint(w, answer("<think>\nstill going", "stop"))
	case "length":
		fmt.Fprint(w, answer("func Add(a, b in", "length"))
	case "empty":
		fmt.Fprint(w, answer("  \n", "stop"))
	case "no-choices":
		fmt.Fprint(w, `{"model":"served","choices":[]}`)
	case "not-json":
		fmt.Fprint(w, "<html>502 bad gateway</html>")
	case "error-200":
		fmt.Fprint(w, `{"error":{"message":"model overloaded","type":"server_error"}}`)
	case "error-nested":
		w.WriteHeader(500)
		fmt.Fprint(w, `{"error":{"code":500,"message":"llama runner crashed","type":"server_error"}}`)
	case "error-code-string":
		w.WriteHeader(404)
		fmt.Fprint(w, `{"error":{"code":"model_not_found","message":"model x not found"}}`)
	case "error-string":
		w.WriteHeader(400)
		fmt.Fprint(w, `{"error":"could not find suitable inference handler"}`)
	case "error-vllm":
		w.WriteHeader(400)
		fmt.Fprint(w, `{"object":"error","message":"max_tokens too large","type":"BadRequestError","code":400}`)
	case "error-plain":
		w.WriteHeader(503)
		fmt.Fprint(w, "Service Unavailable")
	case "drop":
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		conn.Close()
	case "slow":
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	case "busy-once": // llama-swap or a proxy at its limit, for a second
		if f.busy.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"error":{"message":"too many requests"}}`)
			return
		}
		fmt.Fprint(w, answer("func Add() {}", "stop"))
	case "busy-always":
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"error":{"message":"too many requests"}}`)
	case "loading-long":
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}`)
	case "swap":
		time.Sleep(300 * time.Millisecond) // a model swap blocks the request, then it answers
		fmt.Fprint(w, answer("func Add() {}", "stop"))
	case "block":
		<-f.release
		fmt.Fprint(w, answer("func Add() {}", "stop"))
	default:
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"error":{"message":"unknown model %s"}}`, req.Model)
	}
}

func client(t *testing.T, providers ...Provider) *Client {
	t.Helper()
	c, err := New(Config{Providers: providers}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func prov(base, model string) Provider {
	return Provider{BaseURL: base + "/v1", Models: map[Tier]string{Quality: model}, Timeout: map[Tier]Duration{Quality: Duration(time.Second)}}
}

func TestFailureShapes(t *testing.T) {
	f := newFake(t)
	tests := []struct {
		model, want string
	}{
		{"unterminated", "ends inside <think>"},
		{"length", "cut at max_tokens (finish_reason length)"},
		{"empty", "answered nothing"},
		{"no-choices", "no choices"},
		{"not-json", "not JSON: <html>502 bad gateway</html>"},
		{"error-200", "the answer is an error: model overloaded"},
		{"error-nested", "HTTP 500: llama runner crashed"},
		{"error-code-string", "HTTP 404: model x not found"},
		{"error-string", "HTTP 400: could not find suitable inference handler"},
		{"error-vllm", "HTTP 400: max_tokens too large"},
		{"error-plain", "HTTP 503: Service Unavailable"},
		{"drop", "EOF"},
		{"slow", "no answer within 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			_, err := client(t, prov(f.URL, tt.model)).Complete(context.Background(), Request{Messages: []Message{{"user", "add"}}})
			var fl *Failure
			if !errors.As(err, &fl) || !strings.HasPrefix(err.Error(), "DELEGATION_FAILED: ") || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %v, want one DELEGATION_FAILED line with %q", err, tt.want)
			}
		})
	}
	// The transport's failure: nothing listens.
	_, err := client(t, prov("http://127.0.0.1:1", "ok")).Complete(context.Background(), Request{})
	if err == nil || !strings.Contains(err.Error(), "DELEGATION_FAILED: 127.0.0.1:1: ") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("no server: %v", err)
	}
}

func TestAnswers(t *testing.T) {
	f := newFake(t)
	tests := []struct {
		model, text, returned string
		estimated             bool
	}{
		{"ok", "func Add(a, b int) int { return a + b }", "served", false},
		{"think", "func Add() {}", "served", false},
		{"empty-think", "func Add() {}", "served", false},
		{"reasoning-field", "func Add() {}", "served", false},
		{"no-usage", "func Add() {}", "served", true},
		{"wrong-model", "func Add() {}", "whatever-is-loaded", false},
		{"swap", "func Add() {}", "served", false},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			c, err := client(t, prov(f.URL, tt.model)).Complete(context.Background(), Request{Messages: []Message{{"user", "write add"}}})
			if err != nil {
				t.Fatal(err)
			}
			if c.Text != tt.text || c.ModelReturned != tt.returned || c.ModelRequested != tt.model || c.Estimated != tt.estimated || c.TokensOut == 0 || c.TokensIn == 0 {
				t.Errorf("completion = %+v", c)
			}
		})
	}
}

func TestFallbackAndPrice(t *testing.T) {
	f := newFake(t)
	paid := prov(f.URL, "ok")
	paid.Name, paid.Price = "remote", &Price{Input: 1, Output: 2}
	c := client(t, prov("http://127.0.0.1:1", "ok"), prov(f.URL, "error-nested"), paid)
	comp, err := c.Complete(context.Background(), Request{Messages: []Message{{"user", "add"}}})
	if err != nil {
		t.Fatal(err)
	}
	if comp.Provider != "remote" || comp.Fallbacks != 2 || len(comp.Skipped) != 2 || !strings.Contains(comp.Skipped[1], "llama runner crashed") {
		t.Errorf("completion = %+v", comp)
	}
	if want := (11*1 + 7*2) / 1e6; comp.Cost != want {
		t.Errorf("cost %g, want %g", comp.Cost, want)
	}
	_, err = client(t, prov("http://127.0.0.1:1", "ok"), prov(f.URL, "empty")).Complete(context.Background(), Request{})
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1: ") || !strings.Contains(err.Error(), "; "+strings.TrimPrefix(f.URL, "http://")+": the model answered nothing") {
		t.Errorf("all failing: %v", err)
	}
}

// A provider that answers 429 or 503 with a Retry-After is asked again once, after that
// wait, when the wait is short and the request's time allows; otherwise the answer is its
// failure.
func TestRetryAfter(t *testing.T) {
	tests := []struct {
		model    string
		requests int64
		err      string
	}{
		{"busy-once", 2, ""},
		{"busy-always", 2, "HTTP 429: too many requests (asked again after HTTP 429 with Retry-After 0s)"},
		{"loading-long", 1, "HTTP 503: Loading model"},
		{"error-plain", 1, "HTTP 503: Service Unavailable"}, // no Retry-After
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			f := newFake(t)
			p := prov(f.URL, tt.model)
			p.Timeout[Quality] = Duration(5 * time.Second)
			start := time.Now()
			comp, err := client(t, p).Complete(context.Background(), Request{Messages: []Message{{"user", "add"}}})
			took := time.Since(start)
			if got := f.requests.Load(); got != tt.requests {
				t.Errorf("%d requests, want %d", got, tt.requests)
			}
			switch {
			case tt.err == "" && (err != nil || comp.Text != "func Add() {}"):
				t.Errorf("want the answer after one retry: %v %+v", err, comp)
			case tt.err == "" && took < time.Second:
				t.Errorf("answered after %v: the retry did not wait the Retry-After (1 s)", took)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("error %v, want %q", err, tt.err)
			}
		})
	}
}

func TestConcurrencyLimit(t *testing.T) {
	f := newFake(t)
	c := client(t, prov(f.URL, "block"))
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Complete(context.Background(), Request{}); err != nil {
				t.Error(err)
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	if n := f.requests.Load(); n != 1 {
		t.Errorf("%d requests reached the server while the first was running, want 1 (the others wait)", n)
	}
	close(f.release)
	wg.Wait()
	if m := f.maxInFlight.Load(); m != 1 {
		t.Errorf("at most %d requests were in flight, want 1", m)
	}
}

func TestListModels(t *testing.T) {
	f := newFake(t)
	empty := prov(f.URL, "tiny")
	empty.APIKey = "null" // the fake answers "data": null to it, as an empty Ollama does
	st := client(t, prov(f.URL, "tiny"), empty, prov("http://127.0.0.1:1", "x")).ListModels(context.Background(), time.Second)
	if !st[0].OK || strings.Join(st[0].Models, ",") != "tiny,big" {
		t.Errorf("llama-swap list: %+v", st[0])
	}
	if !st[1].OK || len(st[1].Models) != 0 {
		t.Errorf("null list: %+v", st[1])
	}
	if st[2].OK || !strings.Contains(st[2].Err, "refused") {
		t.Errorf("down: %+v", st[2])
	}
}

func TestCodeArtifact(t *testing.T) {
	f := newFake(t)
	comp, err := client(t, prov(f.URL, "fenced")).Code(context.Background(), CodeRequest{Spec: "add two ints", Language: "go"})
	if err != nil {
		t.Fatal(err)
	}
	if comp.Text != "func Add(a, b int) int { return a + b }" {
		t.Errorf("artifact %q", comp.Text)
	}
	for in, want := range map[string]string{
		"plain code\n":     "plain code",
		"```\nx := 1\n```": "x := 1",
		"a\n```py\nshort\n```\n```go\nlonger one\n```": "longer one",
		"```go\nnever closed":                          "never closed",
	} {
		if got := Artifact(in); got != want {
			t.Errorf("Artifact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfig(t *testing.T) {
	env := map[string]string{EnvBaseURL: "http://localhost:8080/v1", EnvModelQuality: "qwen", EnvAPIKey: "k"}
	cfg := Config{Providers: []Provider{{BaseURL: "https://api.example.com/v1", Models: map[Tier]string{Fast: "small"}, APIKeyEnv: "EXAMPLE_KEY"}}}.WithEnv(func(k string) string { return env[k] })
	c, err := New(cfg, &Options{Getenv: func(k string) string { return map[string]string{"EXAMPLE_KEY": "secret"}[k] }})
	if err != nil {
		t.Fatal(err)
	}
	ps := c.Providers()
	if len(ps) != 2 || ps[0].Name != "local" || ps[0].Models[Fast] != "qwen" || ps[0].APIKey != "k" || ps[0].Concurrency != 1 ||
		time.Duration(ps[0].Timeout[Quality]) != 180*time.Second || ps[1].Name != "api.example.com" || ps[1].Models[Quality] != "small" || ps[1].APIKey != "secret" {
		t.Errorf("providers = %+v", ps)
	}
	for _, bad := range []Provider{{BaseURL: "localhost:8080"}, {BaseURL: "http://x/v1"}, {BaseURL: "http://x/v1", Models: map[Tier]string{Quality: "m"}, Concurrency: -1}} {
		if _, err := New(Config{Providers: []Provider{bad}}, nil); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	var d Duration
	if err := json.Unmarshal([]byte(`"3m"`), &d); err != nil || time.Duration(d) != 3*time.Minute {
		t.Errorf("duration: %v %v", d, err)
	}
	if _, err := client(t).Complete(context.Background(), Request{}); err == nil || !strings.Contains(err.Error(), "DELEGATION_FAILED: no local model is configured") {
		t.Errorf("no providers: %v", err)
	}
}

func TestRetryAfterValues(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	tests := []struct {
		status int
		value  string
		wait   time.Duration
		ok     bool
	}{
		{429, "3", 3 * time.Second, true},
		{503, "0", 0, true},
		{503, past, 0, true},
		{429, "11", 0, false},
		{429, "-5", 0, false},
		{429, "9223372037", 0, false},  // overflows a Duration in nanoseconds
		{429, "18446744074", 0, false}, // overflows an int64
		{429, "soon", 0, false},
		{429, "", 0, false},
		{500, "1", 0, false},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.value != "" {
			h.Set("Retry-After", tt.value)
		}
		if wait, ok := retryAfter(ctx, tt.status, h); ok != tt.ok || wait != tt.wait {
			t.Errorf("%d with Retry-After %q: %v %v, want %v %v", tt.status, tt.value, wait, ok, tt.wait, tt.ok)
		}
	}
	short, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel2()
	if _, ok := retryAfter(short, 429, http.Header{"Retry-After": {"3"}}); ok {
		t.Error("a wait past the request's deadline was taken")
	}
}
