package jsonnorm

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"reflect"
	"strconv"
	"strings"
)

// Integers returns value (a tool's structuredContent) with each number that schema (the tool's
// output schema) types as an integer, and that is written with a fraction or an exponent
// (1.0, -2.0, 1e2), rewritten as an integer literal (1, -2, 100). schema is the decoded JSON
// (a map[string]any or a bool), raw JSON ([]byte, json.RawMessage) or any value that marshals
// to a schema. It returns value itself when nothing changes, and on any input it does not
// understand.
func Integers(schema any, value []byte) []byte {
	if !hasIntegralFraction(value) {
		return value
	}
	return safely(modeIntegers, schema, value)
}

// EmptyRequired returns args (a tool's arguments) with each null in a required property whose
// schema (in the tool's input schema) is an array or an object, and does not allow null,
// replaced by [] or {}: in nested objects and arrays too. schema is as for [Integers]. It
// returns args itself when nothing changes, and on any input it does not understand.
func EmptyRequired(schema any, args []byte) []byte {
	if !hasNull(args) {
		return args
	}
	return safely(modeNulls, schema, args)
}

type mode int

const (
	modeIntegers mode = iota
	modeNulls
)

// Bounds of the work on one input. Past any of them the input comes back unchanged.
const (
	maxSteps = 4 << 20 // values visited plus schemas expanded
	// maxAltSchemas bounds the schemas that one alternative combines (allOf and the like): past
	// it, combining them would cost more than the value is worth.
	maxAltSchemas = 64
	maxDepth      = 1000 // nesting of the JSON
	maxRefs       = 32   // $ref, allOf, anyOf and oneOf followed in a row
	maxAlts       = 64   // alternatives a schema may stand for
	maxDigits     = 40   // digits of a rewritten integer
)

// safely runs normalize, returning data if it panics: a bug here must never take down the
// process that serves every run.
func safely(m mode, schema any, data []byte) (out []byte) {
	defer func() {
		if recover() != nil {
			out = data
		}
	}()
	return normalize(m, schema, data)
}

// edit replaces data[start:end] with text.
type edit struct {
	start, end int64
	text       string
}

func normalize(m mode, schema any, data []byte) []byte {
	root, ok := decodeSchema(schema)
	if !ok {
		return data
	}
	w := &walker{mode: m, root: root, cache: map[uintptr]expansion{}}
	w.dec = json.NewDecoder(bytes.NewReader(data))
	w.dec.UseNumber()
	alts, known := w.expand(root, 0)
	if err := w.value(alts, known, "", 0); err != nil {
		return data
	}
	if _, err := w.dec.Token(); err != io.EOF {
		return data // trailing data: not one JSON value
	}
	if len(w.edits) == 0 {
		return data
	}
	out := make([]byte, 0, len(data)+2*len(w.edits))
	var at int64
	for _, e := range w.edits {
		out = append(out, data[at:e.start]...)
		out = append(out, e.text...)
		at = e.end
	}
	return append(out, data[at:]...)
}

// decodeSchema returns schema as decoded JSON.
func decodeSchema(schema any) (any, bool) {
	var raw []byte
	switch s := schema.(type) {
	case nil:
		return nil, false
	case map[string]any, bool:
		return s, true
	case json.RawMessage:
		raw = s
	case []byte:
		raw = s
	default:
		b, err := json.Marshal(s)
		if err != nil {
			return nil, false
		}
		raw = b
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, false
	}
	switch v.(type) {
	case map[string]any, bool:
		return v, true
	}
	return nil, false
}

// An alt is one alternative a schema allows: schemas that all apply to the value (a schema's
// own keywords, the target of its $ref, its allOf members, one branch of its anyOf).
type alt []map[string]any

type expansion struct {
	alts  []alt
	known bool
}

var (
	errBudget = errors.New("jsonnorm: too much work")
	errDepth  = errors.New("jsonnorm: too deep")
	errSyntax = errors.New("jsonnorm: unexpected token")
)

type walker struct {
	mode  mode
	root  any
	dec   *json.Decoder
	steps int
	cache map[uintptr]expansion
	edits []edit
}

func (w *walker) step() error {
	w.steps++
	if w.steps > maxSteps {
		return errBudget
	}
	return nil
}

