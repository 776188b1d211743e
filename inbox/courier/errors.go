package courier

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"

	"github.com/vanthu/vanthu/inbox/axis"
)

// Errors of a pass.
var (
	// ErrOffline: the axis could not be reached; the pass stopped and the
	// queue waits.
	ErrOffline = errors.New("the axis cannot be reached")
	// ErrNoAxis: the engine has no axis configured.
	ErrNoAxis = errors.New("no axis is configured")
)

// unreachable reports whether err means the axis was not reached (or the
// connection broke): no answer came, so nothing can be concluded about
// the packet.
func unreachable(err error) bool {
	var ae *axis.Error
	var pe *axis.ProtocolError
	if err == nil || errors.As(err, &ae) || errors.As(err, &pe) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ue *url.Error
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.As(err, &oe) ||
		errors.Is(err, axis.ErrTimeout) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// httpStatus is the HTTP status an axis error stands for (a FAIL envelope
// in a 200 goes by its code).
func httpStatus(ae *axis.Error) int {
	if ae.HTTPStatus == 0 || ae.HTTPStatus/100 == 2 {
		return axis.StatusFor(ae.Code)
	}
	return ae.HTTPStatus
}

// refusedForGood reports whether the axis refused a packet we sent in a
// way another attempt would not change: an unknown recipient, a packet it
// cannot read, one too large. Server faults, rate limits, our credentials
// (expired, a clock too far off: a person fixes them, the packet is fine)
// and a hash that did not match in transit are worth another attempt.
func refusedForGood(err error) bool {
	if errors.Is(err, axis.ErrInvalidArgument) {
		return true
	}
	var perm *permanentError
	if errors.As(err, &perm) {
		return true
	}
	var ae *axis.Error
	if !errors.As(err, &ae) {
		return false
	}
	st := httpStatus(ae)
	switch {
	case st >= 500, st == http.StatusTooManyRequests, st == http.StatusRequestTimeout, st == http.StatusUnauthorized:
		return false
	case ae.Code == axis.CodeHashMismatch, ae.Code == axis.CodeUnknownSender:
		return false
	}
	return st/100 == 4
}

// gone reports whether the axis says a delivery does not exist (any
// more): another client of this system took it.
func gone(err error) bool {
	var ae *axis.Error
	return errors.As(err, &ae) && ae.Code == axis.CodeNotFound
}

// noSuchCall reports whether an axis may lack a call: it answered 404,
// 405 or 501 to it.
func noSuchCall(err error) bool {
	var ae *axis.Error
	if !errors.As(err, &ae) {
		return false
	}
	switch httpStatus(ae) {
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
		return true
	}
	return false
}

// permanentError is a local failure to build a packet that another
// attempt would repeat (its document gone, a damaged attachment file).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }
