package llmtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

type chatResponse struct {
	Model   string `json:"model"`
	Choices []struct {
		Message struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	} `json:"usage"`
	Timings struct {
		PredictedPerSecond float64 `json:"predicted_per_second"`
	} `json:"timings"`
}

func post(t *testing.T, url string, body any) (int, []byte, time.Duration) {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	resp, err := http.Post(url, "application/json", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out, time.Since(started)
}

func chat(t *testing.T, baseURL string, body map[string]any) (chatResponse, time.Duration) {
	t.Helper()
	status, out, took := post(t, baseURL+"/chat/completions", body)
	if status != http.StatusOK {
		t.Fatalf("chat completion: status %d: %s", status, out)
	}
	var r chatResponse
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("chat completion: %v: %s", err, out)
	}
	if len(r.Choices) != 1 {
		t.Fatalf("chat completion: %d choices: %s", len(r.Choices), out)
	}
	return r, took
}

func TestServer(t *testing.T) {
	baseURL, model := Start(t)
	if !strings.HasSuffix(baseURL, "/v1") {
		t.Errorf("base URL %q does not end in /v1", baseURL)
	}

	t.Run("models", func(t *testing.T) {
		resp, err := http.Get(baseURL + "/models")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var list struct {
			Object string `json:"object"`
			Data   []struct {
				ID     string `json:"id"`
				Object string `json:"object"`
			} `json:"data"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK || list.Object != "list" {
			t.Fatalf("GET /models: status %d, object %q", resp.StatusCode, list.Object)
		}
		found := false
		for _, m := range list.Data {
			found = found || (m.ID == model && m.Object == "model")
		}
		if !found {
			t.Errorf("model %q is not listed: %+v", model, list.Data)
		}
	})

	t.Run("chat", func(t *testing.T) {
		r, took := chat(t, baseURL, map[string]any{
			"model": model,
			"messages": []map[string]any{
				{"role": "system", "content": "You answer briefly."},
				{"role": "user", "content": "List the files in the project."},
			},
			"max_tokens":  32,
			"temperature": 0,
		})
		c := r.Choices[0]
		if c.Message.Content == "" {
			t.Error("empty content")
		}
		if c.Message.Role != "assistant" {
			t.Errorf("role = %q, want assistant", c.Message.Role)
		}
		if c.FinishReason != "stop" && c.FinishReason != "length" {
			t.Errorf("finish_reason = %q, want stop or length", c.FinishReason)
		}
		if r.Model != model {
			t.Errorf("model = %q, want %q", r.Model, model)
		}
		u := r.Usage
		if u.CompletionTokens <= 0 || u.CompletionTokens > 32 || u.PromptTokens <= 0 || u.TotalTokens != u.PromptTokens+u.CompletionTokens {
			t.Errorf("usage = %+v", u)
		}
		t.Logf("%d prompt + %d completion tokens in %v: %.0f tokens/s over HTTP, %.0f tokens/s generation (server); finish_reason %s; content %q",
			u.PromptTokens, u.CompletionTokens, took.Round(time.Millisecond),
			float64(u.CompletionTokens)/took.Seconds(), r.Timings.PredictedPerSecond, c.FinishReason, c.Message.Content)
	})

	t.Run("max_tokens 1", func(t *testing.T) {
		r, _ := chat(t, baseURL, map[string]any{
			"messages":   []map[string]any{{"role": "user", "content": "Say something long."}},
			"max_tokens": 1,
		})
		if got := r.Choices[0].FinishReason; got != "length" {
			t.Errorf("finish_reason = %q, want length", got)
		}
		if r.Usage.CompletionTokens != 1 {
			t.Errorf("completion_tokens = %d, want 1", r.Usage.CompletionTokens)
		}
	})

	// The grammar ends every answer by itself, well before max_tokens, whatever the CPU samples.
	t.Run("grammar", func(t *testing.T) {
		for seed := range 3 {
			r, _ := chat(t, baseURL, map[string]any{
				"messages":   []map[string]any{{"role": "user", "content": "Write a long Go program."}},
				"max_tokens": 2048,
				"seed":       seed,
			})
			content := r.Choices[0].Message.Content
			bad := strings.IndexFunc(content, func(r rune) bool { return r != '\n' && (r < ' ' || r > '~') })
			if got := r.Choices[0].FinishReason; got != "stop" || len(content) > 400 || bad >= 0 {
				t.Errorf("seed %d: finish_reason %q, %d characters (first outside the grammar at %d): %q", seed, got, len(content), bad, content)
			}
		}
	})

	t.Run("unknown model", func(t *testing.T) {
		status, out, _ := post(t, baseURL+"/chat/completions", map[string]any{
			"model":    "no-such-model",
			"messages": []map[string]any{{"role": "user", "content": "hi"}},
		})
		var e struct {
			Error struct {
				Message string `json:"message"`
				Type    string `json:"type"`
			} `json:"error"`
		}
		if err := json.Unmarshal(out, &e); err != nil || status != http.StatusNotFound || e.Error.Message == "" || e.Error.Type == "" {
			t.Errorf("status %d, body %s (%v)", status, out, err)
		}
	})
}
