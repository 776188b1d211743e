package inbox

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors the store returns wrap one of these where one
// applies; test with errors.Is.
var (
	ErrNotFound          = errors.New("not found")
	ErrIllegalTransition = errors.New("not allowed in this state")
	ErrDuplicate         = errors.New("already stored")
	ErrInvalid           = errors.New("invalid input")
	ErrCorruptBlob       = errors.New("attachment file is corrupted")
	ErrNewerDatabase     = errors.New("database was written by a newer version of Vanthu")
	ErrNoEncoder         = errors.New("no status encoder configured")
)

// TransitionError is returned when an action is not allowed in the
// document's current state. It matches ErrIllegalTransition.
type TransitionError struct {
	Document int64
	Action   Action
	State    State
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("cannot %s document %d: it is %s", e.Action.verb(), e.Document, lower(e.State.English()))
}

// Is makes errors.Is(err, ErrIllegalTransition) true.
func (e *TransitionError) Is(target error) bool { return target == ErrIllegalTransition }

// DuplicateError is returned when an incoming document with the same sender
// and DocumentId is already stored. It matches ErrDuplicate.
type DuplicateError struct {
	Existing   int64 // the stored document's id
	Sender     string
	DocumentID string
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("document %q from %s is already stored as document %d", e.DocumentID, e.Sender, e.Existing)
}

// Is makes errors.Is(err, ErrDuplicate) true.
func (e *DuplicateError) Is(target error) bool { return target == ErrDuplicate }

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

func notFoundf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrNotFound}, args...)...)
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
