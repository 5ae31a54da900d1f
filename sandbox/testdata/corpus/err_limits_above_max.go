// Memory: 4GiB
fmt.Println("never runs")
// Error: limits: memory
