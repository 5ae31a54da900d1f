go func() {
	panic("worker failed")
}()
time.Sleep(2 * time.Second)
// Timeout: 4s
// Error: runtime line 2: panic: worker failed
