done := make(chan bool)
go func() {
	fmt.Println("in goroutine")
	var p *struct{ X int }
	fmt.Println(p.X)
	done <- true
}()
<-done
fmt.Println("not reached")
// Output:
// in goroutine
// Error: runtime line 5: nil pointer dereference
