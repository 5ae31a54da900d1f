package main

import "fmt"

func main() {
	fmt.Println(os.Getenv("HOME"))
}
// os is not added automatically: it is not allowed.
// Error: compile line 6: undefined: os
