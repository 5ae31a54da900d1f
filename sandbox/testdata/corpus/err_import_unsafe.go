import "unsafe"

fmt.Println(unsafe.Foo)
// Error: import denied line 1: package unsafe is not available in the sandbox. Allowed: bufio
