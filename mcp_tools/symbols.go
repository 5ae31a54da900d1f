package mcp_tools

import "reflect"

// Symbols returns the snippet-facing API of this package for the sandbox's interpreter, keyed by
// name: everything a stub or a snippet may use, and not SetTransport or Transport, which only
// the runner may touch.
func Symbols() map[string]reflect.Value {
	return map[string]reflect.Value{
		"Content":           reflect.ValueOf((*Content)(nil)),
		"Result":            reflect.ValueOf((*Result)(nil)),
		"ToolError":         reflect.ValueOf((*ToolError)(nil)),
		"CallError":         reflect.ValueOf((*CallError)(nil)),
		"ErrToolFailed":     reflect.ValueOf(&ErrToolFailed).Elem(),
		"ErrNoTransport":    reflect.ValueOf(&ErrNoTransport).Elem(),
		"Call":              reflect.ValueOf(Call),
		"ErrorKind":         reflect.ValueOf(ErrorKind),
		"KindTool":          reflect.ValueOf(KindTool),
		"KindUnknownServer": reflect.ValueOf(KindUnknownServer),
		"KindUnknownTool":   reflect.ValueOf(KindUnknownTool),
		"KindUnavailable":   reflect.ValueOf(KindUnavailable),
		"KindTimeout":       reflect.ValueOf(KindTimeout),
		"KindCanceled":      reflect.ValueOf(KindCanceled),
		"KindProtocol":      reflect.ValueOf(KindProtocol),
		"KindInvalid":       reflect.ValueOf(KindInvalid),
		"Text":              reflect.ValueOf(Text),
		"String":            reflect.ValueOf(String),
		"Int":               reflect.ValueOf(Int),
		"Float":             reflect.ValueOf(Float),
		"Bool":              reflect.ValueOf(Bool),
	}
}
