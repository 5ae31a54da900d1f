package downstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Transport names, as written in the "type" field of a server entry.
const (
	TransportStdio = "stdio"
	TransportHTTP  = "http"
	TransportSSE   = "sse"
)

// ConfigEnv is the environment variable that names the config file when --config is not given.
const ConfigEnv = "MCP_SERVERS_CONFIG"

// ServerConfig is one downstream server from the user's config, with ${VAR} references expanded.
type ServerConfig struct {
	// Name is the config key as written.
	Name string
	// Type is TransportStdio, TransportHTTP or TransportSSE.
	Type string
	// Command, Args and Env start a stdio server. Env is added to the coordinator's own
	// environment.
	Command string
	Args    []string
	Env     map[string]string
	// URL and Headers reach an http or sse server.
	URL     string
	Headers map[string]string
}

// Skipped is a config entry that is valid but not started.
type Skipped struct {
	Name   string
	Reason string
}

// Config is a parsed config file.
type Config struct {
	// Path is the file the config was read from.
	Path string
	// Servers are the servers to start, sorted by Name.
	Servers []ServerConfig
	// Skipped are the entries left out, sorted by Name: "disabled": true, a transport the
	// coordinator does not speak, or an entry that would start the coordinator itself.
	Skipped []Skipped
	// Warnings are problems that do not stop the servers from starting, such as a ${VAR}
	// that is not set. Each names the server and the field.
	Warnings []string
}

// ConfigError is a problem in a config file, located by line and column (1-based, counted in
// characters) when it can be.
type ConfigError struct {
	Path      string
	Line, Col int
	// Server is the entry's name, empty for a problem outside the server entries.
	Server string
	Msg    string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	b.WriteString(": ")
	if e.Server != "" {
		fmt.Fprintf(&b, "server %q: ", e.Server)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// LoadConfig reads and parses the config file at path, expanding ${VAR} references from the
// process environment. See [ParseConfig].
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if fi, serr := os.Stat(path); serr == nil && fi.IsDir() {
			return nil, fmt.Errorf("MCP config %s %w", path, ErrConfigIsDir)
		}
		return nil, fmt.Errorf("reading MCP config: %w", err)
	}
	return ParseConfig(path, data, os.LookupEnv)
}

