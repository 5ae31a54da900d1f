// Package mcp_tools is the runtime that generated stub packages import.
//
// A generated package mcp_tools/<server> turns each of the server's tools into a typed Go function
// that calls [Call]. Inside the sandbox the call travels to the coordinator, which alone holds the
// server sessions; outside the sandbox (when a workspace is type-checked or built with the Go
// toolchain) no transport is installed and [Call] returns [ErrNoTransport].
//
// The package uses the standard library only, so that it compiles everywhere the stubs do: the
// coordinator copies this file into <workspace>/mcp_tools/ beside the generated packages.
//
// # Optional arguments
//
// Optional scalar arguments are pointers. Fill them with the typed helpers [String], [Int], [Float]
// and [Bool]; for an optional object write &T{...}. (There is no generic Ptr: the sandbox's
// interpreter cannot mix a generic source function into a compiled package.)
//
//	filesystem.ReadTextFile(filesystem.ReadTextFileArgs{Path: "/tmp/app.log", Tail: mcp_tools.Float(20)})
//
// # Results
//
// A tool with an output schema returns typed fields decoded from its structuredContent. When
// the content does not fit the generated type (a server drifting from its schema), the call
// still succeeds: the fields that fit are set, Blocks and Text() hold the full result, and the
// mismatch is noted once per tool on the run's stderr.
//
// # Errors
//
// A tool that reports an error (isError in the MCP result) comes back as a *[ToolError]; a failure to
// reach the server or tool comes back as a *[CallError] with a Kind. [ErrorKind] tells them apart
// in one call, through wrapping too:
//
//	if mcp_tools.ErrorKind(err) == mcp_tools.KindUnavailable { ... }
//
// errors.Is against [ErrToolFailed] works as well; errors.As into these types is not available
// in the sandbox.
//
// # Resources, prompts, showing and progress
//
// [ListResources], [ReadResource], [ListPrompts] and [GetPrompt] read a server's resources and
// prompts as a tool call would. [Show] hands content blocks (from a result's Blocks, or made
// with [Image] and [TextBlock]) to the model after the snippet's output; [Progress] reports
// progress to the client:
//
//	img, _ := everything.GetTinyImage(everything.GetTinyImageArgs{})
//	mcp_tools.Show(img.Blocks...)
//
// [Content.AsText] and [Content.Bytes] read any block, an embedded resource included.
package mcp_tools

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
)

// Content is one content block of a tool result: text, image, audio, a resource link or an
// embedded resource. Only the fields of its Type are set.
type Content struct {
	Type     string           `json:"type"`
	Text     string           `json:"text,omitempty"`
	Data     string           `json:"data,omitempty"` // base64, for image and audio
	MimeType string           `json:"mimeType,omitempty"`
	URI      string           `json:"uri,omitempty"` // for resource_link
	Name     string           `json:"name,omitempty"`
	Resource ResourceContents `json:"resource,omitzero"` // for resource: the embedded resource
}

// AsText returns the text of a block: the text of a text block or of an embedded text
// resource, "" for any other block.
func (c Content) AsText() string {
	switch c.Type {
	case "resource":
		return c.Resource.Text
	case "text", "":
		return c.Text
	}
	return ""
}

// Bytes returns the data of a block: the decoded data of an image or audio block, the blob or
// the text of an embedded resource, the text of a text block; nil for any other block or data
// that is not valid base64.
func (c Content) Bytes() []byte {
	switch c.Type {
	case "image", "audio":
		b, err := base64.StdEncoding.DecodeString(c.Data)
		if err != nil {
			return nil
		}
		return b
	case "resource":
		if c.Resource.Blob != nil {
			return c.Resource.Blob
		}
		return []byte(c.Resource.Text)
	case "text", "":
		return []byte(c.Text)
	}
	return nil
}

