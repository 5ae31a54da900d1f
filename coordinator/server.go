package coordinator

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/codegen"
	"github.com/mcp-coordinator/mcp-coordinator/downstream"
	"github.com/mcp-coordinator/mcp-coordinator/internal/textcap"
	"github.com/mcp-coordinator/mcp-coordinator/internal/toolsearch"
)

// Version is reported to MCP clients.
var Version = "0.1.0"

// instructions is the server's instructions for the model: how to work with the coordinator.
const instructions = `Every configured MCP server is a typed Go package. Work like this:
1. Find a saved skill or tools: search_tools finds both (detail "full" adds Go declarations); or list_servers and list_tools.
2. Read the types of all the tools you need in ONE get_tool call: {"tools": ["memory.create_entities", "filesystem.read_text_file"]}.
3. Write ONE Go snippet that does the whole job and run it with execute_code: call the tools, chain and filter in Go, print only the answer. Tool results stay in the sandbox; only what you print comes back.
4. When it worked and may recur, save_skill it; later snippets import "skills/<name>" and call one function.

Import a server by the path list_servers shows ("mcp_tools/sequential_thinking"). Tool X is func X(XArgs) (*XResult, error); XResult has Blocks (content blocks), Text() (their text joined) and typed fields when the tool declares an output schema. Optional arguments are pointers: mcp_tools.String("x"), Int(3), Float(1.5), Bool(true). A tool's own failure is a *mcp_tools.ToolError (errors.Is(err, mcp_tools.ErrToolFailed)); mcp_tools.ErrorKind(err) names any failure. mcp_tools also has ReadResource(server, uri), GetPrompt(server, name, args), Show(blocks...) to hand you images, Progress(msg). Server sessions and their state persist between runs. Standard library only: no os, net, files or exec.`

// NewServer returns the coordinator's MCP server. Call c.Start before serving.
func NewServer(c *Coordinator) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "mcp-coordinator", Version: Version}, &mcp.ServerOptions{
		Instructions: instructions,
		// Logging as the default has it, and the servers' resources (see resources.go).
		Capabilities: &mcp.ServerCapabilities{Logging: &mcp.LoggingCapabilities{}, Resources: &mcp.ResourceCapabilities{}},
	})
	s.AddReceivingMiddleware(c.resourcesMiddleware)
	ro := &mcp.ToolAnnotations{ReadOnlyHint: true}
	addTool(s, c, &mcp.Tool{Name: "list_servers", Annotations: ro,
		Description: "List the servers behind this coordinator: state, tool count, Go import path."},
		c.listServers)
	addTool(s, c, &mcp.Tool{Name: "list_tools", Annotations: ro,
		Description: "List one server's tools: Go name and summary, one line each."},
		c.listTools)
	addTool(s, c, &mcp.Tool{Name: "search_tools", Annotations: ro,
		Description: "Search all servers' tools and saved skills by name, description and parameters; best first."},
		c.searchTools)
	addTool(s, c, &mcp.Tool{Name: "get_tool", Annotations: ro,
		Description: "Show the Go declarations of tools: functions, argument and result types, each shared type once."},
		c.getTool)
	addTool(s, c, &mcp.Tool{Name: "generate_tools",
		Description: "Regenerate servers' Go packages from their tool lists; says what changed. Rarely needed."},
		c.generateTools)
	addTool(s, c, &mcp.Tool{Name: "execute_code",
		Description: "Run a Go snippet in the sandbox: package main, or statements (imports are added); print only the answer. The interpreter lacks min/max, range over func, slices.Sort*, errors.As into own types, generic inference from func literals, custom MarshalJSON, embedded JSON structs."},
		c.executeCode)
	addTool(s, c, &mcp.Tool{Name: "save_skill",
		Description: "Save code that worked as package skills/<name> (lowercase, digits, _) of exported funcs with doc comments, for later snippets; imports are added. It must compile and the example run."},
		c.saveSkill)
	addTool(s, c, &mcp.Tool{Name: "delete_skill",
		Description: "Delete a saved skill."},
		c.deleteSkill)
	// The delegation tools only when a local model is configured (or its settings have a
	// problem to report): a conversation that cannot use them should not pay for them.
	if c.delegate.Configured() || c.settingsProblem != nil {
		addDelegateTools(s, c, ro)
	}
	addTool(s, c, &mcp.Tool{Name: "usage_stats", Annotations: ro,
		Description: "Savings so far: runs, calls, tokens kept out of context, per server."},
		c.usageStats)
	s.AddReceivingMiddleware(checkCode)
	return s
}

