package coordinator

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// newDriftServer returns a server that declares output schemas and sends, for stats, a
// structuredContent that drifts from it (count is a string), and for sum, an integer written
// as 4.0.
func newDriftServer() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "drift", Version: "1.0.0"}, nil)
	// Required fields, so that the generated result fields are plain values.
	schema := func(props string, required ...string) map[string]any {
		req, _ := json.Marshal(append([]string{}, required...))
		var m map[string]any
		if err := json.Unmarshal([]byte(`{"type":"object","properties":`+props+`,"required":`+string(req)+`}`), &m); err != nil {
			panic(err)
		}
		return m
	}
	s.AddTool(&mcp.Tool{
		Name: "stats", InputSchema: schema(`{}`),
		OutputSchema: schema(`{"count":{"type":"integer"},"name":{"type":"string"},"tags":{"type":"array","items":{"type":"string"}}}`, "count", "name", "tags"),
	}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{
			Content:           []mcp.Content{&mcp.TextContent{Text: "three items named x"}},
			StructuredContent: json.RawMessage(`{"count":"three","name":"x","tags":["a","b"]}`),
		}, nil
	})
	s.AddTool(&mcp.Tool{
		Name: "sum", InputSchema: schema(`{}`),
		OutputSchema: schema(`{"total":{"type":"integer"}}`, "total"),
	}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{
			Content:           []mcp.Content{&mcp.TextContent{Text: "4"}},
			StructuredContent: json.RawMessage(`{"total":4.0}`),
		}, nil
	})
	return s
}

// TestStructuredContentDriftReachesTheModel: through execute_code, a tool whose
// structuredContent does not fit its declared schema still returns its text and the fields
// that fit, with one note under [stderr]; an integer written as 4.0 decodes.
func TestStructuredContentDriftReachesTheModel(t *testing.T) {
	srv := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return newDriftServer() }, nil))
	t.Cleanup(srv.Close)
	c := coordinatorOver(t, t.TempDir(), map[string]any{"drift": map[string]any{"type": "http", "url": srv.URL}})
	config, _ := c.Paths()
	f := connectFixture(t, c, nil, config)
	code := `for i := 0; i < 2; i++ {
	r, err := drift.Stats(drift.StatsArgs{})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Text(), "|", r.Name, r.Count, r.Tags)
}
s, err := drift.Sum(drift.SumArgs{})
if err != nil {
	panic(err)
}
fmt.Println(s.Total)`
	out, isErr := f.call(t, "execute_code", map[string]any{"code": code})
	if isErr {
		t.Fatalf("execute_code failed:\n%s", out)
	}
	want := "three items named x | x 0 [a b]\nthree items named x | x 0 [a b]\n4\n[stderr]\n" +
		"note: drift.stats: structuredContent does not fit the result type (at count: string where the type has int64); the fields that fit are set and Text() has the full result\n"
	if !strings.HasPrefix(out, want) {
		t.Errorf("execute_code answered:\n%s\nwant it to start with:\n%s", out, want)
	}
}

// TestRealServerRequiredSliceLeftNil: a snippet leaves a required slice nil (the entity's
// observations) and the real server-memory accepts the call. The arguments are filled from
// JSON so that the snippet does not depend on the generated name of the entity type.
func TestRealServerRequiredSliceLeftNil(t *testing.T) {
	c, _, _ := realCoordinator(t)
	code := `var args memory.CreateEntitiesArgs
if err := json.Unmarshal([]byte(` + "`" + `{"entities":[{"name":"team-x","entityType":"team"}]}` + "`" + `), &args); err != nil {
	panic(err)
}
fmt.Println(args.Entities[0].Observations == nil)
if _, err := memory.CreateEntities(args); err != nil {
	fmt.Println(err)
	return
}
found, err := memory.OpenNodes(memory.OpenNodesArgs{Names: []string{"team-x"}})
if err != nil {
	panic(err)
}
fmt.Println(len(found.Entities), found.Entities[0].Name, len(found.Entities[0].Observations))`
	out, err := c.Run(context.Background(), "test", code, 0)
	if err != nil {
		t.Fatal(err)
	}
	if out.Err != nil {
		t.Fatalf("snippet failed: %v\n%s", out.Err, out.Output)
	}
	if want := "true\n1 team-x 0\n"; out.Output != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.Output, want)
	}
}
