package prepare

import (
	"path"
	"slices"
	"strings"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
)

// RuntimePackage is the import path of the runtime that stub packages import (package mcp_tools).
const RuntimePackage = "mcp_tools"

// allowed is [sandbox.AllowedStdlib], sorted: the standard library a snippet may import.
var allowed = sandbox.AllowedStdlib()

// isAllowedStdlib reports whether p is in the standard library allowlist.
func isAllowedStdlib(p string) bool {
	_, ok := slices.BinarySearch(allowed, p)
	return ok
}

// stdlibByName maps a package name to its path, for the imports added to a snippet body.
// "rand" is math/rand; math/rand/v2 must be imported explicitly.
var stdlibByName = func() map[string]string {
	m := map[string]string{}
	for _, p := range allowed {
		if strings.HasSuffix(p, "/v2") {
			continue
		}
		m[path.Base(p)] = p
	}
	return m
}()

// deniedHints says what to use instead of a denied package.
var deniedHints = map[string]string{
	"os":            "there are no files or environment in the sandbox: read and write files through a server's tools; print results with fmt.Println",
	"os/exec":       "the sandbox cannot start processes; call a tool of an MCP server through its mcp_tools/<server> package",
	"net":           "the sandbox has no network; call a tool of an MCP server through its mcp_tools/<server> package",
	"net/http":      "the sandbox has no network; call a tool of an MCP server (for example a fetch tool) through its mcp_tools/<server> package",
	"syscall":       "the sandbox has no system calls",
	"unsafe":        "use ordinary Go values",
	"reflect":       "use a type switch or a type assertion",
	"runtime":       "nothing to tune: goroutines, channels and sync work as usual",
	"plugin":        "the sandbox cannot load plugins",
	"path/filepath": "use path for slash-separated paths; the sandbox has no file system",
	"io/fs":         "the sandbox has no file system; read files through an MCP server's tools",
	"io/ioutil":     "use io and bytes (io.ReadAll, bytes.Buffer)",
	"log":           "print with fmt.Println; instead of log.Fatal, print the error and return",
	"text/template": "build text with fmt.Sprintf or strings.Builder",
	"html/template": "build text with fmt.Sprintf or strings.Builder, escaping with html.EscapeString",
	"flag":          "a snippet has no command line",
	"crypto/rand":   "use math/rand",
}

// deniedForServers are the denied packages whose work a server's tools do: their hint lists the
// servers.
var deniedForServers = map[string]bool{"os": true, "os/exec": true, "net": true, "net/http": true, "path/filepath": true, "io/fs": true, "io/ioutil": true}

// deniedImport returns the KindImport error for an import of p at line.
func deniedImport(p string, line int, stubs, skills []string) *sandbox.Error {
	var msg strings.Builder
	switch {
	case strings.HasPrefix(p, RuntimePackage+"/"):
		msg.WriteString("there is no stub package " + p + "; ")
		if len(stubs) == 0 {
			msg.WriteString("no server packages are available")
		} else {
			msg.WriteString("available: " + strings.Join(stubs, ", "))
		}
		return &sandbox.Error{Kind: sandbox.KindImport, Line: line, Msg: msg.String(), Hint: "list_servers shows the servers and their import paths"}
	case strings.HasPrefix(p, "skills/"):
		msg.WriteString("there is no skill " + p + "; ")
		if len(skills) == 0 {
			msg.WriteString("no skills are saved")
		} else {
			msg.WriteString("available: " + strings.Join(skills, ", "))
		}
		return &sandbox.Error{Kind: sandbox.KindImport, Line: line, Msg: msg.String(), Hint: `list_tools {"server": "skills"} lists the saved skills`}
	}
	if hint, ok := deniedHints[p]; ok {
		// A well-known package: say what to use instead, not the whole allowlist.
		if len(stubs) > 0 && deniedForServers[p] {
			hint += "; the servers here: " + strings.Join(stubs, ", ")
		}
		return &sandbox.Error{Kind: sandbox.KindImport, Line: line, Msg: "package " + p + " is not available in the sandbox", Hint: hint}
	}
	msg.WriteString("package " + p + " is not available in the sandbox. Allowed: " + strings.Join(allowed, " "))
	msg.WriteString(", " + RuntimePackage)
	if len(stubs) > 0 {
		msg.WriteString(", " + strings.Join(stubs, ", "))
	}
	if len(skills) > 0 {
		msg.WriteString(", " + strings.Join(skills, ", "))
	}
	return &sandbox.Error{Kind: sandbox.KindImport, Line: line, Msg: msg.String()}
}