// ResourceContents is the content of a resource, as ReadResource returns it and as a resource
// block embeds it: Text for a text resource, Blob (decoded from base64) for a binary one.
type ResourceContents struct {
	URI      string `json:"uri"`
	MimeType string `json:"mimeType,omitempty"`
	Text     string `json:"text,omitempty"`
	Blob     []byte `json:"blob,omitempty"`
}

// Result is a tool's answer as it arrived from the server.
type Result struct {
	// Content holds the unstructured content blocks.
	Content []Content `json:"content"`
	// Structured is the raw structuredContent, or nil when the tool sent none.
	Structured json.RawMessage `json:"structuredContent,omitempty"`
	// IsError is true when the tool reported a failure; Call turns such a result into a *ToolError.
	IsError bool `json:"isError,omitempty"`
}

// Text returns the text of all text content blocks, joined by newlines.
func (r *Result) Text() string {
	if r == nil {
		return ""
	}
	return Text(r.Content)
}

// Text returns the text of the text blocks and embedded text resources in content, joined by
// newlines.
func Text(content []Content) string {
	var b strings.Builder
	for _, c := range content {
		if c.Type != "text" && c.Type != "" && (c.Type != "resource" || c.Resource.Text == "") {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(c.AsText())
	}
	return b.String()
}

// ErrToolFailed matches every *ToolError with errors.Is.
var ErrToolFailed = errors.New("tool failed")

// ErrNoTransport is returned by Call when no transport is installed: outside the sandbox.
var ErrNoTransport = errors.New("mcp_tools: no transport: tool calls work only inside mcp-coordinator")

// ToolError is a tool's own report of failure (an MCP result with isError set).
type ToolError struct {
	Server, Tool string
	// Message is the text the tool returned.
	Message string
	// Content is the full content the tool returned.
	Content []Content
}

func (e *ToolError) Error() string {
	return fmt.Sprintf("%s.%s: %s", e.Server, e.Tool, e.Message)
}

// Is reports whether target is ErrToolFailed.
func (e *ToolError) Is(target error) bool { return target == ErrToolFailed }

// The kinds of failure [ErrorKind] reports.
const (
	// KindTool: the tool ran and reported an error (a *ToolError).
	KindTool = "tool error"
	// KindUnknownServer and KindUnknownTool: no such server is configured, or it has no such tool.
	KindUnknownServer = "unknown server"
	KindUnknownTool   = "unknown tool"
	// KindUnavailable: the server failed to start, exited or was removed.
	KindUnavailable = "server unavailable"
	// KindTimeout: no answer in time (the run's deadline or the server's call timeout).
	KindTimeout = "timeout"
	// KindCanceled: the run ended, or the call was cancelled, before the answer came.
	KindCanceled = "canceled"
	// KindProtocol: the server rejected the call (invalid arguments, say) or answered
	// something that is not a tool result.
	KindProtocol = "protocol error"
	// KindInvalid: the call itself could not be made: its arguments do not encode, or it is
	// too large.
	KindInvalid = "invalid call"
)

// CallError is a failure to complete a call; Kind says which (one of the Kind constants).
type CallError struct {
	Server, Tool string
	Kind         string
	Message      string
}

// ErrorKind returns the kind of err: KindTool for a tool's own failure, the Kind of a
// *CallError, found through wrapping; "" for nil or any other error.
func ErrorKind(err error) string {
	var te *ToolError
	var ce *CallError
	switch {
	case errors.As(err, &te):
		return KindTool
	case errors.As(err, &ce):
		return ce.Kind
	}
	return ""
}

func (e *CallError) Error() string {
	return fmt.Sprintf("calling %s.%s: %s", e.Server, e.Tool, e.Message)
}

// Transport carries one call to the coordinator: it receives the arguments as a JSON object and
// returns the MCP CallToolResult as JSON, or an error when the call could not be completed.
// It must be safe for concurrent use.
type Transport func(server, tool string, args json.RawMessage) (json.RawMessage, error)

var transport atomic.Pointer[Transport]

// SetTransport installs the transport used by Call. The sandbox runner calls it once before a
// snippet runs; snippets cannot reach it.
func SetTransport(t Transport) {
	if t == nil {
		transport.Store(nil)
		return
	}
	transport.Store(&t)
}

// Call invokes tool on server. args is marshalled to a JSON object (nil sends {}). When structured
// is non-nil and the server sent structuredContent, it is decoded into structured. A
// structuredContent that does not fit structured never fails the call: the fields that fit are
// set, the Result keeps the full content, and the mismatch is noted once per tool (see
// [SetNotes]). A tool-reported failure is returned as a *ToolError, any other failure as a
// *CallError.
// Call is safe for concurrent use.
func Call(server, tool string, args any, structured any) (*Result, error) {
	t := transport.Load()
	if t == nil {
		return nil, ErrNoTransport
	}
	raw := json.RawMessage("{}")
	if args != nil {
		b, err := json.Marshal(args)
		if err != nil {
			return nil, &CallError{Server: server, Tool: tool, Kind: KindInvalid, Message: "encoding arguments: " + err.Error()}
		}
		if string(b) != "null" {
			raw = b
		}
	}
	out, err := (*t)(server, tool, raw)
	if err != nil {
		var ce *CallError
		if errors.As(err, &ce) {
			return nil, ce
		}
		return nil, &CallError{Server: server, Tool: tool, Kind: KindProtocol, Message: err.Error()}
	}
	var res Result
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, &CallError{Server: server, Tool: tool, Kind: KindProtocol, Message: "decoding result: " + err.Error()}
	}
	if res.IsError {
		msg := res.Text()
		if msg == "" {
			msg = "the tool reported an error without a message"
		}
		return nil, &ToolError{Server: server, Tool: tool, Message: msg, Content: res.Content}
	}
	if structured != nil && len(res.Structured) > 0 && string(res.Structured) != "null" {
		// encoding/json goes on past a value of the wrong type and fills what fits; whatever
		// the error, the call stands, with the fields that decoded and the full content.
		if err := json.Unmarshal(res.Structured, structured); err != nil {
			noteMismatch(server, tool, err)
		}
	}
	return &res, nil
}

