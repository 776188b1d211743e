package axis

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// ClientOptions configure a Client. The zero value is usable.
type ClientOptions struct {
	// Retries is how many further attempts a transient failure gets:
	// 0 means DefaultRetries, a negative number none.
	Retries int
	// BaseDelay is the backoff before the first retry (default 500ms); it
	// doubles with each retry up to MaxDelay (default 30s), jittered
	// between half and all of it.
	BaseDelay, MaxDelay time.Duration
	// Rand returns numbers in [0, 1) for the jitter (default math/rand/v2).
	Rand func() float64
	// MaxResponse bounds an enveloped answer's size (default 64 MiB); a
	// download's stream is not bounded.
	MaxResponse int64
	// TempDir holds packets spooled while their hash is computed, when
	// Send is given a reader it cannot read twice (default os.TempDir).
	TempDir string
	// Logger gets one record per retry (default: none).
	Logger *slog.Logger
}

// Defaults of ClientOptions.
const (
	DefaultRetries     = 3
	DefaultBaseDelay   = 500 * time.Millisecond
	DefaultMaxDelay    = 30 * time.Second
	DefaultMaxResponse = 64 << 20
)

// Client makes the axis's calls over a Transport, retrying transient
// failures with jittered exponential backoff: network errors, timeouts,
// 5xx, 429 (waiting at least its Retry-After) and AUTH_STALE (signing
// again with a fresh timestamp and request id, after following the axis's
// clock if the transport can). Refusals (other 4xx) are never retried.
// Safe for concurrent use.
type Client struct {
	t    Transport
	opts ClientOptions
	log  *slog.Logger
}

// NewClient returns a Client over t.
func NewClient(t Transport, opts ClientOptions) *Client {
	switch {
	case opts.Retries == 0:
		opts.Retries = DefaultRetries
	case opts.Retries < 0:
		opts.Retries = 0
	}
	if opts.BaseDelay <= 0 {
		opts.BaseDelay = DefaultBaseDelay
	}
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = DefaultMaxDelay
	}
	if opts.MaxDelay < opts.BaseDelay {
		opts.MaxDelay = opts.BaseDelay
	}
	if opts.Rand == nil {
		opts.Rand = rand.Float64 //nolint:gosec // jitter needs no secret randomness
	}
	if opts.MaxResponse <= 0 {
		opts.MaxResponse = DefaultMaxResponse
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{t: t, opts: opts, log: log}
}

// RetryAfterError is a transient refusal whose Retry-After the Client did
// not wait out (longer than MaxDelay, or past the context's deadline): try
// again after After.
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%v (the axis asks to retry after %s)", e.Err, e.After)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }

// clockFollower is a transport whose signatures carry a timestamp and
// that can sign with the axis's clock instead of the desk's.
type clockFollower interface{ FollowClock(server time.Time) }

// redactor is a transport that sends a credential the axis could echo in
// its answers (a bearer token, a secret key): the Client passes server
// text through Redact before it reaches an error or a log.
type redactor interface{ Redact(s string) string }

// answer is the failure of one attempt with what the answer said about
// retrying.
type answer struct {
	err        error
	retryAfter time.Duration // from Retry-After, 0 when absent
	serverTime time.Time     // from Date, zero when absent
}

func (a *answer) Error() string { return a.err.Error() }
func (a *answer) Unwrap() error { return a.err }

func answerFailure(err error, resp *Response) error {
	a := &answer{err: err}
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		a.serverTime = d
	}
	a.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	return a
}

// parseRetryAfter reads delay-seconds or an HTTP date (0 when absent or
// malformed; at most a day).
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		d = time.Duration(min(n, 86400)) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), 24*time.Hour)
}

