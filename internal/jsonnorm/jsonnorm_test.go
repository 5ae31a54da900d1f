package jsonnorm

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// schemaOf decodes a schema written as JSON, as a client receives it.
func schemaOf(t testing.TB, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad test schema %s: %v", s, err)
	}
	return v
}

func TestIntegers(t *testing.T) {
	const counted = `{"type":"object","properties":{"count":{"type":"integer"},"ratio":{"type":"number"},"name":{"type":"string"}}}`
	tests := []struct {
		name, schema, in, want string
	}{
		{"integral fraction", counted, `{"count": 3.0}`, `{"count": 3}`},
		{"negative", counted, `{"count":-2.0}`, `{"count":-2}`},
		{"exponent", counted, `{"count":1e2}`, `{"count":100}`},
		{"exponent with fraction", counted, `{"count":1.5E+1}`, `{"count":15}`},
		{"negative exponent", counted, `{"count":1200e-2}`, `{"count":12}`},
		{"negative zero", counted, `{"count":-0.0}`, `{"count":0}`},
		{"zero with a huge exponent", counted, `{"count":0.0e999999999999}`, `{"count":0}`},
		{"not integral", counted, `{"count":1.5}`, `{"count":1.5}`},
		{"tiny", counted, `{"count":1e-999999999999}`, `{"count":1e-999999999999}`},
		{"too many digits", counted, `{"count":1e300}`, `{"count":1e300}`},
		{"already an integer", counted, `{"count":3}`, `{"count":3}`},
		{"a number field is kept", counted, `{"ratio":2.0,"count":2.0}`, `{"ratio":2.0,"count":2}`},
		{"a string is kept", counted, `{"name":"1.0","count":"1.0"}`, `{"name":"1.0","count":"1.0"}`},
		{"order, spacing and escapes are kept", counted, "{ \"name\" : \"a\\\"1.0\\u00e9\",\n  \"count\" : 7.00 }", "{ \"name\" : \"a\\\"1.0\\u00e9\",\n  \"count\" : 7 }"},
		{"an unknown property is kept", counted, `{"other":1.0}`, `{"other":1.0}`},
		{
			"items and additionalProperties",
			`{"type":"object","properties":{"ids":{"type":"array","items":{"type":"integer"}}},"additionalProperties":{"type":"integer"}}`,
			`{"ids":[1.0,2,3e0],"extra":4.0}`, `{"ids":[1,2,3],"extra":4}`,
		},
		{
			"nested arrays of objects",
			`{"type":"object","properties":{"rows":{"type":"array","items":{"type":"array","items":{"type":"object","properties":{"n":{"type":"integer"}}}}}}}`,
			`{"rows":[[{"n":1.0},{"n":2.5}],[{"n":-3.0}]]}`, `{"rows":[[{"n":1},{"n":2.5}],[{"n":-3}]]}`,
		},
		{
			"$ref to $defs",
			`{"type":"object","properties":{"item":{"$ref":"#/$defs/Item"}},"$defs":{"Item":{"type":"object","properties":{"n":{"type":"integer"}}}}}`,
			`{"item":{"n":5.0}}`, `{"item":{"n":5}}`,
		},
		{
			"$ref to definitions, recursive",
			`{"$ref":"#/definitions/node","definitions":{"node":{"type":"object","properties":{"v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/definitions/node"}}}}}}`,
			`{"v":1.0,"kids":[{"v":2.0,"kids":[{"v":3.0}]}]}`, `{"v":1,"kids":[{"v":2,"kids":[{"v":3}]}]}`,
		},
		{
			"$ref to a property, escaped",
			`{"type":"object","properties":{"a/b":{"type":"integer"},"c":{"$ref":"#/properties/a~1b"}}}`,
			`{"a/b":1.0,"c":2.0}`, `{"a/b":1,"c":2}`,
		},
		{"$ref to the root", `{"type":"object","properties":{"n":{"type":"integer"},"next":{"$ref":"#"}}}`, `{"n":1.0,"next":{"n":2.0}}`, `{"n":1,"next":{"n":2}}`},
		{"integer or null", `{"type":"object","properties":{"n":{"type":["integer","null"]}}}`, `{"n":1.0}`, `{"n":1}`},
		{"anyOf integer and null", `{"type":"object","properties":{"n":{"anyOf":[{"type":"integer"},{"type":"null"}]}}}`, `{"n":1.0}`, `{"n":1}`},
		{"anyOf integer and string", `{"type":"object","properties":{"n":{"anyOf":[{"type":"integer"},{"type":"string"}]}}}`, `{"n":1.0}`, `{"n":1}`},
		{"anyOf integer and number: ambiguous", `{"type":"object","properties":{"n":{"anyOf":[{"type":"integer"},{"type":"number"}]}}}`, `{"n":1.0}`, `{"n":1.0}`},
		{"integer or number: ambiguous", `{"type":"object","properties":{"n":{"type":["integer","number"]}}}`, `{"n":1.0}`, `{"n":1.0}`},
		{"anyOf integer and untyped: ambiguous", `{"type":"object","properties":{"n":{"anyOf":[{"type":"integer"},{}]}}}`, `{"n":1.0}`, `{"n":1.0}`},
		{
			"oneOf objects that agree",
			`{"oneOf":[{"type":"object","properties":{"n":{"type":"integer"},"a":{"type":"string"}}},{"type":"object","properties":{"n":{"type":"integer"},"b":{"type":"string"}}}]}`,
			`{"n":1.0,"b":"x"}`, `{"n":1,"b":"x"}`,
		},
		{
			"oneOf objects that disagree",
			`{"oneOf":[{"type":"object","properties":{"n":{"type":"integer"}}},{"type":"object","properties":{"n":{"type":"number"}}}]}`,
			`{"n":1.0}`, `{"n":1.0}`,
		},
		{"allOf", `{"allOf":[{"type":"object"},{"properties":{"n":{"type":"integer"}}}]}`, `{"n":1.0}`, `{"n":1}`},
		{"allOf around a $ref", `{"type":"object","properties":{"x":{"allOf":[{"$ref":"#/$defs/I"}]}},"$defs":{"I":{"type":"integer"}}}`, `{"x":1.0}`, `{"x":1}`},
		{"tuple prefixItems", `{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":{"type":"integer"}}`, `["1.0",2.0,3.0]`, `["1.0",2,3]`},
		{"tuple items, additionalItems", `{"type":"array","items":[{"type":"number"},{"type":"integer"}],"additionalItems":{"type":"integer"}}`, `[1.0,2.0,3.0]`, `[1.0,2,3]`},
		{"patternProperties are not followed", `{"type":"object","patternProperties":{"^n":{"type":"number"}},"additionalProperties":{"type":"integer"}}`, `{"n":1.0}`, `{"n":1.0}`},
		{"a top-level integer", `{"type":"integer"}`, `4.0`, `4`},
		{"a value of another type is left alone", counted, `[1.0]`, `[1.0]`},
		{"schema true", `true`, `{"n":1.0}`, `{"n":1.0}`},
		{"schema false", `false`, `{"n":1.0}`, `{"n":1.0}`},
		{"remote $ref", `{"type":"object","properties":{"n":{"$ref":"https://example.com/int.json"}}}`, `{"n":1.0}`, `{"n":1.0}`},
		{"unresolved $ref", `{"type":"object","properties":{"n":{"$ref":"#/$defs/missing"}}}`, `{"n":1.0}`, `{"n":1.0}`},
		{"named anchor", `{"type":"object","properties":{"n":{"$ref":"#int"}}}`, `{"n":1.0}`, `{"n":1.0}`},
		{"a $ref cycle", `{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"type":"object","properties":{"n":{"$ref":"#/$defs/a"}}}`, `{"n":1.0}`, `{"n":1.0}`},
		{"garbage properties", `{"type":"object","properties":[1,2]}`, `{"n":1.0}`, `{"n":1.0}`},
		{"garbage type", `{"type":"object","properties":{"n":{"type":7}}}`, `{"n":1.0}`, `{"n":1.0}`},
		{"garbage anyOf", `{"type":"object","properties":{"n":{"anyOf":{"type":"integer"}}}}`, `{"n":1.0}`, `{"n":1.0}`},
		{"garbage JSON", counted, `{"count":1.0`, `{"count":1.0`},
		{"trailing data", counted, `{"count":1.0} {}`, `{"count":1.0} {}`},
		{"not JSON at all", counted, `1.0.0`, `1.0.0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(Integers(schemaOf(t, tt.schema), []byte(tt.in))); got != tt.want {
				t.Errorf("Integers(%s)\n got %s\nwant %s", tt.in, got, tt.want)
			}
		})
	}
}

// serverMemoryCreateEntities is server-memory's input schema of create_entities.
const serverMemoryCreateEntities = `{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "entities": {
      "type": "array",
      "items": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "entityType": {"type": "string"},
          "name": {"type": "string"},
          "observations": {"type": "array", "items": {"type": "string"}}
        },
        "required": ["name", "entityType", "observations"]
      }
    }
  },
  "required": ["entities"]
}`

func TestEmptyRequired(t *testing.T) {
	const lists = `{"type":"object","properties":{"tags":{"type":"array"},"meta":{"type":"object"},"opt":{"type":"array"},"name":{"type":"string"}},"required":["tags","meta","name"]}`
	tests := []struct {
		name, schema, in, want string
	}{
		{"server-memory create_entities", serverMemoryCreateEntities,
			`{"entities":[{"entityType":"team","name":"x","observations":null},{"entityType":"t","name":"y","observations":["a"]}]}`,
			`{"entities":[{"entityType":"team","name":"x","observations":[]},{"entityType":"t","name":"y","observations":["a"]}]}`},
		{"required array and object", lists, `{"tags":null,"meta":null,"name":"n"}`, `{"tags":[],"meta":{},"name":"n"}`},
		{"a required string stays null", lists, `{"name":null}`, `{"name":null}`},
		{"an optional array stays null", lists, `{"opt":null}`, `{"opt":null}`},
		{"nothing to do", lists, `{"tags":[],"meta":{}}`, `{"tags":[],"meta":{}}`},
		{"a null string is kept", lists, `{"name":"null","tags":null}`, `{"name":"null","tags":[]}`},
		{"nullable type", `{"type":"object","properties":{"t":{"type":["array","null"]}},"required":["t"]}`, `{"t":null}`, `{"t":null}`},
		{"nullable: true", `{"type":"object","properties":{"t":{"type":"array","nullable":true}},"required":["t"]}`, `{"t":null}`, `{"t":null}`},
		{"anyOf with null", `{"type":"object","properties":{"t":{"anyOf":[{"type":"array"},{"type":"null"}]}},"required":["t"]}`, `{"t":null}`, `{"t":null}`},
		{"anyOf with an untyped branch", `{"type":"object","properties":{"t":{"anyOf":[{"type":"array"},{}]}},"required":["t"]}`, `{"t":null}`, `{"t":null}`},
		{"anyOf array or object", `{"type":"object","properties":{"t":{"anyOf":[{"type":"array"},{"type":"object"}]}},"required":["t"]}`, `{"t":null}`, `{"t":null}`},
		{"untyped", `{"type":"object","properties":{"t":{}},"required":["t"]}`, `{"t":null}`, `{"t":null}`},
		{
			"$ref and nested arrays of objects",
			`{"type":"object","properties":{"groups":{"type":"array","items":{"type":"array","items":{"$ref":"#/$defs/E"}}}},"$defs":{"E":{"type":"object","properties":{"obs":{"type":"array"},"m":{"$ref":"#/$defs/M"}},"required":["obs","m"]},"M":{"type":"object"}}}`,
			`{"groups":[[{"obs":null,"m":null}],[{"obs":["x"],"m":{}}]]}`, `{"groups":[[{"obs":[],"m":{}}],[{"obs":["x"],"m":{}}]]}`,
		},
		{"required in allOf", `{"allOf":[{"type":"object","properties":{"t":{"type":"array"}}},{"required":["t"]}]}`, `{"t":null}`, `{"t":[]}`},
		{"required in one branch only", `{"anyOf":[{"type":"object","properties":{"t":{"type":"array"}},"required":["t"]},{"type":"object","properties":{"t":{"type":"array"}}}]}`, `{"t":null}`, `{"t":null}`},
		{"additionalProperties", `{"type":"object","additionalProperties":{"type":"array"},"required":["t"]}`, `{"t":null}`, `{"t":[]}`},
		{"schema absent", ``, `{"t":null}`, `{"t":null}`},
		{"garbage required", `{"type":"object","properties":{"t":{"type":"array"}},"required":"t"}`, `{"t":null}`, `{"t":null}`},
		{"garbage JSON", lists, `{"tags":null`, `{"tags":null`},
		{"top-level null", `{"type":"array"}`, `null`, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var schema any
			if tt.schema != "" {
				schema = schemaOf(t, tt.schema)
			}
			if got := string(EmptyRequired(schema, []byte(tt.in))); got != tt.want {
				t.Errorf("EmptyRequired(%s)\n got %s\nwant %s", tt.in, got, tt.want)
			}
		})
	}
}

// TestSchemaForms checks the forms a schema may come in: decoded, raw, or a Go value that
// marshals to one; and garbage.
func TestSchemaForms(t *testing.T) {
	const raw = `{"type":"object","properties":{"n":{"type":"integer"}}}`
	type typed struct {
		Type       string         `json:"type"`
		Properties map[string]any `json:"properties"`
	}
	forms := map[string]any{
		"decoded":         schemaOf(t, raw),
		"json.RawMessage": json.RawMessage(raw),
		"[]byte":          []byte(raw),
		"a Go value":      typed{Type: "object", Properties: map[string]any{"n": map[string]any{"type": "integer"}}},
	}
	for name, s := range forms {
		if got := string(Integers(s, []byte(`{"n":2.0}`))); got != `{"n":2}` {
			t.Errorf("%s: got %s", name, got)
		}
	}
	for name, s := range map[string]any{
		"nil": nil, "a string": "integer", "a number": 3.0, "bad raw JSON": json.RawMessage(`{`),
		"raw JSON array": []byte(`[{"type":"integer"}]`), "a channel": make(chan int),
	} {
		if got := string(Integers(s, []byte(`{"n":2.0}`))); got != `{"n":2.0}` {
			t.Errorf("%s: got %s", name, got)
		}
	}
}

// TestUnchangedIsSameSlice checks that an input needing no change comes back as it is.
func TestUnchangedIsSameSlice(t *testing.T) {
	in := []byte(`{"count":1.5,"name":"null"}`)
	s := schemaOf(t, `{"type":"object","properties":{"count":{"type":"integer"}},"required":["count"]}`)
	if out := Integers(s, in); &out[0] != &in[0] {
		t.Error("Integers copied an input it did not change")
	}
	if out := EmptyRequired(s, in); &out[0] != &in[0] {
		t.Error("EmptyRequired copied an input it did not change")
	}
}

func TestInteger(t *testing.T) {
	tests := []struct {
		lit, want string
		ok        bool
	}{
		{"1.0", "1", true}, {"-2.0", "-2", true}, {"1e2", "100", true}, {"1E+2", "100", true},
		{"10e-1", "1", true}, {"0.0", "0", true}, {"-0e5", "0", true}, {"123.4500e2", "12345", true},
		{"0.5e1", "5", true}, {"1.25e1", "", false}, {"1.5", "", false}, {"1e-1", "", false},
		{"1e40", "", false}, {"1e39", "1" + strings.Repeat("0", 39), true},
		{"01.0", "", false}, {"1.", "", false}, {".5", "", false}, {"1e", "", false}, {"1e+-2", "", false},
		{"--1.0", "", false}, {"1.0.0", "", false}, {"", "", false}, {"-", "", false},
	}
	for _, tt := range tests {
		got, ok := integer(tt.lit)
		if got != tt.want || ok != tt.ok {
			t.Errorf("integer(%q) = %q, %v; want %q, %v", tt.lit, got, ok, tt.want, tt.ok)
		}
	}
}

// TestBounds checks that hostile inputs end, unchanged, rather than run away.
func TestBounds(t *testing.T) {
	deep := strings.Repeat("[", 5000) + "1.0" + strings.Repeat("]", 5000)
	if got := string(Integers(schemaOf(t, `{"type":"array","items":{"$ref":"#"}}`), []byte(deep))); got != deep {
		t.Error("a 5000-deep array was changed")
	}
	// anyOf branches that each refer back to the root: a cycle, not an explosion.
	var branches []string
	for range 50 {
		branches = append(branches, `{"$ref":"#"}`)
	}
	s := schemaOf(t, `{"anyOf":[`+strings.Join(branches, ",")+`,{"type":"integer"}]}`)
	if got := string(Integers(s, []byte(`1.0`))); got != `1.0` {
		t.Errorf("got %s", got)
	}
	// Too many alternatives: 8 anyOf of 8 branches each.
	var all []string
	for range 8 {
		all = append(all, `{"anyOf":[{"type":"integer"},{"type":"integer"},{"type":"integer"},{"type":"integer"},{"type":"integer"},{"type":"integer"},{"type":"integer"},{"type":"integer"}]}`)
	}
	s = schemaOf(t, `{"allOf":[`+strings.Join(all, ",")+`]}`)
	if got := string(Integers(s, []byte(`1.0`))); got != `1.0` {
		t.Errorf("got %s", got)
	}
}

func TestScans(t *testing.T) {
	for in, want := range map[string]bool{
		`{"a":null}`: true, `{"a":"null"}`: false, `{"a\"null":1}`: false, `{"a\\":null}`: true, `"abc`: false, `"\`: false,
	} {
		if got := hasNull([]byte(in)); got != want {
			t.Errorf("hasNull(%s) = %v", in, got)
		}
	}
	for in, want := range map[string]bool{
		`{"a":1.0}`: true, `{"a":1.5}`: false, `{"a":"1.0"}`: false, `[1e2]`: true, `[-3.00]`: true, `[12]`: false, `{"a\"":1.0}`: true,
	} {
		if got := hasIntegralFraction([]byte(in)); got != want {
			t.Errorf("hasIntegralFraction(%s) = %v", in, got)
		}
	}
}

// A schema with a long allOf must not cost more than a moment per call: the value comes back
// unchanged.
func TestLongAllOfIsBounded(t *testing.T) {
	var parts []string
	for range 2000 {
		parts = append(parts, `{"properties":{"x":{"type":"integer"}}}`)
	}
	var schema any
	if err := json.Unmarshal([]byte(`{"type":"array","items":{"allOf":[`+strings.Join(parts, ",")+`]}}`), &schema); err != nil {
		t.Fatal(err)
	}
	var items []string
	for range 200 {
		items = append(items, `{"x":1.0}`)
	}
	value := []byte("[" + strings.Join(items, ",") + "]")
	start := time.Now()
	out := Integers(schema, value)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Integers took %v on a 2000-part allOf", d)
	}
	if !json.Valid(out) {
		t.Errorf("invalid output %s", out)
	}
}
