package downstream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// SpawnedByEnv is set, to the Pool's process id, in the environment of every server process the
// Pool starts, and so of everything those start in turn. A coordinator that finds it in its own
// environment was started, however indirectly (sh -c, a renamed copy), by another one, and
// refuses to run: otherwise each level would start the next.
const SpawnedByEnv = "MCP_COORDINATOR_SPAWNED_BY"

// terminateDelay is how long a stdio server gets to exit after its stdin is closed, and again
// after SIGTERM, before it is killed. server-everything ignores a closed stdin, so this is
// short.
const terminateDelay = 200 * time.Millisecond

// process is a stdio server's child process. On Unix it leads its own process group, and
// signals go to the whole group, so that the grandchildren of wrappers such as npx go too.
//
// The Pool owns the pipes (rather than using mcp.CommandTransport) so that it can wait for
// the process itself: the exit status explains a crash without a race, and the shutdown
// signals reach the group.
type process struct {
	cmd     *exec.Cmd
	stdin   *os.File // our end of the child's stdin
	stdout  *os.File // our end of the child's stdout
	stderr  *tailBuffer
	exited  chan struct{} // closed once cmd.Wait has returned
	exitErr error         // cmd.Wait's error; read only after exited is closed
}

// startProcess starts sc's command. When ctx ends the process group is killed: ctx is the
// connection's context, derived from the Pool's, never a request's.
func startProcess(ctx context.Context, sc ServerConfig) (*process, error) {
	cmd := exec.Command(sc.Command, sc.Args...)
	cmd.Env = append(mergeEnv(os.Environ(), sc.Env), SpawnedByEnv+"="+strconv.Itoa(os.Getpid()))
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	p := &process{cmd: cmd, stdin: inW, stdout: outR, stderr: newTailBuffer(stderrKeep), exited: make(chan struct{})}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, p.stderr
	// A grandchild that keeps stderr open must not hold up Wait once the server has exited.
	cmd.WaitDelay = time.Second
	setProcAttr(cmd)
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, err
	}
	stop := context.AfterFunc(ctx, p.kill)
	go func() {
		p.exitErr = cmd.Wait()
		stop()
		// Whatever the server left behind in its group goes with it.
		signalGroup(cmd.Process, true)
		waitGroupGone(cmd.Process, time.Second)
		close(p.exited)
	}()
	return p, nil
}

// mergeEnv returns base with the variables of extra set, replacing any of the same name.
func mergeEnv(base []string, extra map[string]string) []string {
	if len(extra) == 0 {
		return base
	}
	env := make([]string, 0, len(base)+len(extra))
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := extra[k]; !ok {
			env = append(env, kv)
		}
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+extra[k])
	}
	return env
}

func (p *process) pid() int { return p.cmd.Process.Pid }

func (p *process) kill() { signalGroup(p.cmd.Process, true) }

// waitExit waits up to d for the process to exit and reports whether it did.
func (p *process) waitExit(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.exited:
		return true
	case <-t.C:
		return false
	}
}

// exitStatus describes how the process ended, or "" when it is still running.
func (p *process) exitStatus() string {
	select {
	case <-p.exited:
	default:
		return ""
	}
	var ee *exec.ExitError
	switch {
	case p.exitErr == nil || errors.Is(p.exitErr, exec.ErrWaitDelay):
		return "exit status 0"
	case errors.As(p.exitErr, &ee):
		return ee.String()
	}
	return p.exitErr.Error()
}

// shutdown stops the process as the MCP spec asks: close stdin, wait, SIGTERM, wait, SIGKILL.
func (p *process) shutdown() error {
	p.stdin.Close()
	if p.waitExit(terminateDelay) {
		return nil
	}
	signalGroup(p.cmd.Process, false)
	if p.waitExit(terminateDelay) {
		return nil
	}
	p.kill()
	if p.waitExit(2 * time.Second) {
		return nil
	}
	return fmt.Errorf("process %d did not exit after SIGKILL", p.pid())
}

// procWriter is the write side of the stdio connection; closing it shuts the process down.
type procWriter struct{ p *process }

func (w procWriter) Write(b []byte) (int, error) { return w.p.stdin.Write(b) }
func (w procWriter) Close() error                { return w.p.shutdown() }

// transport returns the session's transport over the process's pipes, reading through g.
func (p *process) transport(g *frameGuard) mcp.Transport {
	// The guard bounds each line; the transport's own bound (which would end the session) is
	// never reached.
	return &mcp.IOTransport{Reader: g, Writer: procWriter{p}, MaxLineLength: g.max + 1<<10}
}

// headerTransport adds the configured headers to every request.
type headerTransport struct {
	base    http.RoundTripper
	headers map[string]string
}

func (t *headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range t.headers {
		if strings.EqualFold(k, "Host") {
			r.Host = v
			continue
		}
		r.Header.Set(k, v)
	}
	return t.base.RoundTrip(r)
}

// httpTransport builds the client transport of an http or sse server, its answers bounded by
// max bytes (see limitTransport). The returned *http.Transport is closed with the connection.
func httpTransport(sc ServerConfig, max int, log *slog.Logger) (mcp.Transport, *http.Transport) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	client := &http.Client{Transport: &limitTransport{base: base, max: max, log: log}}
	if len(sc.Headers) > 0 {
		client.Transport = &headerTransport{base: client.Transport, headers: sc.Headers}
	}
	// The guard bounds each event; the transport's own bound (which would end the session) is
	// never reached.
	if sc.Type == TransportSSE {
		return &mcp.SSEClientTransport{Endpoint: sc.URL, HTTPClient: client, MaxEventSize: max + 1<<10}, base
	}
	return &mcp.StreamableClientTransport{Endpoint: sc.URL, HTTPClient: client, MaxEventSize: max + 1<<10}, base
}
