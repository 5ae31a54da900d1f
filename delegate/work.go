package delegate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/internal/ledger"
	"github.com/mcp-coordinator/mcp-coordinator/internal/textcap"
)

// ProviderStatus is what one provider serves, as ListModels found it.
type ProviderStatus struct {
	Provider Provider
	// Models are the model ids the server lists; OK says it answered, Err why not.
	Models  []string
	OK      bool
	Err     string
	Latency time.Duration
}

// ListModels asks every provider, at once, for its models, each within timeout (default 3 s).
func (c *Client) ListModels(ctx context.Context, timeout time.Duration) []ProviderStatus {
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	out := make([]ProviderStatus, len(c.providers))
	done := make(chan struct{})
	for i, p := range c.providers {
		go func() {
			defer func() { done <- struct{}{} }()
			out[i] = p.models(ctx, timeout)
		}()
	}
	for range c.providers {
		<-done
	}
	return out
}

func (p *provider) models(ctx context.Context, timeout time.Duration) ProviderStatus {
	st := ProviderStatus{Provider: p.Provider}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.BaseURL+"/models", nil)
	if err != nil {
		st.Err = err.Error()
		return st
	}
	if p.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+p.APIKey)
	}
	resp, err := p.http.Do(req)
	st.Latency = time.Since(start)
	if err != nil {
		st.Err = transportReason(err, ctx, context.Background(), timeout)
		return st
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if resp.StatusCode != http.StatusOK {
		st.Err = fmt.Sprintf("HTTP %d: %s", resp.StatusCode, errorText(raw))
		return st
	}
	// {"data": [{"id": ...}, ...]}; Ollama answers "data": null when it has none, and
	// llama-swap adds fields of its own.
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		st.Err = "the model list is not JSON: " + textcap.OneLine(string(raw), 120)
		return st
	}
	for _, m := range list.Data {
		st.Models = append(st.Models, m.ID)
	}
	st.OK = true
	return st
}

// CodeRequest is a piece of code for a local model to write.
type CodeRequest struct {
	Spec, Context, Language string
	Tier                    Tier
}

// codeSystem is the system prompt of Code.
const codeSystem = "You write code. Answer with the code only: no explanation before or after it, no Markdown fences. Follow the specification exactly; keep names and signatures it gives."

// Code has a local model write what req specifies and returns the completion with Text set to
// the artifact alone: one fenced block is unwrapped, chatter around it dropped.
func (c *Client) Code(ctx context.Context, req CodeRequest) (comp *Completion, err error) {
	start := time.Now()
	defer func() {
		var comps []*Completion
		if comp != nil {
			comps = append(comps, comp)
		}
		c.record(ledger.ToolDelegateCode, req.Tier, start, comps, 1, err)
	}()
	var user strings.Builder
	if req.Language != "" {
		fmt.Fprintf(&user, "Language: %s\n\n", req.Language)
	}
	user.WriteString("Specification:\n" + req.Spec + "\n")
	if strings.TrimSpace(req.Context) != "" {
		user.WriteString("\nContext (existing code and facts to rely on):\n" + req.Context + "\n")
	}
	comp, err = c.Complete(ctx, Request{Tier: req.Tier, Messages: []Message{{"system", codeSystem}, {"user", user.String()}}})
	if err != nil {
		return nil, err
	}
	comp.Text = Artifact(comp.Text)
	if comp.Text == "" {
		return comp, &Failure{Reason: comp.Provider + ": the answer holds no code"}
	}
	return comp, nil
}

var fenceRE = regexp.MustCompile("(?s)```[^\n`]*\r?\n(.*?)\r?\n?```")

// Artifact returns the code in a model's answer: the longest fenced block when there is one
// (an empty block is empty code), else the whole answer, trimmed.
func Artifact(text string) string {
	blocks := fenceRE.FindAllStringSubmatch(text, -1)
	if len(blocks) > 0 {
		best := ""
		for _, m := range blocks {
			if len(m[1]) > len(best) {
				best = m[1]
			}
		}
		return strings.TrimSpace(best)
	}
	best := text
	if i := strings.Index(best, "```"); i >= 0 { // an opening fence never closed
		best = best[i+3:]
		if nl := strings.IndexByte(best, '\n'); nl >= 0 {
			best = best[nl+1:]
		} else {
			best = ""
		}
	}
	return strings.TrimSpace(best)
}
