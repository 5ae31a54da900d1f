package coordinator

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/downstream"
)

// applyConfig switches to cfg. Removals apply at once. A server that cfg adds, or whose
// command, arguments, environment, URL or headers it changes, starts only with a person's
// approval: whatever can write the config file (a snippet, through a filesystem, shell or git
// server) could otherwise run a command on the host, and no check of paths can tell. The
// change waits as pending; a client that supports MCP elicitation is asked at the model's next
// tool call (see askApproval). Otherwise those servers start at the next restart of
// mcp-coordinator, and list_servers says so.
func (c *Coordinator) applyConfig(ctx context.Context, cfg *downstream.Config) {
	c.switchMu.Lock() // the watcher and an approval may switch at once
	defer c.switchMu.Unlock()
	old := c.config()
	starts := old.Changes(cfg)
	if len(starts) == 0 {
		c.setPending(nil)
		c.switchLocked(ctx, cfg, "")
		return
	}
	names := make([]string, len(starts))
	var b strings.Builder
	fmt.Fprintf(&b, "The MCP config %s changed. mcp-coordinator will start these servers only if you approve:\n", c.configPath())
	was := map[string]downstream.ServerConfig{}
	for _, s := range old.Servers {
		was[s.Name] = s
	}
	for i, s := range starts {
		names[i] = s.Name
		b.WriteString("- " + describeServer(s) + "\n")
		if o, ok := was[s.Name]; ok {
			b.WriteString("  (instead of " + describeServer(o) + ")\n")
		}
	}
	if b.Len() > maxQuestion {
		note := fmt.Sprintf("config change not applied: new or changed servers (%s) are too large to show for approval (%d bytes); restart mcp-coordinator to start them", strings.Join(names, ", "), b.Len())
		c.log.Warn(note)
		c.setPending(nil)
		c.switchLocked(ctx, old.Kept(cfg), note)
		return
	}
	p := &pendingConfig{cfg: cfg, question: b.String(), names: strings.Join(names, ", "), id: rand.Text()}
	c.setPending(p)
	note := fmt.Sprintf("config change waiting: new or changed servers (%s) start only with your approval, asked at the next tool call when the client supports MCP elicitation; otherwise restart mcp-coordinator to start them", p.names)
	c.log.Warn(note)
	c.switchLocked(ctx, old.Kept(cfg), note)
}

// switchLocked puts cfg in place: the Pool starts and stops servers, stubs of removed servers
// go, and started servers' stubs generate in the background (under ctx, the coordinator's
// life). note is what list_servers says about the change. c.switchMu is held.
func (c *Coordinator) switchLocked(ctx context.Context, cfg *downstream.Config, note string) {
	old := c.config()
	started := c.pool.Update(cfg.Servers)
	keep := map[string]bool{}
	var names []string
	for _, s := range cfg.Servers {
		keep[s.Name] = true
		names = append(names, s.Name)
	}
	var removed []string
	for _, s := range old.Servers {
		if !keep[s.Name] {
			removed = append(removed, s.Name)
		}
	}
	c.mu.Lock()
	c.cfg = cfg
	c.configNote = note
	c.mu.Unlock()
	c.log.Info("config changed", "file", c.configPath(), "servers", len(cfg.Servers), "started", started)
	if err := c.store.Remove(removed); err != nil {
		c.log.Warn("workspace", "err", err)
	}
	c.store.Reserve(names)
	for _, name := range started {
		c.background(func() { c.generateWhenReady(ctx, name) })
	}
}

// pendingConfig is a config change whose new or changed servers wait for a person's approval.
type pendingConfig struct {
	id       string // the request state that an answer must carry back
	cfg      *downstream.Config
	question string
	names    string
	askedAt  time.Time // when a client was last asked; zero if never
}

func (c *Coordinator) setPending(p *pendingConfig) {
	c.mu.Lock()
	c.pending = p
	c.mu.Unlock()
}

// maxQuestion bounds the approval question: what a person is asked to approve is shown whole.
const maxQuestion = 16 << 10

// approvalKey names the coordinator's elicitation among a tool call's input requests.
const approvalKey = "mcp_coordinator_start_servers"

// approvalWait is how long an unanswered question stays asked before the next tool call asks
// again.
const approvalWait = 10 * time.Minute

// askApproval runs before every tool handler. A tool call that answers the question (its
// input responses hold approvalKey) settles the pending change: accepted, the new servers
// start; declined, they wait for a restart. Otherwise, with a change pending and a client that
// supports elicitation, it returns a result that asks the question (the client asks the
// person and retries the call with the answer: SEP-2322, or an elicitation request on older
// protocol versions). It returns nil when the handler should run.
func (c *Coordinator) askApproval(req *mcp.CallToolRequest) *mcp.CallToolResult {
	if req == nil || req.Params == nil {
		return nil
	}
	c.mu.Lock()
	p := c.pending
	c.mu.Unlock()
	if answer, ok := req.Params.InputResponses[approvalKey]; ok {
		res, _ := answer.(*mcp.ElicitResult)
		if p != nil && req.Params.RequestState == p.id {
			switch {
			case res == nil || res.Action == "cancel":
				// Dismissed, not answered: asked again at a tool call after approvalWait.
			case res.Action == "accept":
				start, _ := res.Content["start"].(bool)
				c.settle(p, start)
			default:
				c.settle(p, false)
			}
		}
		return nil
	}
	if p == nil || req.Session == nil {
		return nil
	}
	ip := req.Session.InitializeParams()
	if ip == nil || ip.Capabilities == nil || ip.Capabilities.Elicitation == nil {
		return nil
	}
	c.mu.Lock()
	if c.pending != p || time.Since(p.askedAt) < approvalWait {
		c.mu.Unlock()
		return nil
	}
	p.askedAt = time.Now()
	c.mu.Unlock()
	return &mcp.CallToolResult{
		InputRequests: mcp.InputRequestMap{approvalKey: &mcp.ElicitParams{
			Message: p.question,
			RequestedSchema: map[string]any{"type": "object", "properties": map[string]any{
				"start": map[string]any{"type": "boolean", "title": "Start these servers", "default": false},
			}, "required": []string{"start"}},
		}},
		RequestState: p.id,
	}
}

