package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/internal/ledger"
)

// workload is one task done both ways. Direct plays the model that calls tools one by one and
// reads every result; Search, Tools and Snippet are what the same model does through the
// coordinator. Both answers are checked against Expected.
type workload struct {
	ID, Title string
	Expected  func(d *dataset) []string
	Direct    func(ctx context.Context, s *directSide, d *dataset) ([]string, error)
	Search    string      // the search_tools query
	Tools     [][2]string // server, tool: the tools of the one get_tool call
	Snippet   func(d *dataset) string
	// Answer reads the answer from what the snippet printed; nil means its lines.
	Answer func(out string) []string
	// Written: the answer is the file that each side wrote (d.report), not what it said.
	Written bool
	// Skill, when set, is the snippet kept as a skill after the first run, for a second run.
	Skill *skillCase
}

// skillCase is a workload's snippet saved as a skill, and the second run that calls it: what a
// model does when the task comes back in a later conversation.
type skillCase struct {
	Name, Description string
	Code              func(d *dataset) string // the package source
	Search            string                  // the second run's search_tools query, which finds the skill
	Call              func(d *dataset) string // the second run's snippet
}

// shopSQL is W5's query: the server aggregates, per account manager.
const shopSQL = `SELECT c.account_manager AS manager, SUM(o.amount_cents) AS paid_cents FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status = 'paid' GROUP BY c.account_manager`

