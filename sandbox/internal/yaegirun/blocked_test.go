package yaegirun

import "testing"

func TestAllBlocked(t *testing.T) {
	const (
		caller   = "goroutine 7 [select]:\ngithub.com/traefik/yaegi/interp.(*Interpreter).EvalWithContext(0x1)\n\t/x/interp.go:1"
		runner   = "goroutine 3 [IO wait]:\ninternal/poll.runtime_pollWait(0x1)\n\t/x/netpoll.go:1"
		recv     = "goroutine 9 [select]:\ngithub.com/traefik/yaegi/interp.recv.func2(0x1)\ngithub.com/traefik/yaegi/interp.runCfg(0x1)\n\t/x/run.go:1"
		wg       = "goroutine 8 [sync.WaitGroup.Wait, 2 minutes]:\nsync.(*WaitGroup).Wait(0x1)\ngithub.com/traefik/yaegi/interp.runCfg(0x1)"
		sleeping = "goroutine 10 [sleep]:\ntime.Sleep(0x1)\ngithub.com/traefik/yaegi/interp.runCfg(0x1)"
		running  = "goroutine 11 [running]:\ngithub.com/traefik/yaegi/interp.runCfg(0x1)"
	)
	join := func(gs ...string) []byte {
		out := ""
		for i, g := range gs {
			if i > 0 {
				out += "\n\n"
			}
			out += g
		}
		return []byte(out + "\n")
	}
	tests := []struct {
		name string
		dump []byte
		want bool
	}{
		{"a receive nobody sends to", join(runner, caller, recv), true},
		{"a receive and a WaitGroup", join(caller, recv, wg), true},
		{"one sleeps", join(caller, recv, sleeping), false},
		{"one runs", join(caller, running, wg), false},
		{"no interpreted goroutine", join(caller, runner), false},
	}
	for _, tt := range tests {
		if got := allBlocked(tt.dump); got != tt.want {
			t.Errorf("%s: allBlocked = %v, want %v", tt.name, got, tt.want)
		}
	}
}
