package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

var (
	repoFiles = []string{"api/orders.go", "api/users.go", "api/search.go", "db/schema.sql", "db/migrate.go",
		"web/app.tsx", "web/cart.tsx", "web/theme.css", "ops/deploy.yaml", "ops/alerts.yaml",
		"docs/README.md", "docs/api.md", "cmd/main.go", "lib/cache.go", "lib/retry.go"}
	repoAuthors = []string{"Ada Okafor", "Ken Tanaka", "Grace Moreau", "Rob Silva", "Hedy Novak", "Ole Lindqvist"}
)

// repoCommits is how many commits the repository gets after its first.
const repoCommits = 120

// writeRepo makes a git repository in dir: a first commit with 15 files, then 120 commits by 6
// authors, each changing one to three files (some files far more often than others), all with
// fixed dates. It records W4's answers: the five files changed in most of the last 100 commits,
// and who changed the first of them most (ties: by name).
func writeRepo(dir string, d *dataset) error {
	r := rand.New(rand.NewPCG(4, 2026)) // a seed of its own: the other data stays as it was
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	git := func(author string, i int, args ...string) error {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		date := started.Add(time.Duration(i) * time.Hour).Format("2006-01-02T15:04:05Z")
		email := strings.ToLower(strings.ReplaceAll(author, " ", ".")) + "@example.com"
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME="+author, "GIT_AUTHOR_EMAIL="+email, "GIT_AUTHOR_DATE="+date,
			"GIT_COMMITTER_NAME="+author, "GIT_COMMITTER_EMAIL="+email, "GIT_COMMITTER_DATE="+date,
			"GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := git(repoAuthors[0], 0, "init", "-q", "-b", "main"); err != nil {
		return fmt.Errorf("making the W4 repository (is git installed?): %w", err)
	}
	for _, f := range repoFiles {
		p := filepath.Join(dir, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("// "+f+"\n"), 0o644); err != nil {
			return err
		}
	}
	if err := git(repoAuthors[0], 0, "add", "."); err != nil {
		return err
	}
	if err := git(repoAuthors[0], 0, "commit", "-q", "-m", "initial layout"); err != nil {
		return err
	}
	changes := map[string]int{}             // file -> commits among the last 100 that changed it
	byAuthor := map[string]map[string]int{} // file -> author -> such commits
	for i := 1; i <= repoCommits; i++ {
		author := repoAuthors[r.IntN(len(repoAuthors))]
		touched := map[string]bool{}
		for range 1 + r.IntN(3) {
			// Skewed: file k is picked with weight 15-k, so a few files change far more often.
			n := r.IntN(120)
			k := 0
			for w := len(repoFiles); n >= w; w-- {
				n -= w
				k++
			}
			touched[repoFiles[min(k, len(repoFiles)-1)]] = true
		}
		for f := range touched {
			fh, err := os.OpenFile(filepath.Join(dir, f), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			fmt.Fprintf(fh, "// change %d by %s\n", i, author)
			fh.Close()
			if i > repoCommits-100 {
				changes[f]++
				if byAuthor[f] == nil {
					byAuthor[f] = map[string]int{}
				}
				byAuthor[f][author]++
			}
		}
		if err := git(author, i, "commit", "-q", "-a", "-m", fmt.Sprintf("change %d", i)); err != nil {
			return err
		}
	}
	d.Repo = dir
	d.TopFiles = topKeys(changes, 5)
	d.TopAuthor = topKeys(byAuthor[d.TopFiles[0]], 1)[0]
	return nil
}

// topKeys returns the n keys of m with the largest counts, ties by key.
func topKeys(m map[string]int, n int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys[:min(n, len(keys))]
}