// addDelegateTools adds delegate_code, delegate_task and list_local_models.
func addDelegateTools(s *mcp.Server, c *Coordinator, ro *mcp.ToolAnnotations) {
	addTool(s, c, &mcp.Tool{Name: "delegate_code",
		Description: "A free local model writes code to a spec (names, signature, behaviour); returns the code, or DELEGATION_FAILED: then do it yourself."},
		c.delegateCode)
	addTool(s, c, &mcp.Tool{Name: "delegate_task",
		Description: "A free local model writes and runs a snippet for a task, retrying on errors; returns output and snippet, or DELEGATION_FAILED."},
		c.delegateTask)
	addTool(s, c, &mcp.Tool{Name: "list_local_models", Annotations: ro,
		Description: "Local model providers: models, tiers, health."},
		c.listLocalModels)
}

// checkCode answers an execute_code call whose code is missing or not a string in plain words,
// before the schema validation's longer message.
func checkCode(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		if r, ok := req.(*mcp.CallToolRequest); ok && r.Params != nil && r.Params.Name == "execute_code" {
			var args struct {
				Code json.RawMessage `json:"code"`
			}
			if json.Unmarshal(r.Params.Arguments, &args) == nil && !strings.HasPrefix(string(args.Code), `"`) {
				return toolError("code must be a string: the Go snippet as text"), nil
			}
		}
		return next(ctx, method, req)
	}
}

// addTool adds a tool whose handler first gives c a chance to ask a pending approval (see
// askApproval), and is guarded: a panic becomes an internal tool error and is logged with its
// stack, so that no request can take the server (and every downstream server with it) down.
func addTool[In any](s *mcp.Server, c *Coordinator, t *mcp.Tool, h mcp.ToolHandlerFor[In, any]) {
	mcp.AddTool(s, t, guard(c.log, t.Name, func(ctx context.Context, req *mcp.CallToolRequest, in In) (*mcp.CallToolResult, any, error) {
		if p := c.ConfigProblem(); p != "" {
			return toolError(p), nil, nil
		}
		if ask := c.askApproval(req); ask != nil {
			return ask, nil, nil
		}
		return h(ctx, req, in)
	}))
}

func guard[In any](log *slog.Logger, name string, h mcp.ToolHandlerFor[In, any]) mcp.ToolHandlerFor[In, any] {
	return func(ctx context.Context, req *mcp.CallToolRequest, in In) (res *mcp.CallToolResult, out any, err error) {
		defer func() {
			if v := recover(); v != nil {
				log.Error("internal error: a tool handler panicked", "tool", name, "panic", v, "stack", string(debug.Stack()))
				res, out, err = toolError(fmt.Sprintf("internal error in %s: %s. The coordinator is still running; this is a bug in mcp-coordinator, please report it.", name, textcap.OneLine(fmt.Sprint(v), 300))), nil, nil
			}
		}()
		return h(ctx, req, in)
	}
}

type noArgs struct{}

type serverArgs struct {
	Server string `json:"server" jsonschema:"server name from list_servers, or skills"`
}

type searchArgs struct {
	Query  string `json:"query" jsonschema:"words to match"`
	Limit  int    `json:"limit,omitempty" jsonschema:"max results (default 10)"`
	Detail string `json:"detail,omitempty" jsonschema:"name, summary (default) or full"`
}

type toolArgs struct {
	Server string   `json:"server,omitempty"`
	Tool   string   `json:"tool,omitempty"`
	Tools  []string `json:"tools,omitempty" jsonschema:"or several; s.tool names another server"`
}

type generateArgs struct {
	Servers []string `json:"servers,omitempty" jsonschema:"default: all"`
}

type executeArgs struct {
	Code           string  `json:"code" jsonschema:"Go snippet: package main, or statements"`
	TimeoutSeconds float64 `json:"timeout_seconds,omitempty" jsonschema:"default 30"`
	Sandbox        string  `json:"sandbox,omitempty" jsonschema:"process or wasm"`
}

func text(s string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
}

func toolError(s string) *mcp.CallToolResult {
	r := text(s)
	r.IsError = true
	return r
}

