package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mcp-coordinator/mcp-coordinator/sandbox"
)

func TestError(t *testing.T) {
	base := errors.New("base")
	tests := []struct {
		err      *sandbox.Error
		want     string
		deadline bool
	}{
		{&sandbox.Error{Kind: sandbox.KindCompile, Line: 3, Msg: "undefined: x", Hint: "declare x"}, "compile error at line 3: undefined: x (hint: declare x)", false},
		{&sandbox.Error{Kind: sandbox.KindTimeout, Msg: "too slow", Err: context.DeadlineExceeded}, "timeout error: too slow", true},
		{&sandbox.Error{Kind: sandbox.KindTimeout, Msg: "CPU"}, "timeout error: CPU", true},
		{&sandbox.Error{Kind: sandbox.KindInternal, Err: base}, "internal error: base", false},
		{&sandbox.Error{Kind: sandbox.KindImport, Line: 1, Msg: "package os is not available"}, "import denied error at line 1: package os is not available", false},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if got := errors.Is(tt.err, context.DeadlineExceeded); got != tt.deadline {
			t.Errorf("errors.Is(%q, DeadlineExceeded) = %v, want %v", tt.want, got, tt.deadline)
		}
		wrapped := fmt.Errorf("run: %w", tt.err)
		if got := sandbox.KindOf(wrapped); got != tt.err.Kind {
			t.Errorf("KindOf(wrapped %q) = %q, want %q", tt.want, got, tt.err.Kind)
		}
	}
	if !errors.Is(tests[3].err, base) {
		t.Error("Unwrap does not reach the underlying error")
	}
	if sandbox.KindOf(base) != "" {
		t.Error("KindOf of a plain error is not empty")
	}
}

func TestLimits(t *testing.T) {
	def, max, err := sandbox.ConfigureLimits(sandbox.Limits{Timeout: 10 * time.Second}, sandbox.Limits{Timeout: time.Minute, MemoryBytes: 512 << 20})
	if err != nil {
		t.Fatal(err)
	}
	wantDef := sandbox.Limits{Timeout: 10 * time.Second, MemoryBytes: 256 << 20, OutputBytes: 1 << 20}
	wantMax := sandbox.Limits{Timeout: time.Minute, MemoryBytes: 512 << 20, OutputBytes: 1 << 20}
	if diff := cmp.Diff(wantDef, def); diff != "" {
		t.Errorf("default limits (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantMax, max); diff != "" {
		t.Errorf("max limits (-want +got):\n%s", diff)
	}
	tests := []struct {
		name string
		req  sandbox.Limits
		want sandbox.Limits
		bad  bool
	}{
		{"zero takes the defaults", sandbox.Limits{}, wantDef, false},
		{"lower", sandbox.Limits{Timeout: time.Second, MemoryBytes: 64 << 20}, sandbox.Limits{Timeout: time.Second, MemoryBytes: 64 << 20, OutputBytes: 1 << 20}, false},
		{"higher within max", sandbox.Limits{Timeout: time.Minute, MemoryBytes: 512 << 20}, sandbox.Limits{Timeout: time.Minute, MemoryBytes: 512 << 20, OutputBytes: 1 << 20}, false},
		{"timeout above max", sandbox.Limits{Timeout: time.Hour}, sandbox.Limits{}, true},
		{"memory above max", sandbox.Limits{MemoryBytes: 1 << 30}, sandbox.Limits{}, true},
		{"output above max", sandbox.Limits{OutputBytes: 2 << 20}, sandbox.Limits{}, true},
		{"negative", sandbox.Limits{Timeout: -time.Second}, sandbox.Limits{}, true},
		{"below the minimum", sandbox.Limits{MemoryBytes: 1 << 20}, sandbox.Limits{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sandbox.ResolveLimits(tt.req, def, max)
			if tt.bad {
				if sandbox.KindOf(err) != sandbox.KindLimits {
					t.Errorf("ResolveLimits = %v, want a %q error", err, sandbox.KindLimits)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("limits (-want +got):\n%s", diff)
			}
		})
	}
	if _, _, err := sandbox.ConfigureLimits(sandbox.Limits{MemoryBytes: 1 << 30}, sandbox.Limits{MemoryBytes: 512 << 20}); sandbox.KindOf(err) != sandbox.KindLimits {
		t.Errorf("a default above the max: %v, want a %q error", err, sandbox.KindLimits)
	}
}

func TestAllowlist(t *testing.T) {
	allowed := sandbox.AllowedStdlib()
	if !slices.IsSorted(allowed) {
		t.Errorf("the allowlist is not sorted: %v", allowed)
	}
	for _, denied := range []string{"os", "os/exec", "net", "net/http", "syscall", "unsafe", "reflect", "runtime", "plugin", "path/filepath", "io/fs", "io/ioutil", "log", "text/template", "html/template", "flag", "testing", "crypto/rand", "runtime/debug"} {
		if slices.Contains(allowed, denied) {
			t.Errorf("%s is allowed", denied)
		}
	}
	for _, p := range []string{"fmt", "encoding/json", "strings", "sync", "time"} {
		if !slices.Contains(allowed, p) {
			t.Errorf("%s is not allowed", p)
		}
	}
}
