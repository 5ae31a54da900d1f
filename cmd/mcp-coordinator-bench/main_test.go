package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcp-coordinator/mcp-coordinator/internal/testenv"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/process"
)

func TestMain(m *testing.M) {
	process.MaybeRunAsRunner()
	maybeServe()
	os.Exit(m.Run())
}

// TestSmoke runs the CI version of the bench on the real servers: every answer must be right and
// every table row present.
func TestSmoke(t *testing.T) {
	for _, bin := range nodeServers {
		testenv.NodeBin(t, bin)
	}
	var stdout, stderr bytes.Buffer
	out := t.TempDir()
	if code := run(context.Background(), []string{"--smoke", "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("run --smoke: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	got := stdout.String()
	for _, want := range []string{
		"| W0 | ", "| W1 | ", "| yes / yes |",
		"| W0 | direct |", "| W0 | coordinator |", "| W1 | direct |", "| W1 | coordinator |",
		"| one call (get-sum), direct | - |", "| the same call through a snippet | process |", "| a trivial snippet (no calls) | process |",
		"| 100 sequential calls in one snippet | process |", "| 40 calls fanned out in goroutines in one snippet | process |",
		"| process start to the initialize answer | process |", "| codegen of a 100-tool server ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in the tables:\n%s", want, got)
		}
	}
	if strings.Count(got, "| yes / yes |") != 2 || strings.Contains(got, "**no**") {
		t.Errorf("an answer is wrong:\n%s", got)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("--smoke wrote files: %v", entries)
	}
}

// TestDataset checks that the data set is the same on every run and holds the answers the
// workloads look for.
func TestDataset(t *testing.T) {
	a, err := writeDataset(filepath.Join(t.TempDir(), "a"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := writeDataset(filepath.Join(t.TempDir(), "b"))
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"app.log", "people.csv", "notes/note-01.md", "notes/note-60.md"} {
		x, _ := os.ReadFile(filepath.Join(a.Dir, rel))
		y, _ := os.ReadFile(filepath.Join(b.Dir, rel))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs (or is empty)", rel)
		}
	}
	log, _ := os.ReadFile(a.LogPath)
	csv, _ := os.ReadFile(a.CSVPath)
	notes, _ := os.ReadDir(a.Notes)
	if n := strings.Count(string(log), "\n"); n != 1000 {
		t.Errorf("log: %d lines, want 1000", n)
	}
	if n := strings.Count(string(csv), "\n"); n != 41 {
		t.Errorf("csv: %d lines, want 41", n)
	}
	if strings.Join(a.ShopSQL, ";") != strings.Join(b.ShopSQL, ";") || len(a.ShopSQL) != 4 {
		t.Errorf("the shop's SQL differs between two runs, or is not 4 statements")
	}
	if len(a.Revenue) != 5 || !strings.HasPrefix(a.Revenue[0], "Data: ") {
		t.Errorf("revenue %q, want one line per team, Data first", a.Revenue)
	}
	if len(notes) != 60 || len(a.ErrorLines) != 7 || len(a.UrgentTitle) != 6 || len(a.TeamMembers) != 8 {
		t.Errorf("notes %d, ERROR lines %d, urgent %d, team members %d; want 60, 7, 6, 8",
			len(notes), len(a.ErrorLines), len(a.UrgentTitle), len(a.TeamMembers))
	}
}

func TestUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"unknown flag", []string{"--nope"}},
		{"argument", []string{"W0"}},
		{"unknown workload", []string{"--workloads", "W9"}},
		{"repeats", []string{"--repeats", "0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), tt.args, &stdout, &stderr); code != 2 {
				t.Errorf("exit %d, want 2\n%s", code, stderr.String())
			}
		})
	}
}

// The W4 repository is the same on every run, and its answer agrees with git's own count.
func TestRepo(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		testenv.Require(t, false, "git", "your system's package manager")
	}
	var answers [2]string
	var repo string
	for i := range answers {
		d := &dataset{}
		repo = filepath.Join(t.TempDir(), "repo")
		if err := writeRepo(repo, d); err != nil {
			t.Fatal(err)
		}
		answers[i] = strings.Join(append(d.TopFiles, d.TopAuthor), ",")
	}
	if answers[0] != answers[1] || len(strings.Split(answers[0], ",")) != 6 {
		t.Fatalf("answers %q and %q", answers[0], answers[1])
	}
	out, err := exec.Command("git", "-C", repo, "log", "-100", "--name-only", "--format=").Output()
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, f := range strings.Fields(string(out)) {
		count[f]++
	}
	if got := strings.Join(topKeys(count, 5), ","); !strings.HasPrefix(answers[0], got+",") {
		t.Errorf("git counts %s; the data set says %s", got, answers[0])
	}
}
