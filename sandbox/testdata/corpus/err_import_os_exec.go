import "os/exec"

fmt.Println(exec.Foo)
// Error: import denied line 1: package os/exec is not available in the sandbox. Allowed: bufio