var workloads = []workload{
	{
		ID: "W0", Title: "one trivial call: server-everything get-sum",
		Expected: func(*dataset) []string { return []string{"42"} },
		Direct: func(ctx context.Context, s *directSide, _ *dataset) ([]string, error) {
			out, err := s.call(ctx, "everything", "get-sum", map[string]any{"a": 17, "b": 25})
			return lastNumber(out), err
		},
		Search: "add two numbers sum", Tools: [][2]string{{"everything", "get-sum"}},
		Snippet: func(*dataset) string {
			return `res, err := everything.GetSum(everything.GetSumArgs{A: 17, B: 25})
if err != nil {
	panic(err)
}
fmt.Println(res.Text())`
		},
		Answer: lastNumber,
	},
	{
		ID: "W1", Title: "the ERROR lines of a 1,000-line log (filesystem)",
		Expected: func(d *dataset) []string { return d.ErrorLines },
		Direct: func(ctx context.Context, s *directSide, d *dataset) ([]string, error) {
			out, err := s.call(ctx, "filesystem", "read_text_file", map[string]any{"path": d.LogPath})
			var lines []string
			for _, l := range strings.Split(out, "\n") {
				if strings.Contains(l, " ERROR ") {
					lines = append(lines, l)
				}
			}
			return lines, err
		},
		Search: "read a text file", Tools: [][2]string{{"filesystem", "read_text_file"}},
		Skill: &skillCase{
			Name: "log_errors", Description: "The ERROR lines of a log file.", Search: "error lines of a log",
			Code: func(*dataset) string {
				return `import (
	"strings"

	"mcp_tools/filesystem"
)

// Lines returns the lines of the log file at path that hold " ERROR ".
func Lines(path string) ([]string, error) {
	f, err := filesystem.ReadTextFile(filesystem.ReadTextFileArgs{Path: path})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, line := range strings.Split(f.Content, "\n") {
		if strings.Contains(line, " ERROR ") {
			out = append(out, line)
		}
	}
	return out, nil
}`
			},
			Call: func(d *dataset) string {
				return fmt.Sprintf(`l, err := log_errors.Lines(%q); fmt.Println(strings.Join(l, "\n"), err)`, d.LogPath)
			},
		},
		Snippet: func(d *dataset) string {
			return fmt.Sprintf(`f, err := filesystem.ReadTextFile(filesystem.ReadTextFileArgs{Path: %q})
if err != nil {
	panic(err)
}
for _, line := range strings.Split(f.Content, "\n") {
	if strings.Contains(line, " ERROR ") {
		fmt.Println(line)
	}
}`, d.LogPath)
		},
	},
	{
		ID: "W2", Title: "titles of the 60 notes tagged urgent (filesystem)",
		Expected: func(d *dataset) []string { return d.UrgentTitle },
		Direct: func(ctx context.Context, s *directSide, d *dataset) ([]string, error) {
			out, err := s.call(ctx, "filesystem", "list_directory", map[string]any{"path": d.Notes})
			if err != nil {
				return nil, err
			}
			var paths []string
			for _, l := range strings.Split(out, "\n") {
				if name, ok := strings.CutPrefix(l, "[FILE] "); ok && strings.HasSuffix(name, ".md") {
					paths = append(paths, d.Notes+"/"+name)
				}
			}
			out, err = s.call(ctx, "filesystem", "read_multiple_files", map[string]any{"paths": paths})
			return urgentTitles(out), err
		},
		Search: "list directory read file", Tools: [][2]string{{"filesystem", "list_directory"}, {"filesystem", "read_text_file"}},
		Snippet: func(d *dataset) string {
			return fmt.Sprintf(`dir := %q
list, err := filesystem.ListDirectory(filesystem.ListDirectoryArgs{Path: dir})
if err != nil {
	panic(err)
}
var titles []string
for _, l := range strings.Split(list.Content, "\n") {
	name := strings.TrimPrefix(l, "[FILE] ")
	if name == l || !strings.HasSuffix(name, ".md") {
		continue
	}
	f, err := filesystem.ReadTextFile(filesystem.ReadTextFileArgs{Path: dir + "/" + name})
	if err != nil {
		panic(err)
	}
	title := ""
	for _, line := range strings.Split(f.Content, "\n") {
		if strings.HasPrefix(line, "title: ") {
			title = strings.TrimPrefix(line, "title: ")
		}
		if strings.HasPrefix(line, "tags: ") && strings.Contains(line, "urgent") {
			titles = append(titles, title)
		}
	}
}
sort.Strings(titles)
fmt.Println(strings.Join(titles, "\n"))`, d.Notes)
		},
	},
	{
		ID: "W3", Title: "load a 40-person CSV into server-memory, then ask who is in a team (filesystem, memory)",
		Expected: func(d *dataset) []string { return d.TeamMembers },
		Direct: func(ctx context.Context, s *directSide, d *dataset) ([]string, error) {
			out, err := s.call(ctx, "filesystem", "read_text_file", map[string]any{"path": d.CSVPath})
			if err != nil {
				return nil, err
			}
			var ents, rels []map[string]any
			for _, row := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
				f := strings.Split(row, ",")
				ents = append(ents, map[string]any{"name": f[0], "entityType": "person",
					"observations": []string{"team " + f[1], "city " + f[4], "skills " + strings.ReplaceAll(f[3], ";", ", ")}})
				if f[2] != "" {
					rels = append(rels, map[string]any{"from": f[0], "to": f[2], "relationType": "reports_to"})
				}
			}
			if _, err := s.call(ctx, "memory", "create_entities", map[string]any{"entities": ents}); err != nil {
				return nil, err
			}
			if _, err := s.call(ctx, "memory", "create_relations", map[string]any{"relations": rels}); err != nil {
				return nil, err
			}
			out, err = s.call(ctx, "memory", "search_nodes", map[string]any{"query": "team " + d.Team})
			if err != nil {
				return nil, err
			}
			var graph struct {
				Entities []struct{ Name string } `json:"entities"`
			}
			if err := json.Unmarshal([]byte(out), &graph); err != nil {
				return nil, fmt.Errorf("search_nodes answer: %w", err)
			}
			var names []string
			for _, e := range graph.Entities {
				names = append(names, e.Name)
			}
			sort.Strings(names)
			return names, nil
		},
		Search: "create entities relations search knowledge graph",
		Skill: &skillCase{
			Name: "team_graph", Description: "Loads a people CSV into the memory graph and lists a team's members.", Search: "team members people csv",
			Code: func(*dataset) string {
				return `import (
	"encoding/csv"
	"sort"
	"strings"

	"mcp_tools/filesystem"
	"mcp_tools/memory"
)

// Members loads the people CSV at path (name,team,manager,skills,city) into the memory
// graph, with reports_to relations, and returns the sorted names of team's members.
func Members(path, team string) ([]string, error) {
	f, err := filesystem.ReadTextFile(filesystem.ReadTextFileArgs{Path: path})
	if err != nil {
		return nil, err
	}
	rows, err := csv.NewReader(strings.NewReader(f.Content)).ReadAll()
	if err != nil {
		return nil, err
	}
	var ents []memory.Entity
	var rels []memory.Relation
	for _, r := range rows[1:] {
		ents = append(ents, memory.Entity{Name: r[0], EntityType: "person",
			Observations: []string{"team " + r[1], "city " + r[4], "skills " + strings.ReplaceAll(r[3], ";", ", ")}})
		if r[2] != "" {
			rels = append(rels, memory.Relation{From: r[0], To: r[2], RelationType: "reports_to"})
		}
	}
	if _, err := memory.CreateEntities(memory.CreateEntitiesArgs{Entities: ents}); err != nil {
		return nil, err
	}
	if _, err := memory.CreateRelations(memory.CreateRelationsArgs{Relations: rels}); err != nil {
		return nil, err
	}
	found, err := memory.SearchNodes(memory.SearchNodesArgs{Query: "team " + team})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range found.Entities {
		names = append(names, e.Name)
	}
	sort.Strings(names)
	return names, nil
}`
			},
			Call: func(d *dataset) string {
				return fmt.Sprintf(`n, err := team_graph.Members(%q, %q); fmt.Println(strings.Join(n, "\n"), err)`, d.CSVPath, d.Team)
			},
		},
		Tools: [][2]string{{"filesystem", "read_text_file"}, {"memory", "create_entities"}, {"memory", "create_relations"}, {"memory", "search_nodes"}},
		Snippet: func(d *dataset) string {
			return fmt.Sprintf(`f, err := filesystem.ReadTextFile(filesystem.ReadTextFileArgs{Path: %q})
if err != nil {
	panic(err)
}
rows, err := csv.NewReader(strings.NewReader(f.Content)).ReadAll()
if err != nil {
	panic(err)
}
var ents []memory.Entity
var rels []memory.Relation
for _, r := range rows[1:] {
	ents = append(ents, memory.Entity{Name: r[0], EntityType: "person",
		Observations: []string{"team " + r[1], "city " + r[4], "skills " + strings.ReplaceAll(r[3], ";", ", ")}})
	if r[2] != "" {
		rels = append(rels, memory.Relation{From: r[0], To: r[2], RelationType: "reports_to"})
	}
}
if _, err := memory.CreateEntities(memory.CreateEntitiesArgs{Entities: ents}); err != nil {
	panic(err)
}
if _, err := memory.CreateRelations(memory.CreateRelationsArgs{Relations: rels}); err != nil {
	panic(err)
}
found, err := memory.SearchNodes(memory.SearchNodesArgs{Query: %q})
if err != nil {
	panic(err)
}
var names []string
for _, e := range found.Entities {
	names = append(names, e.Name)
}
sort.Strings(names)
fmt.Println(strings.Join(names, "\n"))`, d.CSVPath, "team "+d.Team)
		},
	},
	{
		ID: "W4", Title: "the five most-changed files of the last 100 commits, and who changed the first most (git)",
		Expected: func(d *dataset) []string { return append(append([]string(nil), d.TopFiles...), d.TopAuthor) },
		Direct: func(ctx context.Context, s *directSide, d *dataset) ([]string, error) {
			out, err := s.call(ctx, "git", "git_log", map[string]any{"path": d.Repo, "maxCount": 100, "stat": true})
			if err != nil {
				return nil, err
			}
			var log struct {
				Commits []struct{ Author, Stat string }
			}
			if err := json.Unmarshal([]byte(out), &log); err != nil {
				return nil, fmt.Errorf("git_log: %w", err)
			}
			count := map[string]int{}
			authors := map[string]map[string]int{}
			for _, c := range log.Commits {
				for _, line := range strings.Split(c.Stat, "\n") {
					if name, _, ok := strings.Cut(line, " | "); ok {
						name = strings.TrimSpace(name)
						count[name]++
						if authors[name] == nil {
							authors[name] = map[string]int{}
						}
						authors[name][c.Author]++
					}
				}
			}
			files := topKeys(count, 5)
			if len(files) == 0 {
				return nil, fmt.Errorf("git_log: no file statistics")
			}
			return append(files, topKeys(authors[files[0]], 1)...), nil
		},
		Search: "git log commits file statistics", Tools: [][2]string{{"git", "git_log"}},
		Snippet: func(d *dataset) string {
			return fmt.Sprintf(`res, err := git.GitLog(git.GitLogArgs{Path: mcp_tools.String(%q), MaxCount: mcp_tools.Int(100), Stat: mcp_tools.Bool(true)})
if err != nil {
	panic(err)
}
count := map[string]int{}
authors := map[string]map[string]int{}
for _, c := range res.Commits {
	for _, line := range strings.Split(c.Stat, "\n") {
		name, _, ok := strings.Cut(line, " | ")
		if !ok {
			continue
		}
		name = strings.TrimSpace(name)
		count[name]++
		if authors[name] == nil {
			authors[name] = map[string]int{}
		}
		authors[name][c.Author]++
	}
}
top := func(m map[string]int, n int) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	if len(keys) > n {
		keys = keys[:n]
	}
	return keys
}
files := top(count, 5)
for _, f := range files {
	fmt.Println(f)
}
fmt.Println(top(authors[files[0]], 1)[0])`, d.Repo)
		},
	},
	{
		ID: "W5", Title: "paid revenue per team from SQLite plus the CSV, written to a report file (sqlite, filesystem)",
		Expected: func(d *dataset) []string { return d.Revenue },
		Written:  true,
		Direct: func(ctx context.Context, s *directSide, d *dataset) ([]string, error) {
			out, err := s.call(ctx, "sqlite", "query", map[string]any{"sql": shopSQL})
			if err != nil {
				return nil, err
			}
			var paid []struct {
				Manager string `json:"manager"`
				Cents   int64  `json:"paid_cents"`
			}
			if err := json.Unmarshal([]byte(out), &paid); err != nil {
				return nil, fmt.Errorf("query answer: %w", err)
			}
			out, err = s.call(ctx, "filesystem", "read_text_file", map[string]any{"path": d.CSVPath})
			if err != nil {
				return nil, err
			}
			team := map[string]string{}
			for _, row := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
				f := strings.Split(row, ",")
				team[f[0]] = f[1]
			}
			cents := map[string]int64{}
			for _, p := range paid {
				cents[team[p.Manager]] += p.Cents
			}
			_, err = s.call(ctx, "filesystem", "write_file", map[string]any{"path": d.report("direct"), "content": revenueReport(cents)})
			return nil, err
		},
		Search: "sql query database write file",
		Tools:  [][2]string{{"sqlite", "query"}, {"filesystem", "read_text_file"}, {"filesystem", "write_file"}},
		Snippet: func(d *dataset) string {
			return fmt.Sprintf(`res, err := sqlite.Query(sqlite.QueryArgs{Sql: %q})
if err != nil {
	panic(err)
}
var paid []struct {
	Manager string `+"`json:\"manager\"`"+`
	Cents   int64  `+"`json:\"paid_cents\"`"+`
}
if err := json.Unmarshal([]byte(res.Text()), &paid); err != nil {
	panic(err)
}
f, err := filesystem.ReadTextFile(filesystem.ReadTextFileArgs{Path: %q})
if err != nil {
	panic(err)
}
rows, err := csv.NewReader(strings.NewReader(f.Content)).ReadAll()
if err != nil {
	panic(err)
}
team := map[string]string{}
for _, r := range rows[1:] {
	team[r[0]] = r[1]
}
cents := map[string]int64{}
for _, p := range paid {
	cents[team[p.Manager]] += p.Cents
}
var teams []string
for t := range cents {
	teams = append(teams, t)
}
sort.Strings(teams)
var b strings.Builder
b.WriteString("# Paid revenue per team\n\n")
for _, t := range teams {
	fmt.Fprintf(&b, "%%s: %%d.%%02d\n", t, cents[t]/100, cents[t]%%100)
}
if _, err := filesystem.WriteFile(filesystem.WriteFileArgs{Path: %q, Content: b.String()}); err != nil {
	panic(err)
}
fmt.Print(b.String())`, shopSQL, d.CSVPath, d.report("coordinator"))
		},
	},
}

