package wasm

import (
	"sync"

	"github.com/tetratelabs/wazero/experimental"
)

// memory backs one guest's linear memory on the host's heap, as wazero does by default, and
// refuses to grow past a limit set per run: memory.grow then fails and the guest's Go runtime
// dies with "out of memory", which the engine reports as a memory error. The runtime's page
// limit (the maximum budget plus GuestOverhead) stays the bound of every guest; this one is
// the run's own budget, known only when a pooled guest receives its run.
type memory struct {
	mu     sync.Mutex
	buf    []byte
	max    uint64 // the runtime's page limit, in bytes
	size   uint64 // len(buf), kept once the memory is freed
	start  uint64 // the size when the run started
	budget uint64 // the run's budget; 0 until the run starts
}

var _ experimental.LinearMemory = (*memory)(nil)

// allocate is the experimental.MemoryAllocator of a guest.
func (m *memory) allocate(capacity, max uint64) experimental.LinearMemory {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.buf, m.max = make([]byte, 0, capacity), max
	return m
}

// limit is the most the memory may grow to: the runtime's limit, and once the run started its
// size then plus the budget and memoryMargin. The runner keeps the Go runtime's memory under
// its size at the start plus the budget (debug.SetMemoryLimit), so only a snippet whose live
// data exceed its budget reaches it. m.mu is held.
func (m *memory) limit() uint64 {
	if m.budget == 0 {
		return m.max
	}
	return min(m.max, m.start+m.budget+memoryMargin)
}

// Reallocate implements experimental.LinearMemory. It is called by the guest's own goroutine.
func (m *memory) Reallocate(size uint64) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	limit := m.limit()
	if size > limit {
		return nil
	}
	m.size = size
	if size <= uint64(cap(m.buf)) {
		m.buf = m.buf[:size]
		return m.buf
	}
	// Grow by a quarter at least, as append does for large slices (each growth copies), but
	// never past the limit.
	c := min(max(size, uint64(cap(m.buf))+uint64(cap(m.buf))/4), limit)
	b := make([]byte, size, c)
	copy(b, m.buf)
	m.buf = b
	return b
}

// Free implements experimental.LinearMemory.
func (m *memory) Free() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.buf = nil
}

// setLimit starts the run: from here on the memory grows by budget plus memoryMargin at most.
func (m *memory) setLimit(budget int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.start, m.budget = m.size, uint64(budget)
}

// memoryMargin is how far past its budget a guest's memory may grow.
const memoryMargin = 8 << 20

// over reports whether the run has used its budget: the memory grew by at least the budget
// less a sixteenth (the collector keeps it a little under its limit).
func (m *memory) over() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.budget > 0 && m.size-m.start >= m.budget-m.budget/16
}
