package mcp_tools

import (
	"encoding/json"
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