// revenueReport is W5's report, as both sides write it.
func revenueReport(cents map[string]int64) string {
	var teams []string
	for t := range cents {
		teams = append(teams, t)
	}
	sort.Strings(teams)
	var b strings.Builder
	b.WriteString("# Paid revenue per team\n\n")
	for _, t := range teams {
		fmt.Fprintf(&b, "%s: %d.%02d\n", t, cents[t]/100, cents[t]%100)
	}
	return b.String()
}

// reportLines reads a written W5 report back: its lines after the heading.
func reportLines(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("the report: %w", err)
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return lines, nil
}

func findWorkload(id string) *workload {
	for i := range workloads {
		if strings.EqualFold(workloads[i].ID, id) {
			return &workloads[i]
		}
	}
	return nil
}

func workloadIDs() string {
	var ids []string
	for _, w := range workloads {
		ids = append(ids, w.ID)
	}
	return strings.Join(ids, ",")
}

var numberRE = regexp.MustCompile(`-?\d+(\.\d+)?`)

func lastNumber(s string) []string {
	all := numberRE.FindAllString(s, -1)
	if len(all) == 0 {
		return nil
	}
	return all[len(all)-1:]
}

// urgentTitles reads front matter out of several notes: the title of each whose tags say urgent.
func urgentTitles(s string) []string {
	var titles []string
	title := ""
	for _, line := range strings.Split(s, "\n") {
		if t, ok := strings.CutPrefix(line, "title: "); ok {
			title = t
		}
		if strings.HasPrefix(line, "tags: ") && strings.Contains(line, "urgent") {
			titles = append(titles, title)
		}
	}
	sort.Strings(titles)
	return titles
}

