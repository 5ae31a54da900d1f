fmt.Println("hello, sandbox")
// Output:
// hello, sandbox
