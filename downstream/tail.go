package downstream

import (
	"bytes"
	"strings"
	"sync"
	"unicode"
)

// tailBuffer keeps the last size bytes written to it: a stdio server's stderr, so that a
// failure can be explained with what the server said last. It is safe for concurrent use.
type tailBuffer struct {
	mu   sync.Mutex
	size int
	buf  []byte
}

const stderrKeep = 16 << 10 // bytes of stderr kept per server

func newTailBuffer(size int) *tailBuffer { return &tailBuffer{size: size} }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	if len(p) >= t.size {
		p = p[len(p)-t.size:]
		t.buf = append(t.buf[:0], p...)
		return n, nil
	}
	if over := len(t.buf) + len(p) - t.size; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	t.buf = append(t.buf, p...)
	return n, nil
}

// Tail returns the last few non-empty lines, joined by " | " on one line and cut to about
// maxLen characters from the end; "" when nothing was written.
func (t *tailBuffer) Tail(lines, maxLen int) string {
	t.mu.Lock()
	data := bytes.Clone(t.buf)
	t.mu.Unlock()
	var kept []string
	for _, l := range strings.Split(strings.ToValidUTF8(string(data), "?"), "\n") {
		l = strings.TrimSpace(strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return ' '
			}
			return r
		}, l))
		if l != "" {
			kept = append(kept, l)
		}
	}
	if len(kept) > lines {
		kept = kept[len(kept)-lines:]
	}
	s := strings.Join(kept, " | ")
	if r := []rune(s); len(r) > maxLen {
		s = "..." + string(r[len(r)-maxLen:])
	}
	return s
}
