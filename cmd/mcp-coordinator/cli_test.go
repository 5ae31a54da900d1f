package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// startedArg makes the test binary record that it was started, in the file named by the next
// argument, and exit: a server that shows whether a command started it.
const startedArg = "mark-started"

func maybeMarkStarted() {
	if len(os.Args) > 2 && os.Args[1] == startedArg {
		os.WriteFile(os.Args[2], nil, 0o644)
		os.Exit(1)
	}
}

func TestHelp(t *testing.T) {
	for _, c := range commands {
		for _, h := range []string{"--help", "-h", "-help"} {
			code, out, errOut := runCmd(t, "", c.name, h)
			if code != 0 || errOut != "" || !strings.HasPrefix(out, "usage: mcp-coordinator "+c.name) {
				t.Errorf("%s %s: exit %d, want 0 with the usage on stdout\nstdout: %s\nstderr: %s", c.name, h, code, out, errOut)
				continue
			}
			for _, f := range flagSpecs {
				if got, want := strings.Contains(out, "--"+f.name+" "), slices.Contains(c.flags, f.name); got != want {
					t.Errorf("%s %s lists --%s: %v, want %v\n%s", c.name, h, f.name, got, want, out)
				}
			}
		}
		code, out, _ := runCmd(t, "", "help", c.name)
		if want := commandHelp(c); code != 0 || out != want {
			t.Errorf("help %s: exit %d\n%s\nwant\n%s", c.name, code, out, want)
		}
	}

	// The top-level usage lists every command with its synopsis and every command's flags.
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		code, out, _ := runCmd(t, "", args...)
		if code != 0 {
			t.Errorf("%v: exit %d", args, code)
		}
		for _, c := range commands {
			if !strings.Contains(out, "  "+c.name) || !strings.Contains(out, c.synopsis) || !strings.Contains(out, c.summary) {
				t.Errorf("%v lacks the command %s %s", args, c.name, c.synopsis)
			}
			for _, f := range c.flags {
				if !strings.Contains(out, "--"+f+" ") {
					t.Errorf("%v lacks --%s (a flag of %s)", args, f, c.name)
				}
			}
		}
	}
	if code, _, errOut := runCmd(t, ""); code != 2 || errOut != usage() {
		t.Errorf("no arguments: exit %d, want 2 with the usage on stderr:\n%s", code, errOut)
	}
}

// TestREADMECommandLine keeps the README's command-line block in step with the commands.
func TestREADMECommandLine(t *testing.T) {
	readme := readFile(t, filepath.Join("..", "..", "README.md"))
	for _, c := range commands {
		want := strings.TrimSpace("mcp-coordinator " + padRight(c.name, 11) + " " + c.synopsis)
		if !strings.Contains(readme, want) {
			t.Errorf("README.md lacks the line %q", want)
		}
	}
}

