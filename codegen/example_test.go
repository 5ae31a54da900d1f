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
	// func Echo(args EchoArgs) (*EchoResult, error)
	// // Echo calls the MCP tool "echo".
	// // Echoes back the input.
	// func Echo(args EchoArgs) (*EchoResult, error)
	//
	// // EchoArgs holds the arguments of Echo.
	// type EchoArgs struct {
	// 	// Message to echo.
	// 	Message string `json:"message"`
	// 	Times   *int64 `json:"times,omitempty"`
	// }
	//
	// // EchoResult holds the result of Echo.
	// type EchoResult struct {
	// 	// Blocks are the tool's content blocks (text, images, resources); Text() joins their text.
	// 	Blocks []mcp_tools.Content `json:"-"`
	// }
	//
	// // Text returns the text of the content blocks, joined by newlines.
	// func (r *EchoResult) Text() string
}
