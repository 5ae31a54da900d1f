package downstream_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"time"

	"github.com/mcp-coordinator/mcp-coordinator/downstream"
)

func ExampleParseConfig() {
	data := []byte(`{
  "mcpServers": {
    "memory": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"],
               "env": {"MEMORY_FILE_PATH": "${HOME}/memory.jsonl"}},
    "github": {"type": "http", "url": "https://api.githubcopilot.com/mcp/",
               "headers": {"Authorization": "Bearer ${GITHUB_TOKEN}"}},
    "coordinator": {"command": "mcp-coordinator"},
    "old": {"command": "old-server", "disabled": true}
  }
}`)
	env := map[string]string{"HOME": "/home/me"}
	cfg, err := downstream.ParseConfig(".mcp.json", data, func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range cfg.Servers {
		if s.Type == downstream.TransportStdio {
			fmt.Println(s.Name, s.Type, s.Command, s.Args, s.Env)
		} else {
			fmt.Println(s.Name, s.Type, s.URL, s.Headers)
		}
	}
	for _, s := range cfg.Skipped {
		fmt.Printf("skipped %s: %s\n", s.Name, s.Reason)
	}
	for _, w := range cfg.Warnings {
		fmt.Println("warning:", w)
	}
	// Output:
	// github http https://api.githubcopilot.com/mcp/ map[Authorization:Bearer ${GITHUB_TOKEN}]
	// memory stdio npx [-y @modelcontextprotocol/server-memory] map[MEMORY_FILE_PATH:/home/me/memory.jsonl]
	// skipped coordinator: it would start mcp-coordinator itself
	// skipped old: disabled
	// warning: server "github": headers["Authorization"]: ${GITHUB_TOKEN} is not set; left as written
}

func ExamplePool() {
	path, err := downstream.FindConfig("") // --config, $MCP_SERVERS_CONFIG, ./.mcp.json, Claude Desktop
	if err != nil {
		log.Fatal(err)
	}
	cfg, err := downstream.LoadConfig(path)
	if err != nil {
		log.Fatal(err) // names the file, line and column
	}
	pool := downstream.NewPool(cfg.Servers, &downstream.PoolOptions{StartTimeout: 20 * time.Second})
	defer pool.Close()
	pool.Start(context.Background()) // all servers at once; returns at once

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool.WaitAll(ctx)
	for _, st := range pool.Status() {
		fmt.Println(st.Name, st.State, len(st.Tools), st.Err)
	}
	res, err := pool.CallTool(ctx, "everything", "echo", json.RawMessage(`{"message":"hi"}`))
	if err != nil {
		log.Fatal(err) // one line: unknown server or tool, server down, JSON-RPC error
	}
	fmt.Println(string(res)) // the CallToolResult as JSON; isError results land here too
}
