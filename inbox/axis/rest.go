package axis

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The provincial REST profile (AXIS.md §2: REST /v1/... with a bearer
// token and X-SystemId / X-SecretKey; WSO2 OAuth2 client credentials).
// What is not known for certain is fixed here, in one place:
//   - a call goes to {endpoint}{PathPrefix}/{call name}, PathPrefix "/v1";
//   - its parameters travel as plain headers of the same names
//     (servicetype, docId, hash-file, ...), unsigned;
//   - answers are the same JSON envelope as the national axis's;
//   - the token endpoint speaks RFC 6749 §4.4 with HTTP Basic client
//     authentication and answers access_token, token_type, expires_in.
const (
	HeaderRESTSystemID  = "X-SystemId"
	HeaderRESTSecretKey = "X-SecretKey"
	DefaultRESTPrefix   = "/v1"
)

// RESTCredentials identify a system to a provincial axis. Give Token for
// a fixed bearer token, or ClientID and ClientSecret to fetch one from
// RESTOptions.TokenURL.
type RESTCredentials struct {
	SystemID     string
	SecretKey    []byte
	Token        string
	ClientID     string
	ClientSecret []byte
}

// RESTOptions configure the REST profile (the HTTP settings as in VXPOptions).
type RESTOptions struct {
	HTTPClient *http.Client
	CA         *x509.CertPool
	CAFile     string
	Timeout    time.Duration
	// TokenURL is the OAuth2 token endpoint (client credentials grant).
	TokenURL string
	// PathPrefix goes between the endpoint and the call name (default "/v1").
	PathPrefix string
	// AllowHTTP permits plain http to a host other than this machine: the
	// secret key and the token would cross the network readable.
	AllowHTTP bool
}

// REST is a provincial axis's profile. Safe for concurrent use.
type REST struct {
	base     *url.URL
	prefix   string
	cred     RESTCredentials
	tokenURL string
	client   *http.Client
	timeout  time.Duration

	mu      sync.Mutex
	token   string
	expires time.Time
	seen    []string // tokens held so far, for Redact
}

var _ Transport = (*REST)(nil)

// NewREST returns the REST transport for the axis at endpoint.
func NewREST(endpoint string, cred RESTCredentials, opts RESTOptions) (*REST, error) {
	u, err := parseEndpoint(endpoint)
	if err != nil {
		return nil, err
	}
	if cred.SystemID == "" || len(cred.SecretKey) == 0 {
		return nil, errNoCredentials
	}
	for _, v := range []string{cred.SystemID, string(cred.SecretKey), cred.Token} {
		if !headerSafe(v) {
			return nil, errors.New("axis transport: a credential holds characters a header cannot carry")
		}
	}
	if u.Scheme == "http" && !loopback(u) && !opts.AllowHTTP {
		return nil, errors.New("axis transport: the REST profile sends its key in a header; use https (or AllowHTTP)")
	}
	r := &REST{base: u, prefix: opts.PathPrefix, cred: cred}
	if r.prefix == "" {
		r.prefix = DefaultRESTPrefix
	}
	r.cred.SecretKey = append([]byte(nil), cred.SecretKey...)
	r.cred.ClientSecret = append([]byte(nil), cred.ClientSecret...)
	switch {
	case cred.Token != "":
		r.token, r.expires = cred.Token, time.Time{}
		r.seen = []string{cred.Token}
	case opts.TokenURL != "" && cred.ClientID != "" && len(cred.ClientSecret) > 0:
		tu, err := url.Parse(opts.TokenURL)
		if err != nil || (tu.Scheme != "https" && tu.Scheme != "http") || tu.Host == "" || tu.User != nil {
			return nil, errors.New("axis transport: the token URL must be an http or https URL without credentials")
		}
		if tu.Scheme == "http" && !loopback(tu) && !opts.AllowHTTP {
			return nil, errors.New("axis transport: the token URL must use https (or AllowHTTP)")
		}
		r.tokenURL = tu.String()
	default:
		return nil, errors.New("axis transport: the REST profile needs a token, or a token URL with a client id and secret")
	}
	ho := httpOptions{HTTPClient: opts.HTTPClient, CA: opts.CA, CAFile: opts.CAFile, Timeout: opts.Timeout}
	if r.client, err = ho.client(); err != nil {
		return nil, err
	}
	r.timeout = ho.timeout()
	return r, nil
}

func headerSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// Do sends one attempt of call. When the axis refuses the token (a 401
// that is not an envelope, as a gateway answers, or one with AUTH_EXPIRED
// or AUTH_MISSING) and the token came from the token URL, the token is
// renewed and the attempt made once more.
func (r *REST) Do(ctx context.Context, call Call) (*Response, error) {
	tok, err := r.currentToken(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := r.attempt(ctx, call, tok)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || r.tokenURL == "" {
		return resp, err
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if env, err := decodeEnvelope(b); err == nil && env.ErrorCode != CodeAuthExpired && env.ErrorCode != CodeAuthMissing {
		// The axis refused something a new token would not change (the key).
		resp.Body = io.NopCloser(bytes.NewReader(b))
		return resp, nil
	}
	r.dropToken(tok)
	if tok, err = r.currentToken(ctx); err != nil {
		return nil, err
	}
	return r.attempt(ctx, call, tok)
}

func (r *REST) attempt(ctx context.Context, call Call, tok string) (*Response, error) {
	req, err := newRequest(ctx, r.base.JoinPath(r.prefix, call.Name).String(), call)
	if err != nil {
		return nil, err
	}
	for _, h := range call.Headers {
		if strings.ContainsAny(h.Value, "\r\n") {
			return nil, permanent(fmt.Errorf("header %s holds a line break", h.Name))
		}
		req.Header.Set(h.Name, h.Value)
	}
	req.Header.Set("Content-Type", contentType(call))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set(HeaderRESTSystemID, r.cred.SystemID)
	req.Header.Set(HeaderRESTSecretKey, string(r.cred.SecretKey))
	return roundTrip(r.client, req, r.timeout, call.Stream)
}

// currentToken returns the cached token or fetches a new one.
func (r *REST) currentToken(ctx context.Context) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.token != "" && (r.tokenURL == "" || time.Now().Before(r.expires)) {
		return r.token, nil
	}
	tok, ttl, err := r.fetchToken(ctx)
	if err != nil {
		return "", err
	}
	r.token, r.expires = tok, time.Now().Add(ttl)
	r.seen = append(r.seen, tok)
	if len(r.seen) > 8 {
		r.seen = r.seen[len(r.seen)-8:]
	}
	return tok, nil
}

func (r *REST) dropToken(tok string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.token == tok {
		r.token = ""
	}
}

// fetchToken asks the token endpoint for a token (client credentials).
func (r *REST) fetchToken(ctx context.Context) (string, time.Duration, error) {
	form := url.Values{"grant_type": {"client_credentials"}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.tokenURL, strings.NewReader(form))
	if err != nil {
		return "", 0, permanent(err)
	}
	req.SetBasicAuth(url.QueryEscape(r.cred.ClientID), url.QueryEscape(string(r.cred.ClientSecret)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", ContentTypeJSON)
	resp, err := roundTrip(r.client, req, r.timeout, false)
	if err != nil {
		return "", 0, fmt.Errorf("the token endpoint: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", 0, fmt.Errorf("the token endpoint: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		e := &Error{HTTPStatus: resp.StatusCode, Code: CodeHTTPPrefix + strconv.Itoa(resp.StatusCode),
			Desc: "the token endpoint refused the client credentials"}
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			e.Desc = "the token endpoint failed"
		}
		return "", 0, e
	}
	var t struct {
		AccessToken string          `json:"access_token"`
		TokenType   string          `json:"token_type"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	if err := json.Unmarshal(b, &t); err != nil || t.AccessToken == "" || !headerSafe(t.AccessToken) {
		return "", 0, &ProtocolError{HTTPStatus: resp.StatusCode, Reason: "the token endpoint gave no usable access_token"}
	}
	if t.TokenType != "" && !strings.EqualFold(t.TokenType, "bearer") {
		return "", 0, &ProtocolError{HTTPStatus: resp.StatusCode, Reason: "the token endpoint gave a token that is not a bearer token"}
	}
	ttl := time.Hour
	if s, err := scalarText(t.ExpiresIn); err == nil && s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			ttl = time.Duration(min(n, 86400)) * time.Second
		}
	}
	// Renew a little early, so a token does not expire in flight.
	ttl -= min(ttl/10, 30*time.Second)
	return t.AccessToken, ttl, nil
}

// Redact hides the credentials this transport sends (the secret key, the
// client secret, the tokens) in text the axis wrote.
func (r *REST) Redact(s string) string {
	r.mu.Lock()
	secrets := append([]string{string(r.cred.SecretKey), string(r.cred.ClientSecret)}, r.seen...)
	r.mu.Unlock()
	for _, x := range secrets {
		if len(x) >= 4 {
			s = strings.ReplaceAll(s, x, "[redacted]")
		}
	}
	return s
}
