package main

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// latencyRow is one measured operation: n samples, as seen by the client.
type latencyRow struct {
	What     string
	Engine   string // the sandbox engine, or "-" for a direct call
	P50, P99 time.Duration
	Ratio    float64 // p50 against the direct call's p50; 0 for the direct row
}

// latency measures, side by side in one run: one get-sum call direct, the same call through a
// snippet, and a snippet that calls nothing. Each is warmed up once first.
func (b *bench) latency(ctx context.Context, n int) ([]latencyRow, error) {
	direct := func() error {
		res, err := b.direct["everything"].CallTool(ctx, &mcp.CallToolParams{Name: "get-sum", Arguments: map[string]any{"a": 1, "b": 2}})
		if err == nil && res.IsError {
			err = fmt.Errorf("get-sum: %s", contentText(res))
		}
		return err
	}
	snippet := func(code string) func() error {
		return func() error {
			_, _, _, err := b.coordCall(ctx, "execute_code", map[string]any{"code": code})
			return err
		}
	}
	rows := []struct {
		what, engine string
		f            func() error
	}{
		{"one call (get-sum), direct", "-", direct},
		{"the same call through a snippet", "process", snippet(`r, err := everything.GetSum(everything.GetSumArgs{A: 1, B: 2})
if err != nil {
	panic(err)
}
fmt.Println(r.Text())`)},
		{"a trivial snippet (no calls)", "process", snippet(`fmt.Println("ok")`)},
	}
	var out []latencyRow
	for _, r := range rows {
		if err := r.f(); err != nil { // warm-up
			return out, fmt.Errorf("%s: %w", r.what, err)
		}
		samples := make([]time.Duration, n)
		for i := range samples {
			start := time.Now()
			if err := r.f(); err != nil {
				return out, fmt.Errorf("%s: %w", r.what, err)
			}
			samples[i] = time.Since(start)
		}
		row := latencyRow{What: r.what, Engine: r.engine, P50: percentile(samples, 50), P99: percentile(samples, 99)}
		if len(out) > 0 && out[0].P50 > 0 {
			row.Ratio = float64(row.P50) / float64(out[0].P50)
		}
		out = append(out, row)
	}
	return out, nil
}

// percentile is the nearest-rank percentile p of samples.
func percentile(samples []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), samples...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	k := (p*len(s) + 99) / 100 // ceil(p/100 * n)
	if k < 1 {
		k = 1
	}
	return s[k-1]
}
