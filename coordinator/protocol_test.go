package coordinator

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/internal/testenv"
)

// everythingClient serves a coordinator over the pinned server-everything to an MCP client
// that records the progress notifications it gets.
func everythingClient(t *testing.T) (cs *mcp.ClientSession, progress func() []string) {
	t.Helper()
	bin := testenv.NodeBin(t, "mcp-server-everything")
	c := coordinatorOver(t, t.TempDir(), map[string]any{"everything": map[string]any{"command": bin}})
	ctx, cancel := context.WithCancel(context.Background())
	c.Start(ctx)
	if err := c.pool.Wait(ctx, "everything"); err != nil {
		t.Fatal(err)
	}
	ct, st := mcp.NewInMemoryTransports()
	ss, err := NewServer(c).Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	cs, err = mcp.NewClient(&mcp.Implementation{Name: "test"}, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, req.Params.Message)
		},
	}).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cs.Close()
		ss.Close()
		cancel()
		c.Close()
	})
	return cs, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}

// execute runs code through execute_code, with a progress token when token is not nil.
func execute(t *testing.T, cs *mcp.ClientSession, code string, token any) *mcp.CallToolResult {
	t.Helper()
	params := &mcp.CallToolParams{Name: "execute_code", Arguments: map[string]any{"code": code}}
	if token != nil {
		params.SetProgressToken(token)
	}
	res, err := cs.CallTool(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError {
		t.Fatalf("execute_code failed: %s", res.Content[0].(*mcp.TextContent).Text)
	}
	return res
}

// TestResourcesPromptsImagesProgress drives server-everything's resources, prompts, tiny
// image and long-running operation through execute_code, as a client sees it.
func TestResourcesPromptsImagesProgress(t *testing.T) {
	cs, progress := everythingClient(t)

	t.Run("list_servers counts resources and prompts", func(t *testing.T) {
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "list_servers"})
		if err != nil {
			t.Fatal(err)
		}
		if text := res.Content[0].(*mcp.TextContent).Text; !strings.Contains(text, "everything: ready, 13 tools, 7 resources, 4 prompts, import") {
			t.Errorf("list_servers:\n%s", text)
		}
	})

	t.Run("the client lists and reads the servers' resources", func(t *testing.T) {
		ctx := context.Background()
		if cs.InitializeResult().Capabilities.Resources == nil {
			t.Fatal("no resources capability")
		}
		list, err := cs.ListResources(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var features *mcp.Resource
		for _, r := range list.Resources {
			if strings.HasSuffix(r.URI, "features.md") {
				features = r
			}
		}
		if len(list.Resources) != 7 || features == nil || features.Name != "everything: features.md" ||
			features.URI != "mcp-coordinator://everything/demo:%2F%2Fresource%2Fstatic%2Fdocument%2Ffeatures.md" {
			t.Fatalf("%d resources, features.md as %+v", len(list.Resources), features)
		}
		res, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: features.URI})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Contents) != 1 || res.Contents[0].URI != features.URI || !strings.Contains(res.Contents[0].Text, "# ") {
			t.Errorf("read %+v", res.Contents)
		}
		if _, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "demo://resource/static/document/features.md"}); err == nil {
			t.Error("a URI without the server read")
		}
	})

	t.Run("a snippet reads a resource and gets a prompt", func(t *testing.T) {
		res := execute(t, cs, `rs, err := mcp_tools.ListResources("everything")
if err != nil {
	panic(err)
}
for _, r := range rs {
	if strings.HasSuffix(r.URI, "/features.md") {
		c, err := mcp_tools.ReadResource("everything", r.URI)
		if err != nil {
			panic(err)
		}
		fmt.Println(len(rs), r.MimeType, strings.Contains(c[0].Text, "# "))
	}
}
p, err := mcp_tools.GetPrompt("everything", "args-prompt", map[string]string{"city": "Oslo"})
if err != nil {
	panic(err)
}
fmt.Println(p.Text())
_, err = mcp_tools.GetPrompt("everything", "no-such-prompt", nil)
fmt.Println(mcp_tools.ErrorKind(err))`, nil)
		text := res.Content[0].(*mcp.TextContent).Text
		if want := "7 text/markdown true\nWhat's weather in Oslo?\nprotocol error\n[calls: everything 4 · "; !strings.HasPrefix(text, want) {
			t.Errorf("output:\n%s\nwant it to start with:\n%s", text, want)
		}
	})

	t.Run("a snippet shows the tiny image", func(t *testing.T) {
		res := execute(t, cs, `r, err := everything.GetTinyImage(everything.GetTinyImageArgs{})
if err != nil {
	panic(err)
}
for _, b := range r.Blocks {
	if b.Type == "image" {
		fmt.Println(len(b.Bytes()) > 8, mcp_tools.Show(b, mcp_tools.TextBlock("the tiny image")))
	}
}`, nil)
		if len(res.Content) != 3 {
			t.Fatalf("%d content blocks, want the output, the image and its caption", len(res.Content))
		}
		if text := res.Content[0].(*mcp.TextContent).Text; !strings.HasPrefix(text, "true <nil>\n") {
			t.Errorf("output %q", text)
		}
		img, ok := res.Content[1].(*mcp.ImageContent)
		if !ok || img.MIMEType != "image/png" || !bytes.HasPrefix(img.Data, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("block 1 is %T, want a PNG image", res.Content[1])
		}
		if c, ok := res.Content[2].(*mcp.TextContent); !ok || c.Text != "the tiny image" {
			t.Errorf("block 2 is %#v, want the caption", res.Content[2])
		}
	})

	t.Run("progress during a long run", func(t *testing.T) {
		before := len(progress())
		execute(t, cs, `mcp_tools.Progress("starting the operation")
_, err := everything.TriggerLongRunningOperation(everything.TriggerLongRunningOperationArgs{Duration: mcp_tools.Float(1), Steps: mcp_tools.Float(3)})
if err != nil {
	panic(err)
}
fmt.Println("done")`, "tok-1")
		wants := []string{"running the snippet", "starting the operation", "calling everything.trigger-long-running-operation",
			"everything.trigger-long-running-operation: 1/3", "everything.trigger-long-running-operation: 3/3"}
		var got string
		for range 100 { // the client handles notifications apart from the response
			got = strings.Join(progress()[before:], "\n")
			if strings.Contains(got, wants[len(wants)-1]) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		for _, want := range wants {
			if !strings.Contains(got, want) {
				t.Errorf("progress messages:\n%s\nlack %q", got, want)
			}
		}
		n := len(progress())
		execute(t, cs, `mcp_tools.Progress("unseen")`, nil)
		time.Sleep(100 * time.Millisecond)
		if len(progress()) != n {
			t.Errorf("progress without a token: %q", progress()[n:])
		}
	})
}
