package delegate

import (
	"strings"
	"testing"
)

// FuzzAnswerText feeds what a backend may send through the functions that read it: the reason
// of an error body, the reasoning stripped from content, the code taken out of an answer. None
// may panic; a reason is one line; stripped text holds no reasoning that opened it.
func FuzzAnswerText(f *testing.F) {
	for _, seed := range []string{
		`{"error":{"message":"boom","code":500}}`, `{"error":"text"}`, `{"message":"vllm"}`, "plain\ntext",
		"<think>a</think>b", "<THINK><think>x</think></THINK>y", "r</think>code", "<think>never",
		"```go title=\"x\"\nfmt.Println(1)\n```", "```\n```", "```go\nopen", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if r := errorText([]byte(s)); strings.Contains(r, "\n") {
			t.Fatalf("errorText(%q) = %q: more than one line", s, r)
		}
		text, reason := stripReasoning(s)
		if reason == "" && strings.HasPrefix(strings.ToLower(strings.TrimSpace(text)), "<think>") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(s)), "<think>") && !strings.Contains(strings.ToLower(s), "</think>") {
			t.Fatalf("stripReasoning(%q) kept an unterminated <think>: %q", s, text)
		}
		_ = Artifact(s)
	})
}
