package yaegirun

import (
	"encoding/json"
	"io"

	"github.com/mcp-coordinator/mcp-coordinator/mcp_tools"
	"github.com/mcp-coordinator/mcp-coordinator/sandbox/internal/prepare"
)

// warmProgram exercises the interpreter's common paths: a source package in the shape of a
// stub, a tool call, JSON, closures, goroutines, channels, methods, maps and formatting.
var warmProgram = &prepare.Program{
	Main: `package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"mcp_tools/warm"
)

type item struct {
	Name string ` + "`json:\"name\"`" + `
	N    int    ` + "`json:\"n\"`" + `
}

func (i item) String() string { return fmt.Sprintf("%s=%d", i.Name, i.N) }

func main() {
	r, err := warm.Echo(warm.EchoArgs{Message: "hi"})
	if err != nil {
		panic(err)
	}
	var items []item
	json.Unmarshal([]byte(` + "`[{\"name\":\"a\",\"n\":1}]`" + `), &items)
	m := map[string]int{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ch := make(chan int, 2)
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			mu.Lock()
			m[fmt.Sprint(i)] = i
			mu.Unlock()
			ch <- i
		}(i)
	}
	wg.Wait()
	close(ch)
	keys := []string{}
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b, _ := json.Marshal(items)
	fmt.Println(r.Text(), strings.Join(keys, ","), items[0], string(b), len(ch))
}
`,
	Files: map[string]string{"mcp_tools/warm/warm.go": `package warm

import "mcp_tools"

type EchoArgs struct {
	Message string ` + "`json:\"message\"`" + `
}

type EchoResult struct {
	Blocks []mcp_tools.Content ` + "`json:\"-\"`" + `
}

func (r *EchoResult) Text() string { return mcp_tools.Text(r.Blocks) }

func Echo(args EchoArgs) (*EchoResult, error) {
	out := &EchoResult{}
	res, err := mcp_tools.Call("warm", "echo", args, nil)
	if err != nil {
		return nil, err
	}
	out.Blocks = res.Content
	return out, nil
}
`},
}

// Warm runs a representative program in a throwaway interpreter, so that a fresh process has
// the interpreter's code paths and caches ready before a snippet arrives (a cold process spends
// about a millisecond on them otherwise). It installs and then removes its own transport: call
// it before installing the real one.
func Warm() {
	mcp_tools.SetTransport(func(server, tool string, args json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(`{"content":[{"type":"text","text":"hi"}]}`), nil
	})
	defer mcp_tools.SetTransport(nil)
	in, err := New(io.Discard, io.Discard)
	if err != nil {
		return
	}
	in.Run(warmProgram)
}
