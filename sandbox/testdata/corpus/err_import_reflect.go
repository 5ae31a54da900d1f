import "reflect"

fmt.Println(reflect.Foo)
// Error: import denied line 1: package reflect is not available in the sandbox. Allowed: bufio
