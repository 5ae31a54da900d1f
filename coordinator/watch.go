package coordinator

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/downstream"
)

// watchConfig polls the config file and applies a changed one: new servers start, removed ones
// stop (and their stubs go), changed ones restart; each affected server's stubs regenerate when
// it is ready. A config that no longer parses is reported and the last good one kept.
func (c *Coordinator) watchConfig(ctx context.Context, every time.Duration) {
	last := fileStamp(c.opts.ConfigPath)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		stamp := fileStamp(c.opts.ConfigPath)
		if stamp == last {
			continue
		}
		last = stamp
		cfg, err := downstream.LoadConfig(c.opts.ConfigPath)
		if err != nil {
			c.log.Error("config changed but cannot be used; keeping the previous one", "err", err)
			continue
		}
		c.applyConfig(ctx, cfg)
	}
}

// applyConfig switches to cfg. When a running server could have written the config file (the
// file lies in a directory that a server is given), new and changed servers are not started:
// a snippet could otherwise add a server, that is, run a command on the host. Removals still
// apply, and list_servers says what was held back until a restart.
func (c *Coordinator) applyConfig(ctx context.Context, cfg *downstream.Config) {
	old := c.Config()
	note := ""
	if owner, dir := writableBy(old, c.opts.ConfigPath); owner != "" {
		kept := onlyRemovals(old, cfg)
		if len(kept.Servers) != len(cfg.Servers) || !sameServers(kept, cfg) {
			note = fmt.Sprintf("config change not applied: %s lies in %s, which server %s is given, so new or changed servers start only after a restart of mcp-coordinator",
				filepath.Base(c.opts.ConfigPath), dir, owner)
			c.log.Error(note)
		}
		cfg = kept
	}
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
	for name := range c.pkgs {
		if !keep[name] {
			delete(c.pkgs, name)
		}
	}
	for _, name := range started {
		delete(c.pkgs, name)
	}
	c.mu.Unlock()
	c.log.Info("config changed", "file", c.opts.ConfigPath, "servers", len(cfg.Servers), "started", started)
	if err := c.ws.Remove(removed); err != nil {
		c.log.Warn("workspace", "err", err)
	}
	c.ws.Reserve(names)
	for _, name := range started {
		c.background(func() { c.generateWhenReady(ctx, name) })
	}
}

// writableBy returns a stdio server of cfg that is given (as an argument, the value of a
// --flag=value argument, or an environment value) a directory holding the config file, and that
// directory; or "", "". It cannot see a server that may write anywhere it likes (a shell server):
// such a server can change the config whatever this check says.
func writableBy(cfg *downstream.Config, configPath string) (server, dir string) {
	abs, err := filepath.Abs(configPath)
	if err != nil {
		return "", ""
	}
	for _, s := range cfg.Servers {
		if s.Type != downstream.TransportStdio {
			continue
		}
		var candidates []string
		for _, a := range s.Args {
			candidates = append(candidates, a)
			if _, v, ok := strings.Cut(a, "="); ok { // --root=/dir
				candidates = append(candidates, v)
			}
		}
		for _, v := range s.Env {
			candidates = append(candidates, v)
		}
		for _, cand := range candidates {
			d, err := filepath.Abs(cand)
			if err != nil {
				continue
			}
			if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
				continue
			}
			if rel, err := filepath.Rel(d, abs); err == nil && !strings.HasPrefix(rel, "..") {
				return s.Name, d
			}
		}
	}
	return "", ""
}

// onlyRemovals returns next restricted to what old already ran: servers of old that next still
// names, in their old form.
func onlyRemovals(old, next *downstream.Config) *downstream.Config {
	names := map[string]bool{}
	for _, s := range next.Servers {
		names[s.Name] = true
	}
	out := *next
	out.Servers = nil
	for _, s := range old.Servers {
		if names[s.Name] {
			out.Servers = append(out.Servers, s)
		}
	}
	return &out
}

func sameServers(a, b *downstream.Config) bool {
	if len(a.Servers) != len(b.Servers) {
		return false
	}
	for i := range a.Servers {
		if !downstream.SameConfig(a.Servers[i], b.Servers[i]) {
			return false
		}
	}
	return true
}

type stamp struct {
	mod  time.Time
	size int64
}

func fileStamp(path string) stamp {
	fi, err := os.Stat(path)
	if err != nil {
		return stamp{}
	}
	return stamp{fi.ModTime(), fi.Size()}
}
