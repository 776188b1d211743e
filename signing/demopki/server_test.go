package demopki_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/vanthu/vanthu/signing/demopki"
)

func ocspRequest(t testing.TB, cert, issuer *x509.Certificate) []byte {
	t.Helper()
	req, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		t.Fatalf("ocsp.CreateRequest: %v", err)
	}
	return req
}

func postOCSP(t *testing.T, url string, req []byte) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/ocsp-request", bytes.NewReader(req)) // #nosec G107 -- test URL on 127.0.0.1
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode == http.StatusOK && ct != "application/ocsp-response" {
		t.Errorf("content type: got %q, want application/ocsp-response", ct)
	}
	return resp.StatusCode, body
}

func TestOCSPResponder(t *testing.T) {
	p := newPKI(t, demopki.Options{})
	// A certificate with a serial the CA never issued.
	stranger := *p.Leader.Cert
	stranger.SerialNumber = big.NewInt(424242)

	tests := []struct {
		name       string
		cert       *x509.Certificate
		wantStatus int
		revokedAt  time.Time
		reason     int
	}{
		{"leader good", p.Leader.Cert, ocsp.Good, time.Time{}, 0},
		{"agency good", p.Agency.Cert, ocsp.Good, time.Time{}, 0},
		{"revoked", p.Revoked.Cert, ocsp.Revoked, p.RevokedAt, ocsp.KeyCompromise},
		{"never issued", &stranger, ocsp.Unknown, time.Time{}, 0},
	}
	methods := []struct {
		name string
		do   func(t *testing.T, req []byte) (int, []byte)
	}{
		{"POST", func(t *testing.T, req []byte) (int, []byte) { return postOCSP(t, p.OCSPURL, req) }},
		{"GET escaped", func(t *testing.T, req []byte) (int, []byte) {
			return get(t, p.OCSPURL+"/"+url.PathEscape(base64.StdEncoding.EncodeToString(req)))
		}},
		{"GET raw", func(t *testing.T, req []byte) (int, []byte) {
			return get(t, p.OCSPURL+"/"+base64.StdEncoding.EncodeToString(req))
		}},
	}
	for _, m := range methods {
		for _, tt := range tests {
			t.Run(m.name+"/"+tt.name, func(t *testing.T) {
				code, body := m.do(t, ocspRequest(t, tt.cert, p.Intermediate.Cert))
				if code != http.StatusOK {
					t.Fatalf("HTTP status: got %d, want 200", code)
				}
				// Verifies the delegated responder certificate against
				// the issuing CA and the response against it.
				resp, err := ocsp.ParseResponseForCert(body, tt.cert, p.Intermediate.Cert)
				if err != nil {
					t.Fatalf("parse response: %v", err)
				}
				if resp.Status != tt.wantStatus {
					t.Errorf("status: got %d, want %d", resp.Status, tt.wantStatus)
				}
				if resp.Certificate == nil || !resp.Certificate.Equal(p.OCSP.Cert) {
					t.Error("response is not signed by the delegated OCSP responder")
				}
				if !resp.RevokedAt.Equal(tt.revokedAt) || resp.RevocationReason != tt.reason {
					t.Errorf("revocation: got %v (%d), want %v (%d)", resp.RevokedAt, resp.RevocationReason, tt.revokedAt, tt.reason)
				}
				if now := p.Now(); resp.ThisUpdate.After(now) || now.Sub(resp.ThisUpdate) > time.Minute ||
					resp.NextUpdate.Sub(resp.ThisUpdate) != 24*time.Hour {
					t.Errorf("validity: got %v … %v, want now … now+24h", resp.ThisUpdate, resp.NextUpdate)
				}
			})
		}
	}
}

func TestOCSPResponderRefuses(t *testing.T) {
	p := newPKI(t, demopki.Options{})
	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherCA := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: p.Intermediate.Cert.Subject,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, otherCA, otherCA, otherKey.Public(), otherKey)
	if err != nil {
		t.Fatal(err)
	}
	otherCert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		body []byte
		want ocsp.ResponseStatus
	}{
		{"garbage", []byte("not an OCSP request"), ocsp.Malformed},
		{"empty", nil, ocsp.Malformed},
		{"another issuer's key, same name", ocspRequest(t, p.Leader.Cert, otherCert), ocsp.Unauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := postOCSP(t, p.OCSPURL, tt.body)
			if code != http.StatusOK {
				t.Fatalf("HTTP status: got %d, want 200 with an OCSP error", code)
			}
			_, err := ocsp.ParseResponse(body, nil)
			var re ocsp.ResponseError
			if !errors.As(err, &re) || re.Status != tt.want {
				t.Errorf("got %v, want OCSP error status %v", err, tt.want)
			}
		})
	}
	// GET with a request that is not base64.
	code, body := get(t, p.OCSPURL+"/not-base64!")
	var re ocsp.ResponseError
	if _, err := ocsp.ParseResponse(body, nil); code != http.StatusOK || !errors.As(err, &re) || re.Status != ocsp.Malformed {
		t.Errorf("GET not-base64: got HTTP %d, %v; want 200 with a malformed-request answer", code, err)
	}
}

