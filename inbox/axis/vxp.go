package axis

import (
	"context"
	"crypto/x509"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

// VXPOptions configure the VXP profile.
type VXPOptions struct {
	// HTTPClient sends the requests. Default: a client of its own with
	// TLS 1.2 or later, trusting CA or CAFile (or the system's roots).
	// Redirects are never followed, whichever client: they would carry
	// signed headers to another address. Leave its Timeout zero: attempts
	// are bounded by Timeout and the context.
	HTTPClient *http.Client
	CA         *x509.CertPool // roots trusted for the axis's TLS certificate
	CAFile     string         // a PEM file of such roots, instead of CA
	// Timeout bounds each attempt (default DefaultTimeout); for a stream,
	// the wait for the answer and each stall while reading it.
	Timeout time.Duration
	// Now is the clock the timestamps are signed with (default time.Now).
	Now func() time.Time
	// SDKCompat signs no request id, as the field SDK does, for an axis
	// that refuses unknown headers. Replays are then the axis's to catch.
	SDKCompat bool
}

// VXP is the national axis's profile: calls at {endpoint}/{call}, their
// parameters in XroadVnpt-* headers signed with HMAC-SHA256 (see Sign), a
// fresh timestamp and request id per attempt. Safe for concurrent use.
type VXP struct {
	base    *url.URL
	cred    Credentials
	client  *http.Client
	timeout time.Duration
	now     func() time.Time
	sdk     bool
	skew    atomic.Int64 // nanoseconds added to now, learnt from the axis's Date
}

var _ Transport = (*VXP)(nil)

// NewVXP returns the VXP transport for the axis at endpoint.
func NewVXP(endpoint string, cred Credentials, opts VXPOptions) (*VXP, error) {
	u, err := parseEndpoint(endpoint)
	if err != nil {
		return nil, err
	}
	if cred.SystemID == "" || len(cred.Secret) == 0 {
		return nil, errNoCredentials
	}
	ho := httpOptions{HTTPClient: opts.HTTPClient, CA: opts.CA, CAFile: opts.CAFile, Timeout: opts.Timeout}
	hc, err := ho.client()
	if err != nil {
		return nil, err
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	cred.Secret = append([]byte(nil), cred.Secret...)
	return &VXP{base: u, cred: cred, client: hc, timeout: ho.timeout(), now: now, sdk: opts.SDKCompat}, nil
}

// Do sends one attempt of call, signed now.
func (v *VXP) Do(ctx context.Context, call Call) (*Response, error) {
	req, err := newRequest(ctx, v.base.JoinPath(call.Name).String(), call)
	if err != nil {
		return nil, err
	}
	id := ""
	if !v.sdk {
		id = NewRequestID()
	}
	now := v.now().Add(time.Duration(v.skew.Load()))
	if err := Sign(req, v.cred, contentType(call), call.Headers, now, id); err != nil {
		return nil, permanent(err)
	}
	return roundTrip(v.client, req, v.timeout, call.Stream)
}

// FollowClock makes later signatures use the axis's clock, given the time
// an answer said it was there: the Client calls it when the axis refuses a
// timestamp as stale (a desk whose clock is wrong can still work). The
// Date header counts whole seconds, so a difference under clockSlack is
// left alone.
func (v *VXP) FollowClock(server time.Time) {
	now := v.now()
	if d := server.Sub(now.Add(time.Duration(v.skew.Load()))); d > -clockSlack && d < clockSlack {
		return
	}
	v.skew.Store(int64(server.Sub(now)))
}

const clockSlack = 30 * time.Second
