// Package stdsyms holds the interpreter's symbols for the standard library packages a snippet
// may import (sandbox.AllowedStdlib), and only those: yaegi's generated symbol files for them,
// copied from its stdlib package. Importing yaegi's stdlib links the whole standard library's
// symbols (net/http, os/exec, ...) into every runner; this package keeps the runner, and the
// wasm module above all (about 40 MB with yaegi's stdlib), small.
//
// The copies are checked against the yaegi module in go.mod by TestCopiesAreFresh; refresh them
// with
//
//	go test ./sandbox/internal/yaegirun/stdsyms -run TestCopiesAreFresh -update
package stdsyms

import "reflect"

// Symbols maps "path/name" to each allowed package's symbols, and "." to MapTypes, as yaegi's
// stdlib.Symbols does.
var Symbols = map[string]map[string]reflect.Value{}

// MapTypes lists the interfaces that functions taking an interface{} treat specially (fmt's
// Stringer, json's Marshaler), so that interpreted values implementing them are wrapped.
var MapTypes = map[reflect.Value][]reflect.Type{}

func init() {
	Symbols["."] = map[string]reflect.Value{
		"MapTypes": reflect.ValueOf(MapTypes),
	}
}
