package renew

import (
	"errors"
	"fmt"
)

// The error kinds. Handlers map them to HTTP status codes with errors.Is; stores and engines wrap
// them, never invent others.
var (
	// ErrInvalid: the input is wrong; the message says what and where (HTTP 400).
	ErrInvalid = errors.New("invalid input")
	// ErrNotFound: the thing asked for does not exist (HTTP 404).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the input is well-formed but clashes with the data (HTTP 409).
	ErrConflict = errors.New("conflict")
	// ErrUnauthorized: nobody is logged in (HTTP 401).
	ErrUnauthorized = errors.New("login required")
	// ErrForbidden: the user's role does not allow it (HTTP 403).
	ErrForbidden = errors.New("forbidden")
	// ErrRateLimited: too many attempts or requests; wait and try again (HTTP 429).
	ErrRateLimited = errors.New("too many requests")
	// ErrStale: a write named a version (If-Match) that is no longer current (HTTP 412).
	ErrStale = errors.New("version changed")
	// ErrVersionRequired: a write of a versioned record named no version (HTTP 428).
	ErrVersionRequired = errors.New("version required")
	// ErrUnavailable: the database cannot be reached or timed out; try again (HTTP 503).
	ErrUnavailable = errors.New("service unavailable")
)

// Error is an error of one of the kinds above with a message that is safe to show a user: it
// never carries SQL text or internal detail.
//
// Format and Args, set by Invalid, NotFound and Conflict, let the HTTP layer look the message up
// in the message catalogue (web/static/messages.json) and show it in Chinese; an Error built
// directly is looked up by its Msg.
type Error struct {
	Kind   error
	Msg    string
	Format string
	Args   []any
}

func (e *Error) Error() string { return e.Msg }

// Unwrap lets errors.Is find the kind.
func (e *Error) Unwrap() error { return e.Kind }

// Invalid returns an ErrInvalid error with a formatted, user-safe message.
func Invalid(format string, args ...any) error {
	return &Error{Kind: ErrInvalid, Msg: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// NotFound returns an ErrNotFound error with a formatted, user-safe message.
func NotFound(format string, args ...any) error {
	return &Error{Kind: ErrNotFound, Msg: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// Conflict returns an ErrConflict error with a formatted, user-safe message.
func Conflict(format string, args ...any) error {
	return &Error{Kind: ErrConflict, Msg: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// UserMessage returns the message of the first *Error in err's chain, or "" when there is none
// (then only a generic message may be shown).
func UserMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return ""
}

// UserError returns the first *Error in err's chain, or nil.
func UserError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Text is a part of a message (a place, or what is wrong with a value) kept with its format and
// arguments, so that the message catalogue translates it with the message it is part of. Printed
// with %s or %v it is its English text.
type Text struct {
	Format string
	Args   []any
}

// T returns the Text of format and args.
func T(format string, args ...any) Text { return Text{Format: format, Args: args} }

func (t Text) String() string { return fmt.Sprintf(t.Format, t.Args...) }

// List is the Text of parts separated by commas ("、" in Chinese); each part is a string or a Text.
func List(parts ...any) Text {
	if len(parts) == 0 {
		return Text{}
	}
	t := T("%s", parts[0])
	for _, p := range parts[1:] {
		t = T("%s, %s", t, p)
	}
	return t
}

// IsZero reports whether t says nothing.
func (t Text) IsZero() bool { return t.Format == "" }
