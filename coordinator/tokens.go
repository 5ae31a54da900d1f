package coordinator

import (
	"sync"

	"github.com/tiktoken-go/tokenizer"
)

var (
	o200kOnce sync.Once
	o200k     tokenizer.Codec
)

// CountTokens counts s in o200k tokens (Claude's own count runs about 1.1 to 1.2 times higher).
// Texts over 1 MiB are estimated at 4 bytes a token, to keep large tool results cheap to meter.
func CountTokens(s string) int {
	if len(s) > 1<<20 {
		return len(s) / 4
	}
	o200kOnce.Do(func() {
		c, err := tokenizer.Get(tokenizer.O200kBase)
		if err == nil {
			o200k = c
		}
	})
	if o200k == nil {
		return len(s) / 4
	}
	n, err := o200k.Count(s)
	if err != nil {
		return len(s) / 4
	}
	return n
}