// value reads the next JSON value, which alts (when known) describe, and records the edits it
// needs. onNull replaces the value when it is null.
func (w *walker) value(alts []alt, known bool, onNull string, depth int) error {
	if err := w.step(); err != nil {
		return err
	}
	if depth > maxDepth {
		return errDepth
	}
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return w.object(alts, known, depth)
		case '[':
			return w.array(alts, known, depth)
		}
		return errSyntax
	case json.Number:
		if w.mode == modeIntegers && known && strings.ContainsAny(string(t), ".eE") && integerOnly(compatible(alts, "number")) {
			if lit, ok := integer(string(t)); ok {
				end := w.dec.InputOffset()
				w.edits = append(w.edits, edit{start: end - int64(len(t)), end: end, text: lit})
			}
		}
	case nil:
		if onNull != "" {
			end := w.dec.InputOffset()
			w.edits = append(w.edits, edit{start: end - int64(len("null")), end: end, text: onNull})
		}
	}
	return nil
}

func (w *walker) object(alts []alt, known bool, depth int) error {
	var compat []alt
	if known {
		compat = compatible(alts, "object")
	}
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return errSyntax
		}
		var child []alt
		childKnown := false
		if known && len(compat) > 0 {
			if child, childKnown, err = w.property(compat, key); err != nil {
				return err
			}
		}
		onNull := ""
		if w.mode == modeNulls && childKnown && required(compat, key) {
			onNull = emptyFor(child)
		}
		if err := w.value(child, childKnown, onNull, depth+1); err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // }
	return err
}

func (w *walker) array(alts []alt, known bool, depth int) error {
	var compat []alt
	if known {
		compat = compatible(alts, "array")
	}
	for i := 0; w.dec.More(); i++ {
		var child []alt
		childKnown := false
		if known && len(compat) > 0 {
			var err error
			if child, childKnown, err = w.item(compat, i); err != nil {
				return err
			}
		}
		if err := w.value(child, childKnown, "", depth+1); err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // ]
	return err
}

// property returns the alternatives for the property key of an object that compat describe.
func (w *walker) property(compat []alt, key string) ([]alt, bool, error) {
	return w.each(compat, func(m map[string]any) ([]any, bool) {
		if p, ok := m["properties"]; ok {
			props, ok := p.(map[string]any)
			if !ok {
				return nil, false
			}
			if s, ok := props[key]; ok {
				return []any{s}, true
			}
		}
		if pp, ok := m["patternProperties"]; ok {
			if pm, ok := pp.(map[string]any); !ok || len(pm) > 0 {
				return nil, false // the key may match a pattern: not followed
			}
		}
		if ap, ok := m["additionalProperties"]; ok {
			return []any{ap}, true
		}
		return nil, true
	})
}

// item returns the alternatives for element i of an array that compat describe.
func (w *walker) item(compat []alt, i int) ([]alt, bool, error) {
	return w.each(compat, func(m map[string]any) ([]any, bool) {
		items, hasItems := m["items"]
		if p, ok := m["prefixItems"]; ok {
			prefix, ok := p.([]any)
			switch {
			case !ok:
				return nil, false
			case i < len(prefix):
				return []any{prefix[i]}, true
			case hasItems:
				return []any{items}, true
			}
			return nil, true
		}
		if tuple, ok := items.([]any); ok {
			if i < len(tuple) {
				return []any{tuple[i]}, true
			}
			if more, ok := m["additionalItems"]; ok {
				return []any{more}, true
			}
			return nil, true
		}
		if hasItems {
			return []any{items}, true
		}
		return nil, true
	})
}

// each returns the alternatives of a child (a property or an element) of a value that compat
// describe: for each alternative, the schemas that pick takes from each of its schemas, all
// applying together. pick's false means a schema it cannot follow: the child is unknown.
func (w *walker) each(compat []alt, pick func(map[string]any) ([]any, bool)) ([]alt, bool, error) {
	var out []alt
	for _, a := range compat {
		var conj []any
		for _, m := range a {
			schemas, ok := pick(m)
			if !ok {
				return nil, false, nil
			}
			conj = append(conj, schemas...)
		}
		alts, known, err := w.all(conj)
		if err != nil || !known {
			return nil, false, err
		}
		out = append(out, alts...)
		if len(out) > maxAlts {
			return nil, false, nil
		}
	}
	return out, true, nil
}

// all returns the alternatives of schemas that all apply.
func (w *walker) all(schemas []any) ([]alt, bool, error) {
	out := []alt{{}}
	for _, s := range schemas {
		if err := w.step(); err != nil {
			return nil, false, err
		}
		alts, known := w.expand(s, 0)
		if !known {
			return nil, false, nil
		}
		if out, known = cross(out, alts); !known {
			return nil, false, nil
		}
	}
	return out, true, nil
}

// expand returns the alternatives schema s allows, and false when it cannot tell: a schema that
// is not an object or a boolean, a $ref it cannot resolve, too many alternatives, too deep.
func (w *walker) expand(s any, depth int) ([]alt, bool) {
	if depth > maxRefs {
		return nil, false
	}
	switch s := s.(type) {
	case bool:
		if s {
			return []alt{{}}, true
		}
		return nil, true // nothing is valid
	case map[string]any:
		key := reflect.ValueOf(s).Pointer()
		if e, ok := w.cache[key]; ok {
			return e.alts, e.known
		}
		if w.step() != nil {
			return nil, false
		}
		w.cache[key] = expansion{} // a cycle through $ref, allOf, anyOf or oneOf: not followed
		alts, known := w.expandMap(s, depth)
		w.cache[key] = expansion{alts, known}
		return alts, known
	}
	return nil, false
}

func (w *walker) expandMap(s map[string]any, depth int) ([]alt, bool) {
	out := []alt{{s}}
	ok := true
	if r, has := s["$ref"]; has {
		ref, isString := r.(string)
		target, found := w.resolve(ref)
		if !isString || !found {
			return nil, false
		}
		alts, known := w.expand(target, depth+1)
		if !known {
			return nil, false
		}
		if out, ok = cross(out, alts); !ok {
			return nil, false
		}
	}
	if v, has := s["allOf"]; has {
		members, isList := v.([]any)
		if !isList {
			return nil, false
		}
		for _, m := range members {
			alts, known := w.expand(m, depth+1)
			if !known {
				return nil, false
			}
			if out, ok = cross(out, alts); !ok {
				return nil, false
			}
		}
	}
	for _, k := range []string{"anyOf", "oneOf"} {
		v, has := s[k]
		if !has {
			continue
		}
		branches, isList := v.([]any)
		if !isList {
			return nil, false
		}
		var union []alt
		for _, b := range branches {
			alts, known := w.expand(b, depth+1)
			if !known {
				return nil, false
			}
			union = append(union, alts...)
			if len(union) > maxAlts {
				return nil, false
			}
		}
		if out, ok = cross(out, union); !ok {
			return nil, false
		}
	}
	return out, true
}

// cross returns each alternative of a combined with each of b.
func cross(a, b []alt) ([]alt, bool) {
	if len(a)*len(b) > maxAlts {
		return nil, false
	}
	out := make([]alt, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			if len(x)+len(y) > maxAltSchemas {
				return nil, false // a schema this large is odd: leave the value alone
			}
			c := make(alt, 0, len(x)+len(y))
			out = append(out, append(append(c, x...), y...))
		}
	}
	return out, true
}

