package downstream

import (
	"context"
	"log/slog"
	"os"
	"time"
)

// Changes returns the servers of next that c does not run in the same form: added, or with
// another command, arguments, environment, URL or headers.
func (c *Config) Changes(next *Config) []ServerConfig {
	have := map[string]ServerConfig{}
	for _, s := range c.Servers {
		have[s.Name] = s
	}
	var out []ServerConfig
	for _, s := range next.Servers {
		if o, ok := have[s.Name]; !ok || !SameConfig(o, s) {
			out = append(out, s)
		}
	}
	return out
}

// Kept returns next restricted to what c already runs: the servers of c that next still names,
// in their form in c. It is next with only its removals applied.
func (c *Config) Kept(next *Config) *Config {
	names := map[string]bool{}
	for _, s := range next.Servers {
		names[s.Name] = true
	}
	out := *next
	out.Servers = nil
	for _, s := range c.Servers {
		if names[s.Name] {
			out.Servers = append(out.Servers, s)
		}
	}
	return &out
}

// Stamp identifies a version of a file: its modification time and size. The zero Stamp is a
// missing file.
type Stamp struct {
	mod  time.Time
	size int64
}

// StampOf returns the current Stamp of path.
func StampOf(path string) Stamp {
	fi, err := os.Stat(path)
	if err != nil {
		return Stamp{}
	}
	return Stamp{fi.ModTime(), fi.Size()}
}

// WatchConfig polls the config file at path every interval until ctx ends, and calls apply
// with each changed version that loads, starting from the version stamped from (take the stamp
// before loading the config in use, so that a change made meanwhile is seen; the zero Stamp
// when the file is missing, so that its appearance is a change). A version that does not load
// is logged, passed to fail when it is not nil, and skipped: the previous one stays in use.
func WatchConfig(ctx context.Context, path string, every time.Duration, from Stamp, log *slog.Logger, apply func(*Config), fail func(error)) {
	last := from
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		stamp := StampOf(path)
		if stamp == last {
			continue
		}
		last = stamp
		cfg, err := LoadConfig(path)
		if err != nil {
			log.Error("config changed but cannot be used; keeping the previous one", "err", err)
			if fail != nil {
				fail(err)
			}
			continue
		}
		apply(cfg)
	}
}
