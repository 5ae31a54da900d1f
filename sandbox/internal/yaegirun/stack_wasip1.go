//go:build wasip1

package yaegirun

// maxStack bounds SetMaxStack. In a wasip1 guest every interpreted call also nests on the wasm
// engine's own call stack, which traps (slowly: each growth copies it) well before a 64 MiB
// goroutine stack is full. 16 MiB ends a runaway recursion in about a second, at a depth of
// tens of thousands of calls.
const maxStack = 16 << 20
