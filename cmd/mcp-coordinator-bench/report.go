package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// report is one run's figures.
type report struct {
	Date      time.Time
	Repeats   int
	Defs      map[string]int
	Workloads []*workloadResult
	Skills    []*skillResult
	Latency   []latencyRow
	Wasm      *wasmFacts
}

func saving(direct, coord int) string {
	if direct == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(direct-coord)/float64(direct))
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}

// markdown renders the tables.
func (r *report) markdown() string {
	var b strings.Builder
	b.WriteString("### Tokens (o200k) per workload\n\n")
	b.WriteString("| workload | direct | coordinator | saving | direct w/o defs | coordinator w/o defs | saving w/o defs | turns (direct / coord.) | wall (direct / coord.) | correct (direct / coord.) |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	var dt, ct, dn, cn int
	for _, w := range r.Workloads {
		d, c := &w.Direct, &w.Coord
		dt, ct, dn, cn = dt+d.Total(), ct+c.Total(), dn+d.Total()-d.Defs, cn+c.Total()-c.Defs
		fmt.Fprintf(&b, "| %s | %d | %d | %s | %d | %d | %s | %d / %d | %s / %s | %s / %s |\n",
			w.ID, d.Total(), c.Total(), saving(d.Total(), c.Total()),
			d.Total()-d.Defs, c.Total()-c.Defs, saving(d.Total()-d.Defs, c.Total()-c.Defs),
			d.Turns, c.Turns, ms(d.Wall), ms(c.Wall), yesNo(d.OK), yesNo(c.OK))
	}
	if len(r.Workloads) > 1 {
		fmt.Fprintf(&b, "| all | %d | %d | %s | %d | %d | %s | | | |\n", dt, ct, saving(dt, ct), dn, cn, saving(dn, cn))
	}

	b.WriteString("\n### Where the tokens go\n\n")
	b.WriteString("| workload | side | definitions | discovery | calls or snippet | results or output | tool calls |\n|---|---|--:|--:|--:|--:|--:|\n")
	for _, w := range r.Workloads {
		for _, s := range []*sideResult{&w.Direct, &w.Coord} {
			fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %d | %d |\n", w.ID, s.Name, s.Defs, s.Discovery, s.Calls, s.Output, s.ToolCalls)
		}
	}

	if len(r.Skills) > 0 {
		b.WriteString("\n### A second run through a saved skill\n\n")
		b.WriteString("After the first run, the snippet is saved as a skill (save_skill); a later conversation finds it with one search_tools call, whose line is the skill's whole signature, and calls it in a one-line snippet.\n\n")
		b.WriteString("| workload | first run | second run | saving | second run w/o defs (first) | turns (first / second) | save_skill tokens | save_skill time | correct |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		for _, s := range r.Skills {
			f, t := &s.First, &s.Second
			fmt.Fprintf(&b, "| %s | %d | %d | %s | %d (%d) | %d / %d | %d | %s | %s |\n", s.ID, f.Total(), t.Total(), saving(f.Total(), t.Total()),
				t.Total()-t.Defs, f.Total()-f.Defs, f.Turns, t.Turns, s.SaveTokens, ms(s.SaveWall), yesNo(t.OK))
		}
	}

	fmt.Fprintf(&b, "\n### Latency (%d samples each, client side)\n\n", r.Repeats)
	b.WriteString("| measurement | engine | p50 | p99 | p50 against the same calls direct |\n|---|---|--:|--:|--:|\n")
	for _, l := range r.Latency {
		ratio := "-"
		if l.Direct {
			ratio = "1x"
		}
		if l.Ratio > 0 {
			ratio = fmt.Sprintf("%.2fx", l.Ratio)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", l.What, l.Engine, ms(l.P50), ms(l.P99), ratio)
	}
	if w := r.Wasm; w != nil {
		fmt.Fprintf(&b, "\nEach snippet run takes a warm runner or guest from its engine's pool: the bench waits %s before each, as a conversation does between runs (a wasm guest takes about 0.3 s to start, a runner process 10 to 20 ms).\n\n", runPause)
		b.WriteString("| the wasm engine's one-time costs | |\n|---|--:|\n")
		if w.Compile > 0 {
			fmt.Fprintf(&b, "| first compile of the module (once per machine and wazero version) | %.1f s |\n", w.Compile.Seconds())
		}
		fmt.Fprintf(&b, "| load from the compilation cache (each start) | %.2f s |\n", w.Load.Seconds())
		fmt.Fprintf(&b, "| host memory per idle pooled guest | %.1f MiB |\n", w.GuestMiB)
	}
	return b.String()
}

// write writes BENCHMARKS.md and benchmarks.svg into dir.
func (r *report) write(dir string) error {
	var b strings.Builder
	b.WriteString(`# Benchmarks

What the coordinator saves in tokens and costs in time, measured on real MCP servers
(server-everything, server-filesystem, server-memory, git-mcp-server and mcp-sqlite from
` + "`testdata/npm`" + `) by
` + "`cmd/mcp-coordinator-bench`" + `. Every call is really made; every answer is checked.

![Tokens per workload, direct against coordinator](benchmarks.svg)

`)
	fmt.Fprintf(&b, "Machine: %d CPUs, %s/%s, %s. Date: %s.\n\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), r.Date.Format("2006-01-02"))
	b.WriteString(`## Reproduce

` + "```" + `
bash .ci/install                      # the pinned npm servers (testdata/npm)
go run ./cmd/mcp-coordinator-bench    # all workloads; rewrites BENCHMARKS.md and benchmarks.svg
go run ./cmd/mcp-coordinator-bench --smoke   # W0 and W1 only, writes nothing (CI)
` + "```" + `

## Workloads

`)
	for _, w := range r.Workloads {
		fmt.Fprintf(&b, "- **%s**: %s.\n", w.ID, w.Title)
	}
	b.WriteString(`
The data set is generated with a fixed seed and fixed dates: a 1,000-line application log with
7 ERROR lines, 60 markdown notes with front matter (6 tagged urgent), a 40-person CSV, and a git
repository of 121 commits over 15 files by 6 authors, and a SQLite database of 120 customers (each
with an account manager from the CSV) and 1,500 orders.

## How the transcripts are counted

- **Direct**: the tool definitions (tools/list JSON) of every configured server (a client puts
  them all into every conversation), each call's arguments (what the model writes) and each
  result as a client shows it to the model: its text, structuredContent only when there is no
  text (the rule of the coordinator's footer too).
  Turns: one per call, plus the final answer.
- **Coordinator**: its tools/list and instructions, one search_tools call and one get_tool call
  for the tools the snippet uses (arguments and answers), the snippet, and what execute_code
  returned.
  Turns: one per discovery call, one for execute_code, plus the final answer.
- The final answer itself is the same on both sides and is not counted. Wall time is the client's,
  with every server already started and the coordinator's stubs already generated.
- The configured servers are the five the workloads use; a real setup has more, which makes
  direct dearer still and leaves the coordinator's side unchanged.
- W5 is the control: the SQL server already aggregates, so there is little for a snippet to keep
  out of context.

## Results

`)
	b.WriteString(r.markdown())
	if err := os.WriteFile(filepath.Join(dir, "BENCHMARKS.md"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "benchmarks.svg"), []byte(r.svg()), 0o644)
}

// svg draws tokens per workload, direct against coordinator, each bar stacked by part.
func (r *report) svg() string {
	parts := []struct {
		name, color string
		of          func(*sideResult) int
	}{
		{"definitions", "#8da0cb", func(s *sideResult) int { return s.Defs }},
		{"discovery", "#fc8d62", func(s *sideResult) int { return s.Discovery }},
		{"snippet or call arguments", "#66c2a5", func(s *sideResult) int { return s.Calls }},
		{"output or results", "#e78ac3", func(s *sideResult) int { return s.Output }},
	}
	max := 1
	for _, w := range r.Workloads {
		if t := w.Direct.Total(); t > max {
			max = t
		}
		if t := w.Coord.Total(); t > max {
			max = t
		}
	}
	step := niceStep(max / 4)
	max = 4 * step
	const (
		left, top, plotH, barW, gap, groupGap = 70, 40, 300, 34, 6, 40
	)
	width := left + len(r.Workloads)*(2*barW+gap+groupGap) + 20
	if width < 680 {
		width = 680
	}
	height := top + plotH + 90
	scale := float64(plotH) / float64(max)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="14" font-weight="bold">Tokens (o200k) per workload: direct (D) against coordinator (C)</text>`+"\n", left)
	// Axis with four ticks.
	for i := 0; i <= 4; i++ {
		v := step * i
		y := top + plotH - int(float64(v)*scale)
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#ddd"/>`+"\n", left, y, width-10, y)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%d</text>`+"\n", left-6, y+4, v)
	}
	x := left + groupGap/2
	for _, w := range r.Workloads {
		for i, s := range []*sideResult{&w.Direct, &w.Coord} {
			bx := x + i*(barW+gap)
			y := float64(top + plotH)
			for _, p := range parts {
				h := float64(p.of(s)) * scale
				if h <= 0 {
					continue
				}
				y -= h
				fmt.Fprintf(&b, `<rect x="%d" y="%.1f" width="%d" height="%.1f" fill="%s"><title>%s %s %s: %d</title></rect>`+"\n", bx, y, barW, h, p.color, w.ID, s.Name, p.name, p.of(s))
			}
			fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="middle" font-size="10">%d</text>`+"\n", bx+barW/2, y-4, s.Total())
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", bx+barW/2, top+plotH+14, strings.ToUpper(s.Name[:1]))
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-weight="bold">%s</text>`+"\n", x+barW+gap/2, top+plotH+30, w.ID)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="10">%s</text>`+"\n", x+barW+gap/2, top+plotH+44, saving(w.Direct.Total(), w.Coord.Total()))
		x += 2*barW + gap + groupGap
	}
	lx := left
	for _, p := range parts {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n", lx, height-22, p.color, lx+16, height-12, p.name)
		lx += 30 + 7*len(p.name)
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// niceStep is the smallest of 1, 2, 2.5 or 5 times a power of ten that is at least v.
func niceStep(v int) int {
	for p := 1; ; p *= 10 {
		for _, m := range []int{10, 20, 25, 50} {
			if s := m * p / 10; s >= v && s > 0 {
				return s
			}
		}
	}
}
