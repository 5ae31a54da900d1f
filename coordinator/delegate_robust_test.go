package coordinator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
)

func reviewFixture(t *testing.T, bases ...string) *fixture {
	t.Helper()
	var providers []map[string]any
	for _, b := range bases {
		providers = append(providers, map[string]any{"base_url": b, "models": map[string]string{"quality": "coder"}, "timeout": map[string]string{"quality": "20s"}})
	}
	data, _ := json.Marshal(map[string]any{"delegate": map[string]any{"providers": providers}})
	settings := filepath.Join(t.TempDir(), "settings.json")
	os.WriteFile(settings, data, 0o644)
	return newFixture(t, Options{SettingsPath: settings, MaxLimits: sandbox.Limits{Timeout: 2 * time.Second}}, "inventory")
}

// The model's snippet is text of any size (up to 8 MiB); the failure answer must stay bounded.
func TestTaskFailureAnswerBounded(t *testing.T) {
	snippet := "undefinedThing()\n// " + strings.Repeat("padding ", 60000)
	s, _ := scripted(t, snippet)
	f := reviewFixture(t, s.URL+"/v1")
	out, isErr := f.call(t, "delegate_task", map[string]any{"task": "x", "max_attempts": 1})
	if !isErr || !strings.HasPrefix(out, "DELEGATION_FAILED: ") {
		t.Fatalf("isErr=%v %.300s", isErr, out)
	}
	if len(out) > 40000 {
		t.Fatalf("failure answer is %d bytes (the snippet echoed whole)", len(out))
	}
}

// Same on success: the snippet is echoed whole under the output.
func TestTaskSuccessAnswerBounded(t *testing.T) {
	snippet := "fmt.Println(\"ok\")\n// " + strings.Repeat("padding ", 60000)
	s, _ := scripted(t, snippet)
	f := reviewFixture(t, s.URL+"/v1")
	out, isErr := f.call(t, "delegate_task", map[string]any{"task": "x", "max_attempts": 1})
	if isErr || !strings.HasPrefix(out, "ok\n") {
		t.Fatalf("isErr=%v %.300s", isErr, out)
	}
	if len(out) > 40000 {
		t.Fatalf("answer is %d bytes (the snippet echoed whole)", len(out))
	}
}

// Hostile snippets: endless loop, megabytes of output, os import. The loop ends after
// max_attempts, within the sandbox timeout each, and the answer stays bounded.
func TestTaskHostileSnippets(t *testing.T) {
	for name, snippet := range map[string]string{
		"loop":  "for {\n}",
		"flood": "for i := 0; i < 2000000; i++ {\n\tfmt.Println(\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\")\n}",
		"os":    "```go\npackage main\n\nimport \"os\"\n\nfunc main() { os.RemoveAll(\"/tmp/nothing-here\") }\n```",
	} {
		t.Run(name, func(t *testing.T) {
			s, calls := scripted(t, snippet)
			f := reviewFixture(t, s.URL+"/v1")
			start := time.Now()
			out, isErr := f.call(t, "delegate_task", map[string]any{"task": "x", "max_attempts": 2})
			t.Logf("%s: isErr=%v calls=%d took=%s len=%d %.200q", name, isErr, calls.Load(), time.Since(start), len(out), out)
			if name != "flood" && (!isErr || calls.Load() != 2) {
				t.Errorf("want failure after 2 attempts")
			}
			if len(out) > 40000 || time.Since(start) > 20*time.Second {
				t.Errorf("unbounded")
			}
		})
	}
}

// An unknown field: the error must name the line it is on, not the end of the file.
func TestSettingsUnknownFieldLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "settings.json")
	os.WriteFile(p, []byte("{\n  \"team_skilz\": \"/x\",\n  \"max_memory_mib\": 512,\n  \"output_chars\": 20000,\n  \"delegate\": {\"providers\": []}\n}\n"), 0o644)
	_, err := loadSettings(p)
	if err == nil || !strings.Contains(err.Error(), "line 2:") {
		t.Fatalf("err %v", err)
	}
}

// A bad duration on line 3 of a longer file.
func TestSettingsBadDurationLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "settings.json")
	os.WriteFile(p, []byte("{\n  \"output_chars\": 20000,\n  \"max_timeout\": \"ten seconds\",\n  \"max_memory_mib\": 512,\n  \"delegate\": {\"providers\": []}\n}\n"), 0o644)
	_, err := loadSettings(p)
	if err == nil || !strings.Contains(err.Error(), "line 3:") {
		t.Fatalf("err %v", err)
	}
}

// A settings file rejected as invalid must not have half of its values applied anyway.
func TestBadSettingsNotPartlyApplied(t *testing.T) {
	p := filepath.Join(t.TempDir(), "settings.json")
	os.WriteFile(p, []byte("{\"output_chars\": 300, \"max_memory_mib\": 64, \"bogus\": true}\n"), 0o644)
	f := newFixture(t, Options{SettingsPath: p, KeepConfigProblems: true}, "inventory")
	if f.c.opts.OutputChars == 300 || f.c.opts.MaxLimits.MemoryBytes == 64<<20 {
		t.Fatalf("values of the rejected file applied: output_chars %d, memory %d", f.c.opts.OutputChars, f.c.opts.MaxLimits.MemoryBytes)
	}
}

// serve (KeepConfigProblems) must start despite a bad settings file and report it; here the
// rejected file's values are applied and New fails.
func TestBadSettingsCrashesServe(t *testing.T) {
	for _, body := range []string{
		"{\"output_chars\": 7, \"bogus\": true}\n",
		"{\"max_memory_mib\": -1}\n",
		"{\"max_timeout\": \"-5s\"}\n",
	} {
		dir := t.TempDir()
		p := filepath.Join(dir, "settings.json")
		os.WriteFile(p, []byte(body), 0o644)
		config := filepath.Join(dir, "mcp.json")
		writeConfig(t, config, "inventory")
		c, err := New(Options{SettingsPath: p, ConfigPath: config, Workspace: filepath.Join(dir, "ws"), KeepConfigProblems: true})
		if err != nil {
			t.Errorf("%s: serve does not start: %v", strings.TrimSpace(body), err)
			continue
		}
		c.Close()
	}
}

// Trailing garbage after the object is a bad file too.
func TestSettingsTrailingGarbage(t *testing.T) {
	p := filepath.Join(t.TempDir(), "settings.json")
	os.WriteFile(p, []byte("{\"output_chars\": 100}\n{\"output_chars\": 200}\n"), 0o644)
	if _, err := loadSettings(p); err == nil {
		t.Fatal("trailing second object accepted silently")
	}
}

// A password in base_url's userinfo must not be shown by list_local_models.
func TestListModelsHidesURLPassword(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"data":[{"id":"coder"}]}`)
	}))
	defer s.Close()
	base := strings.Replace(s.URL, "http://", "http://user:sk-SECRET-42@", 1) + "/v1"
	f := reviewFixture(t, base)
	out, _ := f.call(t, "list_local_models", map[string]any{})
	if strings.Contains(out, "SECRET") {
		t.Fatalf("password shown: %s", out)
	}
}

// usage_stats after only failed delegations: no NaN, no division by zero.
func TestUsageStatsFailedOnly(t *testing.T) {
	f := reviewFixture(t, "http://127.0.0.1:1/v1")
	f.call(t, "delegate_code", map[string]any{"spec": "x"})
	out, _ := f.call(t, "usage_stats", map[string]any{})
	if strings.Contains(out, "NaN") || strings.Contains(out, "Inf") || !strings.Contains(out, "delegations: 1, 0% succeeded") {
		t.Fatalf("%s", out)
	}
}
