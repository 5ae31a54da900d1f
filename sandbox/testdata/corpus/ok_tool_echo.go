// No imports: fmt and the stub package demo are added.
r, err := demo.Echo(demo.EchoArgs{Message: "hi"})
if err != nil {
	fmt.Println("error:", err)
	return
}
fmt.Println(r.Text())
fmt.Println(len(r.Content), r.Content[0].Type)
// Output:
// Echo: hi
// 1 text
