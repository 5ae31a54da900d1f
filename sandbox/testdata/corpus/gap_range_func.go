package main

import "fmt"

func count(yield func(int) bool) {
	for i := 0; i < 3; i++ {
		if !yield(i) {
			return
		}
	}
}

func main() {
	for i := range count {
		fmt.Println(i)
	}
}
// Error: compile line 14: range over a function
// Hint: collect the values into a slice
