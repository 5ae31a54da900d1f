package downstream

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// fakeEnv switches the test binary into a fake stdio MCP server (see TestMain). Its value is
// the fake's mode:
//
//	serve       a server with the tools of newFakeServer
//	exit        writes to stderr and exits with status 3 at once
//	hang        never answers and ignores SIGTERM (and a closed stdin)
//	grandchild  starts a "hang" child, reports its pid on stderr, then serves
const fakeEnv = "DOWNSTREAM_FAKE_SERVER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeEnv); mode != "" {
		os.Exit(runFake(mode))
	}
	os.Exit(m.Run())
}

func runFake(mode string) int {
	switch mode {
	case "raw":
		return runRawFake()
	case "exit":
		fmt.Fprintln(os.Stderr, "fake: starting")
		fmt.Fprintln(os.Stderr, "fatal: FAKE_TOKEN is not set")
		return 3
	case "hang":
		signal.Ignore(syscall.SIGTERM)
		time.Sleep(time.Hour)
		return 0
	case "grandchild":
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), fakeEnv+"=hang")
		if err := cmd.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Fprintf(os.Stderr, "grandchild pid %d\n", cmd.Process.Pid)
		fallthrough
	case "serve":
		if err := newFakeServer(0).Run(context.Background(), &mcp.StdioTransport{}); err != nil {
			fmt.Fprintln(os.Stderr, "fake:", err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(os.Stderr, "fake: unknown mode %q\n", mode)
	return 2
}

type echoArgs struct {
	Text string `json:"text"`
}

type addArgs struct {
	Name string `json:"name"`
}

type sumArgs struct {
	A int `json:"a,omitempty"`
	B int `json:"b,omitempty"`
}

type sleepArgs struct {
	MS int `json:"ms"`
}

// newFakeServer returns the fake server: echo, fail (an isError result), crash (exits the
// process), add_tool (adds a tool, which sends tools/list_changed), sleep, rpcerr (a JSON-RPC
// error) and getSum.
// pageSize > 0 makes tools/list paginate.
func newFakeServer(pageSize int) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "fake", Version: "1.0.0"}, &mcp.ServerOptions{PageSize: pageSize, Instructions: "a fake server"})
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Description: "Echoes text."}, func(_ context.Context, _ *mcp.CallToolRequest, a echoArgs) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "echo: " + a.Text}}}, nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "fail", Description: "Always fails."}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: "it failed"}}}, nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "crash", Description: "Exits the server process."}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		fmt.Fprintln(os.Stderr, "fake: crashing on purpose")
		os.Exit(2)
		return nil, nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "add_tool", Description: "Adds a tool."}, func(_ context.Context, _ *mcp.CallToolRequest, a addArgs) (*mcp.CallToolResult, any, error) {
		s.AddTool(&mcp.Tool{Name: a.Name, InputSchema: map[string]any{"type": "object"}}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: a.Name}}}, nil
		})
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "added " + a.Name}}}, nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "sleep", Description: "Sleeps."}, func(ctx context.Context, _ *mcp.CallToolRequest, a sleepArgs) (*mcp.CallToolResult, any, error) {
		select {
		case <-time.After(time.Duration(a.MS) * time.Millisecond):
		case <-ctx.Done():
		}
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: strconv.Itoa(a.MS)}}}, nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "rpcerr", Description: "Answers with a JSON-RPC error."}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		return nil, nil, &jsonrpc.Error{Code: 1234, Message: "bad\nthing"}
	})
	mcp.AddTool(s, &mcp.Tool{Name: "getSum", Description: "Adds."}, func(_ context.Context, _ *mcp.CallToolRequest, a sumArgs) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: strconv.Itoa(a.A + a.B)}}}, nil, nil
	})
	mcp.AddTool(s, &mcp.Tool{Name: "progress", Description: "Reports progress three times."}, func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
		token := req.Params.GetProgressToken()
		if token == nil {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "no token"}}}, nil, nil
		}
		for i := 1; i <= 3; i++ {
			req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: token, Progress: float64(i), Total: 3, Message: fmt.Sprintf("step %d", i)})
		}
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "done"}}}, nil, nil
	})
	for i := range 3 {
		uri := fmt.Sprintf("fake://doc/%d", i)
		s.AddResource(&mcp.Resource{URI: uri, Name: fmt.Sprintf("doc %d", i), MIMEType: "text/plain"}, func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: "text/plain", Text: "text of " + req.Params.URI}}}, nil
		})
		name := fmt.Sprintf("prompt%d", i)
		s.AddPrompt(&mcp.Prompt{Name: name, Arguments: []*mcp.PromptArgument{{Name: "who"}}}, func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: name + " for " + req.Params.Arguments["who"]}}}}, nil
		})
	}
	return s
}

// fakeStdio is the config of a fake stdio server in the given mode.
func fakeStdio(name, mode string) ServerConfig {
	return ServerConfig{Name: name, Type: TransportStdio, Command: os.Args[0], Env: map[string]string{fakeEnv: mode}}
}

// inMemory makes every server of the pool an in-memory fake.
func inMemory(pageSize int) func(ctx context.Context, sc ServerConfig) (mcp.Transport, error) {
	return func(ctx context.Context, sc ServerConfig) (mcp.Transport, error) {
		ct, st := mcp.NewInMemoryTransports()
		if _, err := newFakeServer(pageSize).Connect(ctx, st, nil); err != nil {
			return nil, err
		}
		return ct, nil
	}
}
