// Timeout: 1s
for i := 0; i < 8; i++ {
	go func() {
		x := 0
		for {
			x++
		}
	}()
}
select {}
// Error: timeout
