x := 1
fmt.Println(x)
fmt.Println(y)
// Error: compile line 3: undefined: y
