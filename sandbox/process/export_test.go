package process

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// waitPool waits until the pool holds n runners and every live runner is initialised (for
// benchmarks and tests that measure warm runs).
func (e *Engine) waitPool(ctx context.Context, n int) error {
	for {
		e.mu.Lock()
		ready := len(e.pool) >= n
		var err error
		for c := range e.live {
			select {
			case <-c.ready:
				if c.err != nil {
					err = c.err
				}
			default:
				ready = false
			}
		}
		e.mu.Unlock()
		if err != nil {
			return fmt.Errorf("a runner failed to start: %w", err)
		}
		if ready {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

// waitSlotWaiters waits until n runs wait for a run slot.
func (e *Engine) waitSlotWaiters(t testing.TB, n int32) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for e.slotWaiters.Load() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d runs wait for a slot, want %d", e.slotWaiters.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}
