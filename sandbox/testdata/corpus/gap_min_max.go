a, b := 3, 5
fmt.Println(max(a, b))
// Error: compile line 2: the builtin max is not available
// Hint: compare yourself
