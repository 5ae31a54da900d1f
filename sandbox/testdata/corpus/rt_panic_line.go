fmt.Println("before")
x := 2
if x > 1 {
	panic("boom")
}
fmt.Println("after")
// Output:
// before
// Error: runtime line 4: panic: boom