// settle ends the pending change p with the person's answer. p is still pending only when no
// config change came after it (each replaces or clears the pending one, under switchMu), so
// p.cfg is the file as it is.
func (c *Coordinator) settle(p *pendingConfig, start bool) {
	c.switchMu.Lock()
	defer c.switchMu.Unlock()
	c.mu.Lock()
	if c.pending != p {
		c.mu.Unlock()
		return
	}
	c.pending = nil
	ctx := c.life
	c.mu.Unlock()
	if !start {
		note := fmt.Sprintf("config change declined: new or changed servers (%s) start only after a restart of mcp-coordinator", p.names)
		c.log.Warn(note)
		c.mu.Lock()
		c.configNote = note
		c.mu.Unlock()
		return
	}
	c.log.Info("config change approved", "servers", p.names)
	c.switchLocked(ctx, p.cfg, "")
}

// describeServer shows what starting sc runs, for a person to approve: every part quoted (a
// newline in a name or an argument cannot forge a line of the question) and nothing cut.
func describeServer(sc downstream.ServerConfig) string {
	if sc.Type != downstream.TransportStdio {
		return fmt.Sprintf("%s: %s %s (headers: %s)", strconv.Quote(sc.Name), sc.Type, strconv.Quote(sc.URL), strings.Join(slices.Sorted(maps.Keys(sc.Headers)), ", "))
	}
	parts := []string{strconv.Quote(sc.Command)}
	for _, a := range sc.Args {
		parts = append(parts, strconv.Quote(a))
	}
	d := fmt.Sprintf("%s: runs %s", strconv.Quote(sc.Name), strings.Join(parts, " "))
	if len(sc.Env) > 0 {
		var env []string
		for _, k := range slices.Sorted(maps.Keys(sc.Env)) {
			env = append(env, strconv.Quote(k+"="+sc.Env[k]))
		}
		d += " with " + strings.Join(env, " ")
	}
	return d
}

// watch follows the config file until ctx ends. While no file is found (none named, and none
// in FindConfig's places), it looks again every ConfigPoll.
func (c *Coordinator) watch(ctx context.Context) {
	path := c.configPath()
	for path == "" {
		select {
		case <-ctx.Done():
			return
		case <-time.After(c.opts.ConfigPoll):
		}
		p, err := downstream.FindConfig("")
		if err != nil {
			continue
		}
		path = p
		c.mu.Lock()
		c.path = p
		c.mu.Unlock()
	}
	downstream.WatchConfig(ctx, path, c.opts.ConfigPoll, c.loaded, c.log,
		func(cfg *downstream.Config) { c.applyLoaded(ctx, cfg) },
		func(err error) {
			c.mu.Lock()
			if c.problem != nil {
				c.problem = err
			}
			c.mu.Unlock()
		})
}

// applyLoaded switches to cfg, a version of the config file that loads. While no config was
// in use (a problem at start), a file that existed at start is taken as a restart would take
// it; one that appeared later is a change that adds servers, which wait for approval.
func (c *Coordinator) applyLoaded(ctx context.Context, cfg *downstream.Config) {
	c.mu.Lock()
	first := c.problem != nil
	c.problem = nil
	existed := c.existed
	c.mu.Unlock()
	for _, w := range cfg.Warnings {
		c.log.Warn("config", "file", cfg.Path, "warning", w)
	}
	if first && existed {
		c.switchMu.Lock()
		defer c.switchMu.Unlock()
		c.setPending(nil)
		c.switchLocked(ctx, cfg, "")
		return
	}
	c.applyConfig(ctx, cfg)
}

// ConfigProblem returns why no config is in use and how to fix it, or "" when one is.
func (c *Coordinator) ConfigProblem() string {
	c.mu.Lock()
	err, path := c.problem, c.path
	c.mu.Unlock()
	if err == nil {
		return ""
	}
	var fix string
	var ce *downstream.ConfigError
	switch {
	case errors.As(err, &ce):
		fix = "fix the file at that place"
	case errors.Is(err, fs.ErrPermission):
		fix = "make the file readable by the user that runs mcp-coordinator"
	case errors.Is(err, downstream.ErrConfigIsDir):
		fix = "put the config file at that path, or point --config at the file itself"
	case path == "":
		fix = `create .mcp.json in the directory mcp-coordinator runs in, holding {"mcpServers": {"name": {"command": "...", "args": ["..."]}}}, or pass --config FILE in the client's MCP settings`
	default:
		fix = `create it, holding {"mcpServers": {"name": {"command": "...", "args": ["..."]}}}, or point --config at your config file`
	}
	return fmt.Sprintf("mcp-coordinator has no servers: %v. To fix: %s. The file is read again as soon as it changes; no restart needed.", err, fix)
}
