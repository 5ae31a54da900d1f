package downstream

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/internal/testenv"
)

func decodedSchema(s string) map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		panic(err)
	}
	return m
}

// newSchemaServer returns a server whose tool "put" answers with the arguments it received,
// as text, and whose tool "count" answers with integers written as 3.0 and 1e21.
func newSchemaServer() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "schemas", Version: "1.0.0"}, nil)
	s.AddTool(&mcp.Tool{Name: "put", InputSchema: decodedSchema(`{
		"type": "object",
		"properties": {
			"items": {"type": "array", "items": {"type": "object",
				"properties": {"name": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}, "attrs": {"type": "object"}},
				"required": ["name", "tags", "attrs"]}},
			"note": {"type": ["array", "null"]}
		},
		"required": ["items", "note"]
	}`)}, func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(req.Params.Arguments)}}}, nil
	})
	s.AddTool(&mcp.Tool{
		Name:         "count",
		InputSchema:  decodedSchema(`{"type": "object"}`),
		OutputSchema: decodedSchema(`{"type": "object", "properties": {"count": {"type": "integer"}, "big": {"type": "integer"}, "ratio": {"type": "number"}}}`),
	}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{
			Content:           []mcp.Content{&mcp.TextContent{Text: "counted"}},
			StructuredContent: json.RawMessage(`{"count": 3.0, "big": 1e21, "ratio": 2.5}`),
		}, nil
	})
	return s
}

// TestCallToolNormalizes: the Pool sends a nil required slice or map as [] or {} (and keeps a
// null the schema allows), and returns integers as integer literals.
func TestCallToolNormalizes(t *testing.T) {
	dial := func(ctx context.Context, sc ServerConfig) (mcp.Transport, error) {
		ct, st := mcp.NewInMemoryTransports()
		if _, err := newSchemaServer().Connect(ctx, st, nil); err != nil {
			return nil, err
		}
		return ct, nil
	}
	p := newTestPool(t, []ServerConfig{{Name: "schemas", Type: "stdio"}}, &PoolOptions{dial: dial})
	ctx := context.Background()

	out, err := p.CallTool(ctx, "schemas", "put", json.RawMessage(`{"items":[{"name":"a","tags":null,"attrs":null},{"name":"b","tags":["x"],"attrs":{}}],"note":null}`))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"items":[{"name":"a","tags":[],"attrs":{}},{"name":"b","tags":["x"],"attrs":{}}],"note":null}`
	if got, _ := resultText(t, out); got != want {
		t.Errorf("the server received\n%s\nwant\n%s", got, want)
	}

	out, err = p.CallTool(ctx, "schemas", "count", nil)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		StructuredContent json.RawMessage `json:"structuredContent"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	if got, want := string(res.StructuredContent), `{"big":1000000000000000000000,"count":3,"ratio":2.5}`; got != want {
		t.Errorf("structuredContent = %s, want %s", got, want)
	}
	var typed struct{ Count int64 }
	if err := json.Unmarshal(res.StructuredContent, &typed); err != nil || typed.Count != 3 {
		t.Errorf("decoding count into int64: %d, %v", typed.Count, err)
	}
}

// TestRealServerRequiredSlice: server-memory rejects a null where create_entities requires an
// array of observations; through the Pool the null arrives as [] and the call succeeds.
func TestRealServerRequiredSlice(t *testing.T) {
	dir := t.TempDir()
	p := newTestPool(t, []ServerConfig{{Name: "memory", Type: "stdio", Command: testenv.NodeBin(t, "mcp-server-memory"),
		Env: map[string]string{"MEMORY_FILE_PATH": filepath.Join(dir, "memory.jsonl")}}}, nil)
	ctx := context.Background()
	out, err := p.CallTool(ctx, "memory", "create_entities", json.RawMessage(`{"entities":[{"name":"team-x","entityType":"team","observations":null}]}`))
	if err != nil {
		t.Fatalf("create_entities with observations null: %v", err)
	}
	if text, isError := resultText(t, out); isError {
		t.Fatalf("create_entities with observations null: %s", text)
	}
	out, err = p.CallTool(ctx, "memory", "open_nodes", json.RawMessage(`{"names":["team-x"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if text, _ := resultText(t, out); !strings.Contains(strings.Join(strings.Fields(text), ""), `"name":"team-x","entityType":"team","observations":[]`) {
		t.Errorf("open_nodes = %s; want team-x with no observations", text)
	}
}
