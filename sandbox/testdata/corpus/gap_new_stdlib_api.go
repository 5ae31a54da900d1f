for line := range strings.Lines("a\nb\n") {
	fmt.Print(line)
}
// Error: compile line 1: has no symbol Lines
// Hint: Go 1.22
