package codegen

import (
	"encoding/json"
	"sort"
	"strconv"
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
	decl *structDecl // for kStruct; its name is settled once every tool is built
	elem *goType     // for kSlice and kMap
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
		return t.decl.canon().name
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
		return jen.Id(t.decl.canon().name)
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
	if sd, ok := tg.structs[key]; ok {
		// A struct already made (or being filled: a recursive reference).
		return typeInfo{t: &goType{kind: kStruct, decl: sd}, nullable: v.nullable}
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
		ti := typeInfo{t: &goType{kind: kMap, elem: anyType}}
		if v.addl != nil && len(v.addl.m) > 0 {
			e := tg.typeOf(d, *v.addl)
			ti.t.elem, ti.enum = e.t, e.enum
		}
		return ti
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
// which are exact, except that integers count as numbers (float64): an instance may write 1 as
// 1.0, and the coordinator rewrites 1.0 as 1 only where a schema says "integer". Other keywords
// do not narrow the type: "properties" or "items" alone constrain objects or arrays but let any
// other value through, so such a schema stays any.
func inferTypes(v *view) []string {
	if !v.hasEnum || len(v.enum) == 0 {
		return nil
	}
	var types []string
	for _, e := range v.enum {
		t := jsonType(e)
		if t == "integer" {
			t = "number"
		}
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

// A structDecl is a named struct type being generated. Its name is settled after every tool is
// built, when structs of the same shape have been merged (see [generator.finish]).
type structDecl struct {
	name    string // the Go name: set at once for XArgs and XResult, by finish for the others
	doc     string
	fields  []field
	omitted []string // properties whose names cannot be json tags
	root    bool     // XArgs or XResult
	result  bool     // the XResult type: has Blocks and Text

	want   string      // the name it asks for: its $defs key, else its property's (singular for items)
	parent *structDecl // the struct it was met in, for a clash
	home   string      // the root type of its document: XArgs or XResult
	seq    int         // creation order in the package
	keyed  bool        // its shape is known (it has been compared with the others)
	same   *structDecl // the earlier struct of the same shape that it is merged into
}

// canon returns the struct that sd is merged into, or sd.
func (sd *structDecl) canon() *structDecl {
	for sd.same != nil {
		sd = sd.same
	}
	return sd
}

type field struct {
	name, json string
	t          *goType
	ptr, omit  bool
	notes      []string // the parts of its comment, cleaned
	enum       []any
}

// shape is the Go shape of a struct whose field types have all been compared already: its fields
// (names, types, pointers, tags, enums, comments) and left-out properties. A field that refers to sd itself
// is "@self", so a recursive type can match another; one that refers to a struct still being
// built (a cycle through other types) is unique to it.
func (sd *structDecl) shape() string {
	var b strings.Builder
	for _, f := range sd.fields {
		b.WriteString(f.name + " " + f.json + " " + typeKey(f.t, sd))
		if f.ptr {
			b.WriteString(" ptr")
		}
		if f.omit {
			b.WriteString(" omit")
		}
		if len(f.enum) > 0 {
			b.WriteString(" " + compactJSON(f.enum))
		}
		// The comment too: two fields alike but described differently ("in euros", "in
		// cents") are different types, so that no tool shows another's meaning.
		b.WriteString(" " + compactJSON(f.notes))
		b.WriteString("\n")
	}
	b.WriteString("omitted " + strings.Join(sd.omitted, "\x00"))
	return b.String()
}

func typeKey(t *goType, self *structDecl) string {
	switch t.kind {
	case kStruct:
		switch d := t.decl; {
		case d == self:
			return "@self"
		case d.root:
			return "root " + d.name
		case !d.keyed:
			return "@" + strconv.Itoa(d.seq)
		default:
			return "struct " + strconv.Itoa(d.canon().seq)
		}
	case kSlice:
		return "[]" + typeKey(t.elem, self)
	case kMap:
		return "map[string]" + typeKey(t.elem, self)
	}
	return t.String()
}

// maxNesting bounds how deep struct types nest; deeper objects become map[string]any. A
// pathological schema could otherwise cost seconds and gigabytes.
const maxNesting = 12

// objectType types an object view: a named struct, or map[string]any past maxNesting.
func (tg *toolGen) objectType(d *document, v *view) typeInfo {
	if len(tg.stack) >= maxNesting {
		return typeInfo{t: &goType{kind: kMap, elem: anyType}}
	}
	return typeInfo{t: &goType{kind: kStruct, decl: tg.structOf(d, v)}}
}

// structOf returns the struct type for the object view v, generating it on first use.
func (tg *toolGen) structOf(d *document, v *view) *structDecl {
	key := d.rootName + "\x00" + v.path
	if sd, ok := tg.structs[key]; ok {
		return sd
	}
	sd := tg.g.newStruct(d.rootName, wantName(d, v.path))
	if n := len(tg.stack); n > 0 {
		sd.parent = tg.stack[n-1]
	}
	sd.doc = v.description
	tg.structs[key] = sd
	tg.add(sd)
	tg.fillStruct(d, v, sd)
	return sd
}

// fillStruct adds the fields of the object view v (and of its object variants) to sd.
func (tg *toolGen) fillStruct(d *document, v *view, sd *structDecl) {
	tg.building[sd] = true
	tg.stack = append(tg.stack, sd)
	defer func() {
		delete(tg.building, sd)
		tg.stack = tg.stack[:len(tg.stack)-1]
		tg.g.done = append(tg.g.done, sd)
	}()

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
		f := field{name: names.claim(GoName(k)), json: k, t: ti.t, omit: !required, enum: ti.enum}
		switch ti.t.kind {
		case kString, kInt, kFloat, kBool:
			f.ptr = !d.result && (!required || ti.nullable)
		case kStruct:
			f.ptr = !d.result && (!required || ti.nullable) || tg.building[ti.t.decl]
		}
		f.notes = fieldNotes(d.viewOf(s, map[string]bool{}), ti)
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
		if o.t.kind != ti.t.kind || o.t.kind == kStruct || o.t.String() != ti.t.String() {
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

// fieldNotes are the parts of a field's comment: its description, allowed values and default.
func fieldNotes(v *view, ti typeInfo) []string {
	var notes []string
	if d := cleanText(v.description); d != "" {
		notes = append(notes, d)
	}
	if len(ti.enum) > 0 {
		vals := make([]string, len(ti.enum))
		for i, e := range ti.enum {
			vals[i] = compactJSON(e)
		}
		prefix := "One of: "
		switch ti.t.kind {
		case kSlice:
			prefix = "Each one of: "
		case kMap:
			prefix = "Each value one of: "
		}
		notes = append(notes, cleanText(prefix+strings.Join(vals, ", ")+"."))
	}
	if len(ti.union) > 0 {
		notes = append(notes, "JSON "+strings.Join(ti.union, " or ")+".")
	}
	if v.hasDefault {
		notes = append(notes, cleanText("Default: "+compactJSON(v.def)+"."))
	}
	return notes
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

func unescapeToken(tok string) string {
	return pointerUnescaper.Replace(tok)
}

// wantName is the name a struct type asks for, from its place: the key K of "/$defs/K" or
// "/definitions/K", else the last property on its path (as GoName), made singular for the items
// of an array ("entities" -> Entity) and suffixed "Value" for the values of a map.
func wantName(d *document, path string) string {
	name := ""
	toks := strings.Split(path, "/")[1:]
	for i := 0; i < len(toks); i++ {
		switch toks[i] {
		case "properties", "$defs", "definitions":
			if i+1 < len(toks) {
				name = GoName(unescapeToken(toks[i+1]))
				i++
			}
		case "items":
			name = singular(name)
		case "additionalProperties":
			name += "Value"
		}
	}
	if name == "" || name == "Value" {
		return d.rootName + "Item"
	}
	return name
}

// singular makes the last word of a Go name singular, by simple rules on its ending: "ies" -> "y"
// (Entities -> Entity), "sses", "shes", "ches", "xes", "zes" lose "es" (Addresses -> Address),
// "ss", "us" and "is" stay, any other final "s" goes (Relations -> Relation).
func singular(name string) string {
	switch {
	case strings.HasSuffix(name, "ies") && len(name) > 4:
		return name[:len(name)-3] + "y"
	case strings.HasSuffix(name, "sses"), strings.HasSuffix(name, "shes"), strings.HasSuffix(name, "ches"),
		strings.HasSuffix(name, "xes"), strings.HasSuffix(name, "zes"):
		return name[:len(name)-2]
	case strings.HasSuffix(name, "ss"), strings.HasSuffix(name, "us"), strings.HasSuffix(name, "is"):
		return name
	case strings.HasSuffix(name, "s") && len(name) > 1:
		return name[:len(name)-1]
	}
	return name
}

// A constDecl is a group of enum constants. Its names are settled with the struct names.
type constDecl struct {
	tg     *toolGen
	d      *document
	path   string
	t      *goType
	enum   []any
	doc    string
	names  []string
	values []jen.Code
	same   *constDecl // an earlier group with the same names and values: this one is left out
}

// constsOf records a constant group for the enum values of the subschema at path that fit the Go
// type t.
func (tg *toolGen) constsOf(d *document, path string, t *goType, enum []any) {
	key := d.rootName + "\x00" + path
	if tg.consts[key] {
		return
	}
	tg.consts[key] = true
	cd := &constDecl{tg: tg, d: d, path: path, t: t, enum: enum}
	tg.add(cd)
	tg.g.consts = append(tg.g.consts, cd)
}

// place returns the struct that a constant group belongs to (the one whose field, or a field's
// items or map values, it constrains), the prefix of its names and its place for the comment:
// "EchoArgs.mode", "Edit.kind", "EditFileArgs.edits[]", "Kind" (a $defs entry).
func (cd *constDecl) place() (owner *structDecl, prefix, loc string) {
	toks := strings.Split(cd.path, "/")[1:]
	var rest []string
	for n := len(toks); n >= 0; n-- {
		p := ""
		if n > 0 {
			p = "/" + strings.Join(toks[:n], "/")
		}
		if sd, ok := cd.tg.structs[cd.d.rootName+"\x00"+p]; ok {
			owner, rest = sd.canon(), toks[n:]
			break
		}
	}
	prefix, loc = cd.d.rootName, cd.d.rootName
	if owner != nil {
		prefix, loc = owner.name, owner.name
	}
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case "properties":
			if i+1 < len(rest) {
				k := unescapeToken(rest[i+1])
				prefix += GoName(k)
				loc += "." + k
				i++
			}
		case "$defs", "definitions":
			if i+1 < len(rest) {
				k := unescapeToken(rest[i+1])
				prefix, loc = GoName(k), k
				i++
			}
		case "items":
			loc += "[]"
		case "additionalProperties":
			prefix += "Value"
			loc += "[key]"
		}
	}
	return owner, prefix, loc
}
