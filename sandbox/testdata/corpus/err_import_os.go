import "os"

fmt.Println(os.Foo)
// Error: import denied line 1: package os is not available in the sandbox. Allowed: bufio
