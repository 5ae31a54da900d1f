b := make([]byte, 1<<40)
fmt.Println(len(b))
// Error: memory
