package coordinator

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A statement-form snippet ending in the keyword type once panicked in the wrapper and took
// serve down with every downstream server.
func TestSnippetEndingInTypeKeepsServerUp(t *testing.T) {
	f := newFixture(t, Options{}, "inventory")
	for _, code := range []string{"fmt.Println(\"hi\")\ntype", "type", "x := 1\ntype T ["} {
		out, isErr := f.call(t, "execute_code", map[string]any{"code": code})
		if !isErr || !strings.Contains(out, "line") {
			t.Errorf("execute_code(%q): isError=%v, want a compile error with a line:\n%s", code, isErr, out)
		}
	}
	if out, isErr := f.call(t, "list_servers", nil); isErr || !strings.Contains(out, "inventory:") {
		t.Errorf("list_servers after the snippets: isError=%v\n%s", isErr, out)
	}
}

// The second line of defence: a handler that panics answers with an internal tool error, the
// panic is logged, and the server keeps serving.
func TestHandlerPanicIsAToolError(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	s := mcp.NewServer(&mcp.Implementation{Name: "t"}, nil)
	addTool(s, log, &mcp.Tool{Name: "boom"}, func(context.Context, *mcp.CallToolRequest, noArgs) (*mcp.CallToolResult, any, error) {
		var m map[string]int
		m["x"] = 1 // nil map write
		return nil, nil, nil
	})
	addTool(s, log, &mcp.Tool{Name: "ok"}, func(context.Context, *mcp.CallToolRequest, noArgs) (*mcp.CallToolResult, any, error) {
		return text("fine"), nil, nil
	})
	ctx := context.Background()
	ct, st := mcp.NewInMemoryTransports()
	ss, err := s.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "c"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "boom"})
	if err != nil {
		t.Fatalf("protocol error %v, want a tool error", err)
	}
	if got := res.Content[0].(*mcp.TextContent).Text; !res.IsError || !strings.Contains(got, "internal error in boom: assignment to entry in nil map") {
		t.Errorf("isError=%v: %s", res.IsError, got)
	}
	if l := logs.String(); !strings.Contains(l, "tool=boom") || !strings.Contains(l, "security_test.go") {
		t.Errorf("the panic and its stack are not logged:\n%s", l)
	}
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "ok"})
	if err != nil || res.IsError {
		t.Errorf("the server stopped serving after a panic: %v", err)
	}
}
