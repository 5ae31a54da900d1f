package downstream

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// testEnv is the environment the config tests expand from.
func testEnv(name string) (string, bool) {
	v, ok := map[string]string{
		"HOME":  "/home/me",
		"TOKEN": "s3cret",
		"EMPTY": "",
		"PORT":  "8080",
	}[name]
	return v, ok
}

func TestParseConfigShapes(t *testing.T) {
	self := filepath.Join(t.TempDir(), "coordinator-binary")
	if err := os.WriteFile(self, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		json string
		want *Config
	}{{
		name: "claude desktop",
		json: `{
  "mcpServers": {
    "filesystem": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-filesystem", "/Users/me/Desktop"]
    },
    "memory": {"command": "mcp-server-memory", "env": {"MEMORY_FILE_PATH": "/tmp/m.json"}}
  },
  "globalShortcut": "Ctrl+Space"
}`,
		want: &Config{Servers: []ServerConfig{
			{Name: "filesystem", Type: "stdio", Command: "npx", Args: []string{"-y", "@modelcontextprotocol/server-filesystem", "/Users/me/Desktop"}},
			{Name: "memory", Type: "stdio", Command: "mcp-server-memory", Env: map[string]string{"MEMORY_FILE_PATH": "/tmp/m.json"}},
		}},
	}, {
		name: "claude code .mcp.json with every type",
		json: `{"mcpServers": {
  "local": {"type": "stdio", "command": "${HOME}/bin/server", "args": ["--port", "${PORT}"], "env": {"API_KEY": "${TOKEN}"}},
  "remote": {"type": "http", "url": "https://api.example.com/mcp", "headers": {"Authorization": "Bearer ${TOKEN}"}},
  "legacy": {"type": "sse", "url": "http://127.0.0.1:${PORT:-3000}/sse"}
}}`,
		want: &Config{Servers: []ServerConfig{
			{Name: "legacy", Type: "sse", URL: "http://127.0.0.1:8080/sse"},
			{Name: "local", Type: "stdio", Command: "/home/me/bin/server", Args: []string{"--port", "8080"}, Env: map[string]string{"API_KEY": "s3cret"}},
			{Name: "remote", Type: "http", URL: "https://api.example.com/mcp", Headers: map[string]string{"Authorization": "Bearer s3cret"}},
		}},
	}, {
		name: "vs code mcp.json with inputs, comments and trailing commas",
		json: `{
  // VS Code writes JSONC.
  "inputs": [{"type": "promptString", "id": "key", "password": true}],
  "servers": {
    "fetch": {"type": "stdio", "command": "uvx", "args": ["mcp-server-fetch",],},
    /* a remote one */
    "github": {"type": "http", "url": "https://api.githubcopilot.com/mcp/",},
  },
}`,
		want: &Config{Servers: []ServerConfig{
			{Name: "fetch", Type: "stdio", Command: "uvx", Args: []string{"mcp-server-fetch"}},
			{Name: "github", Type: "http", URL: "https://api.githubcopilot.com/mcp/"},
		}},
	}, {
		name: "type inferred, aliases, case, unknown fields and irrelevant fields",
		json: `{"mcpServers": {
  "a": {"url": "http://localhost:3000/mcp", "timeout": 5000, "autoApprove": []},
  "b": {"type": "streamable-http", "url": "http://localhost:3001/mcp"},
  "c": {"type": "STDIO", "command": "c", "url": "http://ignored", "headers": {"X": "y"}},
  "d": {"type": "sse", "url": "http://localhost:3002/sse", "command": "ignored", "disabled": false}
}}`,
		want: &Config{Servers: []ServerConfig{
			{Name: "a", Type: "http", URL: "http://localhost:3000/mcp"},
			{Name: "b", Type: "http", URL: "http://localhost:3001/mcp"},
			{Name: "c", Type: "stdio", Command: "c"},
			{Name: "d", Type: "sse", URL: "http://localhost:3002/sse"},
		}},
	}, {
		name: "both keys are read",
		json: `{"mcpServers": {"a": {"command": "a"}}, "servers": {"b": {"command": "b"}}}`,
		want: &Config{Servers: []ServerConfig{
			{Name: "a", Type: "stdio", Command: "a"},
			{Name: "b", Type: "stdio", Command: "b"},
		}},
	}, {
		name: "null and empty server objects",
		json: "\xef\xbb\xbf" + `{"mcpServers": null, "servers": {}}`,
		want: &Config{},
	}, {
		name: "skipped entries",
		json: `{"mcpServers": {
  "off": {"command": "x", "disabled": true},
  "off-and-broken": {"type": "grpc", "disabled": true},
  "self": {"command": "mcp-coordinator", "args": ["serve"]},
  "self-abs": {"command": "/usr/local/bin/mcp-coordinator"},
  "self-windows": {"command": "C:\\Tools\\MCP-Coordinator.exe"},
  "self-go-run": {"command": "go", "args": ["run", "github.com/mcp-coordinator/mcp-coordinator/cmd/mcp-coordinator@latest"]},
  "self-npx": {"command": "npx", "args": ["-y", "mcp-coordinator@1.2.0"]},
  "self-by-path": {"command": "sh", "args": ["-c", "exec \"$0\"", "SELF"]},
  "self-serve": {"command": "SELF", "args": ["serve", "--config", "x.json"]},
  "self-other-mode": {"command": "SELF", "args": ["demo-server", "inventory"]},
  "demo-by-name": {"command": "mcp-coordinator", "args": ["demo-server", "orders"]},
  "ws": {"type": "ws", "url": "ws://localhost:1"},
  "fs-in-checkout": {"command": "mcp-server-filesystem", "args": ["/home/me/src/mcp-coordinator"]}
}}`,
		want: &Config{
			Servers: []ServerConfig{
				{Name: "demo-by-name", Type: "stdio", Command: "mcp-coordinator", Args: []string{"demo-server", "orders"}},
				{Name: "fs-in-checkout", Type: "stdio", Command: "mcp-server-filesystem", Args: []string{"/home/me/src/mcp-coordinator"}},
				{Name: "self-other-mode", Type: "stdio", Command: self, Args: []string{"demo-server", "inventory"}},
			},
			Skipped: []Skipped{
				{Name: "off", Reason: "disabled"},
				{Name: "off-and-broken", Reason: "disabled"},
				{Name: "self", Reason: "it would start mcp-coordinator itself"},
				{Name: "self-abs", Reason: "it would start mcp-coordinator itself"},
				{Name: "self-by-path", Reason: "it would start mcp-coordinator itself"},
				{Name: "self-go-run", Reason: "it would start mcp-coordinator itself"},
				{Name: "self-npx", Reason: "it would start mcp-coordinator itself"},
				{Name: "self-serve", Reason: "it would start mcp-coordinator itself"},
				{Name: "self-windows", Reason: "it would start mcp-coordinator itself"},
				{Name: "ws", Reason: "the websocket transport is not supported"},
			},
		},
	}, {
		name: "unset variables stay literal with a warning",
		json: `{"mcpServers": {
  "s": {"command": "${NOPE}", "args": ["$HOME", "${HOME}", "${MISSING}"], "env": {"B": "${B_VAR}", "A": "${A_VAR:-}"}},
  "h": {"type": "http", "url": "${BASE_URL}/mcp", "headers": {"Authorization": "Bearer ${API_KEY}"}}
}}`,
		want: &Config{
			Servers: []ServerConfig{
				{Name: "h", Type: "http", URL: "${BASE_URL}/mcp", Headers: map[string]string{"Authorization": "Bearer ${API_KEY}"}},
				{Name: "s", Type: "stdio", Command: "${NOPE}", Args: []string{"$HOME", "/home/me", "${MISSING}"}, Env: map[string]string{"A": "", "B": "${B_VAR}"}},
			},
			Warnings: []string{
				`server "h": url: ${BASE_URL} is not set; left as written`,
				`server "h": headers["Authorization"]: ${API_KEY} is not set; left as written`,
				`server "s": command: ${NOPE} is not set; left as written`,
				`server "s": args[2]: ${MISSING} is not set; left as written`,
				`server "s": env["B"]: ${B_VAR} is not set; left as written`,
			},
		},
	}}
	defer func(f func() string) { selfExecutable = f }(selfExecutable)
	selfExecutable = func() string { return self }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := strings.ReplaceAll(tt.json, "SELF", self)
			got, err := ParseConfig("test.json", []byte(data), testEnv)
			if err != nil {
				t.Fatalf("ParseConfig: %v", err)
			}
			tt.want.Path = "test.json"
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ParseConfig (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	tests := []struct {
		in, want string
		missing  []string
	}{
		{in: "plain", want: "plain"},
		{in: "${TOKEN}", want: "s3cret"},
		{in: "a${TOKEN}b${PORT}c", want: "as3cretb8080c"},
		{in: "${NOPE}", want: "${NOPE}", missing: []string{"NOPE"}},
		{in: "x${NOPE}y${ALSO}", want: "x${NOPE}y${ALSO}", missing: []string{"NOPE", "ALSO"}},
		{in: "${NOPE:-fallback}", want: "fallback"},
		{in: "${NOPE:-}", want: ""},
		{in: "${TOKEN:-fallback}", want: "s3cret"},
		{in: "${EMPTY:-fallback}", want: ""}, // set but empty is used, unlike a shell's :-
		{in: "${EMPTY}", want: ""},
		{in: "${NOPE:-a:-b}", want: "a:-b"},
		{in: "${NOPE:-http://h:1/x}", want: "http://h:1/x"},
		{in: "${NOPE:-${PORT}}", want: "${PORT}"}, // the braces end at the first "}"
		{in: "$TOKEN", want: "$TOKEN"},
		{in: "$${TOKEN}", want: "$s3cret"},
		{in: "${}", want: "${}"},
		{in: "${TOKEN", want: "${TOKEN"},
		{in: "${TOKEN}${", want: "s3cret${"},
		{in: "${NOPE-x}", want: "${NOPE-x}", missing: []string{"NOPE-x"}},
		{in: "ü${PORT}ü", want: "ü8080ü"},
	}
	for _, tt := range tests {
		got, missing := expand(tt.in, testEnv)
		if got != tt.want || !cmp.Equal(missing, tt.missing, cmpopts.EquateEmpty()) {
			t.Errorf("expand(%q) = %q, %q; want %q, %q", tt.in, got, missing, tt.want, tt.missing)
		}
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name, json string
		want       string // the whole error message
	}{
		{"empty file", "  \n", `c.json: the file is empty; want {"mcpServers": {...}}`},
		{"not an object", "[1, 2]", `c.json:1:1: want a JSON object, found an array`},
		{"no servers key", `{"mcp": {}}`, `c.json:1:1: no "mcpServers" (or "servers") object at the top level`},
		{"servers is an array", `{"mcpServers": []}`, `c.json:1:16: "mcpServers" must be an object of servers, found an array`},
		{"missing comma", "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"x\" \"args\": []}\n  }\n}",
			`c.json:3:26: invalid JSON: invalid character '"' after object key:value pair`},
		{"truncated", "{\"mcpServers\": {\n  \"a\": {\"command\": \"x\"",
			`c.json:2:23: unexpected end of file: a closing bracket or brace is missing`},
		{"single quotes", "{'mcpServers': {}}", `c.json:1:2: invalid JSON: invalid character '\'' looking for beginning of object key string`},
		{"garbage after", `{"mcpServers": {}} x`, `c.json:1:20: invalid JSON: invalid character 'x' after top-level value`},
		{"args is a string", "{\"mcpServers\": {\n  \"a\": {\"command\": \"x\", \"args\": \"-y pkg\"}}}",
			`c.json:2:33: server "a": "args" must be an array of strings, found a string`},
		{"args holds a number", `{"mcpServers": {"a": {"command": "x", "args": ["a", 1]}}}`,
			`c.json:1:47: server "a": "args" must be an array of strings, found a number`},
		{"env value is a number", `{"mcpServers": {"a": {"command": "x", "env": {"PORT": 3000}}}}`,
			`c.json:1:46: server "a": "env" must be an object whose values are strings, found a number`},
		{"headers is an array", `{"mcpServers": {"a": {"type": "http", "url": "http://h/", "headers": ["x"]}}}`,
			`c.json:1:70: server "a": "headers" must be an object whose values are strings, found an array`},
		{"disabled is a string", `{"mcpServers": {"a": {"command": "x", "disabled": "yes"}}}`,
			`c.json:1:51: server "a": "disabled" must be true or false, found a string`},
		{"entry is a string", `{"mcpServers": {"a": "npx foo"}}`, `c.json:1:22: server "a": want an object, found a string`},
		{"unknown type", `{"mcpServers": {"a": {"type": "grpc", "command": "x"}}}`,
			`c.json:1:31: server "a": "type" is "grpc"; want "stdio", "http" or "sse"`},
		{"type is a number", `{"mcpServers": {"a": {"type": 1}}}`,
			`c.json:1:31: server "a": "type" must be a string, found a number`},
		{"nothing to start", `{"mcpServers": {"a": {"args": ["x"]}}}`,
			`c.json:1:22: server "a": needs "command" (a stdio server) or "url" (an http or sse server)`},
		{"stdio without command", `{"mcpServers": {"a": {"type": "stdio", "url": "http://h/"}}}`,
			`c.json:1:22: server "a": a stdio server needs "command"`},
		{"http without url", `{"mcpServers": {"a": {"type": "http", "command": "x"}}}`,
			`c.json:1:22: server "a": an http server needs "url"`},
		{"sse without url", `{"mcpServers": {"a": {"type": "sse"}}}`,
			`c.json:1:22: server "a": an sse server needs "url"`},
		{"url without scheme", `{"mcpServers": {"a": {"url": "localhost:3000/mcp"}}}`,
			`c.json:1:30: server "a": "url" is "localhost:3000/mcp"; want an http:// or https:// URL`},
		{"duplicate name", `{"mcpServers": {"a": {"command": "x"}}, "servers": {"a": {"command": "y"}}}`,
			`c.json:1:58: server "a": defined twice`},
		{"empty name", `{"mcpServers": {"": {"command": "x"}}}`, `c.json:1:21: a server has an empty name`},
		{"two problems", "{\"mcpServers\": {\n\"a\": {\"type\": \"x\"},\n\"b\": {}}}",
			"c.json:2:15: server \"a\": \"type\" is \"x\"; want \"stdio\", \"http\" or \"sse\"\n" +
				`c.json:3:6: server "b": needs "command" (a stdio server) or "url" (an http or sse server)`},
		{"unterminated comment", "{\"mcpServers\": {}} /* x", `c.json:1:20: invalid JSON: invalid character '/' after top-level value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig("c.json", []byte(tt.json), testEnv)
			if err == nil {
				t.Fatalf("ParseConfig succeeded with %+v; want error %q", cfg, tt.want)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "claude_desktop_config.json")
	if err := os.WriteFile(path, []byte(`{"mcpServers": {"m": {"command": "mcp-server-memory"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{Path: path, Servers: []ServerConfig{{Name: "m", Type: "stdio", Command: "mcp-server-memory"}}}
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Errorf("LoadConfig (-want +got):\n%s", diff)
	}
	if _, err := LoadConfig(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("LoadConfig(missing) error = %v; want one naming the file", err)
	}
}

func TestFindConfig(t *testing.T) {
	write := func(p string) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	root := t.TempDir()
	explicit := write(filepath.Join(root, "explicit.json"))
	fromEnv := write(filepath.Join(root, "env.json"))
	home := filepath.Join(root, "home")
	linuxDesktop := write(filepath.Join(home, ".config", "Claude", "claude_desktop_config.json"))
	macDesktop := write(filepath.Join(home, "Library", "Application Support", "Claude", "claude_desktop_config.json"))
	appData := filepath.Join(root, "AppData")
	winDesktop := write(filepath.Join(appData, "Claude", "claude_desktop_config.json"))
	xdg := filepath.Join(root, "xdg")
	xdgDesktop := write(filepath.Join(xdg, "Claude", "claude_desktop_config.json"))
	withMCPJSON := filepath.Join(root, "project")
	write(filepath.Join(withMCPJSON, ".mcp.json"))
	empty := filepath.Join(root, "empty")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, explicit, cwd, home, goos string
		env                             map[string]string
		want, wantErr                   string
	}{
		{name: "flag wins", explicit: explicit, cwd: withMCPJSON, env: map[string]string{ConfigEnv: fromEnv}, home: home, goos: "linux", want: explicit},
		{name: "flag names a missing file", explicit: "nope.json", cwd: withMCPJSON, home: home, goos: "linux", wantErr: "MCP config nope.json (from --config) not found"},
		{name: "env next", cwd: withMCPJSON, env: map[string]string{ConfigEnv: fromEnv}, home: home, goos: "linux", want: fromEnv},
		{name: "env names a missing file", cwd: withMCPJSON, env: map[string]string{ConfigEnv: "/nope.json"}, home: home, goos: "linux", wantErr: "MCP config /nope.json (from $MCP_SERVERS_CONFIG) not found"},
		{name: ".mcp.json next", cwd: withMCPJSON, home: home, goos: "linux", want: ".mcp.json"},
		{name: "claude desktop on linux", cwd: empty, home: home, goos: "linux", want: linuxDesktop},
		{name: "claude desktop under XDG_CONFIG_HOME", cwd: empty, home: home, goos: "linux", env: map[string]string{"XDG_CONFIG_HOME": xdg}, want: xdgDesktop},
		{name: "claude desktop on macOS", cwd: empty, home: home, goos: "darwin", want: macDesktop},
		{name: "claude desktop on windows", cwd: empty, home: home, goos: "windows", env: map[string]string{"APPDATA": appData}, want: winDesktop},
		{name: "nothing found", cwd: empty, home: filepath.Join(root, "nobody"), goos: "linux",
			wantErr: "no MCP config found; tried --config (not given), $MCP_SERVERS_CONFIG (not set), .mcp.json (not found), " +
				filepath.Join(root, "nobody", ".config", "Claude", "claude_desktop_config.json") + " (not found)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(tt.cwd)
			got, err := findConfig(tt.explicit, func(k string) string { return tt.env[k] }, tt.home, tt.goos)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("findConfig = %q, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("findConfig = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// A config path that is a directory says so, on both ways in: finding the file and reading it.
func TestConfigIsDir(t *testing.T) {
	dir := t.TempDir()
	if _, err := FindConfig(dir); !errors.Is(err, ErrConfigIsDir) {
		t.Errorf("FindConfig(a directory) = %v, want ErrConfigIsDir", err)
	}
	if _, err := LoadConfig(dir); !errors.Is(err, ErrConfigIsDir) {
		t.Errorf("LoadConfig(a directory) = %v, want ErrConfigIsDir", err)
	}
}
