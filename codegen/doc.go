// Package codegen turns the tools of one MCP server into a Go package of typed stubs.
//
// [Generate] takes a server's config key and its tools (as a go-sdk client lists them) and returns
// a [Package]: the Go source of package mcp_tools/<name>, a canonical JSON snapshot of the tools
// with its hash, and a [ToolDoc] per tool for listing, search and get_tool. The package is pure:
// no I/O, no clock, no randomness; the same tools in any order give the same bytes.
//
//	pkg, err := codegen.Generate("filesystem", "", tools)
//	// pkg.Name == "filesystem"; write pkg.Source to mcp_tools/filesystem/filesystem.go and
//	// pkg.ToolsJSON beside it as tools.json; regenerate when pkg.Hash changes.
//
// # What a tool becomes
//
// Each tool X becomes a function with an arguments struct and a result struct:
//
//	// ReadTextFile calls the MCP tool "read_text_file".
//	// Read the complete contents of a file ...
//	func ReadTextFile(args ReadTextFileArgs) (*ReadTextFileResult, error)
//
//	type ReadTextFileArgs struct {
//		Head *int64 `json:"head,omitempty"` // optional scalar: a pointer
//		Path string `json:"path"`           // required: a plain value
//	}
//
//	type ReadTextFileResult struct {
//		Blocks  []mcp_tools.Content `json:"-"`       // the content blocks; Text() joins their text
//		Content string              `json:"content"` // from the outputSchema
//	}
//
// The function calls mcp_tools.Call with the server key and the tool name exactly as given; it
// passes the result struct for decoding structuredContent only when the tool declares an
// outputSchema with properties. A tool-reported error comes back as the error.
//
// # Names
//
// [PackageName] maps the config key to the package name (and last element of the import path).
// [GoName] maps tool and property names to exported identifiers. Function names come first
// (tools sorted by MCP name; a clash gets a "2", "3" suffix), then the XArgs and XResult types,
// then nested types, then constants. Inside a struct, fields take their names in the order of
// their JSON names (a clash gets a suffix); the result struct reserves Blocks and Text.
//
// A nested object type is named after its $defs/definitions key K (GoName(K)), else after its
// property: singular for the items of an array ("entities" -> Entity, "addresses" -> Address,
// "categories" -> Category), with "Value" added for the values of a map ("labels" -> LabelsValue).
// A name that is taken (by a function, an XArgs or XResult, or an earlier type of another shape)
// gets the name of the type it was met in as a prefix (SearchNodesResult + Entity ->
// SearchNodesResultEntity), then a "2", "3" suffix. Types are named in the order they were met:
// tools in MCP-name order, arguments before results, depth first. Enum constants are named after
// the type and field they constrain, then the value (EchoArgs + Mode + Fast).
//
// # One type per shape
//
// Within one package, nested object types of the same Go shape (fields, types, pointers, tags
// and allowed values) are one type, across tools and across arguments and results, so a result
// can be passed to another tool without conversion (server-memory's search_nodes returns
// []Entity, which create_entities takes). Comments do not count: the first type met keeps its
// own. Argument and result types of one schema differ when it has optional scalar or object
// fields (pointers in arguments, plain values in results): they are two shapes, and the second
// takes a prefixed name. A recursive type matches another recursive type of its shape; types in
// a cycle through other types are shared only with themselves.
//
// # Schema mapping
//
//   - object with properties -> named struct; without properties -> map[string]T (T from
//     additionalProperties, else any)
//   - array -> []T (items missing or a tuple, prefixItems or an items list -> []any)
//   - string, integer, number, boolean -> string, int64, float64, bool
//   - no type -> any: "properties", "items" or "additionalProperties" alone constrain objects
//     or arrays but let any other value through; only enum and const values give a type
//     (integer values give float64: 1.0 is a valid instance of {"const": 1})
//   - ["T","null"], anyOf/oneOf with a null member, "nullable": true, null in an enum -> nullable
//   - anyOf/oneOf of objects -> one struct with every variant's fields, all optional; variants of
//     one scalar type -> that type; a member that does not say its type ({}, true, constraints
//     only) -> any, unless the schema declares one type, which the members then only refine; any
//     other union (also "type": [A, B]) -> any; integer or number, in "type", the members or an
//     enum -> float64
//   - allOf -> its members merged; members that only add constraints ({"required": [...]}) and
//     if/then/else are ignored
//   - enum and const -> the plain type, a comment listing the values and untyped constants
//     named type + field + value (EchoArgsModeFast = "fast")
//   - local $ref ("#", "#/$defs/X", "#/definitions/X", "#/properties/a", any JSON pointer, and
//     "#anchor") is resolved, recursively; remote, dangling or purely cyclic refs -> any
//
// Fields of argument types: required -> plain value; optional or nullable scalars and structs ->
// pointer; slices, maps and any stay plain. Optional fields have omitempty, so an explicit 0 or
// false in a pointer is still sent; a required nullable field is sent as null when nil. Fields of
// result types (decoded from structuredContent) are plain values, zero when absent or null: a
// snippet reads them without dereferencing, and printing one prints its value. In both, a struct
// field that refers back to a struct being defined is a pointer. Fields are sorted by their JSON
// name. A property whose name encoding/json cannot use as a tag (such as "a,b") is
// left out and named in the struct's comment.
//
// # Generated code
//
// The file starts with "// Code generated by mcp-coordinator from <server> (tools sha256:<hex>).
// DO NOT EDIT.", is gofmt-clean, and uses only what the sandbox's interpreter handles well: flat
// structs with json tags, untyped constants, plain functions and one Text method per result; no
// embedded structs, custom marshalers or generics. Declarations are grouped per tool (tools sorted
// by Go name): the function, then its types and constants in the order they were met; a type
// that several tools share is declared with the first.
// Descriptions become line comments that are safe whatever they hold (backticks, "*/", control
// characters, invalid UTF-8, "+build" lines) and wrapped at 100 columns.
//
// # The compact view
//
// [Package.View] shows the declarations of one or several tools as a model needs them to write a
// call: the description, the function and the types it uses, each once, without the per-tool
// boilerplate (Blocks, Text, "XArgs holds ..."), without json tags that follow from the field
// names, and with "// required" on argument fields whose zero value would be sent. Its comments
// are not wrapped. [ToolDoc.Doc] is the view of one tool.
//
// The hash covers [Package.ToolsJSON]: every tool marshalled by the go-sdk, decoded and
// re-encoded with sorted keys, sorted by name, indented.
package codegen
