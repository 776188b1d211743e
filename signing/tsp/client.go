package tsp

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/vanthu/vanthu/signing/cms"
)

// DefaultTimeout bounds a timestamp exchange when Client.Timeout is zero.
const DefaultTimeout = 20 * time.Second

// maxReplySize bounds the reply read from a TSA.
const maxReplySize = 1 << 20

// Client asks an RFC 3161 timestamp authority for tokens over HTTP.
type Client struct {
	URL string
	// HTTPClient sends the request; nil means a client with Timeout.
	HTTPClient *http.Client
	// Timeout bounds the whole exchange, DefaultTimeout when zero.
	Timeout time.Duration
	// Hash is the hash of the digests passed to Timestamp, SHA-256 when zero.
	Hash crypto.Hash
	// Policy is the optional requested TSA policy.
	Policy asn1.ObjectIdentifier
	// TSACerts are the known TSA certificates, used when a token carries none.
	TSACerts []*x509.Certificate
}

// ServerError is a failure to reach a timestamp server or to read its reply.
type ServerError struct {
	URL    string // without any password
	Reason string
	Err    error
}

func (e *ServerError) Error() string { return "timestamp server " + e.URL + ": " + e.Reason }

func (e *ServerError) Unwrap() error { return e.Err }

// Timestamp requests a token over digest (already hashed with c.Hash) with
// a random 64-bit nonce and certReq set. It checks the PKIStatus, the
// imprint, the nonce, the policy (when c.Policy is set) and the token's
// signature (with the certificate in the token or one of c.TSACerts), and
// returns the TimeStampToken (a DER ContentInfo) and its parsed form.
// Validating the TSA certificate's chain is left to the caller.
func (c *Client) Timestamp(ctx context.Context, digest []byte) ([]byte, *Token, error) {
	h := c.Hash
	if h == 0 {
		h = crypto.SHA256
	}
	if _, err := cms.OIDFromHash(h); err != nil {
		return nil, nil, fmt.Errorf("timestamp request: %w", err)
	}
	if err := cms.CheckHashStrength(h); err != nil {
		return nil, nil, fmt.Errorf("timestamp request: %w", err)
	}
	if len(digest) != h.Size() {
		return nil, nil, fmt.Errorf("the digest to timestamp has %d bytes but a %v digest has %d", len(digest), h, h.Size())
	}
	if c.URL == "" {
		return nil, nil, errors.New("no timestamp server address is configured")
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, nil, fmt.Errorf("the timestamp server address %q is not an http or https URL", redact(c.URL))
	}
	shown := u.Redacted()

	var nb [8]byte
	if _, err := rand.Read(nb[:]); err != nil {
		return nil, nil, fmt.Errorf("making the timestamp request nonce: %w", err)
	}
	nb[0] |= 0x80 // always a full 64-bit value
	req := &Request{Hash: h, HashedMessage: digest, Policy: c.Policy, Nonce: new(big.Int).SetBytes(nb[:]), CertReq: true}
	body, err := req.Marshal()
	if err != nil {
		return nil, nil, err
	}

	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, nil, &ServerError{URL: shown, Reason: "the request cannot be built", Err: err}
	}
	hreq.Header.Set("Content-Type", ContentTypeQuery)
	hreq.Header.Set("Accept", ContentTypeReply)
	hc := c.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: timeout}
	}
	resp, err := hc.Do(hreq)
	if err != nil {
		return nil, nil, transportError(ctx, shown, timeout, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, &ServerError{URL: shown, Reason: fmt.Sprintf("answered HTTP %s", resp.Status)}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxReplySize+1))
	if err != nil {
		return nil, nil, transportError(ctx, shown, timeout, err)
	}
	if len(data) > maxReplySize {
		return nil, nil, &ServerError{URL: shown, Reason: fmt.Sprintf("the reply is larger than %d KiB", maxReplySize>>10)}
	}
	return c.checkReply(data, req)
}

func (c *Client) checkReply(data []byte, req *Request) ([]byte, *Token, error) {
	r, err := parseResponse(data)
	if err != nil {
		return nil, nil, fmt.Errorf("the timestamp server's reply cannot be read: %w", err)
	}
	if r.status != Granted && r.status != GrantedWithMods {
		return nil, nil, &StatusError{Status: r.status, FailInfo: r.failInfo, Text: r.text}
	}
	if r.token == nil {
		return nil, nil, errors.New("the timestamp server granted the request but sent no token")
	}
	tok, err := ParseToken(r.token)
	if err != nil {
		return nil, nil, err
	}
	if tok.Hash != req.Hash || !bytes.Equal(tok.HashedMessage, req.HashedMessage) {
		return nil, nil, errors.New("the timestamp reply is for other data than requested (imprint mismatch)")
	}
	if tok.Nonce == nil || tok.Nonce.Cmp(req.Nonce) != 0 {
		return nil, nil, errors.New("timestamp reply nonce does not match the request")
	}
	if len(req.Policy) > 0 && !tok.Policy.Equal(req.Policy) {
		return nil, nil, fmt.Errorf("the timestamp was issued under policy %s, not the requested %s", tok.Policy, req.Policy)
	}
	if _, err := tok.Verify(req.HashedMessage, c.TSACerts); err != nil {
		return nil, nil, err
	}
	return tok.Raw, tok, nil
}

// transportError words a failed HTTP exchange for a clerk.
func transportError(ctx context.Context, shown string, timeout time.Duration, err error) error {
	var netErr net.Error
	var dnsErr *net.DNSError
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &netErr) && netErr.Timeout()):
		return &ServerError{URL: shown, Reason: fmt.Sprintf("timed out: no answer within %s", timeout), Err: err}
	case errors.Is(err, context.Canceled):
		return &ServerError{URL: shown, Reason: "the request was cancelled", Err: err}
	case errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "refused"):
		return &ServerError{URL: shown, Reason: "connection refused", Err: err}
	case errors.As(err, &dnsErr):
		return &ServerError{URL: shown, Reason: fmt.Sprintf("host %s not found", dnsErr.Name), Err: err}
	}
	var uerr *url.Error
	inner := err
	if errors.As(err, &uerr) {
		inner = uerr.Err
	}
	return &ServerError{URL: shown, Reason: inner.Error(), Err: err}
}

// redact hides a password in a URL that did not parse.
func redact(raw string) string {
	if i := strings.Index(raw, "@"); i >= 0 {
		if j := strings.Index(raw, "://"); j >= 0 && j < i {
			return raw[:j+3] + "…" + raw[i:]
		}
	}
	return raw
}
