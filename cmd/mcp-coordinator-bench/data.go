package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// dataset is the generated data and the answers the workloads must find in it.
type dataset struct {
	Dir     string // root given to server-filesystem
	LogPath string
	Notes   string // directory of the markdown notes
	CSVPath string

	ErrorLines  []string // W1: the ERROR lines of the log, in order
	UrgentTitle []string // W2: titles of the notes tagged urgent, sorted
	Team        string   // W3: the team asked about
	TeamMembers []string // W3: its members, sorted
	Repo        string   // W4: the git repository
	TopFiles    []string // W4: the five files changed most in the last 100 commits
	TopAuthor   string   // W4: who changed the first of them most
	DBPath      string   // W5: the SQLite database of customers and orders
	ShopSQL     []string // W5: the statements that fill it
	Revenue     []string // W5: "Team: paid revenue" per team, sorted
}

// report is the file that a side's W5 writes its answer to.
func (d *dataset) report(side string) string {
	return filepath.Join(d.Dir, "revenue-"+side+".md")
}

var (
	teams   = []string{"Payments", "Search", "Platform", "Mobile", "Data"}
	cities  = []string{"Lisbon", "Berlin", "Toronto", "Nairobi", "Osaka", "Recife"}
	skills  = []string{"go", "sql", "kotlin", "swift", "terraform", "python", "react", "rust"}
	first   = []string{"Ada", "Alan", "Barbara", "Claude", "Dennis", "Edsger", "Frances", "Grace", "Hedy", "Ivan", "Joan", "Ken", "Leslie", "Margaret", "Niklaus", "Ole", "Radia", "Rob", "Sophie", "Tony"}
	last    = []string{"Okafor", "Lindqvist", "Tanaka", "Moreau", "Silva", "Novak"}
	topics  = []string{"release plan", "incident review", "hiring loop", "budget", "roadmap", "on-call handover", "vendor renewal", "design review", "security audit", "customer escalation"}
	levels  = []string{"INFO", "INFO", "INFO", "INFO", "DEBUG", "WARN"}
	paths   = []string{"/api/orders", "/api/users", "/api/search", "/healthz", "/api/invoices"}
	started = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
)

// writeDataset writes the data set into dir with a fixed seed and fixed dates: the same bytes on
// every run and every machine.
func writeDataset(dir string) (*dataset, error) {
	r := rand.New(rand.NewPCG(9, 2026))
	d := &dataset{Dir: dir, LogPath: filepath.Join(dir, "app.log"), Notes: filepath.Join(dir, "notes"), CSVPath: filepath.Join(dir, "people.csv"),
		DBPath: filepath.Join(dir, "shop.db")}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// A 1,000-line application log with seven ERROR lines.
	var log strings.Builder
	t := started
	for i := 0; i < 1000; i++ {
		t = t.Add(time.Duration(1+r.IntN(20)) * time.Second)
		var line string
		if i%143 == 71 {
			line = fmt.Sprintf("%s ERROR payment gateway timeout order=%d attempt=%d", t.Format(time.RFC3339), 10000+r.IntN(90000), 1+r.IntN(3))
			d.ErrorLines = append(d.ErrorLines, line)
		} else {
			line = fmt.Sprintf("%s %-5s request served path=%s status=200 ms=%d", t.Format(time.RFC3339), levels[r.IntN(len(levels))], paths[r.IntN(len(paths))], 3+r.IntN(400))
		}
		log.WriteString(line + "\n")
	}
	if err := os.WriteFile(d.LogPath, []byte(log.String()), 0o644); err != nil {
		return nil, err
	}

	// 60 markdown notes with front matter; every tenth is tagged urgent.
	if err := os.MkdirAll(d.Notes, 0o755); err != nil {
		return nil, err
	}
	for i := 1; i <= 60; i++ {
		topic := topics[r.IntN(len(topics))]
		title := fmt.Sprintf("%s%s %d", strings.ToUpper(topic[:1]), topic[1:], i)
		tags := []string{teams[r.IntN(len(teams))], "notes"}
		if i%10 == 4 {
			tags = append(tags, "urgent")
			d.UrgentTitle = append(d.UrgentTitle, title)
		}
		date := started.AddDate(0, 0, i).Format("2006-01-02")
		body := fmt.Sprintf("---\ntitle: %s\ndate: %s\ntags: [%s]\n---\n\n# %s\n\n", title, date, strings.Join(tags, ", "), title)
		for p := 0; p < 3; p++ {
			body += fmt.Sprintf("- %s: follow up with %s by %s.\n", topics[r.IntN(len(topics))], first[r.IntN(len(first))], started.AddDate(0, 0, i+p+3).Format("Jan 2"))
		}
		if err := os.WriteFile(filepath.Join(d.Notes, fmt.Sprintf("note-%02d.md", i)), []byte(body), 0o644); err != nil {
			return nil, err
		}
	}
	sort.Strings(d.UrgentTitle)

	// A 40-person CSV: the first person of each team leads it and reports to nobody.
	var csv strings.Builder
	csv.WriteString("name,team,manager,skills,city\n")
	lead := map[string]string{}
	used := map[string]bool{}
	var people [][2]string
	d.Team = "Search"
	for i := 0; i < 40; i++ {
		var name string
		for name == "" || used[name] {
			name = first[r.IntN(len(first))] + " " + last[r.IntN(len(last))]
		}
		used[name] = true
		people = append(people, [2]string{name, teams[i%len(teams)]})
		team := teams[i%len(teams)]
		manager := lead[team]
		if manager == "" {
			lead[team] = name
		}
		sk := []string{skills[r.IntN(len(skills))], skills[r.IntN(len(skills))]}
		if sk[0] == sk[1] {
			sk = sk[:1]
		}
		fmt.Fprintf(&csv, "%s,%s,%s,%s,%s\n", name, team, manager, strings.Join(sk, ";"), cities[r.IntN(len(cities))])
		if team == d.Team {
			d.TeamMembers = append(d.TeamMembers, name)
		}
	}
	sort.Strings(d.TeamMembers)
	if err := os.WriteFile(d.CSVPath, []byte(csv.String()), 0o644); err != nil {
		return nil, err
	}
	writeShop(d, people)
	return d, nil
}