// ParseConfig parses a config file's contents; path is used in messages only and env looks
// up the variables that ${VAR} references name (nil means os.LookupEnv).
//
// The servers are read from the top-level "mcpServers" object (Claude Desktop, Claude Code)
// and the "servers" object (VS Code); other top-level keys such as VS Code's "inputs" are
// ignored, and so are unknown fields in an entry. Comments and trailing commas (JSONC, as VS
// Code writes) are accepted. A malformed file, a field of the wrong JSON type, or an entry
// that cannot be started as written (unknown type, stdio without "command", http or sse
// without "url") makes ParseConfig fail with one [*ConfigError] per problem, joined.
func ParseConfig(path string, data []byte, env func(string) (string, bool)) (*Config, error) {
	if env == nil {
		env = os.LookupEnv
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	p := &parser{path: path, data: stripJSONC(data)}
	if err := p.checkSyntax(); err != nil {
		return nil, err
	}
	entries, err := p.entries()
	if err != nil {
		return nil, err
	}
	cfg := &Config{Path: path}
	var errs []error
	self := selfExecutable()
	for _, e := range entries {
		sc, reason, err := p.server(e, env, &cfg.Warnings)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if reason == "" {
			reason = startsCoordinator(sc, self)
		}
		if reason != "" {
			cfg.Skipped = append(cfg.Skipped, Skipped{Name: e.name, Reason: reason})
			continue
		}
		cfg.Servers = append(cfg.Servers, sc)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return cfg, nil
}

// entry is one server entry: its name, raw value and where the value starts.
type entry struct {
	name string
	raw  json.RawMessage
	at   int64
}

type parser struct {
	path string
	data []byte
}

// errAt builds a ConfigError at byte offset off.
func (p *parser) errAt(off int64, server, format string, args ...any) *ConfigError {
	line, col := position(p.data, off)
	return &ConfigError{Path: p.path, Line: line, Col: col, Server: server, Msg: fmt.Sprintf(format, args...)}
}

// checkSyntax reports the first syntax error of the whole file, at the character that
// revealed it. The walk that follows relies on the file being well formed.
func (p *parser) checkSyntax() error {
	if len(bytes.TrimSpace(p.data)) == 0 {
		return &ConfigError{Path: p.path, Msg: `the file is empty; want {"mcpServers": {...}}`}
	}
	var v any
	err := json.Unmarshal(p.data, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return nil
	}
	if strings.Contains(se.Error(), "unexpected end of JSON input") {
		return p.errAt(int64(len(p.data)), "", "unexpected end of file: a closing bracket or brace is missing")
	}
	return p.errAt(max(se.Offset-1, 0), "", "invalid JSON: %s", se.Error())
}

// jsonErr converts an unexpected decoding error into a ConfigError at offset at.
func (p *parser) jsonErr(err error, at int64, server string) error {
	return p.errAt(at, server, "invalid JSON: %v", err)
}

// entries walks the top level and returns the server entries of "mcpServers" and "servers".
func (p *parser) entries() ([]entry, error) {
	dec := json.NewDecoder(bytes.NewReader(p.data))
	var entries []entry
	found := false
	seen := map[string]bool{}
	err := p.object(dec, 0, "", func(key string, raw json.RawMessage, at int64) error {
		if key != "mcpServers" && key != "servers" {
			return nil
		}
		found = true
		if string(raw) == "null" {
			return nil
		}
		if raw[0] != '{' {
			return p.errAt(at, "", "%q must be an object of servers, found %s", key, kindOf(raw))
		}
		sub := json.NewDecoder(bytes.NewReader(raw))
		return p.object(sub, at, "", func(name string, raw json.RawMessage, at int64) error {
			if seen[name] {
				return p.errAt(at, name, "defined twice")
			}
			seen[name] = true
			entries = append(entries, entry{name: name, raw: raw, at: at})
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, &ConfigError{Path: p.path, Line: 1, Col: 1, Msg: `no "mcpServers" (or "servers") object at the top level`}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	return entries, nil
}

// object reads one JSON object from dec (whose input starts at offset base in the file) and
// calls f for each member with the member's raw value and its offset in the file.
func (p *parser) object(dec *json.Decoder, base int64, server string, f func(key string, raw json.RawMessage, at int64) error) error {
	tok, err := dec.Token()
	if err != nil {
		return p.jsonErr(err, base, server)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return p.errAt(base+dec.InputOffset()-1, server, "want a JSON object, found %s", tokenKind(tok))
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return p.jsonErr(err, base, server)
		}
		key := tok.(string) // Token guarantees a string key here
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return p.jsonErr(err, base, server)
		}
		at := base + dec.InputOffset() - int64(len(raw))
		if err := f(key, raw, at); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return p.jsonErr(err, base, server)
	}
	if tok, err := dec.Token(); err != io.EOF {
		if err != nil {
			return p.jsonErr(err, base, server)
		}
		return p.errAt(base+dec.InputOffset()-1, server, "unexpected %s after the end of the object", tokenKind(tok))
	}
	return nil
}

// rawServer is the JSON shape of one entry; unknown fields are ignored.
type rawServer struct {
	Type     string
	Command  string
	Args     []string
	Env      map[string]string
	URL      string
	Headers  map[string]string
	Disabled bool
}

// server checks one entry and expands its ${VAR} references. A non-empty reason means the
// entry is skipped.
func (p *parser) server(e entry, env func(string) (string, bool), warnings *[]string) (sc ServerConfig, reason string, err error) {
	if e.raw[0] != '{' {
		return sc, "", p.errAt(e.at, e.name, "want an object, found %s", kindOf(e.raw))
	}
	if e.name == "" {
		return sc, "", p.errAt(e.at, "", "a server has an empty name")
	}
	var rs rawServer
	at := map[string]int64{}
	fields := map[string]any{
		"type": &rs.Type, "command": &rs.Command, "args": &rs.Args, "env": &rs.Env,
		"url": &rs.URL, "headers": &rs.Headers, "disabled": &rs.Disabled,
	}
	err = p.object(json.NewDecoder(bytes.NewReader(e.raw)), e.at, e.name, func(key string, raw json.RawMessage, off int64) error {
		dst, ok := fields[key]
		if !ok || string(raw) == "null" {
			return nil
		}
		at[key] = off
		if err := json.Unmarshal(raw, dst); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return p.errAt(off, e.name, "%q %s, found %s", key, want(reflectName(dst)), article(te.Value))
			}
			return p.jsonErr(err, off, e.name)
		}
		return nil
	})
	if err != nil {
		return sc, "", err
	}
	if rs.Disabled {
		return sc, "disabled", nil
	}
	sc = ServerConfig{Name: e.name, Command: rs.Command, Args: rs.Args, Env: rs.Env, URL: rs.URL, Headers: rs.Headers}
	switch t := strings.ToLower(strings.TrimSpace(rs.Type)); t {
	case "":
		switch {
		case rs.Command != "":
			sc.Type = TransportStdio
		case rs.URL != "":
			sc.Type = TransportHTTP
		default:
			return sc, "", p.errAt(e.at, e.name, `needs "command" (a stdio server) or "url" (an http or sse server)`)
		}
	case TransportStdio, TransportHTTP, TransportSSE:
		sc.Type = t
	case "streamable-http", "streamablehttp":
		sc.Type = TransportHTTP
	case "ws", "websocket":
		return sc, "the websocket transport is not supported", nil
	default:
		return sc, "", p.errAt(at["type"], e.name, `"type" is %q; want "stdio", "http" or "sse"`, rs.Type)
	}
	warn := func(field string, missing []string) {
		for _, v := range missing {
			*warnings = append(*warnings, fmt.Sprintf("server %q: %s: ${%s} is not set; left as written", e.name, field, v))
		}
	}
	expandField := func(field string, s *string) {
		var missing []string
		*s, missing = expand(*s, env)
		warn(field, missing)
	}
	expandMap := func(field string, m map[string]string) {
		for _, k := range sortedKeys(m) {
			v := m[k]
			expandField(fmt.Sprintf("%s[%q]", field, k), &v)
			m[k] = v
		}
	}
	switch sc.Type {
	case TransportStdio:
		if rs.Command == "" {
			return sc, "", p.errAt(e.at, e.name, `a stdio server needs "command"`)
		}
		expandField("command", &sc.Command)
		for i := range sc.Args {
			expandField(fmt.Sprintf("args[%d]", i), &sc.Args[i])
		}
		expandMap("env", sc.Env)
		sc.URL, sc.Headers = "", nil
	default:
		if rs.URL == "" {
			return sc, "", p.errAt(e.at, e.name, `an %s server needs "url"`, sc.Type)
		}
		n := len(*warnings)
		expandField("url", &sc.URL)
		if len(*warnings) == n { // a URL with an unset ${VAR} fails when it is used, with the warning
			if u, err := url.Parse(sc.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return sc, "", p.errAt(at["url"], e.name, `"url" is %q; want an http:// or https:// URL`, sc.URL)
			}
		}
		expandMap("headers", sc.Headers)
		sc.Command, sc.Args, sc.Env = "", nil, nil
	}
	return sc, "", nil
}

// expand replaces ${VAR} and ${VAR:-default} in s as Claude Code does: the braces hold
// everything up to the next "}", the name is what comes before the first ":-" and the default
// what comes after it. A set variable is used even when empty; an unset one without a default
// is left as written and reported in missing. A bare $VAR is never expanded.
func expand(s string, env func(string) (string, bool)) (string, []string) {
	var b strings.Builder
	var missing []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+2:], '}')
		if j <= 0 { // no closing brace, or "${}": literal
			if j < 0 {
				break
			}
			b.WriteString(s[:i+3])
			s = s[i+3:]
			continue
		}
		b.WriteString(s[:i])
		inner := s[i+2 : i+2+j]
		name, def, hasDef := strings.Cut(inner, ":-")
		if v, ok := env(name); ok {
			b.WriteString(v)
		} else if hasDef {
			b.WriteString(def)
		} else {
			b.WriteString(s[i : i+3+j])
			missing = append(missing, name)
		}
		s = s[i+3+j:]
	}
	b.WriteString(s)
	return b.String(), missing
}

