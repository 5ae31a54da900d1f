package main

import "fmt"

func Map[T, U any](xs []T, f func(T) U) []U {
	var out []U
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

func main() {
	fmt.Println(Map([]int{1, 2}, func(x int) string { return fmt.Sprint(x) }))
}
// Error: compile line 14: cannot use type func(
// Hint: write them explicitly