func TestCRLs(t *testing.T) {
	p := newPKI(t, demopki.Options{})
	tests := []struct {
		name        string
		url         string
		issuer      *x509.Certificate
		wantRevoked []*big.Int
	}{
		{"issuing CA", p.CRLURL, p.Intermediate.Cert, []*big.Int{p.Revoked.Cert.SerialNumber}},
		{"root", p.RootCRLURL, p.Root.Cert, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(t, tt.url)
			if code != http.StatusOK {
				t.Fatalf("HTTP status: got %d, want 200", code)
			}
			crl, err := x509.ParseRevocationList(body)
			if err != nil {
				t.Fatalf("parse CRL: %v", err)
			}
			if err := crl.CheckSignatureFrom(tt.issuer); err != nil {
				t.Errorf("CRL signature: %v", err)
			}
			if got := crl.NextUpdate.Sub(crl.ThisUpdate); got != 24*time.Hour {
				t.Errorf("nextUpdate - thisUpdate: got %v, want 24h", got)
			}
			if len(crl.RevokedCertificateEntries) != len(tt.wantRevoked) {
				t.Fatalf("entries: got %d, want %d", len(crl.RevokedCertificateEntries), len(tt.wantRevoked))
			}
			for i, e := range crl.RevokedCertificateEntries {
				if e.SerialNumber.Cmp(tt.wantRevoked[i]) != 0 {
					t.Errorf("entry %d serial: got %v, want %v", i, e.SerialNumber, tt.wantRevoked[i])
				}
				if !e.RevocationTime.Equal(p.RevokedAt) || e.ReasonCode != ocsp.KeyCompromise {
					t.Errorf("entry %d: got %v reason %d, want %v reason keyCompromise", i, e.RevocationTime, e.ReasonCode, p.RevokedAt)
				}
			}
		})
	}
	if !bytes.Equal(p.CRL(), mustGet(t, p.CRLURL)) || !bytes.Equal(p.RootCRL(), mustGet(t, p.RootCRLURL)) {
		t.Error("CRL()/RootCRL() differ from what the server serves")
	}
}

func mustGet(t *testing.T, url string) []byte {
	t.Helper()
	code, body := get(t, url)
	if code != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d", url, code)
	}
	return body
}

func TestCAIssuers(t *testing.T) {
	p := newPKI(t, demopki.Options{})
	for _, tt := range []struct {
		name string
		url  string
		want *x509.Certificate
	}{
		{"leader's issuer", p.Leader.Cert.IssuingCertificateURL[0], p.Intermediate.Cert},
		{"intermediate's issuer", p.Intermediate.Cert.IssuingCertificateURL[0], p.Root.Cert},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustGet(t, tt.url); !bytes.Equal(got, tt.want.Raw) {
				t.Errorf("got %d bytes, want the certificate of %s", len(got), tt.want.Subject.CommonName)
			}
		})
	}
}

func TestDisableResponders(t *testing.T) {
	p := newPKI(t, demopki.Options{})
	req := ocspRequest(t, p.Leader.Cert, p.Intermediate.Cert)
	check := func(t *testing.T, wantOCSP, wantCRL int) {
		t.Helper()
		if got, _ := postOCSP(t, p.OCSPURL, req); got != wantOCSP {
			t.Errorf("OCSP: got HTTP %d, want %d", got, wantOCSP)
		}
		for _, u := range []string{p.CRLURL, p.RootCRLURL} {
			if got, _ := get(t, u); got != wantCRL {
				t.Errorf("CRL %s: got HTTP %d, want %d", u, got, wantCRL)
			}
		}
	}
	check(t, http.StatusOK, http.StatusOK)
	p.DisableOCSP(true)
	check(t, http.StatusServiceUnavailable, http.StatusOK)
	p.DisableCRL(true)
	check(t, http.StatusServiceUnavailable, http.StatusServiceUnavailable)
	p.DisableOCSP(false)
	p.DisableCRL(false)
	check(t, http.StatusOK, http.StatusOK)

	p.Close()
	if resp, err := http.Get(p.CRLURL); err == nil { // #nosec G107 -- test URL on 127.0.0.1
		resp.Body.Close()
		t.Error("the CRL server still answers after Close")
	}
	p.Close() // a second Close is harmless
}

func TestOCSPResponseMatchesLive(t *testing.T) {
	p := newPKI(t, demopki.Options{})
	der, err := p.OCSPResponse(p.Revoked.Cert)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ocsp.ParseResponseForCert(der, p.Revoked.Cert, p.Intermediate.Cert)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != ocsp.Revoked {
		t.Errorf("status: got %d, want revoked", resp.Status)
	}
	if _, err := p.OCSPResponse(p.Intermediate.Cert); err == nil {
		t.Error("OCSPResponse for a certificate the issuing CA did not issue: got no error")
	}
}

func FuzzOCSPHandler(f *testing.F) {
	p, err := demopki.New(demopki.Options{NoServers: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ocspRequest(f, p.Leader.Cert, p.Intermediate.Cert))
	f.Add(ocspRequest(f, p.Revoked.Cert, p.Intermediate.Cert))
	f.Add(ocspRequest(f, p.Intermediate.Cert, p.Root.Cert))
	f.Add([]byte{0x30, 0x03, 0x30, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, r := range []*http.Request{
			httptest.NewRequest(http.MethodPost, "/ocsp", bytes.NewReader(body)),
			httptest.NewRequest(http.MethodGet, "/ocsp/"+url.PathEscape(base64.StdEncoding.EncodeToString(body)), nil),
		} {
			w := httptest.NewRecorder()
			p.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				t.Fatalf("%s: got HTTP %d, want 200", r.Method, w.Code)
			}
			resp, err := ocsp.ParseResponse(w.Body.Bytes(), p.Intermediate.Cert)
			var re ocsp.ResponseError
			switch {
			case errors.As(err, &re):
			case err != nil:
				t.Fatalf("%s: the responder produced an unparsable answer: %v", r.Method, err)
			case resp.Status != ocsp.Good && resp.Status != ocsp.Revoked && resp.Status != ocsp.Unknown:
				t.Fatalf("%s: status %d", r.Method, resp.Status)
			}
		}
	})
}
