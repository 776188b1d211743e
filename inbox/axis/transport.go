package axis

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Transport carries one attempt of one call in the dialect of an axis
// profile: where the call goes, how it is authenticated, how its
// parameters travel. The Client retries; a transport never does, except to
// renew its own credentials.
type Transport interface {
	Do(ctx context.Context, call Call) (*Response, error)
}

// Call is one call to the axis.
type Call struct {
	Name    string   // the call name, e.g. CallGetEdoc
	Method  string   // http.MethodPost or http.MethodGet
	Headers []Header // the call's own parameters, in order
	// ContentType of the body (ContentTypeJSON when empty).
	ContentType string
	// Body opens the request body from its start; nil for none. It may be
	// called once per attempt, and an earlier attempt's reader may still
	// be in use when it is called again.
	Body func() (io.Reader, error)
	// ContentLength of the body, -1 when unknown.
	ContentLength int64
	// Stream marks an answer read as a stream (downloadEdoc): the timeout
	// then bounds the wait for the answer and each stall while reading it,
	// not the whole transfer.
	Stream bool
}

// Response is the axis's answer to one attempt. The caller closes Body.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       io.ReadCloser
}

// ErrTimeout is an attempt that took longer than the transport's Timeout
// (or, for a stream, stalled that long).
var ErrTimeout = errors.New("the axis did not answer in time")

// idleConnsPerHost is how many idle connections to the axis a transport
// of its own keeps.
const idleConnsPerHost = 32

// DefaultTimeout bounds an attempt when the options give none.
const DefaultTimeout = 2 * time.Minute

// permanentError is a failure of an attempt that another attempt would
// repeat (a header that cannot be signed, an unreadable packet).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return &permanentError{err} }

// httpOptions are the HTTP settings every profile shares (see VXPOptions).
type httpOptions struct {
	HTTPClient *http.Client
	CA         *x509.CertPool
	CAFile     string
	Timeout    time.Duration
}

func (o httpOptions) client() (*http.Client, error) {
	if o.CA != nil && o.CAFile != "" {
		return nil, errors.New("axis transport: give CA or CAFile, not both")
	}
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if o.HTTPClient != nil {
		if o.CA != nil || o.CAFile != "" {
			return nil, errors.New("axis transport: configure the CA in the given HTTPClient, or give no HTTPClient")
		}
		c := *o.HTTPClient
		c.CheckRedirect = noRedirect
		return &c, nil
	}
	pool := o.CA
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("axis transport: reading the CA file: %w", err)
		}
		pool = x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("axis transport: %s holds no PEM certificate", o.CAFile)
		}
	}
	base, _ := http.DefaultTransport.(*http.Transport)
	tr := base.Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}
	// A sync engine keeps several downloads, acknowledgements and sends in
	// flight to the one axis: keep their connections instead of the
	// default two (each new one costs a TCP, often a TLS, handshake).
	tr.MaxIdleConnsPerHost = idleConnsPerHost
	return &http.Client{Transport: tr, CheckRedirect: noRedirect}, nil
}

func (o httpOptions) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

// parseEndpoint checks the axis's base URL.
func parseEndpoint(endpoint string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(endpoint, "/"))
	if err != nil {
		return nil, errors.New("axis transport: the endpoint is not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, errors.New("axis transport: the endpoint must be an http or https URL")
	case u.Host == "":
		return nil, errors.New("axis transport: the endpoint names no host")
	case u.User != nil:
		return nil, errors.New("axis transport: the endpoint must not hold credentials")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, errors.New("axis transport: the endpoint must not hold a query or fragment")
	}
	return u, nil
}

// loopback reports whether u's host is this machine.
func loopback(u *url.URL) bool {
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// newRequest builds the attempt's HTTP request with its body.
func newRequest(ctx context.Context, u string, call Call) (*http.Request, error) {
	method := call.Method
	if method == "" {
		method = http.MethodPost
	}
	var body io.Reader
	if call.Body != nil {
		b, err := call.Body()
		if err != nil {
			return nil, permanent(err)
		}
		body = b
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, permanent(err)
	}
	if body != nil {
		req.ContentLength = call.ContentLength
	}
	req.Header.Set("User-Agent", "Vanthu")
	return req, nil
}

func contentType(call Call) string {
	if call.ContentType != "" {
		return call.ContentType
	}
	return ContentTypeJSON
}

// errAttemptTimeout is the cause an attempt's context is cancelled with
// when its timer fires.
var errAttemptTimeout = errors.New("attempt timed out")

// roundTrip sends req with the attempt's timeout. The returned body stops
// the timer and releases the attempt when closed.
func roundTrip(hc *http.Client, req *http.Request, timeout time.Duration, stream bool) (*Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	timer := time.AfterFunc(timeout, func() { cancel(errAttemptTimeout) })
	resp, err := hc.Do(req.WithContext(ctx)) //nolint:bodyclose // the body is handed to the caller, who closes it
	if err != nil {
		timer.Stop()
		timedOut := errors.Is(context.Cause(ctx), errAttemptTimeout)
		cancel(nil)
		if timedOut {
			return nil, fmt.Errorf("%w (%s)", ErrTimeout, timeout)
		}
		return nil, err
	}
	b := &attemptBody{rc: resp.Body, ctx: ctx, cancel: cancel, timer: timer, limit: timeout}
	if stream {
		b.idle = true
		timer.Stop() // from now on it runs only while Read waits
	}
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// attemptBody is an answer's body under the attempt's timer: for a
// stream, the timer runs only while a Read waits for the axis, so a reader
// that pauses (writing to a slow disk) is not taken for a stalled axis.
type attemptBody struct {
	rc     io.ReadCloser
	ctx    context.Context //nolint:containedctx // the attempt's own context, ended by Close
	cancel context.CancelCauseFunc
	timer  *time.Timer
	limit  time.Duration
	idle   bool
}

func (b *attemptBody) Read(p []byte) (int, error) {
	if b.idle {
		b.timer.Reset(b.limit)
	}
	n, err := b.rc.Read(p)
	if b.idle {
		b.timer.Stop()
	}
	if err != nil && !errors.Is(err, io.EOF) && errors.Is(context.Cause(b.ctx), errAttemptTimeout) {
		err = fmt.Errorf("%w (%s)", ErrTimeout, b.limit)
	}
	return n, err
}

func (b *attemptBody) Close() error {
	b.timer.Stop()
	err := b.rc.Close()
	b.cancel(nil)
	return err
}

var errNoCredentials = errors.New("axis transport: the system id and the secret are required")
