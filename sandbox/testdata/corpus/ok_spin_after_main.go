// A goroutine that outlives main is stopped with the runner.
// Timeout: 2s
go func() {
	for {
	}
}()
fmt.Println("main returned")
// Output:
// main returned
