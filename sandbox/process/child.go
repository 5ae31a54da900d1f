package process

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
)

// child is the parent's handle on one runner process.
type child struct {
	cmd    *exec.Cmd // nil for a runner of Options.Runner (ext)
	ext    *Runner
	fw     *frameWriter // the runner's stdin
	stdin  io.Closer
	stdout *bufio.Reader
	stderr *headWriter
	dir    string

	ready chan struct{} // closed once the ready frame was read, or startup failed (err set)
	err   error
	// pooled is set while the runner waits in the engine's pool.
	pooled atomic.Bool

	waitOnce sync.Once
	waitErr  error
	status   string // how the runner ended, once wait returned
}

// stderrHead is how much of a runner's stderr is kept: the Go runtime prints the reason of a
// fatal error (out of memory, stack overflow, an unrecovered panic) first.
const stderrHead = 8 << 10

// startChild starts a runner in an empty temporary directory with an empty environment. A
// runner for the pool (warm) warms its interpreter up while it waits for a request.
func startChild(command []string, warm bool) (*child, error) {
	dir, err := newWorkDir()
	if err != nil {
		return nil, err
	}
	args := command[1:]
	if warm {
		args = append(append([]string(nil), args...), warmArg)
	}
	cmd := exec.Command(command[0], args...)
	cmd.Env = []string{}
	cmd.Dir = dir
	cmd.SysProcAttr = sysProcAttr()
	c := &child{cmd: cmd, dir: dir, stderr: &headWriter{max: stderrHead}, ready: make(chan struct{})}
	cmd.Stderr = c.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	c.stdin = stdin
	c.fw = &frameWriter{w: stdin}
	c.stdout = bufio.NewReaderSize(stdout, 64<<10)
	go c.awaitReady()
	return c, nil
}

// startExt starts a runner with Options.Runner.
func startExt(start func(args []string, stderr io.Writer) (*Runner, error), warm bool) (*child, error) {
	c := &child{stderr: &headWriter{max: stderrHead}, ready: make(chan struct{})}
	args := []string{RunnerArg}
	if warm {
		args = append(args, warmArg)
	}
	r, err := start(args, c.stderr)
	if err != nil {
		return nil, err
	}
	c.ext = r
	c.stdin = r.Stdin
	c.fw = &frameWriter{w: r.Stdin}
	c.stdout = bufio.NewReaderSize(r.Stdout, 64<<10)
	go c.awaitReady()
	return c, nil
}

// awaitReady reads the runner's ready frame.
func (c *child) awaitReady() {
	defer close(c.ready)
	notRunner := errors.New("the runner spoke an unknown protocol: does the program's main call process.MaybeRunAsRunner first?")
	if b, err := c.stdout.Peek(1); err != nil {
		c.err = fmt.Errorf("the runner did not start: %v%s", err, c.stderrSuffix())
		return
	} else if b[0] != frameReady {
		c.err = notRunner
		return
	}
	f, err := readFrame(c.stdout, upTo(len(readyMagic)))
	switch {
	case err != nil:
		c.err = fmt.Errorf("the runner did not start: %v%s", err, c.stderrSuffix())
	case string(f.payload) != readyMagic:
		c.err = notRunner
	}
}

func (c *child) stderrSuffix() string {
	c.kill()
	c.wait()
	if h := firstLine(c.stderr.String()); h != "" {
		return ": " + h
	}
	return ""
}

// isReady reports whether startup has ended (without waiting for it).
func (c *child) isReady() bool {
	select {
	case <-c.ready:
		return true
	default:
		return false
	}
}

// failed reports whether startup has failed (without waiting for it).
func (c *child) failed() bool {
	select {
	case <-c.ready:
		return c.err != nil
	default:
		return false
	}
}

func (c *child) kill() {
	if c.ext != nil {
		c.ext.Kill()
		return
	}
	if c.cmd.Process != nil {
		_ = c.cmd.Process.Kill()
	}
}

// wait reaps the runner; it is safe to call more than once.
func (c *child) wait() error {
	c.waitOnce.Do(func() {
		if c.ext != nil {
			c.status = c.ext.Wait()
			return
		}
		c.waitErr = c.cmd.Wait()
		if c.cmd.ProcessState != nil {
			c.status = c.cmd.ProcessState.String()
		}
	})
	return c.waitErr
}

func (c *child) cleanup() {
	c.stdin.Close()
	if c.dir != "" {
		os.RemoveAll(c.dir)
	}
}

// headWriter keeps the first max bytes written to it and discards the rest.
type headWriter struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (h *headWriter) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if room := h.max - h.buf.Len(); room > 0 {
		h.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (h *headWriter) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.buf.String()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