// SetNotes installs the receiver of the runtime's notes: one line each, without a newline, for
// whoever reads the snippet's output, such as a structuredContent that did not fit its result
// type. Each (server, tool) gets at most one note until the next SetNotes. nil drops notes.
// The sandbox runner calls it once before a snippet runs; snippets cannot reach it.
func SetNotes(n func(note string)) {
	notes.mu.Lock()
	defer notes.mu.Unlock()
	notes.send = n
	notes.sent = map[string]bool{}
}

var notes struct {
	mu   sync.Mutex
	send func(string)
	sent map[string]bool // server NUL tool
}

// maxNoteDetail bounds the part of a note that quotes the decoder.
const maxNoteDetail = 200

// noteMismatch notes, once per tool, that its structuredContent did not fit the result type.
func noteMismatch(server, tool string, err error) {
	notes.mu.Lock()
	key := server + "\x00" + tool
	send := notes.send
	if send == nil || notes.sent[key] {
		notes.mu.Unlock()
		return
	}
	notes.sent[key] = true
	notes.mu.Unlock()
	detail := err.Error()
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Type != nil {
		want := te.Type.String()
		if te.Type.Name() == "" {
			want = map[reflect.Kind]string{reflect.Struct: "an object", reflect.Map: "an object", reflect.Slice: "an array", reflect.Array: "an array", reflect.Pointer: "a value"}[te.Type.Kind()]
			if want == "" {
				want = te.Type.Kind().String()
			}
		}
		detail = fmt.Sprintf("%s where the type has %s", te.Value, want)
		if te.Field != "" {
			detail = "at " + te.Field + ": " + detail
		}
	}
	if len(detail) > maxNoteDetail {
		detail = strings.ToValidUTF8(detail[:maxNoteDetail], "") + "..."
	}
	send(fmt.Sprintf("note: %s.%s: structuredContent does not fit the result type (%s); the fields that fit are set and Text() has the full result", server, tool, detail))
}

