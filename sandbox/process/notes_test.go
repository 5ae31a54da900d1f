package process

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
)

// statsStub is a stub package as codegen writes one: a tool whose output schema has a count
// (integer), a name and tags, and a tool whose structuredContent is typed as an object.
const statsStub = `package demo

import "mcp_tools"

func Stats(args StatsArgs) (*StatsResult, error) {
	out := &StatsResult{}
	res, err := mcp_tools.Call("demo", "stats", args, out)
	if err != nil {
		return nil, err
	}
	out.Blocks = res.Content
	return out, nil
}

type StatsArgs struct{}

type StatsResult struct {
	Blocks []mcp_tools.Content ` + "`json:\"-\"`" + `
	Count  int64               ` + "`json:\"count\"`" + `
	Name   string              ` + "`json:\"name\"`" + `
	Tags   []string            ` + "`json:\"tags\"`" + `
}

func (r *StatsResult) Text() string { return mcp_tools.Text(r.Blocks) }

func List(args StatsArgs) (*StatsResult, error) {
	out := &StatsResult{}
	res, err := mcp_tools.Call("demo", "list", args, out)
	if err != nil {
		return nil, err
	}
	out.Blocks = res.Content
	return out, nil
}
`

// driftingTools answers stats with a count that is not an integer, and list with an array
// where the type is an object.
type driftingTools struct{}

func (driftingTools) CallTool(ctx context.Context, server, tool string, args json.RawMessage) (json.RawMessage, error) {
	if tool == "list" {
		return json.RawMessage(`{"content":[{"type":"text","text":"[1,2]"}],"structuredContent":[1,2]}`), nil
	}
	return json.RawMessage(`{"content":[{"type":"text","text":"full text"}],"structuredContent":{"count":"three","name":"x","tags":["a","b"]}}`), nil
}

// TestStructuredContentDrift: a structuredContent that does not fit the result type still
// returns: the text and the fields that fit, with one note per tool on Stderr.
func TestStructuredContentDrift(t *testing.T) {
	e := newEngine(t, nil)
	src := `for i := 0; i < 3; i++ {
	r, err := demo.Stats(demo.StatsArgs{})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Text(), r.Name, r.Count, r.Tags)
}
l, err := demo.List(demo.StatsArgs{})
fmt.Println(l.Text(), l.Name == "", err)
`
	res, err := e.Run(context.Background(), &sandbox.Request{
		Source:   src,
		Packages: fstest.MapFS{"mcp_tools/demo/demo.go": {Data: []byte(statsStub)}},
		Tools:    driftingTools{},
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if want := strings.Repeat("full text x 0 [a b]\n", 3) + "[1,2] true <nil>\n"; res.Stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", res.Stdout, want)
	}
	want := "note: demo.stats: structuredContent does not fit the result type (at count: string where the type has int64); the fields that fit are set and Text() has the full result\n" +
		"note: demo.list: structuredContent does not fit the result type (array where the type has an object); the fields that fit are set and Text() has the full result\n"
	if res.Stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", res.Stderr, want)
	}
}
