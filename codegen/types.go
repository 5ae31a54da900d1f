package codegen

import (
	"encoding/json"
	"sort"
	"strings"
	"unicode"

	"github.com/dave/jennifer/jen"
)

type kind int

const (
	kAny kind = iota
	kRaw      // any: a union of JSON types (the model writes a plain Go value)
	kString
	kInt
	kFloat
	kBool
	kStruct
	kSlice
	kMap
)

// goType is a Go type of a field: a scalar, a named struct, a slice or a map.
type goType struct {
	kind kind
	name string  // for kStruct
	elem *goType // for kSlice and kMap
}

var (
	anyType    = &goType{kind: kAny}
	rawType    = &goType{kind: kRaw}
	scalarType = map[string]*goType{
		"string":  {kind: kString},
		"integer": {kind: kInt},
		"number":  {kind: kFloat},
		"boolean": {kind: kBool},
	}
)

func (t *goType) String() string {
	switch t.kind {
	case kRaw:
		return "any"
	case kString:
		return "string"
	case kInt:
		return "int64"
	case kFloat:
		return "float64"
	case kBool:
		return "bool"
	case kStruct:
		return t.name
	case kSlice:
		return "[]" + t.elem.String()
	case kMap:
		return "map[string]" + t.elem.String()
	}
	return "any"
}

func (t *goType) code() jen.Code {
	switch t.kind {
	case kRaw:
		return jen.Id("any")
	case kString:
		return jen.String()
	case kInt:
		return jen.Int64()
	case kFloat:
		return jen.Float64()
	case kBool:
		return jen.Bool()
	case kStruct:
		return jen.Id(t.name)
	case kSlice:
		return jen.Index().Add(t.elem.code())
	case kMap:
		return jen.Map(jen.String()).Add(t.elem.code())
	}
	return jen.Any()
}

// typeInfo is what the mapping of one subschema yields.
type typeInfo struct {
	t        *goType
	nullable bool
	enum     []any    // allowed values of the value, or of the elements of a slice
	union    []string // the JSON types of a union field (typed any)
}

// typeOf maps the subschema s of document d to a Go type, creating named struct types and enum
// constants as it goes.
func (tg *toolGen) typeOf(d *document, s schema) typeInfo {
	v := d.viewOf(s, map[string]bool{})
	key := d.rootName + "\x00" + v.path
	if name, ok := tg.structs[key]; ok {
		// A struct already made (or being filled: a recursive reference).
		return typeInfo{t: &goType{kind: kStruct, name: name}, nullable: v.nullable}
	}
	if tg.typing[key] {
		// A cycle that does not pass through a struct (an array of itself): stop here.
		return typeInfo{t: anyType, nullable: v.nullable}
	}
	tg.typing[key] = true
	defer delete(tg.typing, key)

	ti := tg.typeOfView(d, v)
	ti.nullable = ti.nullable || v.nullable
	return ti
}

func (tg *toolGen) typeOfView(d *document, v *view) typeInfo {
	if len(v.variants) > 0 {
		return tg.unionOf(d, v)
	}
	types := v.types
	if len(types) == 0 {
		types = inferTypes(v)
	}
	if len(types) == 2 && contains(types, "integer") && contains(types, "number") {
		types = []string{"number"}
	}
	if len(types) > 1 {
		return typeInfo{t: rawType, union: types, enum: v.enum}
	}
	if len(types) == 0 {
		return typeInfo{t: anyType}
	}
	switch t := types[0]; t {
	case "object":
		if len(v.props) > 0 {
			return tg.objectType(d, v)
		}
		elem := anyType
		if v.addl != nil && len(v.addl.m) > 0 {
			elem = tg.typeOf(d, *v.addl).t
		}
		return typeInfo{t: &goType{kind: kMap, elem: elem}}
	case "array":
		if v.items == nil || v.tuple {
			return typeInfo{t: &goType{kind: kSlice, elem: anyType}}
		}
		e := tg.typeOf(d, *v.items)
		return typeInfo{t: &goType{kind: kSlice, elem: e.t}, enum: e.enum}
	case "string", "integer", "number", "boolean":
		ti := typeInfo{t: scalarType[t]}
		if v.hasEnum {
			ti.enum = v.enum
			tg.constsOf(d, v.path, ti.t, v.enum)
		}
		return ti
	case "null":
		return typeInfo{t: anyType, nullable: true}
	}
	return typeInfo{t: anyType}
}