// String returns a pointer to s, for optional string arguments.
func String(s string) *string { return &s }

// Int returns a pointer to i, for optional integer arguments.
func Int(i int64) *int64 { return &i }

// Float returns a pointer to f, for optional number arguments.
func Float(f float64) *float64 { return &f }

// Bool returns a pointer to b, for optional boolean arguments.
func Bool(b bool) *bool { return &b }

// Host is what the sandbox runner offers snippets beyond tool calls. A nil field makes the
// calls that need it fail with ErrNoTransport (Progress does nothing). Each function must be
// safe for concurrent use.
type Host struct {
	// Request sends an MCP request other than a tool call to server: method is one of
	// "resources/list", "resources/read", "prompts/list" and "prompts/get", params its JSON
	// parameters. It returns the result as JSON.
	Request func(server, method string, params json.RawMessage) (json.RawMessage, error)
	// Show hands one content block (JSON) to the model with the run's output.
	Show func(block json.RawMessage) error
	// Progress reports the snippet's progress to the client.
	Progress func(message string)
}

var host atomic.Pointer[Host]

// SetHost installs the runner's host functions; nil removes them. The sandbox runner calls it
// once before a snippet runs; snippets cannot reach it.
func SetHost(h *Host) {
	host.Store(h)
	shown.Store(0)
}

