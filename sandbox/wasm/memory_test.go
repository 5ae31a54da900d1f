package wasm

import "testing"

// TestMemoryNeverHoldsMoreThanItsLimit: a growth reserves room ahead (a quarter more) but never
// past the runtime's limit or, once a run started, past its budget and margin; past them it
// fails.
func TestMemoryNeverHoldsMoreThanItsLimit(t *testing.T) {
	const page = 64 << 10
	m := &memory{}
	m.allocate(page, 100*page)
	for _, size := range []uint64{10 * page, 90 * page, 100 * page} {
		if b := m.Reallocate(size); uint64(len(b)) != size || uint64(cap(b)) > 100*page {
			t.Fatalf("Reallocate(%d pages): len %d, cap %d; want len %d, cap at most 100 pages", size/page, len(b), cap(b), size)
		}
	}
	m = &memory{}
	m.allocate(page, 1<<20*page)
	m.Reallocate(16 * page)
	m.setLimit(64 * page)
	limit := uint64(16*page + 64*page + memoryMargin)
	if b := m.Reallocate(limit); uint64(cap(b)) != limit {
		t.Fatalf("growing to the run's limit: cap %d, want %d", cap(b), limit)
	}
	if b := m.Reallocate(limit + page); b != nil {
		t.Fatal("the memory grew past the run's budget and margin")
	}
	if !m.over() {
		t.Error("over() = false after growing by more than the budget")
	}
}