// selfExecutable is the running coordinator's executable; a variable for tests.
var selfExecutable = func() string {
	p, err := os.Executable()
	if err != nil {
		return ""
	}
	return p
}

// coordinatorModule is the module path that "go run" of the coordinator names.
const coordinatorModule = "github.com/mcp-coordinator/mcp-coordinator"

// startsCoordinator returns why sc would start the coordinator itself, or "". It recognises:
// a command named mcp-coordinator (with or without .exe, in any directory) unless it runs one
// of its demo servers ("mcp-coordinator demo-server NAME"); a command or an
// argument that is the running executable (same file, after a PATH search for a bare
// command) with no arguments or the serve command; an argument naming the coordinator's Go module (go run, go tool); and an npm-style
// package argument "mcp-coordinator" or "mcp-coordinator@<version>" (npx, bunx) that is not
// an existing directory. A server that is merely given a path containing "mcp-coordinator"
// (a filesystem server rooted in a checkout, say) is kept.
func startsCoordinator(sc ServerConfig, self string) string {
	if sc.Type != TransportStdio {
		return ""
	}
	const why = "it would start mcp-coordinator itself"
	base := strings.ToLower(sc.Command[strings.LastIndexAny(sc.Command, `/\`)+1:])
	base = strings.TrimSuffix(strings.TrimSuffix(base, ".exe"), ".cmd")
	if base == "mcp-coordinator" && !demoServer(sc.Args) {
		return why
	}
	if self != "" {
		cmd := sc.Command
		if !strings.ContainsAny(cmd, `/\`) {
			if p, err := exec.LookPath(cmd); err == nil {
				cmd = p
			}
		}
		if sameFile(cmd, self) && servesMCP(sc.Args) {
			return why
		}
		for i, a := range sc.Args {
			if sameFile(a, self) && servesMCP(sc.Args[i+1:]) {
				return why
			}
		}
	}
	for _, a := range sc.Args {
		if strings.Contains(a, coordinatorModule) {
			return why
		}
		if a == "mcp-coordinator" || strings.HasPrefix(a, "mcp-coordinator@") {
			if fi, err := os.Stat(a); err != nil || !fi.IsDir() {
				return why
			}
		}
	}
	return ""
}

// servesMCP reports whether the running executable, given args, would serve MCP: no arguments
// or the serve command. The same binary run in another mode (a demo server built into an example,
// a test binary re-executed as a fake server) is not the coordinator.
func servesMCP(args []string) bool {
	return len(args) == 0 || args[0] == "serve"
}

// demoServer reports whether args run the coordinator's demo-server command, which serves a
// small demo MCP server, not the coordinator.
func demoServer(args []string) bool {
	return len(args) > 0 && args[0] == "demo-server"
}

func sameFile(a, b string) bool {
	if a == "" || !filepath.IsAbs(a) && !strings.ContainsAny(a, `/\`) {
		return false
	}
	fa, err := os.Stat(a)
	if err != nil || !fa.Mode().IsRegular() {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

// FindConfig returns the config file to use: explicit (the --config flag) when not empty,
// else $MCP_SERVERS_CONFIG, else ./.mcp.json when it exists, else Claude Desktop's config
// (macOS ~/Library/Application Support/Claude/claude_desktop_config.json, Windows
// %APPDATA%\Claude\claude_desktop_config.json, elsewhere
// $XDG_CONFIG_HOME/Claude/claude_desktop_config.json with ~/.config as the default) when it
// exists. A file named by the flag or the variable must exist. The error lists what was tried.
func FindConfig(explicit string) (string, error) {
	home, _ := os.UserHomeDir()
	return findConfig(explicit, os.Getenv, home, runtime.GOOS)
}

// ErrConfigIsDir is wrapped by the error of FindConfig (for the file named by the flag or the
// variable) and of LoadConfig when the config path is a directory.
var ErrConfigIsDir = errors.New("is a directory, not a file")

func findConfig(explicit string, getenv func(string) string, home, goos string) (string, error) {
	exists := func(p string) bool {
		fi, err := os.Stat(p)
		return err == nil && !fi.IsDir()
	}
	named := func(p, from string) (string, error) {
		switch fi, err := os.Stat(p); {
		case err != nil:
			return "", fmt.Errorf("MCP config %s (from %s) not found", p, from)
		case fi.IsDir():
			return "", fmt.Errorf("MCP config %s (from %s) %w", p, from, ErrConfigIsDir)
		}
		return p, nil
	}
	if explicit != "" {
		return named(explicit, "--config")
	}
	if p := getenv(ConfigEnv); p != "" {
		return named(p, "$"+ConfigEnv)
	}
	tried := []string{"--config (not given)", "$" + ConfigEnv + " (not set)"}
	candidates := []string{".mcp.json"}
	if d := claudeDesktopDir(getenv, home, goos); d != "" {
		candidates = append(candidates, filepath.Join(d, "claude_desktop_config.json"))
	}
	for _, p := range candidates {
		if exists(p) {
			return p, nil
		}
		tried = append(tried, p+" (not found)")
	}
	return "", fmt.Errorf("no MCP config found; tried %s", strings.Join(tried, ", "))
}

func claudeDesktopDir(getenv func(string) string, home, goos string) string {
	switch goos {
	case "darwin":
		if home != "" {
			return filepath.Join(home, "Library", "Application Support", "Claude")
		}
	case "windows":
		if d := getenv("APPDATA"); d != "" {
			return filepath.Join(d, "Claude")
		}
		if home != "" {
			return filepath.Join(home, "AppData", "Roaming", "Claude")
		}
	default:
		if d := getenv("XDG_CONFIG_HOME"); d != "" {
			return filepath.Join(d, "Claude")
		}
		if home != "" {
			return filepath.Join(home, ".config", "Claude")
		}
	}
	return ""
}

// position converts a byte offset into a 1-based line and a 1-based column counted in
// characters.
func position(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	start := bytes.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCount(before[start:]) + 1
}

// stripJSONC blanks out // and /* */ comments and trailing commas, keeping every newline and
// every byte offset, so that positions in errors still match the file.
func stripJSONC(data []byte) []byte {
	out := slices.Clone(data)
	blank := func(i, j int) {
		for k := i; k < j; k++ {
			if out[k] != '\n' && out[k] != '\r' {
				out[k] = ' '
			}
		}
	}
	lastComma := -1 // a comma seen outside strings, not yet followed by a value
	for i := 0; i < len(out); i++ {
		switch c := out[i]; {
		case c == '"':
			lastComma = -1
			for i++; i < len(out) && out[i] != '"'; i++ {
				if out[i] == '\\' {
					i++
				}
			}
		case c == '/' && i+1 < len(out) && out[i+1] == '/':
			j := bytes.IndexByte(out[i:], '\n')
			if j < 0 {
				j = len(out) - i
			}
			blank(i, i+j)
			i += j - 1
		case c == '/' && i+1 < len(out) && out[i+1] == '*':
			j := bytes.Index(out[i+2:], []byte("*/"))
			if j < 0 {
				return data // unterminated comment: let the JSON parser report it
			}
			blank(i, i+j+4)
			i += j + 3
		case c == ',':
			lastComma = i
		case c == '}' || c == ']':
			if lastComma >= 0 {
				out[lastComma] = ' '
			}
			lastComma = -1
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		default:
			lastComma = -1
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// kindOf names the JSON kind of a raw value, with an article.
func kindOf(raw json.RawMessage) string {
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func tokenKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "an array"
		}
		return fmt.Sprintf("%q", string(t))
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "a number"
}

func article(v string) string {
	switch {
	case strings.HasPrefix(v, "number"):
		return "a number"
	case v == "array" || v == "object":
		return "an " + v
	case v == "bool":
		return "a boolean"
	}
	return "a " + v
}

// reflectName names the Go type a field pointer points to, as want expects it.
func reflectName(dst any) string {
	switch dst.(type) {
	case *string:
		return "string"
	case *[]string:
		return "[]string"
	case *map[string]string:
		return "map[string]string"
	case *bool:
		return "bool"
	}
	return fmt.Sprintf("%T", dst)
}

// want says what JSON a Go type accepts.
func want(goType string) string {
	switch goType {
	case "string":
		return "must be a string"
	case "[]string":
		return "must be an array of strings"
	case "map[string]string":
		return "must be an object whose values are strings"
	case "bool":
		return "must be true or false"
	}
	return "has the wrong type"
}
