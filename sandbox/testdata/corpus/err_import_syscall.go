import "syscall"

fmt.Println(syscall.Foo)
// Error: import denied line 1: package syscall is not available in the sandbox. Allowed: bufio
