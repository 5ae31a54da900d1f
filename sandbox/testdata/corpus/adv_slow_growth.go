// Memory: 64MiB
// Timeout: 5s
var keep [][]byte
for {
	keep = append(keep, make([]byte, 1<<20))
	time.Sleep(2 * time.Millisecond)
}
// Error: memory: 64 MiB
