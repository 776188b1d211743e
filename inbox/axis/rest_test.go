package axis_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/axis/axistest"
)

const restClientID = "vanthu-desk"

var restClientSecret = []byte("oauth-client-secret-93e1")

func newREST(t *testing.T, cfg axistest.TransportConfig) axis.Transport {
	t.Helper()
	tr, err := axis.NewREST(cfg.URL, axis.RESTCredentials{SystemID: cfg.System.ID, SecretKey: cfg.System.Secret,
		ClientID: restClientID, ClientSecret: restClientSecret},
		axis.RESTOptions{CA: cfg.CA, Timeout: cfg.Timeout, TokenURL: cfg.URL + axistest.TokenPath})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestRESTClientSuite(t *testing.T) {
	axistest.RunClientSuite(t, newREST, func() axistest.Profile { return axistest.NewREST(restClientID, restClientSecret) })
}

func TestRESTTokens(t *testing.T) {
	p := axistest.NewREST(restClientID, restClientSecret)
	f := axistest.New(t, p, axistest.Options{}, axistest.Hanoi)
	tr := newREST(t, axistest.TransportConfig{URL: f.URL, System: axistest.Hanoi})
	c := axis.NewClient(tr, axis.ClientOptions{Retries: -1})
	ctx := t.Context()
	for range 3 {
		if _, err := c.Agencies(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := p.Issued(); n != 1 {
		t.Errorf("%d tokens fetched for 3 calls, want 1", n)
	}
	// A revoked token is renewed within the attempt, even with no retries.
	p.RevokeTokens()
	if _, err := c.Agencies(ctx); err != nil {
		t.Fatalf("a revoked token was not renewed: %v", err)
	}
	if n := p.Issued(); n != 2 {
		t.Errorf("%d tokens fetched, want 2", n)
	}
	// The axis echoing the request: neither the key nor the token shows.
	f.Fail("", axistest.Fault{Status: 400, Code: axis.CodeBadRequest, Echo: true})
	_, err := c.Agencies(ctx)
	if err == nil || !strings.Contains(err.Error(), "[redacted]") {
		t.Fatalf("got %v, want an echo with redactions", err)
	}
	if strings.Contains(err.Error(), string(axistest.Hanoi.Secret)) || strings.Contains(strings.ToLower(err.Error()), "bearer 0") ||
		strings.Contains(err.Error(), string(restClientSecret)) {
		t.Errorf("a credential shows: %v", err)
	}
}

func TestRESTClientCredentialsRefused(t *testing.T) {
	p := axistest.NewREST(restClientID, []byte("another-secret"))
	f := axistest.New(t, p, axistest.Options{}, axistest.Hanoi)
	c := axis.NewClient(newREST(t, axistest.TransportConfig{URL: f.URL, System: axistest.Hanoi}), axis.ClientOptions{})
	_, err := c.Agencies(t.Context())
	var ae *axis.Error
	if !errors.As(err, &ae) || ae.HTTPStatus != 401 || strings.Contains(err.Error(), "attempts") {
		t.Errorf("got %v, want one 401 from the token endpoint", err)
	}
	if strings.Contains(err.Error(), string(restClientSecret)) {
		t.Errorf("the client secret shows: %v", err)
	}
}

func TestRESTStaticToken(t *testing.T) {
	p := axistest.NewREST(restClientID, restClientSecret)
	f := axistest.New(t, p, axistest.Options{}, axistest.Hanoi)
	// Fetch a token as an operator would, then configure it.
	fetcher := newREST(t, axistest.TransportConfig{URL: f.URL, System: axistest.Hanoi})
	if _, err := axis.NewClient(fetcher, axis.ClientOptions{}).Agencies(t.Context()); err != nil {
		t.Fatal(err)
	}
	p.RevokeTokens()
	tr, err := axis.NewREST(f.URL, axis.RESTCredentials{SystemID: axistest.Hanoi.ID, SecretKey: axistest.Hanoi.Secret, Token: "not-a-token"}, axis.RESTOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = axis.NewClient(tr, axis.ClientOptions{}).Agencies(t.Context())
	var ae *axis.Error
	if !errors.As(err, &ae) || ae.Code != axis.CodeAuthExpired {
		t.Errorf("got %v, want AUTH_EXPIRED for a static token the axis does not know", err)
	}
}

func TestNewRESTOptions(t *testing.T) {
	cred := axis.RESTCredentials{SystemID: "a", SecretKey: []byte("k"), Token: "t"}
	for _, c := range []struct {
		endpoint string
		cred     axis.RESTCredentials
		opts     axis.RESTOptions
	}{
		{"http://axis.example.vn", cred, axis.RESTOptions{}},
		{"https://axis.example.vn", axis.RESTCredentials{SystemID: "a", SecretKey: []byte("k")}, axis.RESTOptions{}},
		{"https://axis.example.vn", axis.RESTCredentials{SystemID: "a", SecretKey: []byte("k\n")}, axis.RESTOptions{}},
		{"https://axis.example.vn", axis.RESTCredentials{SystemID: "a", SecretKey: []byte("k"), ClientID: "c", ClientSecret: []byte("s")},
			axis.RESTOptions{TokenURL: "http://idp.example.vn/token"}},
	} {
		if _, err := axis.NewREST(c.endpoint, c.cred, c.opts); err == nil {
			t.Errorf("NewREST(%q, %+v) accepted", c.endpoint, c.opts)
		}
	}
	if _, err := axis.NewREST("http://axis.example.vn", cred, axis.RESTOptions{AllowHTTP: true}); err != nil {
		t.Errorf("AllowHTTP: %v", err)
	}
	if _, err := axis.NewREST("http://127.0.0.1:8080", cred, axis.RESTOptions{}); err != nil {
		t.Errorf("loopback: %v", err)
	}
}
