package skills

import (
	"fmt"
	"strings"

	"github.com/mcp-coordinator/mcp-coordinator/internal/textcap"
)

// Line is the skill in a listing, one line: name, functions, description, and whether it is
// the team's or broken.
func (s *Skill) Line() string {
	var fns []string
	for _, f := range s.Funcs {
		fns = append(fns, strings.TrimPrefix(f.Signature, "func "))
	}
	line := fmt.Sprintf("%s: %s // %s", s.Name, strings.Join(fns, "; "), textcap.OneLine(s.Description, 150))
	if s.Team {
		line += " [team]"
	}
	if s.Broken != "" {
		line += " [BROKEN: " + textcap.OneLine(s.Broken, 300) + "]"
	}
	return line + "\n"
}

// Status says where the skill comes from and whether it passes its check.
func (s *Skill) Status() string {
	var parts []string
	if s.Team {
		parts = append(parts, "the team's skill (read-only)")
	} else if s.Version > 0 {
		parts = append(parts, fmt.Sprintf("version %d, saved %s", s.Version, s.Updated.Format("2006-01-02 15:04")))
	}
	if s.Shadows {
		parts = append(parts, "hides the team's skill of this name")
	}
	switch {
	case s.Broken != "":
		parts = append(parts, "BROKEN: "+s.Broken)
	case s.Checked.IsZero():
		parts = append(parts, "not checked yet")
	default:
		parts = append(parts, "checked "+s.Checked.Format("2006-01-02 15:04"))
	}
	return strings.Join(parts, "; ")
}

// Doc is the skill in full: import line and description, status, source, and the example with
// what it printed.
func (s *Skill) Doc() string {
	var b strings.Builder
	fmt.Fprintf(&b, "import \"skills/%s\" // %s\n", s.Name, s.Description)
	fmt.Fprintf(&b, "// %s\n", s.Status())
	b.WriteString(strings.TrimRight(s.Source, "\n") + "\n")
	if s.Example != "" {
		fmt.Fprintf(&b, "\n// example:\n%s\n// printed:\n%s", strings.TrimRight(s.Example, "\n"), s.ExampleOutput)
	}
	return b.String()
}
