fmt.Println("a")
if x := 3; x > 2 {
	fmt.Println("b"
}
// Error: compile line 3: syntax error
