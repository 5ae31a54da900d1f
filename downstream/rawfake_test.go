package downstream

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// runRawFake is a hand-written MCP server on stdin/stdout, for the shapes a real server does not
// produce on demand: notification floods, oversized, non-JSON and broken lines. Its tools:
//
//	flood {n}     sends n notifications/tools/list_changed, then answers "sent"
//	lists         answers how many tools/list requests it has had
//	big {bytes}   answers a text of that many bytes, the id last (as node servers write it)
//	small         answers "ok"
//	junk          writes a line that is not JSON, then answers "ok"
//	jsonlog       writes JSON lines that are not JSON-RPC (a log line, an array), then answers "ok"
//	broken        writes a line that starts like its answer and is cut off
//
// RAW_TOOLS adds that many more tools (tool_0, tool_1, ...) to its listing.
func runRawFake() int {
	extra, _ := strconv.Atoi(os.Getenv("RAW_TOOLS"))
	out := bufio.NewWriterSize(os.Stdout, 1<<16)
	var mu sync.Mutex
	write := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		out.WriteString(s)
		out.WriteByte('\n')
		out.Flush()
	}
	answer := func(id json.RawMessage, result string) {
		write(fmt.Sprintf(`{"result":%s,"jsonrpc":"2.0","id":%s}`, result, id))
	}
	textResult := func(s string) string {
		b, _ := json.Marshal(map[string]any{"content": []map[string]any{{"type": "text", "text": s}}})
		return string(b)
	}
	tools := []map[string]any{}
	for _, n := range []string{"flood", "lists", "big", "small", "junk", "jsonlog", "broken"} {
		tools = append(tools, map[string]any{"name": n, "inputSchema": map[string]any{"type": "object"}})
	}
	for i := range extra {
		tools = append(tools, map[string]any{"name": fmt.Sprintf("tool_%d", i), "description": strings.Repeat("a tool ", 10),
			"inputSchema": map[string]any{"type": "object", "properties": map[string]any{"x": map[string]any{"type": "string"}}}})
	}
	toolList, _ := json.Marshal(map[string]any{"tools": tools})
	lists := 0
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	for {
		line, err := in.ReadBytes('\n')
		if err != nil {
			return 0
		}
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
			Params struct {
				ProtocolVersion string         `json:"protocolVersion"`
				Name            string         `json:"name"`
				Arguments       map[string]int `json:"arguments"`
			} `json:"params"`
		}
		if json.Unmarshal(line, &msg) != nil || msg.ID == nil {
			continue
		}
		switch msg.Method {
		case "initialize":
			answer(msg.ID, fmt.Sprintf(`{"protocolVersion":%q,"capabilities":{"tools":{"listChanged":true}},"serverInfo":{"name":"raw","version":"1"}}`, msg.Params.ProtocolVersion))
		case "tools/list":
			lists++
			answer(msg.ID, string(toolList))
		case "tools/call":
			switch msg.Params.Name {
			case "flood":
				for range msg.Params.Arguments["n"] {
					write(`{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}`)
				}
				answer(msg.ID, textResult("sent"))
			case "lists":
				answer(msg.ID, textResult(strconv.Itoa(lists)))
			case "big":
				answer(msg.ID, textResult(strings.Repeat("x", msg.Params.Arguments["bytes"])))
			case "jsonlog":
				write(`{"level":30,"msg":"server listening"}`)
				write(`[1,2]`)
				answer(msg.ID, textResult("ok"))
			case "junk":
				write("Server listening... (this is not JSON)")
				answer(msg.ID, textResult("ok"))
			case "broken":
				write(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":{"content":[{"type":"te`, msg.ID))
			default:
				answer(msg.ID, textResult("ok"))
			}
		default:
			write(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"error":{"code":-32601,"message":"no method %s"}}`, msg.ID, msg.Method))
		}
	}
}
