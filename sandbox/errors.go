package sandbox

import (
	"context"
	"errors"
	"fmt"
)

// Kind classifies why a run failed. Its string is what the model reads first, so it is short and
// plain.
type Kind string

// The kinds of [Error].
const (
	// KindCompile: the snippet does not parse or compile, or uses a construct the interpreter
	// does not support (then Hint says what to write instead). Nothing ran.
	KindCompile Kind = "compile"
	// KindImport: the snippet imports a package outside the allowlist or a stub package that
	// does not exist. Nothing ran.
	KindImport Kind = "import denied"
	// KindRuntime: the snippet panicked (in main or in a goroutine), overflowed its stack or hit
	// another fatal runtime error. Line is the snippet line of the panic when it is known.
	KindRuntime Kind = "runtime"
	// KindTimeout: the snippet ran past its wall-clock or CPU limit and was killed.
	KindTimeout Kind = "timeout"
	// KindMemory: the snippet went over its memory budget and was stopped.
	KindMemory Kind = "memory"
	// KindKilled: the run was cancelled by the caller, or the runner died for a reason that is
	// none of the above.
	KindKilled Kind = "killed"
	// KindOutput: the snippet printed more than its output limit; Result holds what was kept.
	KindOutput Kind = "output"
	// KindLimits: a requested limit is invalid or above the configured maximum, or the snippet
	// is larger than MaxSourceBytes. Nothing ran.
	KindLimits Kind = "limits"
	// KindUnavailable: a package the snippet uses belongs to a server that cannot provide it
	// now (it failed to start, or is still starting after the wait). Nothing ran.
	KindUnavailable Kind = "server unavailable"
	// KindInternal: the sandbox itself failed (a runner could not start, a protocol error).
	KindInternal Kind = "internal"
)

// Error is the one error type of sandbox runs. Every failure that Sandbox.Run returns is an
// *Error; test for a kind with errors.As and the Kind field. An *Error of kind KindTimeout matches
// context.DeadlineExceeded with errors.Is.
type Error struct {
	Kind Kind
	// Line is the line of the snippet as the model wrote it, 0 when unknown.
	Line int
	// Msg says what went wrong, in one or a few lines.
	Msg string
	// Hint says what to write instead, when there is a known better way; it may be empty.
	Hint string
	// Err is the underlying error, if any.
	Err error
}

// Error formats the error as "<kind> error at line N: msg (hint: ...)".
func (e *Error) Error() string {
	s := string(e.Kind) + " error"
	if e.Line > 0 {
		s += fmt.Sprintf(" at line %d", e.Line)
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	} else if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	if e.Hint != "" {
		s += " (hint: " + e.Hint + ")"
	}
	return s
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is context.DeadlineExceeded and e is a timeout.
func (e *Error) Is(target error) bool {
	return target == context.DeadlineExceeded && e.Kind == KindTimeout
}

// KindOf returns the Kind of err's *Error, or "" when err holds none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}
