//go:build !wasip1

package yaegirun

// maxStack bounds SetMaxStack.
const maxStack = 256 << 20
