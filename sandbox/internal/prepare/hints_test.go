package prepare

import (
	"fmt"
	"testing"
)

func TestFuncsHint(t *testing.T) {
	many := make([]string, 30)
	for i := range many {
		many[i] = fmt.Sprintf("Tool%02d", i)
	}
	tests := []struct {
		funcs []string
		name  string
		want  string
	}{
		{[]string{"ListProducts"}, "GetProducts", "its functions: ListProducts"},
		{[]string{"ListProducts", "Search"}, "Products", "did you mean ListProducts?"},
		{[]string{"ReadFile", "ReadTextFile", "WriteFile"}, "ReadFil", "did you mean ReadFile?"},
		{many, "Frobnicate", "list_tools shows its 30 functions, get_tool their types"},
		{many, "Tool1", "list_tools shows its 30 functions, get_tool their types"}, // too many alike
		{nil, "X", "it has no functions"},
	}
	for _, tt := range tests {
		if got := funcsHint(tt.funcs, tt.name); got != tt.want {
			t.Errorf("funcsHint(%d funcs, %q) = %q, want %q", len(tt.funcs), tt.name, got, tt.want)
		}
	}
}
