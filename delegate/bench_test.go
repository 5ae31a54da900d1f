package delegate

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
)

// BenchmarkClientOverhead sets one chat completion through the Client (queueing, parsing,
// reasoning stripped, token counts) beside the same request as a raw HTTP POST, both against
// one local scripted server that answers at once: the difference is the client's own cost.
func BenchmarkClientOverhead(b *testing.B) {
	f := &fake{release: make(chan struct{})}
	srv := newFakeServer(f)
	defer srv.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := New(Config{Providers: []Provider{{BaseURL: srv.URL + "/v1", Models: map[Tier]string{Quality: "ok"}}}}, &Options{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	req := Request{Messages: []Message{{"system", codeSystem}, {"user", "Specification:\nfunc Add(a, b int) int\n"}}}
	body := []byte(`{"model":"ok","messages":[{"role":"system","content":"` + codeSystem + `"},{"role":"user","content":"Specification:\nfunc Add(a, b int) int\n"}],"stream":false}`)
	b.Run("raw HTTP", func(b *testing.B) {
		for b.Loop() {
			resp, err := http.Post(srv.URL+"/v1/chat/completions", "application/json", bytes.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	b.Run("client", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.Complete(context.Background(), req); err != nil {
				b.Fatal(err)
			}
		}
	})
}