// Resource is one resource a server offers (resources/list).
type Resource struct {
	URI         string `json:"uri"`
	Name        string `json:"name"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	MimeType    string `json:"mimeType,omitempty"`
	Size        int64  `json:"size,omitempty"`
}

// Prompt is one prompt a server offers (prompts/list).
type Prompt struct {
	Name        string           `json:"name"`
	Title       string           `json:"title,omitempty"`
	Description string           `json:"description,omitempty"`
	Arguments   []PromptArgument `json:"arguments,omitempty"`
}

// PromptArgument is an argument that a prompt takes.
type PromptArgument struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Required    bool   `json:"required,omitempty"`
}

// PromptMessage is one message of a prompt: Role is "user" or "assistant".
type PromptMessage struct {
	Role    string  `json:"role"`
	Content Content `json:"content"`
}

// PromptResult is a prompt filled in with its arguments (prompts/get).
type PromptResult struct {
	Description string          `json:"description,omitempty"`
	Messages    []PromptMessage `json:"messages"`
}

// Text returns the text of the prompt's messages, joined by newlines.
func (r *PromptResult) Text() string {
	if r == nil {
		return ""
	}
	var content []Content
	for _, m := range r.Messages {
		content = append(content, m.Content)
	}
	return Text(content)
}

// request sends method to server and decodes its result into out. Failures are *CallError
// values whose Tool is the method.
func request(server, method string, params any, out any) error {
	h := host.Load()
	if h == nil || h.Request == nil {
		return ErrNoTransport
	}
	raw, err := json.Marshal(params)
	if err != nil {
		return &CallError{Server: server, Tool: method, Kind: KindInvalid, Message: "encoding the parameters: " + err.Error()}
	}
	res, err := h.Request(server, method, raw)
	if err != nil {
		var ce *CallError
		if errors.As(err, &ce) {
			return ce
		}
		return &CallError{Server: server, Tool: method, Kind: KindProtocol, Message: err.Error()}
	}
	if err := json.Unmarshal(res, out); err != nil {
		return &CallError{Server: server, Tool: method, Kind: KindProtocol, Message: "decoding the result: " + err.Error()}
	}
	return nil
}

// ListResources returns the resources that server offers, all pages of them.
func ListResources(server string) ([]Resource, error) {
	var res struct {
		Resources []Resource `json:"resources"`
	}
	err := request(server, "resources/list", struct{}{}, &res)
	return res.Resources, err
}

// ReadResource reads the resource at uri from server: usually one ResourceContents, with Text
// or Blob set.
func ReadResource(server, uri string) ([]ResourceContents, error) {
	var res struct {
		Contents []ResourceContents `json:"contents"`
	}
	err := request(server, "resources/read", map[string]string{"uri": uri}, &res)
	return res.Contents, err
}

// ListPrompts returns the prompts that server offers, all pages of them.
func ListPrompts(server string) ([]Prompt, error) {
	var res struct {
		Prompts []Prompt `json:"prompts"`
	}
	err := request(server, "prompts/list", struct{}{}, &res)
	return res.Prompts, err
}

// GetPrompt returns server's prompt name filled in with args (nil for none).
func GetPrompt(server, name string, args map[string]string) (*PromptResult, error) {
	var res PromptResult
	if err := request(server, "prompts/get", map[string]any{"name": name, "arguments": args}, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// The bounds of Show: a run shows at most MaxShowBlocks blocks, each of at most MaxShowBytes
// of data (an image's decoded bytes, a text's bytes).
const (
	MaxShowBlocks = 4
	MaxShowBytes  = 1 << 20
)

var shown atomic.Int32

// Show hands content blocks to the model: they follow the run's printed output in
// execute_code's result, in the order shown. Pass blocks from a tool's result (Blocks), or make
// them with [Image] and [TextBlock]. A run may show at most [MaxShowBlocks] blocks of at most
// [MaxShowBytes] each; a block over either bound, or of an unknown type, is an error of kind
// KindInvalid, and the blocks before it are still shown.
func Show(blocks ...Content) error {
	h := host.Load()
	if h == nil || h.Show == nil {
		return ErrNoTransport
	}
	for _, b := range blocks {
		switch b.Type {
		case "text", "image", "audio", "resource", "resource_link":
		default:
			return &CallError{Tool: "Show", Kind: KindInvalid, Message: fmt.Sprintf("a block of type %q cannot be shown: use text, image, audio, resource or resource_link", b.Type)}
		}
		if n := showSize(b); n > MaxShowBytes {
			return &CallError{Tool: "Show", Kind: KindInvalid, Message: fmt.Sprintf("the block holds %d bytes, above the %d-byte limit", n, MaxShowBytes)}
		}
		if shown.Add(1) > MaxShowBlocks {
			return &CallError{Tool: "Show", Kind: KindInvalid, Message: fmt.Sprintf("a run may show at most %d blocks", MaxShowBlocks)}
		}
		raw, err := json.Marshal(b)
		if err != nil {
			return &CallError{Tool: "Show", Kind: KindInvalid, Message: "encoding the block: " + err.Error()}
		}
		if err := h.Show(raw); err != nil {
			return &CallError{Tool: "Show", Kind: KindProtocol, Message: err.Error()}
		}
	}
	return nil
}

// showSize is the data size of a block as Show bounds it.
func showSize(b Content) int {
	return len(b.Text) + base64.StdEncoding.DecodedLen(len(b.Data)) + len(b.Resource.Text) + len(b.Resource.Blob)
}

// Image returns an image block of data, for Show; mimeType is like "image/png".
func Image(data []byte, mimeType string) Content {
	return Content{Type: "image", Data: base64.StdEncoding.EncodeToString(data), MimeType: mimeType}
}

// TextBlock returns a text block, for Show.
func TextBlock(text string) Content { return Content{Type: "text", Text: text} }

// Progress reports the snippet's progress to the client as a progress notification with
// message (when the client asked for progress). It never fails and does not block on the
// client.
func Progress(message string) {
	if h := host.Load(); h != nil && h.Progress != nil {
		h.Progress(message)
	}
}
