package delegate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/internal/ledger"
	"github.com/mcp-coordinator/mcp-coordinator/internal/textcap"
)

// maxBody bounds an answer's body: a completion is text, not data.
const maxBody = 8 << 20

// Options configures a Client. The zero value of each field means its default.
type Options struct {
	// Logger receives one line per request and per failure; nil means slog.Default().
	Logger *slog.Logger
	// Getenv reads the environment (APIKeyEnv); nil means os.Getenv.
	Getenv func(string) string
	// Ledger, when set, gets one line per Code and per Task.
	Ledger *ledger.Ledger
}

// Client sends chat completions to the configured providers, in order, until one answers. It
// is safe for concurrent use; each provider's Concurrency bounds its requests in flight.
type Client struct {
	providers []*provider
	log       *slog.Logger
	ledger    *ledger.Ledger
}

type provider struct {
	Provider
	slots chan struct{}
	http  *http.Client
}

// New checks cfg and returns its client. A config without providers gives a client whose
// every request fails with a Failure that says how to configure one.
func New(cfg Config, opts *Options) (*Client, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	c := &Client{log: o.Logger, ledger: o.Ledger}
	for i, p := range cfg.Providers {
		p.Models = maps.Clone(p.Models)
		if p.Models == nil {
			p.Models = map[Tier]string{}
		}
		if err := p.check(i, o.Getenv); err != nil {
			return nil, err
		}
		dialer := &net.Dialer{Timeout: time.Duration(p.ConnectTimeout)}
		c.providers = append(c.providers, &provider{
			Provider: p,
			slots:    make(chan struct{}, p.Concurrency),
			http: &http.Client{Transport: &http.Transport{
				Proxy:                 http.ProxyFromEnvironment,
				DialContext:           dialer.DialContext,
				TLSHandshakeTimeout:   time.Duration(p.ConnectTimeout),
				ResponseHeaderTimeout: 0, // the request's own timeout bounds it
				MaxIdleConnsPerHost:   p.Concurrency,
			}},
		})
	}
	return c, nil
}

// Configured reports whether the client has a provider.
func (c *Client) Configured() bool { return len(c.providers) > 0 }

// Providers returns the checked providers, defaults filled in.
func (c *Client) Providers() []Provider {
	out := make([]Provider, len(c.providers))
	for i, p := range c.providers {
		out[i] = p.Provider
	}
	return out
}

// Message is one chat message.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Request is one chat completion.
type Request struct {
	Tier     Tier
	Messages []Message
	// MaxTokens bounds the answer; 0 means the server's default. An answer cut there fails.
	MaxTokens int
}

// Completion is a successful answer.
type Completion struct {
	// Text is the answer with the reasoning stripped.
	Text string
	// Provider answered; Fallbacks providers before it failed (their reasons in Skipped).
	Provider  string
	Fallbacks int
	Skipped   []string
	// ModelRequested is the tier's model; ModelReturned the one the answer names (LM Studio
	// answers an unknown name with whatever model is loaded).
	ModelRequested, ModelReturned string
	// TokensIn and TokensOut are the server's usage, or o200k estimates when it sent none
	// (Estimated).
	TokensIn, TokensOut int
	Estimated           bool
	// Latency is the request's time, waiting for a free slot included; Cost what a priced
	// provider charged.
	Latency time.Duration
	Cost    float64
}

// Failure is the end of a delegation that no provider could serve. Its Error is the one line
// the planner gets: "DELEGATION_FAILED: <reason>".
type Failure struct {
	Reason string
	// Tried holds each provider's failure, in order.
	Tried []string
	// TokensIn and TokensOut are what the failed answers used (an answer cut at max_tokens
	// still cost its tokens), as their servers counted them, and Cost what priced providers
	// charged for them.
	TokensIn, TokensOut int
	Cost                float64
}

func (f *Failure) Error() string { return "DELEGATION_FAILED: " + f.Reason }

