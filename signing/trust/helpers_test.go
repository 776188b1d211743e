package trust_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/vanthu/vanthu/signing/demopki"
	"github.com/vanthu/vanthu/signing/trust"
)

func newPKI(t testing.TB, opts demopki.Options) *demopki.PKI {
	t.Helper()
	p, err := demopki.New(opts)
	if err != nil {
		t.Fatalf("demopki.New: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// storeFor trusts the demo root and knows the demo issuing CA.
func storeFor(p *demopki.PKI) *trust.Store {
	return trust.NewStore([]*x509.Certificate{p.Root.Cert}, []*x509.Certificate{p.Intermediate.Cert})
}

func validate(t *testing.T, s *trust.Store, leaf *x509.Certificate, opts trust.Options) trust.Result {
	t.Helper()
	res := s.Validate(context.Background(), leaf, opts)
	t.Logf("%v: %s; warnings %q", res.Status, res.Reason, res.Warnings)
	return res
}

// issue makes a certificate from tmpl signed by parent, with a fresh P-256
// key. Missing serial and validity are filled in around now.
func issue(t *testing.T, parent *demopki.Identity, now time.Time, tmpl *x509.Certificate) *demopki.Identity {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if tmpl.SerialNumber == nil {
		tmpl.SerialNumber, err = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
		if err != nil {
			t.Fatal(err)
		}
	}
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = now.Add(-24 * time.Hour)
		tmpl.NotAfter = now.Add(365 * 24 * time.Hour)
	}
	tmpl.BasicConstraintsValid = true
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent.Cert, key.Public(), parent.Key)
	if err != nil {
		t.Fatalf("issue %s: %v", tmpl.Subject.CommonName, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &demopki.Identity{Cert: c, Key: key, Chain: append([]*x509.Certificate{c}, parent.Chain...)}
}

func cn(name string) pkix.Name { return pkix.Name{CommonName: name, Country: []string{"VN"}} }

// signOCSP signs a response about cert (issued by the demo issuing CA) with
// key, naming responder; embed puts responder's certificate in it. Zero
// update times mean now … now+1 day.
func signOCSP(t *testing.T, p *demopki.PKI, cert, responder *x509.Certificate, key crypto.Signer, tmpl ocsp.Response, embed bool) []byte {
	t.Helper()
	tmpl.SerialNumber = cert.SerialNumber
	if tmpl.ThisUpdate.IsZero() {
		tmpl.ThisUpdate = p.Now().Truncate(time.Second)
		tmpl.NextUpdate = tmpl.ThisUpdate.Add(24 * time.Hour)
	}
	if embed {
		tmpl.Certificate = responder
	}
	der, err := ocsp.CreateResponse(p.Intermediate.Cert, responder, tmpl, key)
	if err != nil {
		t.Fatalf("sign OCSP response: %v", err)
	}
	return der
}

func fetch(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url) // #nosec G107 -- test URL on 127.0.0.1
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d, %v", url, resp.StatusCode, err)
	}
	return body
}

// countingTransport counts the requests that really go out.
type countingTransport struct {
	n atomic.Int32
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// impostorCA is a self-signed CA with the demo issuing CA's exact name.
func impostorCA(t *testing.T, p *demopki.PKI, now time.Time) *demopki.Identity {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), RawSubject: p.Intermediate.Cert.RawSubject,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &demopki.Identity{Cert: c, Key: key, Chain: []*x509.Certificate{c}}
}

// impostor is an OCSP responder with the demo responder's name and usage,
// issued by impostorCA.
func impostor(t *testing.T, p *demopki.PKI, now time.Time) *demopki.Identity {
	t.Helper()
	return issue(t, impostorCA(t, p, now), now, &x509.Certificate{
		RawSubject: p.OCSP.Cert.RawSubject, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning},
	})
}