// resolve returns the schema a local $ref (a JSON pointer within the root schema) points to.
func (w *walker) resolve(ref string) (any, bool) {
	ptr, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, false
	}
	ptr, err := url.PathUnescape(ptr)
	if err != nil {
		return nil, false
	}
	cur := w.root
	if ptr == "" {
		return cur, true
	}
	if ptr[0] != '/' {
		return nil, false // a named anchor
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			if cur, ok = c[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) || tok != strconv.Itoa(i) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// types returns the JSON types schema m allows, and false when it does not say (no type, or
// one this package does not read).
func types(m map[string]any) ([]string, bool) {
	switch t := m["type"].(type) {
	case string:
		return []string{t}, true
	case []any:
		out := make([]string, 0, len(t))
		for _, v := range t {
			s, ok := v.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// allows reports whether schema m may hold a value of the JSON type kind ("number" for any
// number). A schema that does not say allows every kind.
func allows(m map[string]any, kind string) bool {
	if kind == "null" && m["nullable"] == true {
		return true
	}
	ts, ok := types(m)
	if !ok {
		return true
	}
	for _, t := range ts {
		if t == kind || kind == "number" && t == "integer" {
			return true
		}
	}
	return false
}

// compatible returns the alternatives that allow a value of the JSON type kind.
func compatible(alts []alt, kind string) []alt {
	var out []alt
	for _, a := range alts {
		ok := true
		for _, m := range a {
			if !allows(m, kind) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, a)
		}
	}
	return out
}

// integerOnly reports whether each alternative of a number (at least one) holds integers only.
func integerOnly(alts []alt) bool {
	if len(alts) == 0 {
		return false
	}
	for _, a := range alts {
		found := false
		for _, m := range a {
			ts, ok := types(m)
			if ok && contains(ts, "integer") && !contains(ts, "number") {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// required reports whether key is required in each alternative (at least one).
func required(alts []alt, key string) bool {
	if len(alts) == 0 {
		return false
	}
	for _, a := range alts {
		found := false
		for _, m := range a {
			if list, ok := m["required"].([]any); ok {
				for _, r := range list {
					if r == key {
						found = true
						break
					}
				}
			}
			if found {
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// emptyFor returns "[]" when every alternative is an array that does not allow null, "{}" when
// every one is such an object, and "" otherwise.
func emptyFor(alts []alt) string {
	if len(alts) == 0 || len(compatible(alts, "null")) > 0 {
		return ""
	}
	kind := ""
	for _, a := range alts {
		k := onlyKind(a)
		if k == "" || kind != "" && k != kind {
			return ""
		}
		kind = k
	}
	switch kind {
	case "array":
		return "[]"
	case "object":
		return "{}"
	}
	return ""
}

// onlyKind returns "array" or "object" when those are the only JSON type alternative a allows.
func onlyKind(a alt) string {
	for _, kind := range []string{"array", "object"} {
		only := true
		said := false
		for _, m := range a {
			ts, ok := types(m)
			if !ok {
				continue
			}
			said = true
			for _, t := range ts {
				if t != kind && t != "null" { // null is excluded by the caller
					only = false
				}
			}
			if !contains(ts, kind) {
				only = false
			}
		}
		if said && only {
			return kind
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// integer returns the JSON number lit as an integer literal when its value is an integer of at
// most maxDigits digits.
func integer(lit string) (string, bool) {
	s, neg := strings.CutPrefix(lit, "-")
	mant, exp := s, ""
	hasExp := false
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant, exp, hasExp = s[:i], s[i+1:], true
	}
	ip, fp, hasPoint := strings.Cut(mant, ".")
	if ip == "" || !digits(ip) || !digits(fp) || hasPoint && fp == "" {
		return "", false
	}
	if len(ip) > 1 && ip[0] == '0' {
		return "", false // not JSON
	}
	e := 0
	if hasExp {
		sign := 1
		if rest, ok := strings.CutPrefix(exp, "-"); ok {
			sign, exp = -1, rest
		} else {
			exp = strings.TrimPrefix(exp, "+")
		}
		if exp == "" || !digits(exp) {
			return "", false
		}
		exp = strings.TrimLeft(exp, "0")
		if len(exp) > 9 {
			if strings.Trim(ip+fp, "0") == "" {
				return "0", true
			}
			return "", false
		}
		n, _ := strconv.Atoi("0" + exp)
		e = sign * n
	}
	all := ip + fp
	trimmed := strings.TrimLeft(all, "0")
	point := len(ip) + e - (len(all) - len(trimmed))
	if trimmed == "" {
		return "0", true
	}
	if point <= 0 {
		return "", false
	}
	if point < len(trimmed) {
		if strings.Trim(trimmed[point:], "0") != "" {
			return "", false
		}
		trimmed = trimmed[:point]
	} else {
		if point > maxDigits {
			return "", false
		}
		trimmed += strings.Repeat("0", point-len(trimmed))
	}
	if len(trimmed) > maxDigits {
		return "", false
	}
	if neg {
		return "-" + trimmed, true
	}
	return trimmed, true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// scan calls f with each stretch of data outside JSON strings, until f returns true.
func scan(data []byte, f func(outside []byte) bool) bool {
	for len(data) > 0 {
		q := bytes.IndexByte(data, '"')
		if q < 0 {
			return f(data)
		}
		if f(data[:q]) {
			return true
		}
		data = data[q+1:]
		for { // the string's end: a quote not escaped
			e := bytes.IndexAny(data, `"\`)
			if e < 0 {
				return false
			}
			if data[e] == '"' {
				data = data[e+1:]
				break
			}
			if e+2 > len(data) {
				return false
			}
			data = data[e+2:]
		}
	}
	return false
}

// hasNull reports whether data holds a null outside its strings.
func hasNull(data []byte) bool {
	return scan(data, func(b []byte) bool { return bytes.IndexByte(b, 'n') >= 0 })
}

// hasIntegralFraction reports whether data holds, outside its strings, an integer written
// with a fraction or an exponent.
func hasIntegralFraction(data []byte) bool {
	return scan(data, func(b []byte) bool {
		for i := 0; i < len(b); {
			c := b[i]
			if c != '-' && (c < '0' || c > '9') {
				i++
				continue
			}
			j := i + 1
			for j < len(b) && strings.IndexByte("0123456789+-.eE", b[j]) >= 0 {
				j++
			}
			if lit := string(b[i:j]); strings.ContainsAny(lit, ".eE") {
				if _, ok := integer(lit); ok {
					return true
				}
			}
			i = j
		}
		return false
	})
}
