package codegen

import (
	"encoding/json"
	"net/url"
	"sort"
	"strings"
)

// A document is one JSON Schema as it arrived (a tool's input or output schema), decoded with
// json.Number for numbers. Subschemas are addressed by their canonical JSON pointer, which is what
// gives a nested type its identity: a $ref to a subschema and the subschema itself share one type.
type document struct {
	root     any
	rootName string            // the Go type of the root: XArgs or XResult
	result   bool              // an output schema: its types are decoded, not sent
	anchors  map[string]string // $anchor -> pointer, built on first use
}

var (
	pointerEscaper   = strings.NewReplacer("~", "~0", "/", "~1")
	pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")
)

// schema is a subschema and its canonical pointer ("" for the root).
type schema struct {
	path string
	m    map[string]any // nil for a boolean schema or anything that is not an object
}

func (d *document) at(path string) schema {
	v := d.root
	if path != "" {
		for _, tok := range strings.Split(path[1:], "/") {
			tok = pointerUnescaper.Replace(tok)
			switch c := v.(type) {
			case map[string]any:
				v = c[tok]
			case []any:
				i, ok := index(tok)
				if !ok || i >= len(c) {
					return schema{path: path}
				}
				v = c[i]
			default:
				return schema{path: path}
			}
		}
	}
	m, _ := v.(map[string]any)
	return schema{path: path, m: m}
}

