package coordinator

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the golden answers in testdata/golden")

// goldenCall is one call of a coordinator tool whose answer is kept in
// testdata/golden/<tool>.txtar, in the section named after the case.
type goldenCall struct {
	name string
	tool string
	args map[string]any
}

// goldenCalls run in this order on one coordinator, so that usage_stats sees the runs above it.
var goldenCalls = []goldenCall{
	{"servers", "list_servers", nil},

	{"inventory", "list_tools", map[string]any{"server": "inventory"}},
	{"orders", "list_tools", map[string]any{"server": "orders"}},

	{"recent orders", "search_tools", map[string]any{"query": "recent orders"}},
	{"products stock", "search_tools", map[string]any{"query": "products stock price"}},
	{"list, names only", "search_tools", map[string]any{"query": "list", "detail": "name"}},
	{"sku, full, limit 1", "search_tools", map[string]any{"query": "sku", "detail": "full", "limit": 1}},
	{"no match", "search_tools", map[string]any{"query": "weather forecast"}},

	{"list_products", "get_tool", map[string]any{"server": "inventory", "tool": "list_products"}},
	{"RecentOrders by Go name", "get_tool", map[string]any{"server": "orders", "tool": "RecentOrders"}},
	{"unknown tool", "get_tool", map[string]any{"server": "orders", "tool": "cancel_order"}},
	{"several tools across servers", "get_tool", map[string]any{"tools": []string{"inventory.list_products", "orders.RecentOrders", "orders.cancel_order"}}},
	{"several tools of one server", "get_tool", map[string]any{"server": "orders", "tools": []string{"recent_orders", "RecentOrders"}}},
	{"no tool named", "get_tool", map[string]any{"server": "orders"}},
	{"server given, another named as s.tool", "get_tool", map[string]any{"server": "orders", "tools": []string{"inventory.list_products", "recent_orders"}}},

	{"calls", "execute_code", map[string]any{"code": `p, err := inventory.ListProducts(inventory.ListProductsArgs{Category: mcp_tools.String("sensors")})
if err != nil {
	fmt.Println(err)
	return
}
low := 0
for _, x := range p.Products {
	if x.Stock < 5 {
		low++
	}
}
o, err := orders.RecentOrders(orders.RecentOrdersArgs{Days: mcp_tools.Int(7)})
if err != nil {
	fmt.Println(err)
	return
}
fmt.Println(len(p.Products), "sensors,", low, "low on stock;", len(o.Orders), "orders in 7 days")`}},
	{"tool error", "execute_code", map[string]any{"code": `_, err := inventory.ListProducts(inventory.ListProductsArgs{Category: mcp_tools.String("gadgets")})
fmt.Println(err)`}},
	{"no calls, prints nothing", "execute_code", map[string]any{"code": `x := 1
_ = x`}},
	{"compile error", "execute_code", map[string]any{"code": `o, err := orders.RecentOrders(orders.RecentOrdersArgs{Days: 7})
fmt.Println(len(o.Orders), err)`}},
	{"runtime error", "execute_code", map[string]any{"code": `o, err := orders.RecentOrders(orders.RecentOrdersArgs{})
if err != nil {
	fmt.Println(err)
	return
}
fmt.Println(len(o.Orders), "orders")
fmt.Println(o.Orders[len(o.Orders)].Sku)`}},

	{"after the runs", "usage_stats", nil},
}