func padRight(s string, n int) string { return s + strings.Repeat(" ", max(0, n-len(s))) }

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"8", 8 * time.Second},
		{"60", time.Minute},
		{"2.5", 2500 * time.Millisecond},
		{"0", 0},
		{"90s", 90 * time.Second},
		{"1m30s", 90 * time.Second},
		{"500ms", 500 * time.Millisecond},
	}
	for _, tt := range tests {
		got, err := parseTime(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("parseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "soon", "8 s", "-3", "-1m", "NaN", "Inf", "1e30"} {
		if got, err := parseTime(bad); err == nil {
			t.Errorf("parseTime(%q) = %v, want an error", bad, got)
		}
	}
}

// TestTimeFlags runs snippets with both forms of a time and checks that a bad value gets one
// line naming the flag and the accepted forms.
func TestTimeFlags(t *testing.T) {
	config, ws := setup(t)
	// Plain seconds and durations both reach the limits: a timeout above the maximum runs with
	// the maximum, and the footer shows both as parsed.
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--timeout", "8", "--max-timeout", "60"}, 0, "1\n"},
		{[]string{"--timeout", "8s", "--max-timeout", "1m"}, 0, "1\n"},
		{[]string{"--timeout", "2.5", "--max-timeout", "90s"}, 0, "1\n"},
		{[]string{"--timeout", "10", "--max-timeout", "5"}, 0, "timeout 10s is above the maximum: ran with 5s]"},
		{[]string{"--timeout", "1m30s", "--max-timeout", "60"}, 0, "timeout 1m30s is above the maximum: ran with 1m0s]"},
	} {
		args := append(append([]string{"run", "--config", config, "--workspace", ws}, tt.args...), "-")
		code, out, errOut := runCmd(t, "fmt.Println(1)", args...)
		if code != tt.code || !strings.Contains(out+errOut, tt.want) {
			t.Errorf("%v: exit %d, want %d with %q\nstdout: %s\nstderr: %s", tt.args, code, tt.code, tt.want, out, errOut)
		}
	}
	// A plain number is seconds: a loop stops after half a second.
	start := time.Now()
	code, _, errOut := runCmd(t, "for {}", "run", "--config", config, "--workspace", ws, "--timeout", "0.5", "-")
	if code != 1 || !strings.Contains(errOut, "timeout") || time.Since(start) > 20*time.Second {
		t.Errorf("--timeout 0.5 with an endless loop: exit %d after %s\n%s", code, time.Since(start), errOut)
	}

	for _, tt := range []struct{ cmd, flag, value string }{
		{"run", "timeout", "soon"},
		{"run", "timeout", "-3"},
		{"run", "max-timeout", "8 s"},
		{"serve", "max-timeout", "1 minute"},
	} {
		code, out, errOut := runCmd(t, "", tt.cmd, "--"+tt.flag, tt.value, "-")
		lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
		if code != 2 || out != "" || len(lines) != 1 {
			t.Errorf("%s --%s %q: exit %d, want 2 and one line on stderr\nstdout: %s\nstderr: %s", tt.cmd, tt.flag, tt.value, code, out, errOut)
			continue
		}
		for _, want := range []string{"mcp-coordinator " + tt.cmd, "-" + tt.flag + ":", `"` + tt.value + `"`, "seconds (8, 2.5)", "Go duration (90s, 1m30s)"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("%s --%s %q: the message lacks %q: %s", tt.cmd, tt.flag, tt.value, want, errOut)
			}
		}
	}
	// Counts: a whole number in range, or one line saying so (not "parse error", no overflow).
	for _, tt := range []struct{ flag, value, want string }{
		{"max-memory", "-5", "whole number of MiB from 1 to 1048576"},
		{"max-memory", "17592186044416", "whole number of MiB from 1 to 1048576"},
		{"output-chars", "lots", "whole number of characters from 1 to"},
	} {
		code, out, errOut := runCmd(t, "", "run", "--"+tt.flag, tt.value, "-")
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tt.want) {
			t.Errorf("--%s %s: exit %d, want 2 and one line with %q\nstderr: %s", tt.flag, tt.value, code, tt.want, errOut)
		}
	}
	code, _, errOut = runCmd(t, "", "run", "--bogus", "-")
	if code != 2 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "run --help") {
		t.Errorf("an unknown flag: exit %d, want 2 and one line pointing at --help:\n%s", code, errOut)
	}
}

// TestGenerateNamedServer checks that generate --server X starts X only, and that a full
// generate reports a failed server and the skipped entries once each, in its summary.
func TestGenerateNamedServer(t *testing.T) {
	dir := t.TempDir()
	exe, _ := os.Executable()
	marker := filepath.Join(dir, "started")
	cfg := map[string]any{"mcpServers": map[string]any{
		"inventory": map[string]any{"command": exe, "args": []string{"demo-server", "inventory"}},
		"marker":    map[string]any{"command": exe, "args": []string{startedArg, marker}},
		"missing":   map[string]any{"command": filepath.Join(dir, "no-such-command")},
		"off":       map[string]any{"command": exe, "disabled": true},
		"self":      map[string]any{"command": "mcp-coordinator", "args": []string{"serve"}},
	}}
	data, _ := json.Marshal(cfg)
	config := filepath.Join(dir, "mcp.json")
	os.WriteFile(config, data, 0o644)
	ws := filepath.Join(dir, "ws")

	code, out, errOut := runCmd(t, "", "generate", "--config", config, "--workspace", ws, "--server", "inventory")
	if code != 0 || !strings.Contains(out, "inventory") || strings.Contains(out, "marker") || strings.Contains(out, "missing") {
		t.Errorf("generate --server inventory: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("generate --server inventory started the server marker")
	}

	code, out, errOut = runCmd(t, "", "generate", "--config", config, "--workspace", ws)
	if code != 1 {
		t.Errorf("generate: exit %d, want 1", code)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("generate did not start the server marker: %v", err)
	}
	for _, want := range []string{
		"inventory               1 tool  unchanged",
		"marker               FAILED",
		"missing              FAILED",
		"off                  skipped (disabled)",
		"self                 skipped (it would start mcp-coordinator itself)",
	} {
		if strings.Count(out, want) != 1 {
			t.Errorf("generate's summary should hold %q once:\n%s", want, out)
		}
	}
	// The summary is the report: nothing is said twice on stderr, nor routine lines.
	if errOut != "" {
		t.Errorf("generate wrote to stderr (the failures are in the summary):\n%s", errOut)
	}

	code, out, _ = runCmd(t, "", "generate", "--config", config, "--workspace", ws, "--server", "off")
	if code != 0 || strings.TrimSpace(out) != "off                  skipped (disabled)\nworkspace: "+ws {
		t.Errorf("generate --server off: exit %d\n%s", code, out)
	}
}
