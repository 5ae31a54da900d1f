package process

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
)

// The runner protocol: frames on the runner's stdin (from the parent) and stdout (to the
// parent). A frame is a 9-byte header (type, id as big-endian uint32, payload length as
// big-endian uint32) and the payload. Binary framing keeps a tool call to two small writes and
// two reads, with no JSON escaping of results.
const (
	frameRequest byte = 'Q' // parent -> runner: the run, JSON request
	frameResult  byte = 'R' // parent -> runner: result of call id, the CallToolResult JSON
	frameCallErr byte = 'X' // parent -> runner: call id failed, the message
	frameReady   byte = 'Y' // runner -> parent: interpreter ready; payload readyMagic
	frameOutput  byte = 'O' // runner -> parent: snippet output
	frameTrace   byte = 'T' // runner -> parent: one line of the interpreter's panic trace
	frameNote    byte = 'N' // runner -> parent: one line of the runtime's notes (mcp_tools.SetNotes)
	frameCall    byte = 'C' // runner -> parent: tool call id: server NUL tool NUL arguments
	frameCallOne byte = 'S' // runner -> parent: as frameCall, from a snippet with no other goroutine
	frameDone    byte = 'D' // runner -> parent: the run ended, JSON report
	// frameRPC is any other MCP request to a server, answered like a call (frameResult or
	// frameCallErr): id: server NUL method NUL params, method one of rpcMethods. A method name
	// is not a tool name, so the two never mix, whatever a server names its tools.
	frameRPC      byte = 'M' // runner -> parent: MCP request id: server NUL method NUL params
	frameShow     byte = 'B' // runner -> parent: a content block for the model (mcp_tools.Show), JSON
	frameProgress byte = 'P' // runner -> parent: the snippet's progress message (mcp_tools.Progress)
	// frameProbe asks a runner stopped at its deadline what it was doing: its payload holds
	// probeMemory to ask whether it is over its memory budget (see Runner.OverMemory), and
	// probeBlocked to ask whether every goroutine of the snippet is blocked with no tool call
	// in flight. frameProbeReply answers '1' (over) or '0', followed by probeBlocked when so.
	frameProbe      byte = 'H' // parent -> runner
	frameProbeReply byte = 'h' // runner -> parent
)

// The questions of a frameProbe.
const (
	probeMemory  byte = 'm'
	probeBlocked byte = 'g'
)

// rpcMethods are the MCP methods a frameRPC may name.
var rpcMethods = map[string]bool{"resources/list": true, "resources/read": true, "prompts/list": true, "prompts/get": true}

// readyMagic identifies a runner of this protocol version.
const readyMagic = "mcp-coordinator sandbox runner 6"

const headerSize = 9

// outputChunk is the largest output frame the runner sends.
const outputChunk = 64 << 10

type frame struct {
	typ     byte
	id      uint32
	payload []byte
}

// frameWriter writes whole frames, one Write each, safe for concurrent use.
type frameWriter struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

func (fw *frameWriter) write(typ byte, id uint32, parts ...[]byte) error {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	fw.mu.Lock()
	defer fw.mu.Unlock()
	b := fw.buf[:0]
	b = append(b, typ)
	b = binary.BigEndian.AppendUint32(b, id)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	if n > outputChunk {
		// A big payload (a tool result, arguments) is written as it is, not copied.
		return writeAll(fw.w, append([][]byte{b}, parts...))
	}
	for _, p := range parts {
		b = append(b, p...)
	}
	_, err := fw.w.Write(b)
	if cap(b) <= 1<<20 {
		fw.buf = b
	}
	return err
}

func writeAll(w io.Writer, parts [][]byte) error {
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

// readFrame reads one frame whose payload is at most limit(type) bytes. A bigger frame is an
// *oversizeError; its payload is left unread.
func readFrame(r *bufio.Reader, limit func(typ byte) int) (frame, error) {
	var h [headerSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return frame{}, err
	}
	f := frame{typ: h[0], id: binary.BigEndian.Uint32(h[1:5])}
	n := binary.BigEndian.Uint32(h[5:9])
	if max := limit(f.typ); uint64(n) > uint64(max) {
		return f, &oversizeError{typ: f.typ, n: int(n), max: max}
	}
	f.payload = make([]byte, n)
	if _, err := io.ReadFull(r, f.payload); err != nil {
		return f, err
	}
	return f, nil
}

// upTo is the frame limit of n bytes whatever the type.
func upTo(n int) func(byte) int { return func(byte) int { return n } }

// oversizeError is a frame above its limit.
type oversizeError struct {
	typ    byte
	n, max int
}

func (e *oversizeError) Error() string {
	return fmt.Sprintf("frame %q of %d bytes is above the %d-byte limit", e.typ, e.n, e.max)
}
