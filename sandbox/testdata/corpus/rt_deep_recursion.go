package main

import "fmt"

func depth(n int) int { return depth(n+1) + 1 }

func main() {
	fmt.Println(depth(0))
}
// Error: runtime: stack overflow
// Hint: loop
