package edxml

import (
	"errors"
	"fmt"
)

// ErrBadPacket matches every error caused by the packet itself rather than
// by this machine (disk, sink, context). A sync engine acknowledges such a
// packet as failed and tells the sender; any other error is worth a retry.
var ErrBadPacket = errors.New("bad edXML packet")

// The sentinels below each match ErrBadPacket too.
var (
	// ErrNotEdXML: not well-formed XML, wrong root or namespace, a missing
	// or repeated element, or a value that is not of its type.
	ErrNotEdXML = packetSentinel("not a valid edXML packet")
	// ErrUnsafeXML: a DOCTYPE, an entity reference or a processing
	// instruction; refused whatever it contains.
	ErrUnsafeXML = packetSentinel("XML construct refused for safety")
	// ErrLimit: the packet is larger, deeper or has more parts than the
	// configured Limits allow.
	ErrLimit = packetSentinel("packet exceeds a limit")
	// ErrUnsafeName: an attachment name that could escape a folder or
	// mislead a reader (path separators, "..", control characters, ...).
	ErrUnsafeName = packetSentinel("unsafe attachment name")
	// ErrZipBomb: a ZIP-wrapped attachment expands too far, lies about its
	// size or lists too many entries.
	ErrZipBomb = packetSentinel("zip bomb")
	// ErrBadAttachment: attachment content that cannot be decoded (base64,
	// ZIP wrapper).
	ErrBadAttachment = packetSentinel("undecodable attachment")
	// ErrManifest: the manifest and the attachments disagree.
	ErrManifest = packetSentinel("manifest and attachments disagree")
)

// ErrInvalid is returned by the encoders for a message that cannot be
// written as a valid packet (missing sender, unsafe name, ...).
var ErrInvalid = errors.New("invalid edXML message")

type sentinel struct{ msg string }

func packetSentinel(msg string) error { return &sentinel{msg} }

func (s *sentinel) Error() string { return s.msg }

// Is makes every packet sentinel match ErrBadPacket.
func (s *sentinel) Is(target error) bool { return target == ErrBadPacket }

// Error is a precise, one-line reason a clerk can forward to the sender.
// It unwraps to its kind (one of the sentinels) and to its cause, if any.
type Error struct {
	Kind  error
	Msg   string
	Cause error
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns the kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Kind, e.Cause}
	}
	return []error{e.Kind}
}

func errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

func wrapf(kind, cause error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...), Cause: cause}
}

// prefixError adds where an error happened ("attachment 3 'x.pdf'") in
// front of its message, keeping what it matches.
func prefixError(where string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return &Error{Kind: e.Kind, Msg: where + ": " + e.Msg, Cause: e.Cause}
	}
	return fmt.Errorf("%s: %w", where, err)
}
