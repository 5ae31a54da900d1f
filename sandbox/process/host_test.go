package process

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
)

// resourceTools serves tool calls, resources and prompts, recording what it was asked.
type resourceTools struct {
	okTools
	mu   sync.Mutex
	asks []string
}

func (r *resourceTools) ask(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asks = append(r.asks, s)
}

func (r *resourceTools) ListResources(ctx context.Context, server string) (json.RawMessage, error) {
	r.ask("resources/list " + server)
	return json.RawMessage(`{"resources":[{"uri":"demo://a","name":"a"},{"uri":"demo://b","name":"b","mimeType":"image/png"}]}`), nil
}

func (r *resourceTools) ReadResource(ctx context.Context, server, uri string) (json.RawMessage, error) {
	r.ask("resources/read " + server + " " + uri)
	if uri != "demo://a" {
		return nil, fmt.Errorf("no resource %s", uri)
	}
	return json.RawMessage(`{"contents":[{"uri":"demo://a","text":"resource text"}]}`), nil
}

func (r *resourceTools) ListPrompts(ctx context.Context, server string) (json.RawMessage, error) {
	r.ask("prompts/list " + server)
	return json.RawMessage(`{"prompts":[{"name":"greet","arguments":[{"name":"who","required":true}]}]}`), nil
}

func (r *resourceTools) GetPrompt(ctx context.Context, server, name string, args map[string]string) (json.RawMessage, error) {
	r.ask("prompts/get " + server + " " + name + " " + args["who"])
	return json.RawMessage(`{"messages":[{"role":"user","content":{"type":"text","text":"hello ` + args["who"] + `"}}]}`), nil
}

func TestResourcesPromptsShowProgress(t *testing.T) {
	e := newEngine(t, nil)
	tools := &resourceTools{}
	var mu sync.Mutex
	var progress []string
	src := `rs, err := mcp_tools.ListResources("demo")
if err != nil {
	panic(err)
}
fmt.Println(len(rs), rs[1].URI, rs[1].MimeType)
c, err := mcp_tools.ReadResource("demo", rs[0].URI)
if err != nil {
	panic(err)
}
fmt.Println(c[0].Text)
_, err = mcp_tools.ReadResource("demo", "demo://nope")
fmt.Println(mcp_tools.ErrorKind(err), err)
ps, _ := mcp_tools.ListPrompts("demo")
fmt.Println(ps[0].Name, ps[0].Arguments[0].Required)
p, err := mcp_tools.GetPrompt("demo", "greet", map[string]string{"who": "ada"})
if err != nil {
	panic(err)
}
fmt.Println(p.Text())
mcp_tools.Progress("half way")
fmt.Println(mcp_tools.Show(mcp_tools.Image([]byte("\x89PNG\r\n\x1a\n"), "image/png"), mcp_tools.TextBlock("caption")))
for i := 0; i < 3; i++ {
	err = mcp_tools.Show(mcp_tools.TextBlock("more"))
}
fmt.Println(mcp_tools.ErrorKind(err))`
	res, err := e.Run(context.Background(), &sandbox.Request{Source: src, Tools: tools, Progress: func(m string) {
		mu.Lock()
		defer mu.Unlock()
		progress = append(progress, m)
	}})
	if err != nil {
		t.Fatalf("%v\n%+v", err, res)
	}
	want := "2 demo://b image/png\nresource text\nprotocol error calling demo.resources/read: no resource demo://nope\ngreet true\nhello ada\n<nil>\ninvalid call\n"
	if res.Stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", res.Stdout, want)
	}
	if res.Calls != 5 || res.Servers["demo"].Calls != 5 {
		t.Errorf("%d calls (%+v), want 5", res.Calls, res.Servers)
	}
	if got := strings.Join(tools.asks, "; "); got != "resources/list demo; resources/read demo demo://a; resources/read demo demo://nope; prompts/list demo; prompts/get demo greet ada" {
		t.Errorf("asked %s", got)
	}
	if len(res.Blocks) != 4 || !strings.Contains(string(res.Blocks[0]), `"data":"iVBORw0KGgo="`) || !strings.Contains(string(res.Blocks[1]), `"text":"caption"`) {
		t.Errorf("blocks %s", res.Blocks)
	}
	if len(progress) != 1 || progress[0] != "half way" {
		t.Errorf("progress %q", progress)
	}
	// Without a ResourceCaller the requests fail, and the run goes on.
	res, err = e.Run(context.Background(), &sandbox.Request{Source: `_, err := mcp_tools.ListPrompts("demo")
fmt.Println(err)`, Tools: okTools{}})
	if err != nil || !strings.Contains(res.Stdout, "not available") {
		t.Errorf("without a ResourceCaller: %v %q", err, res.Stdout)
	}
}
