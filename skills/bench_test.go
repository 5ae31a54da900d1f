package skills_test

import (
	"context"
	"testing"

	"github.com/mcp-coordinator/mcp-coordinator/skills"
)

// BenchmarkSkills times a save (compile check, read-only example, write), a later check (the
// same runs, no write of the source) and, for scale, a snippet that calls the skill, side by
// side on the process sandbox.
func BenchmarkSkills(b *testing.B) {
	l := newLib(b, b.TempDir(), "")
	ctx := context.Background()
	req := skills.SaveRequest{Name: "shout", Description: "Shouts.", Code: shout, Example: `s, _ := shout.Loud("hi"); fmt.Println(s)`, ReadOnly: true}
	if _, err := l.Save(ctx, req); err != nil {
		b.Fatal(err)
	}
	b.Run("save", func(b *testing.B) {
		for b.Loop() {
			if _, err := l.Save(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("check", func(b *testing.B) {
		for b.Loop() {
			if res, err := l.Check(ctx, "shout"); err != nil || res[0].Broken != "" {
				b.Fatal(err, res)
			}
		}
	})
	b.Run("snippet calling it", func(b *testing.B) {
		for b.Loop() {
			if _, err := l.run(ctx, "execute_code", `s, _ := shout.Loud("hi"); fmt.Println(s)`, l.FS()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
