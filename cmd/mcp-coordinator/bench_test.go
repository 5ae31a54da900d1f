package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
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
