package process

import (
	"bufio"
	"context"
	"io"
	"testing"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
)

// lateRunner is an Options.Runner, in this process, that reports success a little after the
// run's deadline: as a real runner does when the deadline cut off its tool call and the
// snippet, ignoring the error, returned at once.
func lateRunner(timeout time.Duration) func([]string, io.Writer) (*Runner, error) {
	return func([]string, io.Writer) (*Runner, error) {
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer outW.Close()
			w := &frameWriter{w: outW}
			if w.write(frameReady, 0, []byte(readyMagic)) != nil {
				return
			}
			if _, err := readFrame(bufio.NewReader(inR), upTo(1<<30)); err != nil {
				return
			}
			time.Sleep(timeout + 2*time.Millisecond)
			fakeDone(w, report{})
		}()
		// A kill that takes a moment (as killing a process or closing a guest does) lets the
		// session read the late report first.
		kill := func() { time.Sleep(20 * time.Millisecond); inR.Close(); outR.Close() }
		return &Runner{Stdin: inW, Stdout: outR, Kill: kill, Wait: func() string { <-done; return "exit status 0" }}, nil
	}
}

// TestReportAfterTheDeadlineIsATimeout: a report read after the deadline is a timeout, even
// when it is read before the runner is killed: the corpus's adv_tool_call_forever passed now
// and then on the wasm engine, whose guest answers the cut-off call at once.
func TestReportAfterTheDeadlineIsATimeout(t *testing.T) {
	const timeout = 30 * time.Millisecond
	e := newEngine(t, &Options{PoolSize: -1, Runner: lateRunner(timeout)})
	for i := range 20 {
		_, err := e.Run(context.Background(), &sandbox.Request{Source: `fmt.Println("x")`, Limits: sandbox.Limits{Timeout: timeout}})
		if sandbox.KindOf(err) != sandbox.KindTimeout {
			t.Fatalf("run %d: %v, want a timeout", i, err)
		}
	}
}
