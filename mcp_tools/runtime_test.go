package mcp_tools

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

type weather struct {
	City  string  `json:"city"`
	Temp  float64 `json:"temp"`
	Hours []struct {
		H    int64  `json:"h"`
		Text string `json:"text"`
	} `json:"hours"`
}

func TestCallKeepsWhatFits(t *testing.T) {
	results := map[string]string{
		"drift":   `{"content":[{"type":"text","text":"Paris 21.5"}],"structuredContent":{"city":"Paris","temp":"21.5","hours":[{"h":1,"text":"a"},{"h":"two","text":"b"}]}}`,
		"array":   `{"content":[{"type":"text","text":"[]"}],"structuredContent":[]}`,
		"fits":    `{"content":[{"type":"text","text":"ok"}],"structuredContent":{"city":"Oslo","temp":3}}`,
		"integer": `{"content":[{"type":"text","text":"ok"}],"structuredContent":{"hours":[{"h":1.5}]}}`,
	}
	SetTransport(func(server, tool string, args json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(results[tool]), nil
	})
	defer SetTransport(nil)
	var notes []string
	SetNotes(func(n string) { notes = append(notes, n) })
	defer SetNotes(nil)

	for range 2 {
		var w weather
		res, err := Call("srv", "drift", nil, &w)
		if err != nil {
			t.Fatalf("Call: %v", err)
		}
		if res.Text() != "Paris 21.5" || w.City != "Paris" || w.Temp != 0 || len(w.Hours) != 2 || w.Hours[0].H != 1 || w.Hours[1].Text != "b" {
			t.Errorf("text %q, decoded %+v; want the text, the city and both hours' texts", res.Text(), w)
		}
	}
	for _, tool := range []string{"array", "fits", "integer"} {
		var w weather
		if _, err := Call("srv", tool, nil, &w); err != nil {
			t.Errorf("%s: %v", tool, err)
		}
	}
	want := []string{
		"note: srv.drift: structuredContent does not fit the result type (at temp: string where the type has float64); the fields that fit are set and Text() has the full result",
		"note: srv.array: structuredContent does not fit the result type (array where the type has mcp_tools.weather); the fields that fit are set and Text() has the full result",
		"note: srv.integer: structuredContent does not fit the result type (at hours.h: number 1.5 where the type has int64); the fields that fit are set and Text() has the full result",
	}
	if strings.Join(notes, "\n") != strings.Join(want, "\n") {
		t.Errorf("notes:\n%s\nwant:\n%s", strings.Join(notes, "\n"), strings.Join(want, "\n"))
	}

	// A new run notes again; without a receiver nothing is noted, and nothing fails.
	SetNotes(func(n string) { notes = append(notes, n) })
	Call("srv", "drift", nil, &weather{})
	if len(notes) != 4 {
		t.Errorf("%d notes after SetNotes and a drifting call; want 4", len(notes))
	}
	SetNotes(nil)
	if _, err := Call("srv", "drift", nil, &weather{}); err != nil {
		t.Errorf("Call without a notes receiver: %v", err)
	}
}

func TestNoteIsBounded(t *testing.T) {
	long := strings.Repeat("9", 5000) + ".5"
	SetTransport(func(server, tool string, args json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(`{"content":[],"structuredContent":{"hours":[{"h":` + long + `}]}}`), nil
	})
	defer SetTransport(nil)
	var note string
	SetNotes(func(n string) { note = n })
	defer SetNotes(nil)
	if _, err := Call("srv", "t", nil, &weather{}); err != nil {
		t.Fatal(err)
	}
	if len(note) > maxNoteDetail+200 || !strings.Contains(note, "...") {
		t.Errorf("note of %d bytes: %.300s", len(note), note)
	}
}

// TestSymbolsCoverTheAPI: every exported name of the runtime reaches snippets, except those
// only the runner may touch.
func TestSymbolsCoverTheAPI(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "runtime.go", RuntimeSource, 0)
	if err != nil {
		t.Fatal(err)
	}
	runnerOnly := map[string]bool{"SetTransport": true, "SetNotes": true, "SetHost": true, "Transport": true, "Host": true}
	syms := Symbols()
	for name, obj := range f.Scope.Objects {
		if !ast.IsExported(name) {
			continue
		}
		if _, ok := syms[name]; ok == runnerOnly[name] {
			t.Errorf("%s %s: exported to snippets %v, runner-only %v", obj.Kind, name, ok, runnerOnly[name])
		}
	}
}

func TestResourcesPromptsShowProgress(t *testing.T) {
	var shownBlocks []string
	var progress []string
	SetHost(&Host{
		Request: func(server, method string, params json.RawMessage) (json.RawMessage, error) {
			switch method {
			case "resources/read":
				return json.RawMessage(`{"contents":[{"uri":"x://a","text":"hello"}]}`), nil
			case "prompts/get":
				return json.RawMessage(`{"messages":[{"role":"user","content":{"type":"text","text":` + strconv.Quote(string(params)) + `}},{"role":"user","content":{"type":"resource","resource":{"uri":"x://b","text":"embedded","blob":"AAE="}}}]}`), nil
			}
			return nil, &CallError{Server: server, Tool: method, Kind: KindUnknownServer, Message: "no"}
		},
		Show:     func(b json.RawMessage) error { shownBlocks = append(shownBlocks, string(b)); return nil },
		Progress: func(m string) { progress = append(progress, m) },
	})
	defer SetHost(nil)
	c, err := ReadResource("s", "x://a")
	if err != nil || len(c) != 1 || c[0].Text != "hello" {
		t.Errorf("ReadResource: %+v, %v", c, err)
	}
	p, err := GetPrompt("s", "greet", map[string]string{"who": "ada"})
	if err != nil || p.Text() != "{\"arguments\":{\"who\":\"ada\"},\"name\":\"greet\"}\nembedded" || p.Messages[1].Content.AsText() != "embedded" || string(p.Messages[1].Content.Bytes()) != "\x00\x01" {
		t.Errorf("GetPrompt: %+v %q, %v", p, p.Text(), err)
	}
	if _, err := ListPrompts("s"); ErrorKind(err) != KindUnknownServer {
		t.Errorf("ListPrompts: %v, want an unknown server", err)
	}
	png := []byte("\x89PNG\r\n\x1a\n")
	if err := Show(Image(png, "image/png"), TextBlock("caption")); err != nil {
		t.Fatal(err)
	}
	var img Content
	json.Unmarshal([]byte(shownBlocks[0]), &img)
	if len(shownBlocks) != 2 || string(img.Bytes()) != string(png) || img.MimeType != "image/png" || strings.Contains(shownBlocks[1], "resource") {
		t.Errorf("shown %q", shownBlocks)
	}
	if err := Show(Content{Type: "video"}); ErrorKind(err) != KindInvalid {
		t.Errorf("Show of a bad type: %v", err)
	}
	if err := Show(Image(make([]byte, MaxShowBytes+1), "image/png")); ErrorKind(err) != KindInvalid {
		t.Errorf("Show of a big block: %v", err)
	}
	if err := Show(TextBlock("3"), TextBlock("4"), TextBlock("5")); ErrorKind(err) != KindInvalid || len(shownBlocks) != 4 {
		t.Errorf("a fifth block: %v, %d shown", err, len(shownBlocks))
	}
	Progress("half way")
	if len(progress) != 1 || progress[0] != "half way" {
		t.Errorf("progress %q", progress)
	}
}