// sideResult is one side of a workload: its transcript in tokens, by part, and its answer.
type sideResult struct {
	Name      string
	Defs      int // tool definitions (and the coordinator's instructions)
	Discovery int // search_tools and get_tool: arguments and answers
	Calls     int // call arguments, or the snippet
	Output    int // call results, or what execute_code returned
	Turns     int
	ToolCalls int // tool calls made (inside the sandbox too)
	Wall      time.Duration
	Answer    []string
	OK        bool
}

func (s *sideResult) Total() int { return s.Defs + s.Discovery + s.Calls + s.Output }

type workloadResult struct {
	ID, Title     string
	Expected      []string
	Direct, Coord sideResult
}

// directSide makes the direct calls of one workload and counts them.
type directSide struct {
	b   *bench
	res *sideResult
}

// call calls a tool directly: its arguments are the model's output, its content is what the
// model reads next.
func (s *directSide) call(ctx context.Context, server, tool string, args any) (string, error) {
	s.res.Calls += tokens(args)
	res, err := s.b.direct[server].CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	s.res.Turns++
	s.res.ToolCalls++
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", server, tool, err)
	}
	raw, err := json.Marshal(res)
	if err != nil {
		return "", err
	}
	s.res.Output += ledger.ContextTokens(raw) // what a client shows the model
	if res.IsError {
		return "", fmt.Errorf("%s %s: %s", server, tool, contentText(res))
	}
	return contentText(res), nil
}

