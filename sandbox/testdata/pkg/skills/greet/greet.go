// Package greet is a saved skill: it greets through the demo server.
package greet

import (
	"strings"

	"mcp_tools/demo"
)

// Hello returns the demo server's echo of a greeting, upper-cased.
func Hello(name string) (string, error) {
	r, err := demo.Echo(demo.EchoArgs{Message: "hello " + name})
	if err != nil {
		return "", err
	}
	return strings.ToUpper(r.Text()), nil
}
