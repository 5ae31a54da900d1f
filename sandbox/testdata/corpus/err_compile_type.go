package main

import "fmt"

func main() {
	var n int = "text"
	fmt.Println(n)
}
// Error: compile line 6: cannot
