package main

import (
	"encoding/json"
	"fmt"
)

type temp float64

func (t temp) MarshalJSON() ([]byte, error) { return []byte(fmt.Sprintf(`"%.1fC"`, float64(t))), nil }

func main() {
	b, _ := json.Marshal(temp(21.5))
	fmt.Println(string(b))
}
// Error: compile line 10: method MarshalJSON would be ignored
// Hint: map[string]any