func index(tok string) (int, bool) {
	if tok == "" || len(tok) > 6 {
		return 0, false
	}
	n := 0
	for _, c := range tok {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// child returns the subschema under the keywords in keys, e.g. child("properties", "a").
func (d *document) child(s schema, keys ...string) schema {
	p := s.path
	for _, k := range keys {
		p += "/" + pointerEscaper.Replace(k)
	}
	return d.at(p)
}

// resolve follows a local $ref: "#", "#/json/pointer" (percent-encoded or not) or "#anchor".
// It reports false for a remote or dangling reference.
func (d *document) resolve(ref string) (schema, bool) {
	if !strings.HasPrefix(ref, "#") {
		return schema{}, false
	}
	frag := ref[1:]
	if u, err := url.PathUnescape(frag); err == nil {
		frag = u
	}
	if frag != "" && !strings.HasPrefix(frag, "/") {
		p, ok := d.anchor(frag)
		if !ok {
			return schema{}, false
		}
		frag = p
	}
	s := d.at(strings.TrimSuffix(frag, "/"))
	if s.m == nil {
		return s, s.path == "" && d.root != nil
	}
	return s, true
}

func (d *document) anchor(name string) (string, bool) {
	if d.anchors == nil {
		d.anchors = map[string]string{}
		var walk func(v any, path string)
		walk = func(v any, path string) {
			switch c := v.(type) {
			case map[string]any:
				if a, ok := c["$anchor"].(string); ok {
					if _, dup := d.anchors[a]; !dup {
						d.anchors[a] = path
					}
				}
				for _, k := range sortedKeys(c) {
					walk(c[k], path+"/"+pointerEscaper.Replace(k))
				}
			case []any:
				for i, e := range c {
					walk(e, path+"/"+itoa(i))
				}
			}
		}
		walk(d.root, "")
	}
	p, ok := d.anchors[name]
	return p, ok
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// A view is a subschema with its $ref followed and its allOf folded in: everything the type
// mapping needs, in one place.
type view struct {
	path        string // identity of the view: the ref target, or the schema itself
	types       []string
	nullable    bool
	props       map[string]schema
	required    map[string]bool
	items       *schema
	tuple       bool    // prefixItems: the elements differ by position
	addl        *schema // additionalProperties as a schema (nil when absent, true or false)
	hasEnum     bool
	enum        []any
	variants    []schema // anyOf/oneOf members that describe a value (not constraints only)
	open        bool     // an anyOf/oneOf member says nothing of the type: true, {} or constraints only
	description string
	def         any
	hasDefault  bool
}

// viewOf builds the view of s. seen guards against $ref and allOf cycles.
func (d *document) viewOf(s schema, seen map[string]bool) *view {
	v := &view{path: s.path, props: map[string]schema{}, required: map[string]bool{}}
	d.fold(v, s, seen, true)
	return v
}

func (d *document) fold(v *view, s schema, seen map[string]bool, top bool) {
	m := s.m
	if m == nil {
		return
	}
	if seen[s.path] {
		return
	}
	seen[s.path] = true
	defer delete(seen, s.path)

	if desc, ok := m["description"].(string); ok && v.description == "" {
		v.description = desc
	}
	if t, ok := m["title"].(string); ok && v.description == "" && top {
		v.description = t
	}
	if def, ok := m["default"]; ok && !v.hasDefault {
		v.def, v.hasDefault = def, true
	}
	if n, ok := m["nullable"].(bool); ok && n {
		v.nullable = true
	}
	if ref, ok := m["$ref"].(string); ok {
		// A dangling or cyclic $ref adds nothing: the value stays "any" unless siblings say more.
		if target, ok := d.resolve(ref); ok && !seen[target.path] {
			if top {
				v.path = target.path
			}
			d.fold(v, target, seen, top)
		}
	}
	switch t := m["type"].(type) {
	case string:
		v.addType(t)
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok {
				v.addType(s)
			}
		}
	}
	if props, ok := m["properties"].(map[string]any); ok {
		for _, k := range sortedKeys(props) {
			if _, dup := v.props[k]; !dup {
				v.props[k] = d.child(s, "properties", k)
			}
		}
	}
	if req, ok := m["required"].([]any); ok {
		for _, r := range req {
			if name, ok := r.(string); ok {
				v.required[name] = true
			}
		}
	}
	if _, ok := m["items"].(map[string]any); ok && v.items == nil {
		it := d.child(s, "items")
		v.items = &it
	}
	if _, ok := m["prefixItems"]; ok {
		v.tuple = true
	}
	if _, ok := m["additionalProperties"].(map[string]any); ok && v.addl == nil {
		ap := d.child(s, "additionalProperties")
		v.addl = &ap
	}
	if e, ok := m["enum"].([]any); ok && !v.hasEnum {
		v.hasEnum = true
		for _, x := range e {
			if x == nil {
				v.nullable = true
				continue
			}
			v.enum = append(v.enum, x)
		}
	}
	if c, ok := m["const"]; ok && !v.hasEnum {
		v.hasEnum = true
		if c == nil {
			v.nullable = true
		} else {
			v.enum = []any{c}
		}
	}
	if all, ok := m["allOf"].([]any); ok {
		for i := range all {
			d.fold(v, d.child(s, "allOf", itoa(i)), seen, false)
		}
	}
	for _, kw := range []string{"anyOf", "oneOf"} {
		list, ok := m[kw].([]any)
		if !ok {
			continue
		}
		for i, raw := range list {
			member := d.child(s, kw, itoa(i))
			switch {
			case raw == false:
				// Matches nothing.
			case isNullSchema(member.m):
				v.nullable = true
			case describesValue(member.m):
				v.variants = append(v.variants, member)
			default:
				v.open = true
			}
		}
	}
}

func (v *view) addType(t string) {
	if t == "null" {
		v.nullable = true
		return
	}
	for _, have := range v.types {
		if have == t {
			return
		}
	}
	v.types = append(v.types, t)
}

func isNullSchema(m map[string]any) bool {
	if m == nil {
		return false
	}
	if t, ok := m["type"].(string); ok && t == "null" {
		return true
	}
	if c, ok := m["const"]; ok && c == nil {
		return true
	}
	return false
}

// describesValue reports whether a subschema says what a value is, as opposed to a subschema that
// only adds constraints (like {"required": ["phone"]} inside an anyOf).
func describesValue(m map[string]any) bool {
	for _, k := range []string{"type", "properties", "items", "$ref", "enum", "const", "anyOf", "oneOf", "allOf", "additionalProperties"} {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}

// decodeJSON decodes b keeping numbers as json.Number, so that enum values and defaults keep
// their exact text.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}
