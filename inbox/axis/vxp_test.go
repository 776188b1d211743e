package axis_test

import (
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/axis/axistest"
)

func newVXP(t *testing.T, cfg axistest.TransportConfig) axis.Transport {
	t.Helper()
	tr, err := axis.NewVXP(cfg.URL, axis.Credentials{SystemID: cfg.System.ID, Secret: cfg.System.Secret},
		axis.VXPOptions{CA: cfg.CA, Timeout: cfg.Timeout})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestVXPClientSuite(t *testing.T) {
	axistest.RunClientSuite(t, newVXP, func() axistest.Profile { return axistest.NewVXP() })
}

func vxpFake(t *testing.T, p *axistest.VXP) *axistest.Fake {
	return axistest.New(t, p, axistest.Options{}, axistest.Hanoi, axistest.NgheAn)
}

func TestVXPFollowsTheAxisClock(t *testing.T) {
	f := vxpFake(t, axistest.NewVXP())
	slow := func() time.Time { return time.Now().Add(-10 * time.Minute) }
	tr, err := axis.NewVXP(f.URL, axis.Credentials{SystemID: axistest.Hanoi.ID, Secret: axistest.Hanoi.Secret}, axis.VXPOptions{Now: slow})
	if err != nil {
		t.Fatal(err)
	}
	c := axis.NewClient(tr, axis.ClientOptions{BaseDelay: time.Millisecond})
	if _, err := c.Agencies(t.Context()); err != nil {
		t.Fatalf("a desk 10 minutes late did not catch up with the axis: %v", err)
	}
	if _, err := c.Agencies(t.Context()); err != nil {
		t.Fatal(err)
	}
	// One refused attempt (not recorded: it failed authentication), then
	// two accepted calls.
	if n := len(f.Requests("")); n != 2 {
		t.Errorf("%d accepted requests, want 2", n)
	}

	// Without retries the stale timestamp is the caller's error.
	tr2, _ := axis.NewVXP(f.URL, axis.Credentials{SystemID: axistest.Hanoi.ID, Secret: axistest.Hanoi.Secret}, axis.VXPOptions{Now: slow})
	_, err = axis.NewClient(tr2, axis.ClientOptions{Retries: -1}).Agencies(t.Context())
	var ae *axis.Error
	if !errors.As(err, &ae) || ae.Code != axis.CodeAuthStale {
		t.Errorf("got %v, want AUTH_STALE", err)
	}
}

func TestVXPSDKCompat(t *testing.T) {
	cred := axis.Credentials{SystemID: axistest.Hanoi.ID, Secret: axistest.Hanoi.Secret}
	compat := vxpFake(t, &axistest.VXP{SDKCompat: true})
	tr, err := axis.NewVXP(compat.URL, cred, axis.VXPOptions{SDKCompat: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := axis.NewClient(tr, axis.ClientOptions{}).Agencies(t.Context()); err != nil {
		t.Fatal(err)
	}
	if r := compat.Requests(""); len(r) != 1 || r[0].RequestID != "" {
		t.Errorf("requests %+v, want one without a request id", r)
	}
	// A strict axis refuses the SDK's form, and the refusal is final.
	strict := vxpFake(t, axistest.NewVXP())
	tr, _ = axis.NewVXP(strict.URL, cred, axis.VXPOptions{SDKCompat: true})
	_, err = axis.NewClient(tr, axis.ClientOptions{BaseDelay: time.Millisecond}).Agencies(t.Context())
	var ae *axis.Error
	if !errors.As(err, &ae) || ae.Code != axis.CodeAuthMissing || strings.Contains(err.Error(), "attempts") {
		t.Errorf("got %v, want one AUTH_MISSING", err)
	}
}

func TestVXPNeverFollowsRedirects(t *testing.T) {
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the signed request followed a redirect: %s", r.URL)
	}))
	defer elsewhere.Close()
	redirector := httptest.NewServer(http.RedirectHandler(elsewhere.URL+"/getAgenciesList", http.StatusTemporaryRedirect))
	defer redirector.Close()
	tr, err := axis.NewVXP(redirector.URL, axis.Credentials{SystemID: "a", Secret: []byte("b")}, axis.VXPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = axis.NewClient(tr, axis.ClientOptions{}).Agencies(t.Context())
	var ae *axis.Error
	if !errors.As(err, &ae) || ae.HTTPStatus != http.StatusTemporaryRedirect {
		t.Errorf("got %v, want the 307 as an error", err)
	}
}

func TestNewVXPOptions(t *testing.T) {
	cred := axis.Credentials{SystemID: "a", Secret: []byte("b")}
	for _, c := range []struct {
		endpoint string
		cred     axis.Credentials
		opts     axis.VXPOptions
	}{
		{"", cred, axis.VXPOptions{}},
		{"ftp://axis.example.vn", cred, axis.VXPOptions{}},
		{"https://user:pass@axis.example.vn", cred, axis.VXPOptions{}},
		{"https://axis.example.vn/?x=1", cred, axis.VXPOptions{}},
		{"https://axis.example.vn", axis.Credentials{SystemID: "a"}, axis.VXPOptions{}},
		{"https://axis.example.vn", cred, axis.VXPOptions{CAFile: "/nonexistent.pem"}},
		{"https://axis.example.vn", cred, axis.VXPOptions{HTTPClient: http.DefaultClient, CAFile: "x.pem"}},
	} {
		if _, err := axis.NewVXP(c.endpoint, c.cred, c.opts); err == nil {
			t.Errorf("NewVXP(%q, %+v) accepted", c.endpoint, c.opts)
		} else if strings.Contains(err.Error(), "pass") {
			t.Errorf("the error shows the endpoint's password: %v", err)
		}
	}
}

func TestVXPCAFile(t *testing.T) {
	f := axistest.New(t, axistest.NewVXP(), axistest.Options{TLS: true}, axistest.Hanoi)
	path := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.Certificate().Raw})
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	tr, err := axis.NewVXP(f.URL, axis.Credentials{SystemID: axistest.Hanoi.ID, Secret: axistest.Hanoi.Secret}, axis.VXPOptions{CAFile: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := axis.NewClient(tr, axis.ClientOptions{}).Agencies(t.Context()); err != nil {
		t.Fatal(err)
	}
}
