package delegate

import (
	"context"
	"fmt"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/internal/ledger"
	"github.com/mcp-coordinator/mcp-coordinator/internal/textcap"
)

// TaskEnv is what a delegated task needs from the coordinator.
type TaskEnv interface {
	// Brief is what the local model reads before writing: the Go declarations of the tools
	// relevant to task, the skills that match it, and the rules of a snippet.
	Brief(ctx context.Context, task string) string
	// Run checks and runs a snippet in the sandbox and returns what it printed, or its
	// failure as the model should read it.
	Run(ctx context.Context, code string) (output string, err error)
}

// TaskRequest is a task for a local model to do by writing a snippet.
type TaskRequest struct {
	Task string
	Tier Tier
	// MaxAttempts bounds the snippets tried; default 3, at most 10.
	MaxAttempts int
	// Progress, when set, hears of each attempt.
	Progress func(attempt, max int, message string)
}

// TaskResult is the outcome of Task.
type TaskResult struct {
	// Output is what the last snippet printed; Snippet is that snippet.
	Output, Snippet string
	Attempts        int
	OK              bool
	// LastError is why the last snippet failed, when !OK.
	LastError string
	// Completions are the model's answers, one per attempt that got one.
	Completions []*Completion
}

// taskSystem opens the system prompt of Task; the brief follows it.
const taskSystem = `You write one Go snippet that does the user's task by calling the typed tool packages below, and prints the answer. Answer with the snippet only: Go code, no explanation, no Markdown fences. The snippet is the body of func main (or a whole package main); imports are added for the packages it uses. Print only the result the task asks for.`

// Task has a local model write a snippet for req.Task, runs it with env, and feeds a failure
// back for another attempt, up to req.MaxAttempts. The error is a *Failure when no provider
// answered or every attempt failed; the TaskResult is returned with it when any attempt ran.
func (c *Client) Task(ctx context.Context, req TaskRequest, env TaskEnv) (res *TaskResult, err error) {
	switch {
	case req.MaxAttempts == 0:
		req.MaxAttempts = 3
	case req.MaxAttempts < 0 || req.MaxAttempts > 10:
		return nil, fmt.Errorf("max_attempts %d: use 1 to 10 (default 3)", req.MaxAttempts)
	}
	progress := func(attempt int, msg string) {
		if req.Progress != nil {
			req.Progress(attempt, req.MaxAttempts, msg)
		}
	}
	start := time.Now()
	res = &TaskResult{}
	defer func() { c.record(ledger.ToolDelegateTask, req.Tier, start, res.Completions, res.Attempts, err) }()
	msgs := []Message{{"system", taskSystem + "\n\n" + env.Brief(ctx, req.Task)}, {"user", req.Task}}
	for res.Attempts < req.MaxAttempts {
		res.Attempts++
		progress(res.Attempts, fmt.Sprintf("attempt %d of %d: the local model writes a snippet", res.Attempts, req.MaxAttempts))
		comp, err := c.Complete(ctx, Request{Tier: req.Tier, Messages: msgs})
		if err != nil {
			if f, ok := err.(*Failure); ok && res.Snippet != "" {
				f.Reason += fmt.Sprintf(" (attempt %d; the last snippet failed: %s)", res.Attempts, textcap.OneLine(res.LastError, 300))
			}
			return res, err
		}
		res.Completions = append(res.Completions, comp)
		res.Snippet = Artifact(comp.Text)
		progress(res.Attempts, fmt.Sprintf("attempt %d of %d: running the snippet", res.Attempts, req.MaxAttempts))
		out, err := env.Run(ctx, res.Snippet)
		res.Output = out
		if err == nil {
			res.OK, res.LastError = true, ""
			return res, nil
		}
		res.LastError = err.Error()
		if ctx.Err() != nil {
			break
		}
		msgs = append(msgs, Message{"assistant", res.Snippet},
			Message{"user", "That snippet failed:\n" + textcap.OneLine(res.LastError, 2000) + "\nWrite the whole corrected snippet, code only."})
	}
	return res, &Failure{Reason: fmt.Sprintf("after %d attempts the snippet still fails: %s", res.Attempts, textcap.OneLine(res.LastError, 500))}
}