// volatile lists the parts of an answer that change from run to run, each with its placeholder.
// Only these are replaced: everything else (wording, order, signatures, counts, tokens, bytes) is
// deterministic against the demo servers and must match the golden file.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	// list_servers' "generated <time>" and usage_stats' "since <time>": RFC 3339 wall-clock times.
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`), "<time>"},
	// execute_code's footer ends with the run's wall time, a time.Duration rounded to the
	// millisecond ("0s", "14ms", "1.203s", "1m2.5s"); durations a snippet prints are kept.
	{regexp.MustCompile(`· (\d+h)?(\d+m)?\d+(\.\d+)?(ms|s)\]$`), "· <duration>]"},
}

// normalize replaces the volatile parts of an answer with placeholders: the test's temporary
// directory (config and workspace live there) with <dir>, then each of volatile.
func normalize(answer, dir string) string {
	answer = strings.ReplaceAll(answer, dir, "<dir>")
	for _, v := range volatile {
		answer = v.re.ReplaceAllString(answer, v.with)
	}
	return answer
}

// goldenSection renders one answer as a txtar section body: whether it is a tool error, then the
// answer. The body always gets one more newline than the answer has, so that an answer's own final
// newline (or its absence) survives the txtar format, which ends every file with one.
func goldenSection(answer string, isErr bool) string {
	return fmt.Sprintf("isError: %v\n%s\n", isErr, answer)
}

// TestGoldenAnswers calls every model-facing tool of the coordinator against the demo servers
// and compares the answers with testdata/golden/<tool>.txtar. go test ./coordinator -run Golden
// -update rewrites those files.
func TestGoldenAnswers(t *testing.T) {
	f := newFixture(t, Options{ConfigPoll: -1}, "inventory", "orders")
	dir := filepath.Dir(f.config)

	// Answers must not depend on how far startup got: wait until both servers are ready and
	// their stubs written (Generate waits for each server), before the first call.
	ctx := context.Background()
	f.c.pool.WaitAll(ctx)
	reports, err := f.c.Generate(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reports {
		if r.Err != nil {
			t.Fatalf("generating stubs: %v", r.Err)
		}
	}

	archives := map[string]*txtar.Archive{} // by tool
	var tools []string
	for _, c := range goldenCalls {
		if archives[c.tool] == nil {
			tools = append(tools, c.tool)
			archives[c.tool] = readGoldenArchive(t, c.tool)
		}
	}
	got := map[string][]txtar.File{} // by tool, in call order
	for _, c := range goldenCalls {
		t.Run(c.tool+"/"+c.name, func(t *testing.T) {
			answer, isErr := f.call(t, c.tool, c.args)
			body := goldenSection(normalize(answer, dir), isErr)
			got[c.tool] = append(got[c.tool], txtar.File{Name: c.name, Data: []byte(body)})
			if *update {
				return
			}
			want, ok := section(archives[c.tool], c.name)
			if !ok {
				t.Fatalf("%s has no section %q; run go test ./coordinator -run Golden -update to add it", goldenPath(c.tool), c.name)
			}
			if diff := cmp.Diff(want, body); diff != "" {
				t.Errorf("%s, section %q: answer differs (-want +got); run go test ./coordinator -run Golden -update to accept:\n%s",
					goldenPath(c.tool), c.name, diff)
			}
		})
	}

	if *update {
		if err := os.MkdirAll(filepath.Join("testdata", "golden"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, tool := range tools {
		if *update {
			ar := &txtar.Archive{Comment: goldenComment(tool), Files: got[tool]}
			if err := os.WriteFile(goldenPath(tool), txtar.Format(ar), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var wantNames, gotNames []string
		for _, f := range archives[tool].Files {
			wantNames = append(wantNames, f.Name)
		}
		for _, f := range got[tool] {
			gotNames = append(gotNames, f.Name)
		}
		if diff := cmp.Diff(wantNames, gotNames); diff != "" {
			t.Errorf("%s: sections differ from the calls (-want +got); run go test ./coordinator -run Golden -update:\n%s", goldenPath(tool), diff)
		}
	}
	if !*update {
		checkNoStrayGoldens(t, tools)
	}
}

func goldenPath(tool string) string { return filepath.Join("testdata", "golden", tool+".txtar") }

func goldenComment(tool string) []byte {
	return []byte(fmt.Sprintf(`Answers of %s against the demo servers inventory and orders, one section per call
of goldenCalls in golden_test.go: "isError: <bool>", then the answer and one extra newline.
Times, durations and the temporary directory are replaced by <time>, <duration> and <dir>.
Regenerate with: go test ./coordinator -run Golden -update
`, tool))
}

// readGoldenArchive reads the golden file of tool; with -update, a missing one is empty.
func readGoldenArchive(t *testing.T, tool string) *txtar.Archive {
	t.Helper()
	ar, err := txtar.ParseFile(goldenPath(tool))
	if err != nil {
		if *update && os.IsNotExist(err) {
			return &txtar.Archive{}
		}
		t.Fatalf("%v; run go test ./coordinator -run Golden -update to create it", err)
	}
	return ar
}

func section(ar *txtar.Archive, name string) (string, bool) {
	for _, f := range ar.Files {
		if f.Name == name {
			return string(f.Data), true
		}
	}
	return "", false
}

// checkNoStrayGoldens reports golden files that no call writes (a renamed or removed tool).
func checkNoStrayGoldens(t *testing.T, tools []string) {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "golden", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if !slices.Contains(tools, strings.TrimSuffix(filepath.Base(p), ".txtar")) {
			t.Errorf("%s: no call in goldenCalls writes it; remove it", p)
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"generated time", `orders: ready, 1 tool, import "mcp_tools/orders", generated 2026-05-04T10:11:12Z`,
			`orders: ready, 1 tool, import "mcp_tools/orders", generated <time>`},
		{"time with offset and fraction", "since 2026-05-04T10:11:12.123+02:00", "since <time>"},
		{"footer duration", "[no calls · 14ms]", "[no calls · <duration>]"},
		{"footer seconds", "[calls: orders 1 · 9 tokens kept out · 1.2s]", "[calls: orders 1 · 9 tokens kept out · <duration>]"},
		{"footer zero", "[no calls · 0s]", "[no calls · <duration>]"},
		{"dir", "no servers configured in /tmp/TestX123/001/mcp.json", "no servers configured in <dir>/mcp.json"},
		{"printed durations stay", "took 14ms\n[no calls · 2ms]", "took 14ms\n[no calls · <duration>]"},
		{"counts stay", "runs: 5 (2 failed; compile 1; runtime 1), tool calls: 4", "runs: 5 (2 failed; compile 1; runtime 1), tool calls: 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, normalize(tt.in, "/tmp/TestX123/001")); diff != "" {
				t.Errorf("normalize (-want +got):\n%s", diff)
			}
		})
	}
}
