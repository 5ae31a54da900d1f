package codegen_test

import (
	"fmt"

	"github.com/mcp-coordinator/mcp-coordinator/codegen"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func ExampleGenerate() {
	tools := []*mcp.Tool{{
		Name:        "echo",
		Description: "Echoes back the input.",
		InputSchema: map[string]any{
			"type": "object",
			"properties": map[string]any{
				"message": map[string]any{"type": "string", "description": "Message to echo."},
				"times":   map[string]any{"type": "integer"},
			},
			"required": []any{"message"},
		},
	}}
	pkg, err := codegen.Generate("My Server", "", tools)
	if err != nil {
		panic(err)
	}
	fmt.Println("package", pkg.Name)
	fmt.Println(pkg.Tools[0].Signature)
	fmt.Print(pkg.Tools[0].Doc)
	// Output:
	// package my_server
	// func Echo(EchoArgs) (*EchoResult, error)
	// // Echoes back the input.
	// func Echo(EchoArgs) (*EchoResult, error)
	//
	// type EchoArgs struct {
	// 	Message string // required. Message to echo.
	// 	Times   *int64
	// }
}

// Two tools that share the shape of an item: one type Item, which the view prints once.
func ExamplePackage_View() {
	item := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"name":  map[string]any{"type": "string"},
			"price": map[string]any{"type": "number", "description": "In euros."},
		},
		"required": []any{"name", "price"},
	}
	list := map[string]any{"type": "object", "properties": map[string]any{
		"items": map[string]any{"type": "array", "items": item}}, "required": []any{"items"}}
	tools := []*mcp.Tool{
		{Name: "add_items", Description: "Adds items to the cart.", InputSchema: list},
		{Name: "list_items", Description: "Lists the cart.", InputSchema: map[string]any{"type": "object"}, OutputSchema: list},
	}
	pkg, err := codegen.Generate("shop", "", tools)
	if err != nil {
		panic(err)
	}
	view, err := pkg.View("ListItems", "AddItems")
	if err != nil {
		panic(err)
	}
	fmt.Print(view)
	// Output:
	// // Lists the cart.
	// func ListItems(ListItemsArgs) (*ListItemsResult, error)
	//
	// // Adds items to the cart.
	// func AddItems(AddItemsArgs) (*AddItemsResult, error)
	//
	// type ListItemsArgs struct{}
	//
	// type ListItemsResult struct {
	// 	Items []Item
	// }
	//
	// type Item struct {
	// 	Name  string  // required
	// 	Price float64 // required. In euros.
	// }
	//
	// type AddItemsArgs struct {
	// 	Items []Item // required
	// }
}
