package axistest

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/vanthu/vanthu/inbox/axis"
)

// VXP is the server side of the national axis's profile: calls at
// /{call}, authenticated with axis.Verify against the fake's systems and
// its clock, each (system, request id) accepted once, parameters read
// only from the signed headers.
type VXP struct {
	SDKCompat bool // accept requests without a request id

	mu   sync.Mutex
	seen map[string]bool
}

var _ Profile = (*VXP)(nil)

// NewVXP returns the VXP profile's server side.
func NewVXP() *VXP { return &VXP{seen: map[string]bool{}} }

// Route implements Profile.
func (p *VXP) Route(path string) (string, bool) {
	call := strings.TrimPrefix(path, "/")
	return call, call != "" && !strings.Contains(call, "/")
}

// Authenticate implements Profile.
func (p *VXP) Authenticate(r *http.Request, f *Fake) (*Caller, error) {
	v, err := axis.Verify(r, axis.VerifyOptions{Secret: f.Secret, Now: f.Now(), SDKCompat: p.SDKCompat})
	if err != nil {
		return nil, err
	}
	if ct := v.Get(axis.HeaderCType); ct != r.Header.Get(axis.HeaderCType) {
		return nil, axis.NewError(axis.CodeAuthMismatch, "Content-Type was not sent as signed")
	}
	if v.RequestID != "" {
		key := v.SystemID + "\x00" + v.RequestID
		p.mu.Lock()
		replay := p.seen[key]
		p.seen[key] = true
		p.mu.Unlock()
		if replay {
			return nil, axis.NewError(axis.CodeAuthReplay, "the request id was used before")
		}
	}
	return &Caller{SystemID: v.SystemID, RequestID: v.RequestID, Timestamp: v.Timestamp, Param: v.Get}, nil
}

// ServeExtra implements Profile: the VXP profile has no other endpoint.
func (p *VXP) ServeExtra(http.ResponseWriter, *http.Request, *Fake) bool { return false }

// REST is the server side of the provincial REST profile: calls at
// /v1/{call}, a bearer token from /token (client credentials with HTTP
// Basic authentication), X-SystemId and X-SecretKey checked against the
// fake's systems, parameters in plain headers.
type REST struct {
	ClientID     string
	ClientSecret []byte
	TTL          time.Duration // a token's lifetime (default an hour)

	mu     sync.Mutex
	tokens map[string]time.Time
	issued int
}

var _ Profile = (*REST)(nil)

// NewREST returns the REST profile's server side, issuing tokens to one
// OAuth2 client.
func NewREST(clientID string, clientSecret []byte) *REST {
	return &REST{ClientID: clientID, ClientSecret: clientSecret, tokens: map[string]time.Time{}}
}

// TokenPath is where the fake REST profile issues tokens.
const TokenPath = "/token"

// Route implements Profile.
func (p *REST) Route(path string) (string, bool) {
	call, ok := strings.CutPrefix(path, axis.DefaultRESTPrefix+"/")
	return call, ok && call != "" && !strings.Contains(call, "/")
}

// Issued returns how many tokens the profile has issued.
func (p *REST) Issued() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.issued
}

// RevokeTokens invalidates every token issued so far.
func (p *REST) RevokeTokens() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.tokens)
}

// ServeExtra implements Profile: the token endpoint.
func (p *REST) ServeExtra(w http.ResponseWriter, r *http.Request, f *Fake) bool {
	if r.URL.Path != TokenPath {
		return false
	}
	id, secret, ok := r.BasicAuth()
	if r.Method != http.MethodPost || r.ParseForm() != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return true
	}
	if !ok || id != p.ClientID || !hmac.Equal([]byte(secret), p.ClientSecret) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return true
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	tok := hex.EncodeToString(b[:])
	ttl := p.TTL
	if ttl <= 0 {
		ttl = time.Hour
	}
	p.mu.Lock()
	p.tokens[tok] = f.Now().Add(ttl)
	p.issued++
	p.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(ttl / time.Second)})
	return true
}

// Authenticate implements Profile.
func (p *REST) Authenticate(r *http.Request, f *Fake) (*Caller, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return nil, axis.NewError(axis.CodeAuthMissing, "no bearer token")
	}
	p.mu.Lock()
	exp, known := p.tokens[tok]
	p.mu.Unlock()
	if !known || f.Now().After(exp) {
		return nil, axis.NewError(axis.CodeAuthExpired, "the token is unknown or expired")
	}
	id := r.Header.Get(axis.HeaderRESTSystemID)
	secret, known := f.Secret(id)
	if id == "" || !known {
		return nil, axis.NewError(axis.CodeAuthUnknownSystem, "unknown system id")
	}
	if !hmac.Equal([]byte(r.Header.Get(axis.HeaderRESTSecretKey)), secret) {
		return nil, axis.NewError(axis.CodeAuthBadSignature, "the secret key does not match")
	}
	return &Caller{SystemID: id, Param: r.Header.Get}, nil
}
