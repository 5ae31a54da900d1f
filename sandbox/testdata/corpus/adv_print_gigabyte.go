// OutputLimit: 64KiB
chunk := strings.Repeat("y", 1<<20)
for i := 0; i < 1024; i++ {
	fmt.Print(chunk)
}
// Error: output: 65536 bytes