// Complete sends req to each provider in turn until one answers. Every way a provider can fail
// (transport, timeout, a dropped connection, a non-2xx answer of any body shape, a 200 that is
// not JSON or holds an error, no choices, empty output, an answer cut at max_tokens, an
// unterminated <think>) moves on to the next; when none is left, the error is a *Failure. A
// provider that answers 429 or 503 with a Retry-After of at most 10 s is asked again once,
// after that wait, when its timeout allows.
func (c *Client) Complete(ctx context.Context, req Request) (*Completion, error) {
	if len(c.providers) == 0 {
		return nil, &Failure{Reason: "no local model is configured: set " + EnvBaseURL + " and " + EnvModelQuality + ", or providers in the settings file"}
	}
	if req.Tier == "" {
		req.Tier = Quality
	}
	var tried []string
	var spentIn, spentOut int
	var spent float64
	for _, p := range c.providers {
		comp, reason, in, out := p.complete(ctx, req)
		reason = p.redact(reason)
		spentIn, spentOut, spent = spentIn+in, spentOut+out, spent+p.Price.Cost(in, out)
		if comp != nil {
			comp.Fallbacks, comp.Skipped = len(tried), tried
			c.log.Info("delegation", "provider", p.Name, "model", comp.ModelRequested, "answered_by", comp.ModelReturned,
				"tokens_in", comp.TokensIn, "tokens_out", comp.TokensOut, "latency", comp.Latency.Round(time.Millisecond))
			return comp, nil
		}
		c.log.Warn("delegation: provider failed", "provider", p.Name, "reason", reason)
		tried = append(tried, p.Name+": "+reason)
		if ctx.Err() != nil {
			break
		}
	}
	reason := tried[len(tried)-1]
	if len(tried) > 1 {
		reason = strings.Join(tried, "; ")
	}
	return nil, &Failure{Reason: textcap.OneLine(reason, 600), Tried: tried, TokensIn: spentIn, TokensOut: spentOut, Cost: spent}
}

// redact removes p's API key and the password of its URL from text: a server may echo them.
func (p *provider) redact(text string) string {
	for _, secret := range []string{p.APIKey, p.password()} {
		if len(secret) >= 4 {
			text = strings.ReplaceAll(text, secret, "[secret]")
		}
	}
	return text
}

// complete asks p once: the completion, or why not in one line with the tokens the failed
// answer used (in and out).
func (p *provider) complete(ctx context.Context, req Request) (_ *Completion, _ string, in, out int) {
	start := time.Now()
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, "cancelled while waiting for a free slot", 0, 0
	}
	defer func() { <-p.slots }()
	model := p.Models[req.Tier]
	body := map[string]any{"model": model, "messages": req.Messages, "stream": false}
	if req.MaxTokens > 0 {
		body["max_tokens"] = req.MaxTokens
	}
	data, _ := json.Marshal(body)
	timeout := time.Duration(p.Timeout[req.Tier])
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	status, header, raw, reason := p.post(rctx, ctx, timeout, data)
	retried := ""
	if wait, ok := retryAfter(rctx, status, header); ok {
		// Busy (429) or loading (503) and saying for how long: once, if the time allows.
		retried = fmt.Sprintf(" (asked again after HTTP %d with Retry-After %s)", status, wait.Round(time.Second))
		select {
		case <-time.After(wait):
			status, header, raw, reason = p.post(rctx, ctx, timeout, data)
		case <-rctx.Done():
			return nil, transportReason(rctx.Err(), rctx, ctx, timeout) + retried, 0, 0
		}
	}
	if reason != "" {
		return nil, reason + retried, 0, 0
	}
	if status < 200 || status > 299 {
		return nil, fmt.Sprintf("HTTP %d: %s%s", status, errorText(raw), retried), 0, 0
	}
	var ans chatAnswer
	if err := json.Unmarshal(raw, &ans); err != nil {
		return nil, "the answer is not JSON: " + textcap.OneLine(string(raw), 120), 0, 0
	}
	if len(ans.Error) > 0 && string(ans.Error) != "null" {
		return nil, "the answer is an error: " + errorText(raw), 0, 0
	}
	if len(ans.Choices) == 0 {
		return nil, "the answer has no choices", 0, 0
	}
	ch := ans.Choices[0]
	in, out = int(ans.Usage.PromptTokens), int(ans.Usage.CompletionTokens)
	text, reason := stripReasoning(string(ch.Message.Content))
	switch {
	case reason != "":
		return nil, reason, in, out
	case ch.FinishReason == "length":
		return nil, fmt.Sprintf("the answer was cut at max_tokens (finish_reason length) after %d tokens", out), in, out
	case strings.TrimSpace(text) == "":
		return nil, "the model answered nothing", in, out
	}
	comp := &Completion{Text: text, Provider: p.Name, ModelRequested: model, ModelReturned: ans.Model,
		TokensIn: in, TokensOut: out, Latency: time.Since(start)}
	if comp.TokensIn == 0 && comp.TokensOut == 0 {
		comp.Estimated = true
		for _, m := range req.Messages {
			comp.TokensIn += ledger.CountTokens(m.Content)
		}
		comp.TokensOut = ledger.CountTokens(string(ch.Message.Content))
	}
	comp.Cost = p.Price.Cost(comp.TokensIn, comp.TokensOut)
	return comp, "", 0, 0
}

