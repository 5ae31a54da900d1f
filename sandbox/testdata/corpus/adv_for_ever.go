// Timeout: 1s
fmt.Println("spinning")
for {
}
// Output:
// spinning
// Error: timeout: did not finish within 1s
