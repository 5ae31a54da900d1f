import "runtime"

fmt.Println(runtime.Foo)
// Error: import denied line 1: package runtime is not available in the sandbox. Allowed: bufio
