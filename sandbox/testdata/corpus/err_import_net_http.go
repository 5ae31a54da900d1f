import "net/http"

fmt.Println(http.Foo)
// Error: import denied line 1: package net/http is not available in the sandbox. Allowed: bufio