// coordCall calls one of the coordinator's tools and returns its text and the tokens of its
// arguments and its content.
func (b *bench) coordCall(ctx context.Context, tool string, args map[string]any) (text string, in, out int, err error) {
	res, err := b.coord.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		return "", 0, 0, fmt.Errorf("%s: %w", tool, err)
	}
	text = contentText(res)
	if res.IsError {
		return "", 0, 0, fmt.Errorf("%s: %s", tool, text)
	}
	raw, err := json.Marshal(res)
	if err != nil {
		return "", 0, 0, err
	}
	return text, tokens(args), ledger.ContextTokens(raw), nil
}

// footerRE finds the per-server call counts in execute_code's footer: "[calls: a 1, b 60 · ...".
var footerRE = regexp.MustCompile(`\[calls: ([^·\]]+) ·`)

func (b *bench) runWorkload(ctx context.Context, w workload) (*workloadResult, error) {
	r := &workloadResult{ID: w.ID, Title: w.Title, Expected: w.Expected(b.data)}

	// Direct.
	r.Direct.Name = "direct"
	// A client puts the definitions of every configured server into every conversation, not
	// only of those a task uses.
	for s := range nodeServers {
		r.Direct.Defs += b.defs[s]
	}
	start := time.Now()
	ans, err := w.Direct(ctx, &directSide{b: b, res: &r.Direct}, b.data)
	if err != nil {
		return nil, fmt.Errorf("direct: %w", err)
	}
	r.Direct.Wall = time.Since(start)
	r.Direct.Turns++ // the final answer
	if w.Written {
		if ans, err = reportLines(b.data.report("direct")); err != nil {
			return nil, fmt.Errorf("direct: %w", err)
		}
	}
	r.Direct.Answer, r.Direct.OK = ans, same(ans, r.Expected)

	// Through the coordinator.
	c := &r.Coord
	c.Name = "coordinator"
	c.Defs = b.defs["coordinator"]
	start = time.Now()
	_, in, out, err := b.coordCall(ctx, "search_tools", map[string]any{"query": w.Search, "limit": 5})
	if err != nil {
		return nil, err
	}
	c.Discovery += in + out
	c.Turns++
	// One get_tool call for every tool the snippet uses, as the instructions ask.
	var names []string
	for _, t := range w.Tools {
		names = append(names, t[0]+"."+t[1])
	}
	_, in, out, err = b.coordCall(ctx, "get_tool", map[string]any{"tools": names})
	if err != nil {
		return nil, err
	}
	c.Discovery += in + out
	c.Turns++
	text, in, out, err := b.coordCall(ctx, "execute_code", map[string]any{"code": w.Snippet(b.data)})
	if err != nil {
		return nil, err
	}
	c.Wall = time.Since(start)
	c.Calls, c.Output = in, out
	c.Turns += 2 // execute_code and the final answer
	printed := text
	if i := strings.LastIndex(strings.TrimRight(text, "\n"), "\n"); i >= 0 {
		printed = text[:i]
		if m := footerRE.FindStringSubmatch(text[i:]); m != nil {
			for _, per := range strings.Split(m[1], ", ") {
				var n int
				fmt.Sscan(per[strings.LastIndex(per, " ")+1:], &n)
				c.ToolCalls += n
			}
		}
	} else {
		printed = ""
	}
	switch {
	case w.Written:
		if c.Answer, err = reportLines(b.data.report("coordinator")); err != nil {
			return nil, fmt.Errorf("coordinator: %w", err)
		}
	case w.Answer != nil:
		c.Answer = w.Answer(printed)
	default:
		c.Answer = strings.Split(strings.TrimSpace(printed), "\n")
	}
	c.OK = same(c.Answer, r.Expected)
	return r, nil
}

