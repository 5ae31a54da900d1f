// Package demoservers holds two small MCP servers written with the go-sdk, an inventory and an
// order book, so that the coordinator can be shown and tested end to end with nothing but Go.
package demoservers

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The two demo servers: an inventory with 400 products and an order book with a few thousand
// orders. Their answers are deliberately large, as real servers' are: the point of the demo is
// that they stay inside the sandbox.

// Names lists the demo servers.
var Names = []string{"inventory", "orders"}

// New returns the demo server called name, or nil.
func New(name string) *mcp.Server {
	switch name {
	case "inventory":
		return newInventory()
	case "orders":
		return newOrders()
	}
	return nil
}

// Serve serves the demo server called name over stdin and stdout until the client closes the
// connection or ctx is done. It is what "mcp-coordinator demo-server NAME" runs.
func Serve(ctx context.Context, name string) error {
	s := New(name)
	if s == nil {
		return fmt.Errorf("unknown demo server %q (%s)", name, strings.Join(Names, ", "))
	}
	return s.Run(ctx, &mcp.StdioTransport{})
}

// MaybeServe serves a demo server over stdio and exits when args are "demo-server NAME": a
// program (or a test binary) calls it first thing so that it can be configured as an MCP server.
func MaybeServe(args []string) {
	if len(args) != 3 || args[1] != "demo-server" {
		return
	}
	if err := Serve(context.Background(), args[2]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(0)
}

type Product struct {
	SKU      string  `json:"sku" jsonschema:"stock keeping unit"`
	Name     string  `json:"name"`
	Category string  `json:"category"`
	Stock    int     `json:"stock" jsonschema:"units on hand"`
	Price    float64 `json:"price" jsonschema:"unit price in EUR"`
}

type ListProductsIn struct {
	Category string `json:"category,omitempty" jsonschema:"only this category"`
}

type ListProductsOut struct {
	Products []Product `json:"products"`
}

type Order struct {
	ID       int    `json:"id"`
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity"`
	Day      int    `json:"day" jsonschema:"days ago"`
}

type OrdersIn struct {
	SKU  string `json:"sku,omitempty" jsonschema:"only orders of this product"`
	Days int    `json:"days,omitempty" jsonschema:"only the last N days (default 30)"`
}

type OrdersOut struct {
	Orders []Order `json:"orders"`
}

var categories = []string{"cables", "sensors", "tools", "fasteners", "displays"}

func products() []Product {
	r := rand.New(rand.NewPCG(1, 2))
	ps := make([]Product, 400)
	for i := range ps {
		c := categories[i%len(categories)]
		ps[i] = Product{
			SKU:      fmt.Sprintf("%s-%04d", c[:3], i),
			Name:     fmt.Sprintf("%s item %d", c, i),
			Category: c,
			Stock:    r.IntN(60),
			Price:    float64(r.IntN(20000)) / 100,
		}
	}
	return ps
}

func orders() []Order {
	r := rand.New(rand.NewPCG(3, 4))
	ps := products()
	os := make([]Order, 3000)
	for i := range os {
		os[i] = Order{ID: 1000 + i, SKU: ps[r.IntN(len(ps))].SKU, Quantity: 1 + r.IntN(9), Day: r.IntN(90)}
	}
	return os
}

func newInventory() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "inventory", Version: "1.0.0"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "list_products", Description: "List all products with stock and price."},
		func(_ context.Context, _ *mcp.CallToolRequest, in ListProductsIn) (*mcp.CallToolResult, ListProductsOut, error) {
			var out ListProductsOut
			for _, p := range products() {
				if in.Category == "" || p.Category == in.Category {
					out.Products = append(out.Products, p)
				}
			}
			if len(out.Products) == 0 {
				return nil, out, fmt.Errorf("no category %q; categories: %v", in.Category, categories)
			}
			return nil, out, nil
		})
	return s
}

func newOrders() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "orders", Version: "1.0.0"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "recent_orders", Description: "List recent orders, newest first. The book holds the last 90 days."},
		func(_ context.Context, _ *mcp.CallToolRequest, in OrdersIn) (*mcp.CallToolResult, OrdersOut, error) {
			if in.Days == 0 {
				in.Days = 30
			}
			var out OrdersOut
			for _, o := range orders() {
				if o.Day < in.Days && (in.SKU == "" || o.SKU == in.SKU) {
					out.Orders = append(out.Orders, o)
				}
			}
			slices.SortStableFunc(out.Orders, func(a, b Order) int { return cmp.Compare(a.Day, b.Day) })
			return nil, out, nil
		})
	return s
}