// inferTypes is the type of a schema without "type": the types of its enum or const values,
// which are exact. Other keywords do not narrow it: "properties" or "items" alone constrain
// objects or arrays but let any other value through, so such a schema stays any.
func inferTypes(v *view) []string {
	if !v.hasEnum || len(v.enum) == 0 {
		return nil
	}
	var types []string
	for _, e := range v.enum {
		t := jsonType(e)
		if !contains(types, t) {
			types = append(types, t)
		}
	}
	sort.Strings(types)
	return types
}

// jsonType is the JSON Schema type of a decoded JSON value.
func jsonType(e any) string {
	switch e := e.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		if _, err := e.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

// unionOf maps an anyOf/oneOf. With one declared type, the variants only refine it (object
// variants add their fields); with several, the variants are ignored. Without a declared type,
// object variants merge into one struct, variants of one scalar type become that type (integer
// and number: float64), and anything else is any (so arguments take a plain Go value: true, "x",
// 3), as is a union with a member that does not say its type ({}, true, {"minimum": 2}).
func (tg *toolGen) unionOf(d *document, v *view) typeInfo {
	var views []*view
	allObjects, anyObject, nullable := true, false, false
	for _, s := range v.variants {
		vv := d.viewOf(s, map[string]bool{})
		views = append(views, vv)
		object := len(vv.types) == 1 && vv.types[0] == "object"
		allObjects = allObjects && object && len(vv.props) > 0
		anyObject = anyObject || len(vv.props) > 0
		nullable = nullable || vv.nullable
	}
	switch {
	case len(v.types) == 1 && v.types[0] == "object" && (anyObject || len(v.props) > 0):
		return tg.objectType(d, v)
	case len(v.types) >= 1:
		// The variants only refine the declared type.
		own := *v
		own.variants = nil
		for _, vv := range views {
			if own.items == nil {
				own.items = vv.items
			}
		}
		return tg.typeOfView(d, &own)
	case v.open:
		return typeInfo{t: anyType}
	case allObjects:
		return tg.objectType(d, v)
	}
	if len(views) == 1 {
		return tg.typeOf(d, v.variants[0])
	}
	var kinds []string
	var enum []any
	allEnums := true
	for _, vv := range views {
		t := vv.types
		if len(t) == 0 {
			t = inferTypes(vv)
		}
		if len(t) != 1 || len(vv.variants) > 0 || vv.open {
			kinds = append(kinds, "any")
			continue
		}
		if !contains(kinds, t[0]) {
			kinds = append(kinds, t[0])
		}
		if vv.hasEnum {
			enum = append(enum, vv.enum...)
		} else {
			allEnums = false
		}
	}
	sort.Strings(kinds)
	if len(kinds) == 2 && kinds[0] == "integer" && kinds[1] == "number" {
		kinds = []string{"number"}
	}
	if len(kinds) == 1 {
		if t, ok := scalarType[kinds[0]]; ok {
			ti := typeInfo{t: t, nullable: nullable}
			if allEnums {
				ti.enum = enum
				tg.constsOf(d, v.path, t, enum)
			}
			return ti
		}
	}
	return typeInfo{t: rawType, union: kinds}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// A structDecl is a named struct type being generated.
type structDecl struct {
	name    string
	doc     string
	fields  []field
	omitted []string // properties whose names cannot be json tags
	result  bool     // the XResult type: has Content and Text
}

type field struct {
	name, json string
	t          *goType
	ptr, omit  bool
	doc        []string
}

// maxNesting bounds how deep struct types nest; deeper objects become map[string]any. Type names
// grow with depth (parent + field), so a pathological schema could otherwise cost seconds and
// gigabytes.
const maxNesting = 12

// objectType types an object view: a named struct, or map[string]any past maxNesting.
func (tg *toolGen) objectType(d *document, v *view) typeInfo {
	if len(tg.building) >= maxNesting {
		return typeInfo{t: &goType{kind: kMap, elem: anyType}}
	}
	return typeInfo{t: &goType{kind: kStruct, name: tg.structOf(d, v)}}
}

// structOf returns the name of the struct type for the object view v, generating it on first use.
func (tg *toolGen) structOf(d *document, v *view) string {
	key := d.rootName + "\x00" + v.path
	if name, ok := tg.structs[key]; ok {
		return name
	}
	var name string
	if v.path == "" {
		name = d.rootName
	} else if def, ok := defKey(v.path); ok {
		name = tg.defName(d, def)
	} else {
		name = tg.g.top.claim(tg.nameForPath(d, v.path))
	}
	tg.structs[key] = name
	sd := &structDecl{name: name}
	if v.path != "" {
		sd.doc = v.description
	}
	tg.add(sd)
	tg.fillStruct(d, v, sd)
	return name
}

// fillStruct adds the fields of the object view v (and of its object variants) to sd.
func (tg *toolGen) fillStruct(d *document, v *view, sd *structDecl) {
	tg.building[sd.name] = true
	defer delete(tg.building, sd.name)

	props := map[string]schema{}
	others := map[string][]schema{} // the same property in later variants
	var collect func(v *view, depth int)
	collect = func(v *view, depth int) {
		for k, s := range v.props {
			if _, dup := props[k]; !dup {
				props[k] = s
			} else {
				others[k] = append(others[k], s)
			}
		}
		if depth > 8 {
			return
		}
		for _, s := range v.variants {
			collect(d.viewOf(s, map[string]bool{}), depth+1)
		}
	}
	collect(v, 0)

	names := newNamespace()
	if sd.result {
		names = newNamespace("Blocks", "Text")
	}
	for _, k := range sortedKeys(props) {
		if !validTag(k) {
			sd.omitted = append(sd.omitted, k)
			continue
		}
		s := props[k]
		ti := tg.typeOf(d, s)
		ti.enum = tg.variantEnums(d, ti, others[k])
		required := v.required[k]
		f := field{name: names.claim(GoName(k)), json: k, t: ti.t, omit: !required}
		switch ti.t.kind {
		case kString, kInt, kFloat, kBool:
			f.ptr = !d.result && (!required || ti.nullable)
		case kStruct:
			f.ptr = !d.result && (!required || ti.nullable) || tg.building[ti.t.name]
		}
		f.doc = fieldDoc(d.viewOf(s, map[string]bool{}), ti)
		sd.fields = append(sd.fields, f)
	}
}

// variantEnums adds to the enum of a merged property the values that other variants allow for
// it (a discriminator like "kind" has one value per variant), when all of them are enums of the
// same type.
func (tg *toolGen) variantEnums(d *document, ti typeInfo, others []schema) []any {
	if len(others) == 0 || len(ti.enum) == 0 {
		return ti.enum
	}
	enum := append([]any(nil), ti.enum...)
	seen := map[string]bool{}
	for _, e := range enum {
		seen[compactJSON(e)] = true
	}
	for _, s := range others {
		v := d.viewOf(s, map[string]bool{})
		if !v.hasEnum || len(v.props) > 0 {
			return ti.enum
		}
		o := tg.typeOf(d, s)
		if o.t.String() != ti.t.String() {
			return ti.enum
		}
		for _, e := range o.enum {
			if k := compactJSON(e); !seen[k] {
				seen[k] = true
				enum = append(enum, e)
			}
		}
	}
	return enum
}

// fieldDoc is the comment of a field: its description, allowed values and default.
func fieldDoc(v *view, ti typeInfo) []string {
	doc := []string{v.description}
	if len(ti.enum) > 0 {
		vals := make([]string, len(ti.enum))
		for i, e := range ti.enum {
			vals[i] = compactJSON(e)
		}
		prefix := "One of: "
		if ti.t.kind == kSlice {
			prefix = "Each one of: "
		}
		doc = append(doc, prefix+strings.Join(vals, ", ")+".")
	}
	if len(ti.union) > 0 {
		doc = append(doc, "JSON "+strings.Join(ti.union, " or ")+".")
	}
	if v.hasDefault {
		doc = append(doc, "Default: "+compactJSON(v.def)+".")
	}
	text := strings.TrimSpace(strings.Join(doc, "\n"))
	return commentLines(text, 8)
}

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	s := string(b)
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return s
}

// validTag reports whether encoding/json accepts name as a field's tag name: otherwise it would
// silently use the Go field name instead.
func validTag(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// defKey returns K when path is exactly a definition, "/$defs/K" or "/definitions/K".
func defKey(path string) (string, bool) {
	toks := strings.Split(path, "/")
	if len(toks) >= 3 && (toks[len(toks)-2] == "$defs" || toks[len(toks)-2] == "definitions") {
		return unescapeToken(toks[len(toks)-1]), true
	}
	return "", false
}

func unescapeToken(tok string) string {
	return pointerUnescaper.Replace(tok)
}

// defName names the type of a $defs/definitions entry after its key, prefixed with the function
// name when the key's name is already taken.
func (tg *toolGen) defName(d *document, key string) string {
	k := d.rootName + "\x00" + key
	if name, ok := tg.defs[k]; ok {
		return name
	}
	name := GoName(key)
	if tg.g.top.taken(name) {
		name = tg.fn + name
	}
	name = tg.g.top.claim(name)
	tg.defs[k] = name
	return name
}

// nameForPath derives the desired name of the type (or constant prefix) for a subschema from its
// place: root type + field name for each property on the way, "Value" for additionalProperties,
// the definition's name for $defs/definitions entries.
func (tg *toolGen) nameForPath(d *document, path string) string {
	name := d.rootName
	if path == "" {
		return name
	}
	toks := strings.Split(path[1:], "/")
	for i := 0; i < len(toks); i++ {
		switch toks[i] {
		case "properties":
			if i+1 < len(toks) {
				name += GoName(unescapeToken(toks[i+1]))
				i++
			}
		case "$defs", "definitions":
			if i+1 < len(toks) {
				name = tg.defName(d, unescapeToken(toks[i+1]))
				i++
			}
		case "additionalProperties":
			name += "Value"
		}
	}
	return name
}

// A constDecl is a group of enum constants.
type constDecl struct {
	doc    string
	names  []string
	values []jen.Code
}

// constsOf declares a constant for each enum value of the subschema at path that fits the Go type t.
func (tg *toolGen) constsOf(d *document, path string, t *goType, enum []any) {
	key := d.rootName + "\x00" + path
	if tg.consts[key] {
		return
	}
	tg.consts[key] = true
	prefix := tg.nameForPath(d, path)
	cd := &constDecl{doc: "Allowed values of " + commentSafe(location(d, path)) + "."}
	for _, e := range enum {
		var val jen.Code
		switch e := e.(type) {
		case string:
			if t.kind == kString {
				val = jen.Lit(e)
			}
		case json.Number:
			if _, err := e.Int64(); err == nil && t.kind == kInt || t.kind == kFloat {
				val = jen.Op(e.String())
			}
		}
		if val == nil {
			continue
		}
		cd.names = append(cd.names, tg.g.top.claim(prefix+valueName(e)))
		cd.values = append(cd.values, val)
	}
	if len(cd.names) > 0 {
		tg.add(cd)
	}
}

// location renders the place of a subschema for a comment, with the JSON names of properties:
// "EchoArgs.mode", "EditFileArgs.edits[].kind", "Address.city".
func location(d *document, path string) string {
	loc := d.rootName
	if path == "" {
		return loc
	}
	toks := strings.Split(path[1:], "/")
	for i := 0; i < len(toks); i++ {
		switch toks[i] {
		case "properties":
			if i+1 < len(toks) {
				loc += "." + unescapeToken(toks[i+1])
				i++
			}
		case "$defs", "definitions":
			if i+1 < len(toks) {
				loc = unescapeToken(toks[i+1])
				i++
			}
		case "items":
			loc += "[]"
		case "additionalProperties":
			loc += "[key]"
		}
	}
	return loc
}