// skillResult is a workload done again through the skill saved after its first run.
type skillResult struct {
	ID    string
	First sideResult // the first run through the coordinator
	// Save is what save_skill cost: its arguments (the package source) and its answer, and
	// how long it took (a compile check and no example).
	SaveTokens int
	SaveWall   time.Duration
	Second     sideResult // search_tools, then a one-line snippet
}

// runSkill saves w's skill and does w again through it, as a later conversation would.
func (b *bench) runSkill(ctx context.Context, w workload, first sideResult) (*skillResult, error) {
	sc := w.Skill
	r := &skillResult{ID: w.ID, First: first}
	start := time.Now()
	_, in, out, err := b.coordCall(ctx, "save_skill", map[string]any{"name": sc.Name, "description": sc.Description, "code": sc.Code(b.data)})
	if err != nil {
		return nil, err
	}
	r.SaveWall, r.SaveTokens = time.Since(start), in+out
	s := &r.Second
	s.Name, s.Defs = "coordinator, through the skill", b.defs["coordinator"]
	start = time.Now()
	found, in, out, err := b.coordCall(ctx, "search_tools", map[string]any{"query": sc.Search, "limit": 5})
	if err != nil {
		return nil, err
	}
	if !strings.Contains(found, sc.Name+".") {
		return nil, fmt.Errorf("search_tools %q does not find the skill %s:\n%s", sc.Search, sc.Name, found)
	}
	s.Discovery, s.Turns = in+out, 1
	text, in, out, err := b.coordCall(ctx, "execute_code", map[string]any{"code": sc.Call(b.data)})
	if err != nil {
		return nil, err
	}
	s.Wall, s.Calls, s.Output, s.Turns = time.Since(start), in, out, s.Turns+2
	printed := strings.TrimSuffix(text[:strings.LastIndex(strings.TrimRight(text, "\n"), "\n")+1], "\n")
	printed = strings.TrimSuffix(printed, " <nil>")
	s.Answer = strings.Split(strings.TrimSpace(printed), "\n")
	s.OK = same(s.Answer, w.Expected(b.data))
	return r, nil
}

func same(a, b []string) bool {
	return len(a) == len(b) && strings.Join(a, "\n") == strings.Join(b, "\n")
}
