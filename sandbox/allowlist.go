package sandbox

import "slices"

// allowed is the standard library a snippet may import: computation, text and encodings only.
// Nothing here reaches files, the network, processes, the environment or os.Exit. Left out on
// purpose: os, os/exec, net, net/http, syscall, unsafe, reflect, runtime, plugin, path/filepath,
// io/fs and io/ioutil (files, processes, escape hatches), log (Logger.Fatal exits the process),
// text/template and html/template ((*Template).ParseFiles reads files), flag, testing, crypto/rand.
// It is sorted.
var allowed = []string{
	"bufio", "bytes", "cmp", "container/heap", "container/list", "container/ring", "context",
	"crypto/hmac", "crypto/md5", "crypto/sha1", "crypto/sha256", "crypto/sha512",
	"encoding", "encoding/base32", "encoding/base64", "encoding/binary", "encoding/csv",
	"encoding/hex", "encoding/json", "encoding/xml", "errors", "fmt",
	"hash", "hash/adler32", "hash/crc32", "hash/crc64", "hash/fnv", "html", "io", "maps",
	"math", "math/big", "math/bits", "math/cmplx", "math/rand", "math/rand/v2", "net/url", "path",
	"regexp", "slices", "sort", "strconv", "strings", "sync", "sync/atomic", "text/tabwriter",
	"time", "unicode", "unicode/utf16", "unicode/utf8",
}

// AllowedStdlib returns the standard library packages a snippet may import, sorted. The caller
// owns the slice.
func AllowedStdlib() []string { return slices.Clone(allowed) }
