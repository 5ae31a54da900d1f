package mcp_tools

import "reflect"

// Symbols returns the snippet-facing API of this package for the sandbox's interpreter, keyed by
// name: everything a stub or a snippet may use, and not SetTransport or Transport, which only
// the runner may touch.
func Symbols() map[string]reflect.Value {
	return map[string]reflect.Value{
		"Content":        reflect.ValueOf((*Content)(nil)),
		"Result":         reflect.ValueOf((*Result)(nil)),
		"ToolError":      reflect.ValueOf((*ToolError)(nil)),
		"CallError":      reflect.ValueOf((*CallError)(nil)),
		"ErrToolFailed":  reflect.ValueOf(&ErrToolFailed).Elem(),
		"ErrNoTransport": reflect.ValueOf(&ErrNoTransport).Elem(),
		"Call":           reflect.ValueOf(Call),
		"Text":           reflect.ValueOf(Text),
		"String":         reflect.ValueOf(String),
		"Int":            reflect.ValueOf(Int),
		"Float":          reflect.ValueOf(Float),
		"Bool":           reflect.ValueOf(Bool),
	}
}
