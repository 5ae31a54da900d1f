import "plugin"

fmt.Println(plugin.Foo)
// Error: import denied line 1: package plugin is not available in the sandbox. Allowed: bufio
