import "log"

fmt.Println(log.Foo)
// Error: import denied line 1: package log is not available in the sandbox. Allowed: bufio
