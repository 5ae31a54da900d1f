package downstream

import (
	"context"
	"encoding/json"
	"testing"
)

// BenchmarkConnect compares connecting the four pinned npm servers at once (what Start does)
// with connecting them one after the other. An op is all four servers: process start,
// initialize and tools/list; Close is not timed.
func BenchmarkConnect(b *testing.B) {
	all, _ := realServers(b)
	servers := all[:4] // everything, filesystem, memory, sequential-thinking
	connect := func(b *testing.B, servers []ServerConfig) {
		p := NewPool(servers, &PoolOptions{Logger: quiet})
		p.Start(context.Background())
		p.WaitAll(context.Background())
		b.StopTimer()
		for _, st := range p.Status() {
			if st.State != StateReady {
				b.Fatalf("%s: %s: %s", st.Name, st.State, st.Err)
			}
		}
		p.Close()
		b.StartTimer()
	}
	b.Run("concurrent", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			connect(b, servers)
		}
	})
	b.Run("sequential", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			for _, sc := range servers {
				connect(b, []ServerConfig{sc})
			}
		}
	})
}

// BenchmarkCallTool measures one tool call's round trip through the Pool.
func BenchmarkCallTool(b *testing.B) {
	all, _ := realServers(b)
	bench := func(b *testing.B, sc ServerConfig, opts *PoolOptions, tool, args string) {
		p := newTestPool(b, []ServerConfig{sc}, opts)
		if err := p.Wait(context.Background(), sc.Name); err != nil {
			b.Fatal(err)
		}
		raw := json.RawMessage(args)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := p.CallTool(context.Background(), sc.Name, tool, raw); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("node-stdio", func(b *testing.B) { bench(b, all[0], nil, "echo", `{"message":"hi"}`) })
	b.Run("node-http", func(b *testing.B) {
		sc := ServerConfig{Name: "everything-http", Type: "http", URL: startHTTPEverything(b, "streamableHttp") + "/mcp"}
		bench(b, sc, nil, "echo", `{"message":"hi"}`)
	})
	b.Run("go-stdio", func(b *testing.B) { bench(b, all[4], nil, "greet", `{"name":"hi"}`) })
	b.Run("in-memory", func(b *testing.B) {
		bench(b, ServerConfig{Name: "fake", Type: "stdio"}, &PoolOptions{dial: inMemory(0)}, "echo", `{"text":"hi"}`)
	})
}
