package demoservers

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// recent_orders keeps its description's word: newest first, within the 90 days the book holds.
func TestRecentOrdersNewestFirst(t *testing.T) {
	ctx := context.Background()
	ct, st := mcp.NewInMemoryTransports()
	if _, err := New("orders").Connect(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	for _, days := range []int{30, 365} {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "recent_orders", Arguments: map[string]any{"days": days}})
		if err != nil || res.IsError {
			t.Fatalf("days %d: %v %+v", days, err, res)
		}
		var out OrdersOut
		data, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(data, &out); err != nil || len(out.Orders) == 0 {
			t.Fatalf("days %d: %v, %d orders", days, err, len(out.Orders))
		}
		for i, o := range out.Orders {
			if o.Day >= min(days, 90) || i > 0 && o.Day < out.Orders[i-1].Day {
				t.Fatalf("days %d: order %d (day %d) after day %d: not newest first within the window", days, i, o.Day, out.Orders[max(i-1, 0)].Day)
			}
		}
	}
}
