package yaegirun

import (
	"bytes"
	"runtime"
	"strings"
)

// AllBlocked reports whether every goroutine running interpreted code is blocked on a channel,
// a select, a WaitGroup, a lock or a condition, and at least one is: what a deadlock looks like
// from outside (and a wait for something later, such as a long time.After, too). A goroutine
// that runs, sleeps or is in a system call is not blocked. The caller knows whether a tool
// call is in flight (one waits on a channel for its answer).
func AllBlocked() bool {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return allBlocked(buf[:n])
		}
		if len(buf) >= 8<<20 {
			return false // a stack dump this large is no deadlock to name
		}
		buf = make([]byte, 2*len(buf))
	}
}

// blockedStates are the goroutine states of runtime.Stack that wait for another goroutine.
var blockedStates = map[string]bool{
	"chan receive": true, "chan send": true, "chan receive (nil chan)": true, "chan send (nil chan)": true,
	"select": true, "select (no cases)": true, "sync.WaitGroup.Wait": true, "sync.Mutex.Lock": true,
	"sync.RWMutex.Lock": true, "sync.RWMutex.RLock": true, "sync.Cond.Wait": true, "semacquire": true,
}

// allBlocked is AllBlocked of a runtime.Stack dump of all goroutines.
func allBlocked(dump []byte) bool {
	interpreted := 0
	for _, g := range bytes.Split(dump, []byte("\n\n")) {
		if !bytes.Contains(g, []byte("yaegi/interp.runCfg")) {
			continue // not the snippet's: the interpreter's caller, the runner's own goroutines
		}
		interpreted++
		header, _, _ := bytes.Cut(g, []byte("\n")) // goroutine 7 [chan receive, 2 minutes]:
		_, state, ok := bytes.Cut(header, []byte(" ["))
		if !ok {
			return false
		}
		state = bytes.TrimSuffix(state, []byte("]:"))
		name, _, _ := strings.Cut(string(state), ",")
		if !blockedStates[name] {
			return false
		}
	}
	return interpreted > 0
}
