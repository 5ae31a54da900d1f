package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/internal/testenv"
)

// fixture is why most of the suite's server scenarios do not apply: they call tools, prompts or
// resources by the names of the suite's own fixture server (the "everything" servers the SDKs
// write for it). The coordinator serves its own tools and no fixtures.
const fixture = "calls the suite's fixture "

// conformanceScenarios is every server scenario of the pinned @modelcontextprotocol/conformance
// (testdata/conformance): "" when it applies to the coordinator and must pass, else why not. A
// scenario that a new version adds fails the test until it is entered here.
var conformanceScenarios = map[string]string{
	"server-initialize":           "",
	"logging-set-level":           "",
	"ping":                        "",
	"tools-list":                  "",
	"resources-list":              "",
	"prompts-list":                "",
	"server-sse-multiple-streams": "",
	"dns-rebinding-protection":    "",

	"completion-complete": "asks completion/complete, which a server offers only with the completions capability; " +
		"the coordinator has no prompt or resource template arguments to complete, declares none, and answers -32601 as the spec says",
	"resources-subscribe": "asks resources/subscribe, offered only with the resources.subscribe capability, " +
		"which the coordinator does not declare (it has no resources of its own that change); -32601 is the spec's answer",
	"resources-unsubscribe": "as resources-subscribe",

	"tools-call-simple-text":       fixture + "tool test_simple_text",
	"tools-call-image":             fixture + "tool test_image_content",
	"tools-call-audio":             fixture + "tool test_audio_content",
	"tools-call-embedded-resource": fixture + "tool test_embedded_resource",
	"tools-call-mixed-content":     fixture + "tool test_multiple_content_types",
	"tools-call-with-logging":      fixture + "tool test_tool_with_logging",
	"tools-call-error":             fixture + "tool test_error_handling",
	"tools-call-with-progress":     fixture + "tool test_tool_with_progress",
	"tools-call-sampling":          fixture + "tool test_sampling",
	"tools-call-elicitation":       fixture + "tool test_elicitation",
	"elicitation-sep1034-defaults": fixture + "tool test_elicitation_sep1034_defaults",
	"elicitation-sep1330-enums":    fixture + "tool test_elicitation_sep1330_enums",
	"json-schema-2020-12":          fixture + "tool json_schema_2020_12_tool (a pending scenario)",
	"server-sse-polling": fixture + "tool test_reconnection, and needs resumable event streams (an event store), " +
		"which the coordinator does not keep: a client whose stream drops retries its request (a pending scenario)",
	"resources-read-text":           fixture + "resource test://static-text",
	"resources-read-binary":         fixture + "resource test://static-binary",
	"resources-templates-read":      fixture + "resource template test://template/{id}/data",
	"prompts-get-simple":            fixture + "prompt test_simple_prompt",
	"prompts-get-with-args":         fixture + "prompt test_prompt_with_arguments",
	"prompts-get-embedded-resource": fixture + "prompt test_prompt_with_embedded_resource",
	"prompts-get-with-image":        fixture + "prompt test_prompt_with_image",
}

// TestConformance runs every server scenario of the official MCP conformance suite (pinned in
// testdata/conformance, with the node 22 it needs) over Streamable HTTP against serve --http.
// Those that apply must pass without a failure or a warning; those that do not must be the ones
// listed, with their reason, in conformanceScenarios.
func TestConformance(t *testing.T) {
	node, cli := testenv.Conformance(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Every scenario the suite has is decided here.
	out, err := exec.CommandContext(ctx, node, cli, "list", "--server").CombinedOutput()
	if err != nil {
		t.Fatalf("conformance list: %v\n%s", err, out)
	}
	listed := regexp.MustCompile(`(?m)^\s+- (\S+)`).FindAllStringSubmatch(string(out), -1)
	if len(listed) == 0 {
		t.Fatalf("conformance list printed no scenarios:\n%s", out)
	}
	var notApplicable []string
	for _, m := range listed {
		reason, known := conformanceScenarios[m[1]]
		switch {
		case !known:
			t.Errorf("scenario %s is new: decide whether it applies, and enter it in conformanceScenarios", m[1])
		case reason != "":
			notApplicable = append(notApplicable, m[1])
		}
	}

	s := startHTTP(t, nil, "--http", "127.0.0.1:0")
	dir := t.TempDir()
	baseline := filepath.Join(dir, "not-applicable.yml")
	os.WriteFile(baseline, []byte("server:\n  - "+strings.Join(notApplicable, "\n  - ")+"\n"), 0o644)
	results := filepath.Join(dir, "results")
	cmd := exec.CommandContext(ctx, node, cli, "server", "--url", s.url, "--suite", "all",
		"--expected-failures", baseline, "-o", results)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	start := time.Now()
	out, runErr := cmd.CombinedOutput()
	took := time.Since(start)

	// Each scenario's checks, from results/server-<scenario>-<time>/checks.json.
	type check struct{ ID, Status, ErrorMessage string }
	checks := map[string][]check{}
	dirs, _ := filepath.Glob(filepath.Join(results, "server-*", "checks.json"))
	name := regexp.MustCompile(`^server-(.+)-\d{4}-\d\d-\d\dT[\d-]+Z$`)
	for _, f := range dirs {
		m := name.FindStringSubmatch(filepath.Base(filepath.Dir(f)))
		if m == nil {
			continue
		}
		var cs []check
		data, _ := os.ReadFile(f)
		if err := json.Unmarshal(data, &cs); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		checks[m[1]] = cs
	}
	var applicable, passed []string
	for _, m := range listed {
		sc := m[1]
		if reason, known := conformanceScenarios[sc]; !known || reason != "" {
			continue
		}
		applicable = append(applicable, sc)
		cs, ran := checks[sc]
		ok := ran && slices.ContainsFunc(cs, func(c check) bool { return c.Status == "SUCCESS" })
		for _, c := range cs {
			if c.Status == "FAILURE" || c.Status == "WARNING" {
				ok = false
				t.Errorf("%s: %s %s: %s", sc, c.Status, c.ID, c.ErrorMessage)
			}
		}
		if !ran {
			t.Errorf("%s: did not run", sc)
		}
		if ok {
			passed = append(passed, sc)
		}
	}
	t.Logf("conformance: %d of %d applicable scenarios passed in %s (%d do not apply)", len(passed), len(applicable), took.Round(100*time.Millisecond), len(notApplicable))
	if runErr != nil {
		summary := string(out)
		if i := strings.Index(summary, "=== SUMMARY ==="); i >= 0 {
			summary = summary[i:]
		}
		t.Errorf("the suite's verdict against the not-applicable baseline: %v\n%s", runErr, summary)
	}
}
