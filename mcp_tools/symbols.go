package mcp_tools

import (
	"go/constant"
	"reflect"
)

// Symbols returns the snippet-facing API of this package for the sandbox's interpreter, keyed by
// name: everything a stub or a snippet may use, and not SetTransport, SetNotes, SetHost,
// Transport or Host, which only the runner may touch.
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
		"ResourceContents":  reflect.ValueOf((*ResourceContents)(nil)),
		"Resource":          reflect.ValueOf((*Resource)(nil)),
		"Prompt":            reflect.ValueOf((*Prompt)(nil)),
		"PromptArgument":    reflect.ValueOf((*PromptArgument)(nil)),
		"PromptMessage":     reflect.ValueOf((*PromptMessage)(nil)),
		"PromptResult":      reflect.ValueOf((*PromptResult)(nil)),
		"ListResources":     reflect.ValueOf(ListResources),
		"ReadResource":      reflect.ValueOf(ReadResource),
		"ListPrompts":       reflect.ValueOf(ListPrompts),
		"GetPrompt":         reflect.ValueOf(GetPrompt),
		"Show":              reflect.ValueOf(Show),
		"Image":             reflect.ValueOf(Image),
		"TextBlock":         reflect.ValueOf(TextBlock),
		"Progress":          reflect.ValueOf(Progress),
		"MaxShowBlocks":     reflect.ValueOf(constant.MakeInt64(MaxShowBlocks)),
		"MaxShowBytes":      reflect.ValueOf(constant.MakeInt64(MaxShowBytes)),
	}
}
