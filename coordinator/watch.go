package coordinator

import (
	"context"
	"os"
	"reflect"
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

func (c *Coordinator) applyConfig(ctx context.Context, cfg *downstream.Config) {
	c.mu.Lock()
	old := map[string]downstream.ServerConfig{}
	for _, s := range c.cfg.Servers {
		old[s.Name] = s
	}
	c.cfg = cfg
	keep := map[string]bool{}
	var changed []string
	for _, s := range cfg.Servers {
		keep[s.Name] = true
		if o, ok := old[s.Name]; !ok || !reflect.DeepEqual(o, s) {
			changed = append(changed, s.Name)
			delete(c.pkgs, s.Name)
		}
	}
	for name := range old {
		if !keep[name] {
			delete(c.pkgs, name)
		}
	}
	c.mu.Unlock()
	c.log.Info("config changed", "file", c.opts.ConfigPath, "servers", len(cfg.Servers), "new_or_changed", changed)
	c.pool.Update(cfg.Servers)
	if _, err := c.ws.Remove(keep); err != nil {
		c.log.Warn("workspace", "err", err)
	}
	for _, name := range changed {
		go c.generateWhenReady(ctx, name)
	}
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
