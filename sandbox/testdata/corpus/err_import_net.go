import "net"

fmt.Println(net.Foo)
// Error: import denied line 1: package net is not available in the sandbox. Allowed: bufio
