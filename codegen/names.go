package codegen

import (
	"go/token"
	"strconv"
	"strings"
)

// PackageName maps an MCP config key to the name of its Go package and the last element of its
// import path mcp_tools/<name>: the key is lowercased, each run of characters outside [a-z0-9]
// becomes "_", and leading and trailing "_" are trimmed. An empty result becomes "server"; a result
// that is not an importable package name (it starts with a digit, or it is a Go keyword, "main" or
// "init") gets a "t" prefix: "1password" -> "t1password", "go" -> "tgo".
func PackageName(serverKey string) string {
	var b strings.Builder
	sep := false
	for _, r := range strings.ToLower(serverKey) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if sep && b.Len() > 0 {
				b.WriteByte('_')
			}
			sep = false
			b.WriteRune(r)
			continue
		}
		sep = true
	}
	name := b.String()
	switch {
	case name == "":
		return "server"
	case name[0] >= '0' && name[0] <= '9', token.IsKeyword(name), name == "main", name == "init":
		return "t" + name
	}
	return name
}

// GoName maps a tool or property name to an exported Go identifier. The name is split into words at
// every character outside [A-Za-z0-9] and at each lower-to-upper case step; each word is capitalised
// and the words are joined: "read_text_file" -> "ReadTextFile", "get-sum" -> "GetSum",
// "greet (structured)" -> "GreetStructured", "getTinyImage" -> "GetTinyImage", "ID" -> "ID".
// A leading digit gets a "T" prefix ("2fa" -> "T2fa"); a name without letters or digits maps to "X".
// GoName does not resolve clashes: [Generate] adds a "2", "3" suffix where two names meet.
func GoName(name string) string {
	s := joinWords(name)
	switch {
	case s == "":
		return "X"
	case s[0] >= '0' && s[0] <= '9':
		return "T" + s
	}
	return s
}

// joinWords splits name into words as GoName describes and joins them capitalised.
func joinWords(name string) string {
	var b strings.Builder
	wordStart := true
	var prev byte
	for i := 0; i < len(name); i++ {
		c := name[i]
		isLower := c >= 'a' && c <= 'z'
		isUpper := c >= 'A' && c <= 'Z'
		isDigit := c >= '0' && c <= '9'
		if !isLower && !isUpper && !isDigit {
			wordStart = true
			prev = 0
			continue
		}
		if isUpper && prev >= 'a' && prev <= 'z' {
			wordStart = true
		}
		if wordStart && isLower {
			c -= 'a' - 'A'
		}
		b.WriteByte(c)
		wordStart = false
		prev = name[i]
	}
	return b.String()
}

// valueName turns an enum value into the suffix of its constant's name.
func valueName(v any) string {
	switch v := v.(type) {
	case string:
		if s := joinWords(v); s != "" {
			return s
		}
		return "Empty"
	case interface{ String() string }: // json.Number
		return numberName(v.String())
	}
	return "Value"
}

func numberName(s string) string {
	r := strings.NewReplacer("-", "Neg", "+", "", ".", "P", "e", "E")
	return r.Replace(s)
}

// namespace hands out unique identifiers: the first claim of a name gets it as is, later claims get
// a "2", "3", ... suffix.
type namespace struct {
	used map[string]bool
}

func newNamespace(reserved ...string) *namespace {
	ns := &namespace{used: map[string]bool{}}
	for _, r := range reserved {
		ns.used[r] = true
	}
	return ns
}

func (ns *namespace) taken(name string) bool { return ns.used[name] }

// claim returns name, or name with the smallest suffix from 2 up that is still free, and marks it used.
func (ns *namespace) claim(name string) string {
	if !ns.used[name] {
		ns.used[name] = true
		return name
	}
	for i := 2; ; i++ {
		n := name + strconv.Itoa(i)
		if !ns.used[n] {
			ns.used[n] = true
			return n
		}
	}
}
