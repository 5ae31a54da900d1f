import "path/filepath"

fmt.Println(filepath.Foo)
// Error: import denied line 1: package path/filepath is not available in the sandbox. Allowed: bufio
