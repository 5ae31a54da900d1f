package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcp-coordinator/mcp-coordinator/internal/ledger"
	"github.com/mcp-coordinator/mcp-coordinator/internal/testenv"
)

// fourServers is the config of the startup figures: server-filesystem and server-memory with
// server-everything and server-sequential-thinking.
func fourServers(b testing.TB) (config, workspace, root string) {
	return realConfig(b, map[string]any{
		"everything": map[string]any{"command": testenv.NodeBin(b, "mcp-server-everything")},
		"thinking":   map[string]any{"command": testenv.NodeBin(b, "mcp-server-sequential-thinking")},
	})
}

func startServe(ctx context.Context, b testing.TB, config, workspace string) *mcp.ClientSession {
	exe, _ := os.Executable()
	cmd := exec.Command(exe, serveArg, "--config", config, "--workspace", workspace)
	cmd.Env = append(os.Environ(), "MCP_COORDINATOR_LOG=error")
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "bench"}, nil).Connect(ctx, &mcp.CommandTransport{Command: cmd, TerminateDuration: time.Second}, nil)
	if err != nil {
		b.Fatal(err)
	}
	return cs
}

// BenchmarkServeStartup measures, with four real servers configured, the time from starting
// "mcp-coordinator serve" to its initialize answer (initialize-ms) and to the first successful
// execute_code that chains two of the servers (first-execute-ms), on a fresh workspace.
func BenchmarkServeStartup(b *testing.B) {
	var initTotal, execTotal time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		config, ws, root := fourServers(b)
		code := chainSnippet(root)
		b.StartTimer()
		ctx := context.Background()
		start := time.Now()
		cs := startServe(ctx, b, config, ws)
		initTotal += time.Since(start)
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "execute_code", Arguments: map[string]any{"code": code}})
		if err != nil || res.IsError {
			b.Fatalf("execute_code: %v %+v", err, res)
		}
		execTotal += time.Since(start)
		b.StopTimer()
		cs.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(initTotal.Milliseconds())/float64(b.N), "initialize-ms")
	b.ReportMetric(float64(execTotal.Milliseconds())/float64(b.N), "first-execute-ms")
}

// TestToolListAgainstDownstream compares what a conversation pays for the coordinator's tool list
// with what it pays for the definitions of the pinned real servers it replaces.
func TestToolListAgainstDownstream(t *testing.T) {
	git := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", git).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	config, ws, _ := realConfig(t, map[string]any{
		"everything": map[string]any{"command": testenv.NodeBin(t, "mcp-server-everything")},
		"thinking":   map[string]any{"command": testenv.NodeBin(t, "mcp-server-sequential-thinking")},
		"git": map[string]any{"command": testenv.NodeBin(t, "git-mcp-server"),
			"env": map[string]string{"GIT_BASE_DIR": git, "MCP_LOG_LEVEL": "error"}},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cs := startServe(ctx, t, config, ws)
	defer cs.Close()
	own, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	ownJSON, _ := json.Marshal(own.Tools)
	ownTokens := ledger.CountTokens(string(ownJSON)) + ledger.CountTokens(cs.InitializeResult().Instructions)

	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "generate_tools", Arguments: map[string]any{}})
	if err != nil || res.IsError {
		t.Fatalf("generate_tools: %v %+v", err, res)
	}
	downstream, tools, servers := 0, 0, 0
	entries, _ := os.ReadDir(ws + "/mcp_tools")
	for _, e := range entries {
		data, err := os.ReadFile(ws + "/mcp_tools/" + e.Name() + "/tools.json")
		if err != nil {
			continue
		}
		var list []json.RawMessage
		json.Unmarshal(data, &list)
		tools += len(list)
		servers++
		compact, _ := json.Marshal(list)
		downstream += ledger.CountTokens(string(compact))
	}
	t.Logf("coordinator: 7 tools + instructions = %d o200k tokens; the %d tools of %d real servers = %d tokens (%.1fx)",
		ownTokens, tools, servers, downstream, float64(downstream)/float64(ownTokens))
	if tools < 60 || ownTokens*5 > downstream {
		t.Errorf("expected the real servers' definitions (%d tools, %d tokens) to cost over 5x the coordinator's %d", tools, downstream, ownTokens)
	}
	if strings.Contains(string(ownJSON), "register") {
		t.Error("the surface must not let the model add servers")
	}
}

// BenchmarkServeTrivial measures one execute_code of fmt.Println("ok") through
// "mcp-coordinator serve" over stdio and over Streamable HTTP on loopback (no servers
// configured: the figure is the transport and the run, not a tool): the median per call
// (p50-ms), after one warm-up call, and the median of as many pings (ping-p50-us: the
// transport alone). Run it with -benchtime=20x for 20 calls each.
func BenchmarkServeTrivial(b *testing.B) {
	const code = `fmt.Println("ok")`
	bench := func(b *testing.B, cs *mcp.ClientSession) {
		call := func() {
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "execute_code", Arguments: map[string]any{"code": code}})
			if err != nil || res.IsError || !strings.HasPrefix(res.Content[0].(*mcp.TextContent).Text, "ok\n") {
				b.Fatalf("execute_code: %v %+v", err, res)
			}
		}
		call() // warm-up: the first runner
		took := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for range b.N {
			start := time.Now()
			call()
			took = append(took, time.Since(start))
		}
		b.StopTimer()
		b.ReportMetric(median(took).Seconds()*1000, "p50-ms")
		// The transport alone: a ping's round trip.
		took = took[:0]
		for range b.N {
			start := time.Now()
			if err := cs.Ping(context.Background(), nil); err != nil {
				b.Fatal(err)
			}
			took = append(took, time.Since(start))
		}
		b.ReportMetric(median(took).Seconds()*1e6, "ping-p50-us")
	}
	b.Run("stdio", func(b *testing.B) {
		dir := b.TempDir()
		config := filepath.Join(dir, "mcp.json")
		os.WriteFile(config, []byte(`{"mcpServers": {}}`), 0o644)
		cs := startServe(context.Background(), b, config, filepath.Join(dir, "ws"))
		defer cs.Close()
		bench(b, cs)
	})
	b.Run("http", func(b *testing.B) {
		s := startHTTP(b, []string{"MCP_COORDINATOR_LOG=error"}, "--http", "127.0.0.1:0")
		bench(b, s.connect(b, ""))
	})
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}
