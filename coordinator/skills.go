package coordinator

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/codegen"
	"github.com/mcp-coordinator/mcp-coordinator/internal/ledger"
	"github.com/mcp-coordinator/mcp-coordinator/internal/textcap"
	"github.com/mcp-coordinator/mcp-coordinator/skills"
)

// TeamSkillsEnv names the variable that sets the team skills directory when Options.TeamSkills
// is empty.
const TeamSkillsEnv = "MCP_COORDINATOR_TEAM_SKILLS"

// TeamSkillsDir is the directory that, next to the config file, holds the team's skills when
// neither Options.TeamSkills nor $MCP_COORDINATOR_TEAM_SKILLS names one: a team commits it
// beside its .mcp.json.
const TeamSkillsDir = ".mcp-skills"

// teamSkills returns the team skills directory: explicit, else the environment's, else
// TeamSkillsDir beside the config file when it exists, else "".
func teamSkills(explicit, configPath string) string {
	if explicit != "" {
		return explicit
	}
	if d := os.Getenv(TeamSkillsEnv); d != "" {
		return d
	}
	if configPath == "" {
		return ""
	}
	d := filepath.Join(filepath.Dir(configPath), TeamSkillsDir)
	if fi, err := os.Stat(d); err == nil && fi.IsDir() {
		return d
	}
	return ""
}

// openSkills opens the workspace's skills library, checked in c's sandbox.
func (c *Coordinator) openSkills(team string) error {
	opts := skills.Options{
		Dir:     filepath.Join(c.store.Dir(), "skills"),
		TeamDir: team,
		Run:     c.runForSkills,
		Stubs:   c.stubHashes,
	}
	st, err := skills.Open(opts)
	if err != nil && team != "" && c.opts.KeepConfigProblems {
		// serve goes on without the team's skills, and says so where the skills are listed.
		c.log.Error("team skills not available", "err", err)
		c.skillsNote = err.Error()
		opts.TeamDir = ""
		st, err = skills.Open(opts)
	}
	if err != nil {
		return err
	}
	c.skills = st
	c.skillsKick = make(chan struct{}, 1)
	return nil
}

// Skills returns the skills library.
func (c *Coordinator) Skills() *skills.Store { return c.skills }

// runForSkills runs a skill's check in the sandbox, recorded in the ledger under tool.
func (c *Coordinator) runForSkills(ctx context.Context, tool, code string, tree fs.FS) (string, error) {
	out, err := c.Execute(ctx, RunRequest{Tool: tool, Code: code, skills: tree})
	if err != nil {
		return "", err
	}
	return out.Output, out.Err
}

// stubHashes maps the import path of each configured server's generated package to the hash
// of its tools.
func (c *Coordinator) stubHashes() map[string]string {
	out := map[string]string{}
	for name := range c.configuredNames() {
		if e, ok := c.store.Entry(name); ok {
			out["mcp_tools/"+e.Package] = e.Hash
		}
	}
	return out
}

// kickSkills asks the drift loop to check the skills due for a check.
func (c *Coordinator) kickSkills() {
	select {
	case c.skillsKick <- struct{}{}:
	default: // a check is already asked for
	}
}

// watchSkills checks the skills due for a check whenever kicked, until ctx ends: after stubs
// are (re)generated and after a save (a skill importing the saved one is due).
func (c *Coordinator) watchSkills(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.skillsKick:
		}
		due := c.skills.Drifted()
		if len(due) == 0 {
			continue
		}
		res, err := c.skills.Check(ctx, due...)
		if err != nil && ctx.Err() == nil {
			c.log.Warn("skills check", "err", err)
		}
		for _, r := range res {
			switch {
			case r.Inconclusive != "":
				c.log.Info("skill not checked: a server it needs is not available", "skill", r.Name, "why", r.Inconclusive)
			case r.Broken != "" && r.Broken != r.Was:
				c.log.Warn("skill broken: it no longer passes its check", "skill", r.Name, "why", r.Broken)
			case r.Broken == "" && r.Was != "":
				c.log.Info("skill passes its check again", "skill", r.Name)
			}
		}
	}
}

type saveSkillArgs struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Code        string `json:"code"`
	Example     string `json:"example,omitempty" jsonschema:"snippet using it"`
	ReadOnly    bool   `json:"read_only,omitempty" jsonschema:"example changes nothing: re-run it when tools change"`
}

type skillArgs struct {
	Name string `json:"name"`
}

func (c *Coordinator) saveSkill(ctx context.Context, _ *mcp.CallToolRequest, in saveSkillArgs) (*mcp.CallToolResult, any, error) {
	sk, err := c.skills.Save(ctx, skills.SaveRequest{Name: in.Name, Description: in.Description, Code: in.Code, Example: in.Example, ReadOnly: in.ReadOnly})
	if err != nil {
		return toolError("not saved: " + err.Error()), nil, nil
	}
	c.kickSkills()
	var b strings.Builder
	fmt.Fprintf(&b, "saved skills/%s, version %d:\n%s", sk.Name, sk.Version, sk.Line())
	if sk.Shadows {
		b.WriteString("(it hides the team's skill of this name)\n")
	}
	if sk.Example != "" {
		fmt.Fprintf(&b, "the example printed: %s\n", textcap.OneLine(sk.ExampleOutput, 300))
	}
	return text(b.String()), nil, nil
}

