import "text/template"

fmt.Println(template.Foo)
// Error: import denied line 1: package text/template is not available in the sandbox. Allowed: bufio
