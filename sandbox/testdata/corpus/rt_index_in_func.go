package main

import "fmt"

func third(xs []int) int {
	fmt.Println("looking")
	return xs[2]
}

func main() {
	fmt.Println(third([]int{1, 2, 3}))
	fmt.Println(third([]int{1}))
}
// Output:
// looking
// 3
// looking
// Error: runtime line 7: index out of range
