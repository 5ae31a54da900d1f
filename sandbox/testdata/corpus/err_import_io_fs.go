import "io/fs"

fmt.Println(fs.Foo)
// Error: import denied line 1: package io/fs is not available in the sandbox. Allowed: bufio
