// OutputLimit: 4KiB
for i := 0; ; i++ {
	fmt.Println("line", i)
}
// Error: output
