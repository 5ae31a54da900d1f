package sandbox

import (
	"fmt"
	"time"
)

// DefaultLimits are the limits of a run when neither the configuration nor the request sets them.
var DefaultLimits = Limits{
	Timeout:     30 * time.Second,
	MemoryBytes: 256 << 20,
	OutputBytes: 1 << 20,
}

// The smallest limits that make sense: below them a runner cannot even start its interpreter.
const (
	minTimeout     = 10 * time.Millisecond
	minMemoryBytes = 16 << 20
	minOutputBytes = 1 << 10
)

// MaxSourceBytes bounds the size of a snippet (Request.Source): every engine rejects a bigger
// one with a KindLimits error before parsing it.
const MaxSourceBytes = 1 << 20

// orDefault returns l with its zero fields taken from def.
func (l Limits) orDefault(def Limits) Limits {
	if l.Timeout == 0 {
		l.Timeout = def.Timeout
	}
	if l.MemoryBytes == 0 {
		l.MemoryBytes = def.MemoryBytes
	}
	if l.OutputBytes == 0 {
		l.OutputBytes = def.OutputBytes
	}
	return l
}

// check returns a KindLimits error when a field of l is below its minimum or above max.
func (l Limits) check(max Limits, what string) error {
	bad := func(name string, v, lo, hi any) error {
		return &Error{Kind: KindLimits, Msg: fmt.Sprintf("%s %s is %v; it must be between %v and %v", what, name, v, lo, hi)}
	}
	switch {
	case l.Timeout < minTimeout || l.Timeout > max.Timeout:
		return bad("timeout", l.Timeout, minTimeout, max.Timeout)
	case l.MemoryBytes < minMemoryBytes || l.MemoryBytes > max.MemoryBytes:
		return bad("memory", mib(l.MemoryBytes), mib(minMemoryBytes), mib(max.MemoryBytes))
	case l.OutputBytes < minOutputBytes || l.OutputBytes > max.OutputBytes:
		return bad("output limit", fmt.Sprintf("%d bytes", l.OutputBytes), fmt.Sprintf("%d bytes", minOutputBytes), fmt.Sprintf("%d bytes", max.OutputBytes))
	}
	return nil
}

func mib(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ConfigureLimits completes an engine's configuration: zero fields of def come from
// [DefaultLimits], zero fields of max from the completed def. It fails with a KindLimits error
// when def exceeds max or a value is below its minimum (10 ms, 16 MiB, 1 KiB of output).
func ConfigureLimits(def, max Limits) (Limits, Limits, error) {
	def = def.orDefault(DefaultLimits)
	max = max.orDefault(def)
	if err := max.check(max, "the maximum"); err != nil {
		return def, max, err
	}
	if err := def.check(max, "the default"); err != nil {
		return def, max, err
	}
	return def, max, nil
}

// ResolveLimits returns the limits of one run: the request's values where set, else the defaults.
// A requested value above max (or below the minimum) is a KindLimits error: a request can lower
// the limits, never raise them past the configured maximum.
func ResolveLimits(req, def, max Limits) (Limits, error) {
	l := req.orDefault(def)
	if err := l.check(max, "the requested"); err != nil {
		return l, err
	}
	return l, nil
}
