package jsonnorm

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzNormalize: whatever the schema and the JSON, both functions return without panicking
// (normalize is called directly, past the recover of the exported functions), change only
// valid JSON, keep it valid, change no value's meaning beyond their rules, and are
// idempotent.
func FuzzNormalize(f *testing.F) {
	seeds := []struct{ schema, value string }{
		{serverMemoryCreateEntities, `{"entities":[{"entityType":"team","name":"x","observations":null}]}`},
		{`{"type":"object","properties":{"count":{"type":"integer"},"r":{"type":"number"}},"required":["count"]}`, `{"count": 3.0, "r": 1.0}`},
		{`{"$ref":"#/definitions/node","definitions":{"node":{"type":"object","properties":{"v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/definitions/node"}}}}}}`, `{"v":1.0,"kids":[{"v":2e0,"kids":[]}]}`},
		{`{"type":"object","properties":{"n":{"anyOf":[{"type":"integer"},{"type":"null"}]},"t":{"type":["array","null"]}},"required":["t","n"]}`, `{"n":-0.0,"t":null}`},
		{`{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":{"type":"object","required":["a"],"properties":{"a":{"type":"object"}}}}`, `["1.0",2.0,{"a":null}]`},
		{`{"allOf":[{"type":"object"},{"properties":{"n":{"type":"integer"}},"additionalProperties":{"type":"array"},"required":["m"]}]}`, `{"n":1e2,"m":null}`},
		{`{"oneOf":[{"$ref":"#"},{"type":"integer"}]}`, `1.0`},
		{`true`, `null`},
		{`{"type":7,"properties":[]}`, `{"a":1.0`},
		{`{"type":"integer"}`, `0.0e999999999999`},
	}
	for _, s := range seeds {
		f.Add(s.schema, s.value)
	}
	f.Fuzz(func(t *testing.T, schemaText, value string) {
		var schema any
		if json.Unmarshal([]byte(schemaText), &schema) != nil {
			schema = json.RawMessage(schemaText)
		}
		in := []byte(value)
		valid := json.Valid(in)
		for _, m := range []mode{modeIntegers, modeNulls} {
			out := normalize(m, schema, bytes.Clone(in))
			if bytes.Equal(out, in) {
				continue
			}
			if !valid {
				t.Fatalf("mode %d changed invalid JSON %q into %q", m, in, out)
			}
			if !json.Valid(out) {
				t.Fatalf("mode %d turned %q into invalid JSON %q", m, in, out)
			}
			if again := normalize(m, schema, bytes.Clone(out)); !bytes.Equal(again, out) {
				t.Fatalf("mode %d is not idempotent: %q -> %q -> %q", m, in, out, again)
			}
			var a, b any
			json.Unmarshal(in, &a)
			json.Unmarshal(out, &b)
			if m == modeIntegers && !reflect.DeepEqual(a, b) {
				t.Fatalf("Integers changed a value: %q -> %q", in, out)
			}
			if m == modeNulls && !sameButNulls(a, b) {
				t.Fatalf("EmptyRequired changed more than nulls: %q -> %q", in, out)
			}
		}
	})
}

// sameButNulls reports whether b is a with some nulls replaced by [] or {}.
func sameButNulls(a, b any) bool {
	switch a := a.(type) {
	case nil:
		switch b := b.(type) {
		case nil:
			return true
		case []any:
			return len(b) == 0
		case map[string]any:
			return len(b) == 0
		}
		return false
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(bm) != len(a) {
			return false
		}
		for k, v := range a {
			if w, ok := bm[k]; !ok || !sameButNulls(v, w) {
				return false
			}
		}
		return true
	case []any:
		bs, ok := b.([]any)
		if !ok || len(bs) != len(a) {
			return false
		}
		for i := range a {
			if !sameButNulls(a[i], bs[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}