// post sends one chat completion request: the answer's status, headers and body, or why
// there is none.
func (p *provider) post(rctx, ctx context.Context, timeout time.Duration, data []byte) (status int, header http.Header, body []byte, reason string) {
	hreq, err := http.NewRequestWithContext(rctx, http.MethodPost, p.BaseURL+"/chat/completions", bytes.NewReader(data))
	if err != nil {
		return 0, nil, nil, err.Error()
	}
	hreq.Header.Set("Content-Type", "application/json")
	if p.APIKey != "" {
		hreq.Header.Set("Authorization", "Bearer "+p.APIKey)
	}
	resp, err := p.http.Do(hreq)
	if err != nil {
		return 0, nil, nil, transportReason(err, rctx, ctx, timeout)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return 0, nil, nil, "the connection dropped while reading the answer: " + transportReason(err, rctx, ctx, timeout)
	}
	if len(raw) > maxBody {
		return 0, nil, nil, fmt.Sprintf("the answer is above %d MiB", maxBody>>20)
	}
	return resp.StatusCode, resp.Header, raw, ""
}

// maxRetryAfter is the longest Retry-After that a provider is waited for, once.
const maxRetryAfter = 10 * time.Second

// retryAfter says how long to wait before asking again, when an answer of status 429 or 503
// carries a Retry-After (seconds or an HTTP date) of at most maxRetryAfter that ends before
// ctx's deadline.
func retryAfter(ctx context.Context, status int, header http.Header) (time.Duration, bool) {
	if status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable {
		return 0, false
	}
	v := strings.TrimSpace(header.Get("Retry-After"))
	var wait time.Duration
	if secs, err := strconv.ParseUint(v, 10, 64); err == nil {
		if secs > uint64(maxRetryAfter/time.Second) {
			return 0, false
		}
		wait = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		wait = max(time.Until(t), 0)
	} else {
		return 0, false
	}
	if d, ok := ctx.Deadline(); wait > maxRetryAfter || ok && time.Until(d) <= wait {
		return 0, false
	}
	return wait, true
}