func (c *Coordinator) listServers(ctx context.Context, _ *mcp.CallToolRequest, _ noArgs) (*mcp.CallToolResult, any, error) {
	// Right after start, give servers a moment, so that the first answer is not all "starting".
	wctx, cancel := context.WithTimeout(ctx, listWait)
	c.pool.WaitAll(wctx)
	cancel()
	var b strings.Builder
	status := c.pool.Status()
	if len(status) == 0 {
		fmt.Fprintf(&b, "no servers configured in %s\n", c.configPath())
	}
	// A ready server's stubs are written right after it is ready: wait for them (or write
	// them, when its package was removed), all at once, for listWait at most.
	wctx, cancel = context.WithTimeout(ctx, listWait)
	var wg sync.WaitGroup
	for _, st := range status {
		if _, generated := c.store.Entry(st.Name); !generated && st.State == downstream.StateReady {
			wg.Go(func() { c.stubs(wctx, st.Name) })
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-wctx.Done(): // a write waiting for the workspace lock goes on in the background
	}
	cancel()
	for _, st := range status {
		e, generated := c.store.Entry(st.Name)
		fmt.Fprintf(&b, "%s: %s", st.Name, st.State)
		if st.Err != "" {
			fmt.Fprintf(&b, " (%s)", textcap.OneLine(st.Err, 300))
		}
		if st.State == downstream.StateReady {
			fmt.Fprintf(&b, ", %s", plural(len(st.Tools), "tool"))
			if st.Resources > 0 {
				fmt.Fprintf(&b, ", %s", plural(st.Resources, "resource"))
			}
			if st.Prompts > 0 {
				fmt.Fprintf(&b, ", %s", plural(st.Prompts, "prompt"))
			}
		}
		if generated {
			fmt.Fprintf(&b, ", import \"mcp_tools/%s\", generated %s", e.Package, e.GeneratedAt.Format(time.RFC3339))
		} else {
			fmt.Fprintf(&b, ", import \"mcp_tools/%s\" (not generated yet)", c.store.PackageFor(st.Name))
		}
		c.mu.Lock()
		if ge := c.genErrs[st.Name]; ge != "" {
			fmt.Fprintf(&b, ", generation failed: %s", textcap.OneLine(ge, 200))
		}
		c.mu.Unlock()
		b.WriteByte('\n')
	}
	for _, s := range c.config().Skipped {
		fmt.Fprintf(&b, "%s: skipped (%s)\n", s.Name, s.Reason)
	}
	b.WriteString(c.skillsSummary())
	b.WriteString(c.sb.describe())
	if c.settingsProblem != nil {
		fmt.Fprintf(&b, "settings: %s (their defaults apply)\n", textcap.OneLine(c.settingsProblem.Error(), 300))
	}
	c.mu.Lock()
	if c.configNote != "" {
		b.WriteString(c.configNote + "\n")
	}
	c.mu.Unlock()
	return text(b.String()), nil, nil
}

func (c *Coordinator) listTools(ctx context.Context, _ *mcp.CallToolRequest, in serverArgs) (*mcp.CallToolResult, any, error) {
	if _, ok := c.skillNamed(in.Server, ""); ok {
		return text(c.listSkills()), nil, nil
	}
	pkg, err := c.stubs(ctx, in.Server)
	if err != nil {
		if skills := c.shadowedSkills(in.Server); skills != "" {
			return text(err.Error() + "\n" + skills), nil, nil // the server is down, not the skills
		}
		return toolError(err.Error()), nil, nil
	}
	var b strings.Builder
	// Names only: each signature is func X(XArgs) (*XResult, error), as the instructions say.
	fmt.Fprintf(&b, "import \"mcp_tools/%s\"  // %s; get_tool shows the types\n", pkg.Name, plural(len(pkg.Tools), "tool"))
	for _, t := range pkg.Tools {
		fmt.Fprintf(&b, "%s.%s", pkg.Name, t.GoName)
		if t.Summary != "" {
			fmt.Fprintf(&b, " // %s", textcap.OneLine(t.Summary, 90))
		}
		b.WriteByte('\n')
	}
	b.WriteString(c.shadowedSkills(in.Server))
	return text(b.String()), nil, nil
}

func (c *Coordinator) getTool(ctx context.Context, _ *mcp.CallToolRequest, in toolArgs) (*mcp.CallToolResult, any, error) {
	names := in.Tools
	if in.Tool != "" {
		names = append([]string{in.Tool}, names...)
	}
	if len(names) == 0 {
		return toolError(`name the tools: {"server": "s", "tools": ["a", "b"]}, or "s.a" names across servers`), nil, nil
	}
	if len(names) > 50 {
		return toolError(fmt.Sprintf("%d tools: ask for at most 50 at once", len(names))), nil, nil
	}
	f := &toolFinder{c: c, ctx: ctx, pkgs: map[string]*codegen.Package{}, errs: map[string]error{}}
	var refs []toolRef
	var missing, sources []string
	for _, name := range names {
		if sk, ok := c.skillNamed(in.Server, name); ok {
			src, err := c.skillSource(sk)
			if err != nil {
				missing = append(missing, err.Error())
			} else {
				sources = append(sources, src)
			}
			continue
		}
		ref, err := f.find(in.Server, name)
		if err != nil {
			if src, ok := c.shadowedSkill(in.Server, name); ok {
				sources = append(sources, src)
				continue
			}
			if !slices.Contains(missing, err.Error()) { // a server's failure once
				missing = append(missing, err.Error())
			}
			continue
		}
		refs = append(refs, ref)
	}
	if len(refs)+len(sources) == 0 {
		return toolError(strings.Join(missing, "\n")), nil, nil
	}
	out := strings.Join(sources, "\n")
	if len(refs) > 0 {
		if out != "" {
			out += "\n"
		}
		out += c.declarations(refs)
	}
	if len(missing) > 0 {
		out += "\n// not found: " + strings.Join(missing, "\n// not found: ") + "\n"
	}
	return text(out), nil, nil
}

// toolRef is one tool of one server's package.
type toolRef struct {
	pkg  *codegen.Package
	tool codegen.ToolDoc
}

// toolFinder resolves the tool names of one request, asking for each server's stubs once (a
// server still starting costs one wait, not one per name).
type toolFinder struct {
	c    *Coordinator
	ctx  context.Context
	pkgs map[string]*codegen.Package
	errs map[string]error
}

func (f *toolFinder) stubs(server string) (*codegen.Package, error) {
	if pkg, ok := f.pkgs[server]; ok {
		return pkg, nil
	}
	if err, ok := f.errs[server]; ok {
		return nil, err
	}
	pkg, err := f.c.stubs(f.ctx, server)
	if err != nil {
		f.errs[server] = err
		return nil, err
	}
	f.pkgs[server] = pkg
	return pkg, nil
}

// find resolves a tool name as the model gives it: an MCP or Go name of server's tools, or
// "s.name" with s a server key or its package name (the form search_tools prints; the longest
// such prefix wins, so a key may hold dots).
func (f *toolFinder) find(server, name string) (toolRef, error) {
	if server != "" {
		pkg, err := f.stubs(server)
		if err != nil {
			return toolRef{}, err
		}
		if t, ok := toolIn(pkg, name); ok {
			return toolRef{pkg, t}, nil
		}
	}
	for i := len(name) - 1; i > 0; i-- {
		if name[i] != '.' {
			continue
		}
		if s := f.c.serverNamed(name[:i]); s != "" {
			pkg, err := f.stubs(s)
			if err != nil {
				return toolRef{}, err
			}
			if t, ok := toolIn(pkg, name[i+1:]); ok {
				return toolRef{pkg, t}, nil
			}
			return toolRef{}, noTool(s, name[i+1:], pkg)
		}
	}
	if server == "" {
		return toolRef{}, fmt.Errorf("%q: give the server, or write it as server.tool (configured: %s)", name, strings.Join(serverNames(f.c.config()), ", "))
	}
	pkg, _ := f.stubs(server)
	return toolRef{}, noTool(server, name, pkg)
}

// toolIn finds a tool of pkg by its MCP or Go name.
func toolIn(pkg *codegen.Package, name string) (codegen.ToolDoc, bool) {
	for _, t := range pkg.Tools {
		if t.Name == name || t.GoName == name || strings.EqualFold(t.GoName, codegen.GoName(name)) {
			return t, true
		}
	}
	return codegen.ToolDoc{}, false
}

func noTool(server, name string, pkg *codegen.Package) error {
	var have []string
	for _, t := range pkg.Tools {
		have = append(have, t.GoName)
	}
	return fmt.Errorf("server %s has no tool %q; its tools: %s", server, name, strings.Join(have, ", "))
}

// serverNamed maps a server key, or a package name as search_tools prints it, to its server, or
// returns "".
func (c *Coordinator) serverNamed(name string) string {
	servers := c.config().Servers
	for _, s := range servers {
		if s.Name == name {
			return s.Name
		}
	}
	for _, s := range servers {
		if c.store.PackageFor(s.Name) == name {
			return s.Name
		}
	}
	return ""
}

// declarations renders the Go declarations of the tools, grouped by package (each in the order
// first named), each type shared between tools once, and the JSON shape observed in the text of
// tools that declare no output schema.
func (c *Coordinator) declarations(refs []toolRef) string {
	var order []*codegen.Package
	byPkg := map[string][]codegen.ToolDoc{}
	for _, r := range refs {
		if _, ok := byPkg[r.pkg.Name]; !ok {
			order = append(order, r.pkg)
		}
		if !slices.ContainsFunc(byPkg[r.pkg.Name], func(t codegen.ToolDoc) bool { return t.GoName == r.tool.GoName }) {
			byPkg[r.pkg.Name] = append(byPkg[r.pkg.Name], r.tool)
		}
	}
	var b strings.Builder
	for _, pkg := range order {
		var names []string
		for _, t := range byPkg[pkg.Name] {
			names = append(names, t.GoName)
		}
		view, err := pkg.View(names...)
		if err != nil { // the names come from pkg itself
			view = "// " + err.Error()
		}
		fmt.Fprintf(&b, "import \"mcp_tools/%s\"\n\n%s\n", pkg.Name, strings.TrimRight(view, "\n"))
		for _, t := range byPkg[pkg.Name] {
			if shape := c.shapes.Shape(pkg.Server, t.Name); shape != "" {
				fmt.Fprintf(&b, "// %s: Text() held JSON like %s (observed, not declared)\n", t.GoName, shape)
			}
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func (c *Coordinator) searchTools(ctx context.Context, _ *mcp.CallToolRequest, in searchArgs) (*mcp.CallToolResult, any, error) {
	if strings.TrimSpace(in.Query) == "" {
		return toolError("query is empty: give a few words, for example \"read file\""), nil, nil
	}
	if len(in.Query) > 500 {
		return toolError("query is too long: give a few words (at most 500 characters)"), nil, nil
	}
	switch in.Detail {
	case "", "summary", "signature", "name", "full": // signature: the earlier name of summary
	default:
		return toolError(fmt.Sprintf("detail %q: use name, summary or full", in.Detail)), nil, nil
	}
	if in.Limit < 0 || in.Limit > 100 {
		return toolError(fmt.Sprintf("limit %d: use 1 to 100 (default 10)", in.Limit)), nil, nil
	}
	if in.Limit == 0 {
		in.Limit = 10
	}
	capped := in.Detail == "full" && in.Limit > maxFull
	if capped {
		in.Limit = maxFull
	}
	pkgs, missing := c.allStubs(ctx, searchWait)
	skillPkgs, skillOf := skillPackages(c.skills.List())
	hits := toolsearch.Search(append(pkgs, skillPkgs...), in.Query, in.Limit)
	var b strings.Builder
	if len(hits) == 0 {
		fmt.Fprintf(&b, "no tool matches %q\n", in.Query)
	}
	var full []toolRef
	for _, h := range hits {
		if sk := skillOf[h.Pkg]; sk != nil && in.Detail != "name" {
			// A skill's line is its whole signature: no get_tool needed to call it.
			fmt.Fprintf(&b, "%s.%s // skill: %s", h.Pkg.Name, strings.TrimPrefix(h.Tool.Signature, "func "), textcap.OneLine(h.Tool.Summary, 90))
			if sk.Broken != "" {
				b.WriteString(" [BROKEN: get_tool skills." + sk.Name + " says why]")
			}
			b.WriteByte('\n')
			continue
		}
		switch in.Detail {
		case "name":
			fmt.Fprintf(&b, "%s.%s\n", h.Pkg.Name, h.Tool.GoName)
		case "full":
			full = append(full, toolRef{h.Pkg, h.Tool})
		default:
			fmt.Fprintf(&b, "%s.%s // %s\n", h.Pkg.Name, h.Tool.GoName, textcap.OneLine(h.Tool.Summary, 90))
		}
	}
	if len(full) > 0 {
		b.WriteString(c.declarations(full))
	}
	if capped {
		fmt.Fprintf(&b, "(detail full shows at most %d tools)\n", maxFull)
	}
	if len(missing) > 0 {
		fmt.Fprintf(&b, "(not searched, still starting or failed: %s; see list_servers)\n", strings.Join(missing, ", "))
	}
	return text(b.String()), nil, nil
}

const (
	// maxFull bounds the tools search_tools shows in full: declarations are long.
	maxFull = 10
	// searchWait bounds how long search_tools waits, in all, for servers still starting.
	searchWait = 5 * time.Second
	// listWait bounds how long list_servers waits for servers still starting.
	listWait = 3 * time.Second
)

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// allStubs returns the stubs of every configured server, waiting at most wait in all (servers in
// parallel) for those still starting, and the names of the servers it has none for.
func (c *Coordinator) allStubs(ctx context.Context, wait time.Duration) ([]*codegen.Package, []string) {
	servers := c.config().Servers
	pkgs := make([]*codegen.Package, len(servers))
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	var wg sync.WaitGroup
	for i, s := range servers {
		if pkgs[i] = c.store.Get(s.Name); pkgs[i] != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			pkgs[i], _ = c.stubs(ctx, s.Name)
		}()
	}
	wg.Wait()
	var have []*codegen.Package
	var missing []string
	for i, p := range pkgs {
		if p != nil {
			have = append(have, p)
		} else {
			missing = append(missing, servers[i].Name)
		}
	}
	return have, missing
}

func (c *Coordinator) generateTools(ctx context.Context, req *mcp.CallToolRequest, in generateArgs) (*mcp.CallToolResult, any, error) {
	var progress func(int, int, GenerateReport)
	if token := req.Params.GetProgressToken(); token != nil {
		progress = func(done, total int, r GenerateReport) {
			_ = req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{
				ProgressToken: token, Progress: float64(done), Total: float64(total), Message: r.Server,
			})
		}
	}
	reports, err := c.Generate(ctx, in.Servers, progress)
	if err != nil {
		return toolError(err.Error()), nil, nil
	}
	var b strings.Builder
	failed := 0
	for _, r := range reports {
		if r.Err != nil {
			failed++
		}
		b.WriteString(r.String() + "\n")
	}
	r := text(b.String())
	r.IsError = failed > 0 && failed == len(reports)
	return r, nil, nil
}

func (c *Coordinator) executeCode(ctx context.Context, req *mcp.CallToolRequest, in executeArgs) (*mcp.CallToolResult, any, error) {
	if in.TimeoutSeconds < 0 {
		return toolError(fmt.Sprintf("timeout_seconds %g: must not be negative (default 30)", in.TimeoutSeconds)), nil, nil
	}
	// Above the maximum runs with the maximum (Execute notes it in the footer); 1e9 s (31
	// years) keeps the conversion to a Duration in range.
	in.TimeoutSeconds = min(in.TimeoutSeconds, 1e9)
	run := RunRequest{Tool: "execute_code", Code: in.Code, Sandbox: in.Sandbox, Timeout: time.Duration(in.TimeoutSeconds * float64(time.Second))}
	if token := progressToken(req); token != nil {
		n := newNotifier(ctx, req.Session, token)
		defer n.close()
		run.Progress = n.send
	}
	out, err := c.Execute(ctx, run)
	if err != nil {
		return toolError(err.Error()), nil, nil
	}
	if out.Err != nil {
		var b strings.Builder
		b.WriteString(out.ErrText)
		if out.Output != "" {
			b.WriteString("\n\noutput before the failure:\n" + out.Output)
		}
		b.WriteString("\n" + out.Footer())
		return withBlocks(toolError(b.String()), out.Blocks), nil, nil
	}
	body := out.Output
	if body != "" && !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	if body == "" {
		body = "(the snippet printed nothing)\n"
	}
	return withBlocks(text(body+out.Footer()), out.Blocks), nil, nil
}

// progressToken is the request's progress token, or nil.
func progressToken(req *mcp.CallToolRequest) any {
	if req == nil || req.Params == nil || req.Session == nil {
		return nil
	}
	return req.Params.GetProgressToken()
}

// withBlocks appends the blocks a snippet showed to r's content. A block that does not
// decode as MCP content (the runner checks them: this is a guard) is replaced by a note.
func withBlocks(r *mcp.CallToolResult, blocks []json.RawMessage) *mcp.CallToolResult {
	for _, b := range blocks {
		var one mcp.CallToolResult
		if err := json.Unmarshal(fmt.Appendf(nil, `{"content":[%s]}`, b), &one); err != nil || len(one.Content) != 1 {
			r.Content = append(r.Content, &mcp.TextContent{Text: "(a shown block could not be decoded)"})
			continue
		}
		r.Content = append(r.Content, one.Content[0])
	}
	return r
}

func (c *Coordinator) usageStats(ctx context.Context, _ *mcp.CallToolRequest, _ noArgs) (*mcp.CallToolResult, any, error) {
	st, err := c.ledger.ReadStats()
	if err != nil {
		return toolError(err.Error()), nil, nil
	}
	return text(StatsText(st, c.delegate.Providers())), nil, nil
}
