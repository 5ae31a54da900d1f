import (
	"encoding/json"
	"fmt"

	"mcp_tools/demo"
)

r, err := demo.Add(demo.AddArgs{A: 2, B: 3.5, Label: mcp_tools.String("total")})
if err != nil {
	panic(err)
}
fmt.Println(r.Sum, r.Label, r.Text())
b, _ := json.Marshal(r)
fmt.Println(string(b))
var back demo.AddResult
if err := json.Unmarshal([]byte(`{"sum": 7, "label": "x"}`), &back); err != nil {
	panic(err)
}
fmt.Println(back.Sum+1, back.Label)
type row struct {
	Name  string   `json:"name"`
	Tags  []string `json:"tags,omitempty"`
	Score *int     `json:"score,omitempty"`
}
var rows []row
json.Unmarshal([]byte(`[{"name":"a","tags":["x"]},{"name":"b","score":3}]`), &rows)
fmt.Println(len(rows), rows[0].Tags, *rows[1].Score)
out, _ := json.MarshalIndent(map[string]any{"n": 1, "ok": true}, "", " ")
fmt.Println(string(out))
// Output:
// 5.5 total 5.5
// {"sum":5.5,"label":"total"}
// 8 x
// 2 [x] 3
// {
//  "n": 1,
//  "ok": true
// }