type chatAnswer struct {
	Model   string `json:"model"`
	Choices []struct {
		Message struct {
			Content content `json:"content"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage struct {
		PromptTokens     flexInt `json:"prompt_tokens"`
		CompletionTokens flexInt `json:"completion_tokens"`
	} `json:"usage"`
	Error json.RawMessage `json:"error"`
}

// content is a message's content: a string, or an array of parts whose text parts are joined
// (as some servers and proxies send it); null is empty.
type content string

func (c *content) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*c = content(s)
		return nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(b, &parts); err != nil {
		return nil // another shape: no text
	}
	var t strings.Builder
	for _, p := range parts {
		if p.Type == "" || p.Type == "text" {
			t.WriteString(p.Text)
		}
	}
	*c = content(t.String())
	return nil
}

// flexInt is a count sent as a number or as a string of one; anything else is 0.
type flexInt int

func (n *flexInt) UnmarshalJSON(b []byte) error {
	var f float64
	if json.Unmarshal(b, &f) == nil {
		*n = flexInt(f)
		return nil
	}
	var s string
	if json.Unmarshal(b, &s) == nil {
		if v, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			*n = flexInt(v)
		}
	}
	return nil
}

// transportReason says why a request failed before an answer: a timeout of its own, the
// caller's cancellation, or the connection.
func transportReason(err error, rctx, ctx context.Context, timeout time.Duration) string {
	switch {
	case ctx.Err() != nil:
		return "cancelled"
	case errors.Is(rctx.Err(), context.DeadlineExceeded):
		return fmt.Sprintf("no answer within %s (a model being loaded or swapped in can take that long: raise the provider's timeout)", timeout)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "connecting timed out: " + textcap.OneLine(err.Error(), 200)
	}
	return textcap.OneLine(err.Error(), 200)
}

// errorText finds the message in an error body of any shape seen: {"error": {"message": ...}}
// (code a string or a number), {"error": "text"}, {"message": ...} (vLLM), or plain text.
func errorText(raw []byte) string {
	var shapes struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  string          `json:"detail"`
	}
	if json.Unmarshal(raw, &shapes) != nil {
		return textcap.OneLine(string(raw), 200)
	}
	if len(shapes.Error) > 0 && string(shapes.Error) != "null" {
		var s string
		if json.Unmarshal(shapes.Error, &s) == nil {
			return textcap.OneLine(s, 200)
		}
		var obj struct {
			Message string `json:"message"`
			Type    string `json:"type"`
		}
		if json.Unmarshal(shapes.Error, &obj) == nil && obj.Message != "" {
			return textcap.OneLine(obj.Message, 200)
		}
		return textcap.OneLine(string(shapes.Error), 200)
	}
	if shapes.Message != "" {
		return textcap.OneLine(shapes.Message, 200)
	}
	if shapes.Detail != "" {
		return textcap.OneLine(shapes.Detail, 200)
	}
	return textcap.OneLine(string(raw), 200)
}

var thinkTagRE = regexp.MustCompile(`(?i)</?think>`)

// stripReasoning removes the reasoning at the start of content: a <think>...</think> block
// (nested ones and any case included), or, when a chat template opened the block in the prompt,
// everything up to a first </think> with no <think> before it. An opening block never closed is
// a failure (the model ran out of tokens while reasoning). Tags later in the answer (code that
// mentions them) stay. reasoning_content and reasoning arrive in fields of their own, which are
// never read.
func stripReasoning(content string) (string, string) {
	text := strings.TrimLeft(content, " \t\r\n")
	tags := thinkTagRE.FindAllStringIndex(text, -1)
	switch {
	case len(tags) == 0:
	case tags[0][0] == 0 && !strings.HasPrefix(text[tags[0][0]:tags[0][1]], "</"):
		depth := 0
		end := -1
		for _, t := range tags {
			if strings.HasPrefix(text[t[0]:t[1]], "</") {
				depth--
			} else {
				depth++
			}
			if depth == 0 {
				end = t[1]
				break
			}
		}
		if end < 0 {
			return "", "the answer ends inside <think>: the model was still reasoning"
		}
		text = text[end:]
	case strings.HasPrefix(text[tags[0][0]:tags[0][1]], "</"):
		text = text[tags[0][1]:]
	}
	return strings.TrimSpace(text), ""
}

// record appends the ledger line of one delegation: the completions it got (the last names the
// provider and models), its attempts, and err, its failure or nil.
func (c *Client) record(tool string, tier Tier, start time.Time, comps []*Completion, attempts int, err error) {
	if c.ledger == nil {
		return
	}
	e := ledger.Entry{Time: start.UTC(), Tool: tool, OK: err == nil, Tier: string(tier), Attempts: attempts,
		DurationMS: float64(time.Since(start).Microseconds()) / 1000}
	for _, comp := range comps {
		e.Provider, e.ModelRequested, e.ModelReturned = comp.Provider, comp.ModelRequested, comp.ModelReturned
		e.TokensIn += comp.TokensIn
		e.TokensOut += comp.TokensOut
		e.TokensEstimated = e.TokensEstimated || comp.Estimated
		e.Fallbacks += comp.Fallbacks
		e.CostUSD += comp.Cost
	}
	var f *Failure
	if errors.As(err, &f) {
		e.Error, e.Reason = "delegation failed", f.Reason
		e.TokensIn += f.TokensIn
		e.TokensOut += f.TokensOut
		e.CostUSD += f.Cost
		if len(comps) == 0 && len(c.providers) > 0 {
			e.Provider, e.ModelRequested = c.providers[len(c.providers)-1].Name, c.providers[len(c.providers)-1].Models[tier]
		}
		e.Fallbacks += max(0, len(f.Tried)-1) // the providers that failed before the last
	} else if err != nil {
		e.Error, e.Reason = "internal", textcap.OneLine(err.Error(), 300)
	}
	if lerr := c.ledger.Append(e); lerr != nil {
		c.log.Warn("ledger", "err", lerr)
	}
}
