// Package jsonnorm rewrites the JSON that crosses between a snippet's typed stubs and an MCP
// server so that each side reads it as the schema means it. It is pure: bytes and a schema in,
// bytes out, no I/O.
//
// # Integers
//
// JSON Schema counts 1.0, -2.0 and 1e2 as integers, but encoding/json will not decode them
// into the int64 a generated result type holds. [Integers] rewrites, in a tool's
// structuredContent, each number that the output schema types as an integer and that is
// written with a fraction or an exponent, as an integer literal:
//
//	jsonnorm.Integers(schema, []byte(`{"count": 3.0}`)) // {"count": 3}
//
// # Required empty collections
//
// A generated argument type holds a required array or object as a plain slice or map, which
// encoding/json sends as null when it is nil; servers reject that ("Expected array, received
// null"). [EmptyRequired] replaces, in a tool's arguments, each null in a required property
// whose schema is an array (an object) with [] ({}), in nested objects and arrays too:
//
//	jsonnorm.EmptyRequired(schema, []byte(`{"entities":[{"name":"x","observations":null}]}`))
//	// {"entities":[{"name":"x","observations":[]}]}
//
// # What the schema says
//
// Both follow properties, additionalProperties, items (and the tuple forms prefixItems,
// items as an array, additionalItems), local $ref (to the root, $defs, definitions or any JSON
// pointer within the schema), allOf, and anyOf/oneOf. A value is changed only where the
// schema is unambiguous: every anyOf/oneOf branch that the value's JSON type could match must
// agree (an integer where one branch allows any number is left alone), and a null that the
// schema allows (a "null" type, nullable: true, a branch without a type) is kept. A property
// matched by patternProperties, a remote $ref, or anything the package does not follow leaves
// the value below it as it is.
//
// # Robustness
//
// The schema is what a server sent and the JSON is what a snippet or a server produced: the
// functions never panic, and they return their input unchanged when the JSON is not valid, the
// schema is absent or not understood, or nothing needs a change. Only the changed values are
// rewritten: everything else, key order and spacing included, is kept byte for byte. The work
// is bounded, and skipped at once (by a scan of the bytes) when the input has no candidate.
// The functions are safe for concurrent use and do not modify the schema.
package jsonnorm