// skillsServer is the name under which list_tools lists the skills and get_tool shows one
// ("skills.greet"). A configured server of that name comes first: list_tools lists the skills
// after its tools, and get_tool shows a skill for a name that is no tool of it.
const skillsServer = "skills"

// listSkills is list_tools for the skills: one line per skill.
func (c *Coordinator) listSkills() string {
	list := c.skills.List()
	if len(list) == 0 {
		return "no skills saved yet: save_skill keeps a snippet that worked as a package for later runs\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "import \"skills/<name>\"  // %s\n", plural(len(list), "skill"))
	for _, sk := range list {
		b.WriteString(sk.Line())
	}
	return b.String()
}

// skillSource is get_tool for a skill: its source, example and status.
func (c *Coordinator) skillSource(name string) (string, error) {
	sk, err := c.skills.Get(name)
	if err != nil {
		return "", err
	}
	return sk.Doc(), nil
}

// skillNamed returns the skill a get_tool name refers to: "skills.x", "skills/x", x with
// server "skills", or "x.F" for a function of skill x that no server's name shadows; ok is
// false for a name that is not a skill's, and while a configured server is named "skills"
// (then shadowedSkill is asked after that server).
func (c *Coordinator) skillNamed(server, name string) (string, bool) {
	if c.configuredNames()[skillsServer] {
		return "", false
	}
	return c.skillRef(server, name)
}

// shadowedSkill returns the saved skill that name refers to when a configured server is
// named "skills" and has no tool of that name: its source, or ok false.
func (c *Coordinator) shadowedSkill(server, name string) (string, bool) {
	if !c.configuredNames()[skillsServer] {
		return "", false
	}
	sk, ok := c.skillRef(server, name)
	if !ok {
		return "", false
	}
	src, err := c.skillSource(sk)
	return src, err == nil
}

// shadowedSkills is the saved skills' listing that list_tools gives after the tools of a
// configured server named "skills", or "".
func (c *Coordinator) shadowedSkills(server string) string {
	if server != skillsServer || len(c.skills.List()) == 0 {
		return ""
	}
	return c.listSkills()
}

// skillRef is skillNamed whether or not a server is named "skills".
func (c *Coordinator) skillRef(server, name string) (string, bool) {
	if server == skillsServer {
		return name, true
	}
	for _, p := range []string{"skills.", "skills/"} {
		if rest, ok := strings.CutPrefix(name, p); ok {
			return rest, true
		}
	}
	// "stock.Count", as search_tools prints a skill's function.
	if pkg, _, ok := strings.Cut(name, "."); ok && server == "" && c.serverNamed(pkg) == "" {
		if _, err := c.skills.Get(pkg); err == nil {
			return pkg, true
		}
	}
	return "", false
}

// skillsSummary is list_servers' line about the skills.
func (c *Coordinator) skillsSummary() string {
	list := c.skills.List()
	if len(list) == 0 && c.skillsNote == "" {
		return "skills: none saved yet\n"
	}
	var broken []string
	for _, sk := range list {
		if sk.Broken != "" {
			broken = append(broken, sk.Name+" ("+textcap.OneLine(sk.Broken, 120)+")")
		}
	}
	line := fmt.Sprintf("skills: %s, import \"skills/<name>\"", plural(len(list), "skill"))
	if len(broken) > 0 {
		line += ", BROKEN: " + strings.Join(broken, "; ")
	}
	if c.skillsNote != "" {
		line += " (" + c.skillsNote + ")"
	}
	return line + "\n"
}

func (c *Coordinator) deleteSkill(ctx context.Context, _ *mcp.CallToolRequest, in skillArgs) (*mcp.CallToolResult, any, error) {
	if err := c.skills.Delete(ctx, in.Name); err != nil {
		return toolError(err.Error()), nil, nil
	}
	c.kickSkills() // a skill that imports it no longer compiles
	return text(fmt.Sprintf("deleted skills/%s\n", in.Name)), nil, nil
}

// skillPrefix marks the Server of the packages that stand for skills in a search.
const skillPrefix = "skills/"

// skillPackages presents skills to the tool search as packages, one function per tool.
func skillPackages(list []*skills.Skill) ([]*codegen.Package, map[*codegen.Package]*skills.Skill) {
	var pkgs []*codegen.Package
	by := map[*codegen.Package]*skills.Skill{}
	for _, sk := range list {
		p := &codegen.Package{Server: skillPrefix + sk.Name, Name: sk.Name}
		for _, f := range sk.Funcs {
			p.Tools = append(p.Tools, codegen.ToolDoc{Name: f.Name, GoName: f.Name, Signature: f.Signature, Summary: f.Doc, Doc: sk.Description})
		}
		pkgs = append(pkgs, p)
		by[p] = sk
	}
	return pkgs, by
}

// recordSkills notes in u the skills that a run imported.
func recordSkills(u *ledger.Entry, packages []string) {
	for _, p := range packages {
		if name, ok := strings.CutPrefix(p, skillPrefix); ok {
			u.Skills = append(u.Skills, name)
		}
	}
}
