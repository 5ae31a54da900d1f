// Memory: 64MiB
block := make(chan int)
for i := 0; i < 1000000; i++ {
	go func() { <-block }()
}
fmt.Println("all started")
// Error: memory
