// Command quickstart shows mcp-coordinator's main job end to end with nothing but Go: it starts
// two small MCP servers (an inventory and an order book, built into this same binary), puts the
// coordinator in front of them, and talks to the coordinator as a model would through an MCP
// client: discover the tools, read a Go signature, run one snippet that chains both servers, and
// read the savings.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/coordinator"
	"github.com/mcp-coordinator/mcp-coordinator/examples/demoservers"
	"github.com/mcp-coordinator/mcp-coordinator/internal/ledger"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/process"
)

// Snippet is what the model writes: restock candidates = low stock and selling well.
const Snippet = `stock, err := inventory.ListProducts(inventory.ListProductsArgs{})
if err != nil {
	fmt.Println("inventory:", err)
	return
}
sold := map[string]int64{}
recent, err := orders.RecentOrders(orders.RecentOrdersArgs{Days: mcp_tools.Int(30)})
if err != nil {
	fmt.Println("orders:", err)
	return
}
for _, o := range recent.Orders {
	sold[o.Sku] += o.Quantity
}
type row struct {
	sku   string
	stock int64
	sold  int64
}
var rows []row
for _, p := range stock.Products {
	if p.Stock < 10 && sold[p.Sku] > p.Stock {
		rows = append(rows, row{p.Sku, p.Stock, sold[p.Sku]})
	}
}
sort.Slice(rows, func(i, j int) bool { return rows[i].sold-rows[i].stock > rows[j].sold-rows[j].stock })
fmt.Printf("%d products to restock; top 5:\n", len(rows))
for i, r := range rows {
	if i == 5 {
		break
	}
	fmt.Printf("%s stock %d, sold %d in 30 days\n", r.sku, r.stock, r.sold)
}`

func main() {
	process.MaybeRunAsRunner() // the sandbox re-executes this binary as its runner
	demoservers.MaybeServe(os.Args)
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "mcp-coordinator-quickstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	config := filepath.Join(dir, "mcp.json")
	cfg := map[string]any{"mcpServers": map[string]any{
		"inventory": map[string]any{"command": exe, "args": []string{"demo-server", "inventory"}},
		"orders":    map[string]any{"command": exe, "args": []string{"demo-server", "orders"}},
	}}
	data, _ := json.MarshalIndent(cfg, "", "  ")
	if err := os.WriteFile(config, data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "config %s:\n%s\n\n", config, data)

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := coordinator.New(coordinator.Options{ConfigPath: config, Workspace: filepath.Join(dir, "workspace"), Logger: logger})
	if err != nil {
		return err
	}
	defer c.Close()
	c.Start(ctx)

	// The model's side: an MCP client connected to the coordinator.
	ct, st := mcp.NewInMemoryTransports()
	server := coordinator.NewServer(c)
	ss, err := server.Connect(ctx, st, nil)
	if err != nil {
		return err
	}
	defer ss.Close()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "quickstart"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		return err
	}
	defer cs.Close()

	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		return err
	}
	surface, _ := json.Marshal(tools.Tools)
	fmt.Fprintf(out, "the model sees %d coordinator tools (%d o200k tokens)\n\n", len(tools.Tools), ledger.CountTokens(string(surface)))

	steps := []struct {
		tool string
		args map[string]any
	}{
		{"list_servers", nil},
		{"search_tools", map[string]any{"query": "stock"}},
		{"get_tool", map[string]any{"server": "orders", "tool": "recent_orders"}},
		{"execute_code", map[string]any{"code": Snippet}},
		{"usage_stats", nil},
	}
	for _, s := range steps {
		start := time.Now()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: s.tool, Arguments: s.args})
		if err != nil {
			return fmt.Errorf("%s: %w", s.tool, err)
		}
		args, _ := json.Marshal(s.args)
		if s.args == nil {
			args = []byte("{}")
		}
		if s.tool == "execute_code" {
			args = []byte(`{"code": <the snippet above>}`)
			fmt.Fprintf(out, "snippet:\n%s\n\n", indent(Snippet))
		}
		fmt.Fprintf(out, ">>> %s %s (%s)\n", s.tool, args, time.Since(start).Round(time.Millisecond))
		for _, c := range res.Content {
			if t, ok := c.(*mcp.TextContent); ok {
				fmt.Fprintln(out, indent(strings.TrimRight(t.Text, "\n")))
			}
		}
		if res.IsError {
			return fmt.Errorf("%s failed", s.tool)
		}
		fmt.Fprintln(out)
	}
	return nil
}

func indent(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }
