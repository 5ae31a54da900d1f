package skills

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/scanner"
	"go/token"
	"go/types"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/mcp-coordinator/mcp-coordinator/internal/textcap"
)

// nameRE is what a skill name looks like: a lowercase Go package name.
var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// validName reports whether name has the form of a skill name; it may still be reserved.
func validName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf(`a skill needs a name: a lowercase Go package name, such as "top_customers"`)
	case !nameRE.MatchString(name):
		return fmt.Errorf("skill name %q: use lowercase letters, digits and _, starting with a letter, at most 64 (it is the package name in import \"skills/<name>\")", name)
	}
	return nil
}

// checkName reports whether name may be given to a new skill: of the right form, and not the
// name of a standard package, a Go keyword or predeclared name, or the coordinator's own.
func checkName(name string) error {
	if err := validName(name); err != nil {
		return err
	}
	switch {
	case slices.Contains(stdNames, name):
		return fmt.Errorf("skill name %q is the name of a standard library package: snippets could not tell them apart; choose another", name)
	case token.IsKeyword(name), types.Universe.Lookup(name) != nil:
		return fmt.Errorf("skill name %q is a Go keyword or predeclared name; choose another", name)
	case name == "main" || name == "mcp_tools" || name == "skills" || name == "init":
		return fmt.Errorf("skill name %q is reserved; choose another", name)
	}
	if i := strings.LastIndexByte(name, '_'); i > 0 && slices.Contains(fileSuffixes, name[i+1:]) {
		return fmt.Errorf("skill name %q ends in _%s, which Go reads as a file for tests or one system only (%s.go would be skipped); choose another", name, name[i+1:], name)
	}
	return nil
}

// fileSuffixes are the endings of a Go file name (_test, _GOOS, _GOARCH) that build
// constraints read: <name>.go with one of them is skipped on some or all systems.
var fileSuffixes = strings.Fields(`test aix android darwin dragonfly freebsd hurd illumos ios js
linux nacl netbsd openbsd plan9 solaris wasip1 windows zos 386 amd64 arm arm64 loong64 mips
mipsle mips64 mips64le ppc64 ppc64le riscv64 s390x wasm`)

// stdNames are the last elements of the standard library's import paths (go list std, Go 1.26,
// without internal and vendor): a skill of such a name would shadow, or be shadowed by, the
// package in a snippet that uses both without import lines.
var stdNames = strings.Fields(`adler32 aes ascii85 asn1 ast atomic base32 base64 big binary bits
bufio build buildinfo bytes bzip2 cgi cgo cipher cmp cmplx color comment constant constraint
context cookiejar coverage crc32 crc64 crypto cryptotest csv debug des doc draw driver dsa dwarf
ecdh ecdsa ed25519 elf elliptic embed encoding errors exec expvar fcgi filepath fips140 flag
flate fmt fnv format fs fstest gif gob gosym gzip hash heap hex hkdf hmac hpke html http
httptest httptrace httputil image importer io iotest ioutil iter jpeg json jsonrpc list log lzw
macho mail maphash maps math md5 metrics mime mlkem mlkemtest multipart net netip os palette
parse parser path pbkdf2 pe pem pkix plan9obj plugin png pprof printer quick quotedprintable
race rand rc4 reflect regexp ring rpc rsa runtime scanner sha1 sha256 sha3 sha512 signal slices
slog slogtest smtp sort sql strconv strings structs subtle suffixarray sync synctest syntax
syscall syslog tabwriter tar template testing textproto time tls token trace types tzdata
unicode unique unsafe url user utf16 utf8 version weak x509 xml zip zlib`)

// parsed is what a skill's source declares.
type parsed struct {
	doc     string   // first sentence of the package comment
	funcs   []Func   // exported functions
	imports []string // stub and skill import paths
	lines   map[string]int
}

// lineError is a problem at a line of a skill's source.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string {
	if e.line > 0 {
		return fmt.Sprintf("line %d: %s", e.line, e.msg)
	}
	return e.msg
}

// sources turns the code a model gave for skill name into the source to check and the
// source to store. A package clause of another name is renamed, and a missing one added; an
// import is added for each package the code uses as x.Y without importing or declaring x, when
// x is one of known (package name -> import path), as a snippet gets them. The source to check
// keeps the model's line numbers: added text goes on the package clause's line, or on a line of
// its own followed by a //line directive. The source to store has no directive.
func sources(name, code string, known map[string]string) (check, store string) {
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(code))
	var sc scanner.Scanner
	sc.Init(file, []byte(code), nil, 0)
	if _, tok, _ := sc.Scan(); tok == token.PACKAGE {
		pos, tok, lit := sc.Scan()
		if tok != token.IDENT {
			return code, code // a syntax error the parser reports
		}
		off := file.Offset(pos)
		src := code[:off] + name + code[off+len(lit):]
		end := off + len(name)
		src = src[:end] + importDecl(src, known) + src[end:]
		return src, src
	}
	directive := "\n//line " + name + ".go:1\n"
	head := "package " + name
	head += importDecl(head+directive+code, known)
	return head + directive + code, head + "\n" + code
}

// importDecl returns "; import (...)" with the imports src lacks (see sources), or "".
func importDecl(src string, known map[string]string) string {
	f, err := parser.ParseFile(token.NewFileSet(), "", src, 0)
	if err != nil {
		return ""
	}
	have := map[string]bool{}
	for _, is := range f.Imports {
		ip, _ := strconv.Unquote(is.Path.Value)
		if is.Name != nil {
			have[is.Name.Name] = true
		} else {
			have[path.Base(ip)] = true
		}
	}
	unresolved := map[*ast.Ident]bool{}
	for _, id := range f.Unresolved {
		unresolved[id] = true
	}
	var add []string
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && unresolved[id] && !have[id.Name] && known[id.Name] != "" {
				have[id.Name] = true
				add = append(add, strconv.Quote(known[id.Name]))
			}
		}
		return true
	})
	if len(add) == 0 {
		return ""
	}
	slices.Sort(add)
	if len(add) == 1 {
		return "; import " + add[0]
	}
	return "; import (" + strings.Join(add, "; ") + ")"
}

// parseSkill parses the source of skill name and describes it. It fails, with the line, on a
// syntax error, a package clause of another name, no exported function, or an import of the
// skill itself.
func parseSkill(name, src string) (*parsed, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name+".go", src, parser.ParseComments)
	if err != nil {
		if list, ok := err.(scanner.ErrorList); ok && len(list) > 0 {
			return nil, &lineError{list[0].Pos.Line, "syntax error: " + list[0].Msg}
		}
		return nil, err
	}
	if f.Name.Name != name {
		return nil, &lineError{fset.Position(f.Name.Pos()).Line, fmt.Sprintf("the package is %s: a skill named %s is package %s", f.Name.Name, name, name)}
	}
	p := &parsed{lines: map[string]int{}}
	if f.Doc != nil {
		p.doc = firstSentence(f.Doc.Text())
	}
	for _, is := range f.Imports {
		ip, _ := strconv.Unquote(is.Path.Value)
		p.lines[ip] = fset.Position(is.Pos()).Line
		if ip == "skills/"+name {
			return nil, &lineError{p.lines[ip], "a skill cannot import itself"}
		}
		if strings.HasPrefix(ip, "mcp_tools/") || strings.HasPrefix(ip, "skills/") {
			p.imports = append(p.imports, ip)
		}
	}
	slices.Sort(p.imports)
	if err := packageLevelCalls(fset, f); err != nil {
		return nil, err
	}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv != nil || !fd.Name.IsExported() {
			continue
		}
		sig := *fd
		sig.Body, sig.Doc = nil, nil
		var b bytes.Buffer
		if err := printer.Fprint(&b, fset, &sig); err != nil {
			return nil, err
		}
		fn := Func{Name: fd.Name.Name, Signature: strings.Join(strings.Fields(b.String()), " ")}
		if fd.Doc != nil {
			fn.Doc = firstSentence(fd.Doc.Text())
		}
		p.funcs = append(p.funcs, fn)
	}
	if len(p.funcs) == 0 {
		return nil, &lineError{0, "the code exports no function: a skill offers at least one exported function (a capitalised name, with a doc comment) for snippets to call"}
	}
	return p, nil
}

// packageLevelCalls refuses the code of f that would run when the skill is imported, at every
// snippet and every check, rather than when a function is called: an init function, and a
// package-level variable initialised by a call to a tool package, the runtime, another skill,
// a function of the skill itself or a function literal. Calls into the standard library
// (regexp.MustCompile) stay allowed.
func packageLevelCalls(fset *token.FileSet, f *ast.File) error {
	ours := map[string]bool{}
	for _, is := range f.Imports {
		ip, _ := strconv.Unquote(is.Path.Value)
		if ip != "mcp_tools" && !strings.HasPrefix(ip, "mcp_tools/") && !strings.HasPrefix(ip, "skills/") {
			continue
		}
		if is.Name != nil {
			ours[is.Name.Name] = true
		} else {
			ours[path.Base(ip)] = true
		}
	}
	const why = "code outside functions runs at every import of the skill (each snippet, each check): move it into a function"
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.Name == "init" {
				return &lineError{fset.Position(d.Pos()).Line, "a skill has no init function: " + why}
			}
		case *ast.GenDecl:
			if d.Tok != token.VAR {
				continue
			}
			var bad ast.Node
			ast.Inspect(d, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || bad != nil {
					return bad == nil
				}
				switch fn := call.Fun.(type) {
				case *ast.FuncLit:
					bad = call
				case *ast.Ident:
					if types.Universe.Lookup(fn.Name) == nil { // make, len, int(x) stay allowed
						bad = call
					}
				case *ast.SelectorExpr:
					if x, ok := fn.X.(*ast.Ident); ok && ours[x.Name] {
						bad = call
					}
				}
				return bad == nil
			})
			if bad != nil {
				return &lineError{fset.Position(bad.Pos()).Line, "a package-level variable calls a tool, a skill or a function of its own: " + why}
			}
		}
	}
	return nil
}

// firstSentence is the first sentence of a doc comment, on one line.
func firstSentence(text string) string {
	var p doc.Package
	return textcap.OneLine(p.Synopsis(text), 200)
}

// stubPackage reports whether ip is a stub package import path, and returns its name.
func stubPackage(ip string) (string, bool) {
	if strings.HasPrefix(ip, "mcp_tools/") {
		return path.Base(ip), true
	}
	return "", false
}