// do runs call until handle accepts an answer, retrying what is transient.
func (c *Client) do(ctx context.Context, call Call, handle func(*Response) error) error {
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return c.wrap(call.Name, attempt-1, context.Cause(ctx))
		}
		resp, err := c.t.Do(ctx, call)
		if err == nil {
			err = handle(resp)
		}
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return c.wrap(call.Name, attempt, context.Cause(ctx))
		}
		var a *answer
		var retryAfter time.Duration
		var serverTime time.Time
		if errors.As(err, &a) {
			err, retryAfter, serverTime = a.err, a.retryAfter, a.serverTime
		}
		if (!retryable(err) && !replayedRead(call, err)) || attempt > c.opts.Retries {
			return c.wrap(call.Name, attempt, err)
		}
		var ae *Error
		if errors.As(err, &ae) && ae.Code == CodeAuthStale && !serverTime.IsZero() {
			if f, ok := c.t.(clockFollower); ok {
				f.FollowClock(serverTime)
			}
		}
		delay := max(c.backoff(attempt), retryAfter)
		deadline, hasDeadline := ctx.Deadline()
		if retryAfter > c.opts.MaxDelay || (hasDeadline && time.Until(deadline) < delay) {
			err = c.wrap(call.Name, attempt, err)
			if retryAfter > 0 {
				return &RetryAfterError{After: retryAfter, Err: err}
			}
			return err
		}
		c.log.LogAttrs(ctx, slog.LevelInfo, "axis call failed, retrying",
			slog.String("call", call.Name), slog.Int("attempt", attempt),
			slog.Duration("delay", delay), slog.String("error", c.redact(err.Error())))
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return c.wrap(call.Name, attempt, context.Cause(ctx))
		case <-t.C:
		}
	}
}

// backoff is the jittered delay before retry n (n ≥ 1).
func (c *Client) backoff(n int) time.Duration {
	d := c.opts.BaseDelay
	for i := 1; i < n && d < c.opts.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, c.opts.MaxDelay)
	return d/2 + time.Duration(c.opts.Rand()*float64(d/2))
}

func (c *Client) wrap(name string, attempts int, err error) error {
	if attempts > 1 {
		return fmt.Errorf("axis %s (%d attempts): %w", name, attempts, err)
	}
	return fmt.Errorf("axis %s: %w", name, err)
}

func (c *Client) redact(s string) string {
	if r, ok := c.t.(redactor); ok {
		return r.Redact(s)
	}
	return s
}

// retryable reports whether another attempt could succeed.
func retryable(err error) bool {
	var (
		ae   *Error
		pe   *ProtocolError
		perm *permanentError
		ua   x509.UnknownAuthorityError
		hn   x509.HostnameError
		ci   x509.CertificateInvalidError
		cv   *tls.CertificateVerificationError
		rh   tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &ae):
		if ae.HTTPStatus == http.StatusRequestTimeout {
			return true
		}
		if ae.HTTPStatus/100 == 2 { // a FAIL envelope in a 200: go by the code
			return Transient(&Error{HTTPStatus: StatusFor(ae.Code), Code: ae.Code})
		}
		return Transient(ae)
	case errors.As(err, &pe), errors.As(err, &perm), errors.Is(err, ErrResponseTooLarge),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &ua), errors.As(err, &hn), errors.As(err, &ci), errors.As(err, &cv), errors.As(err, &rh):
		return false
	}
	return true
}

// replayedRead reports whether err is AUTH_REPLAY answering a GET (a
// call that changes nothing on the axis). Go's HTTP transport silently
// sends an idempotent request again, with the same signed headers, when a
// reused connection broke before the answer came: the axis, which had seen
// the request id, refuses the copy. The Client's own attempts sign with a
// fresh request id, so another one is safe. Only GETs are replayed by the
// transport; a POST refused as a replay stays an error.
func replayedRead(call Call, err error) bool {
	var ae *Error
	return call.Method == http.MethodGet && errors.As(err, &ae) && ae.Code == CodeAuthReplay
}

// envelope reads and closes an enveloped answer, returning it on success
// and the call's error otherwise.
func (c *Client) envelope(resp *Response) (*Envelope, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxResponse+1))
	if err != nil {
		return nil, answerFailure(err, resp)
	}
	if int64(len(b)) > c.opts.MaxResponse {
		return nil, answerFailure(fmt.Errorf("%w (%d bytes)", ErrResponseTooLarge, c.opts.MaxResponse), resp)
	}
	env, err := decodeEnvelope(b)
	if err != nil {
		if resp.StatusCode/100 != 2 {
			return nil, answerFailure(bareStatusError(resp.StatusCode), resp)
		}
		return nil, answerFailure(&ProtocolError{HTTPStatus: resp.StatusCode, Reason: clean(err.Error(), 200, c.redact)}, resp)
	}
	if err := answerError(resp.StatusCode, env, c.redact); err != nil {
		return nil, answerFailure(err, resp)
	}
	return env, nil
}

// protocol is a ProtocolError for a successful answer missing something.
func (c *Client) protocol(resp *Response, reason string) error {
	return &ProtocolError{HTTPStatus: resp.StatusCode, Reason: clean(reason, 200, c.redact)}
}
