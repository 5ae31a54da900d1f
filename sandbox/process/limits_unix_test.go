//go:build linux || darwin

package process

import (
	"testing"
	"time"
)

func TestCPULimit(t *testing.T) {
	tests := []struct {
		used, timeout time.Duration
		want          uint64
	}{
		{0, 3 * time.Second, 4},
		{300 * time.Millisecond, 3 * time.Second, 5},
		{0, 300 * time.Millisecond, 2},
		{time.Second, 30 * time.Second, 32},
		{1500 * time.Millisecond, 30 * time.Second, 33},
	}
	for _, tt := range tests {
		if got := cpuLimit(tt.used, tt.timeout); got != tt.want {
			t.Errorf("cpuLimit(%s used, %s timeout) = %d s, want %d s", tt.used, tt.timeout, got, tt.want)
		}
	}
}
