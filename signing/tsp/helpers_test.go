package tsp

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/signing/cms/cmstest"
)

// testPolicy is the policy of the test TSAs.
var testPolicy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 3161, 1}

type testPKI struct {
	ca      *cmstest.Identity
	tsaRSA  *cmstest.Identity // RSA key, critical EKU timeStamping
	tsaEC   *cmstest.Identity // P-256 key, critical EKU timeStamping
	noncrit *cmstest.Identity // EKU timeStamping, not critical
	signer  *cmstest.Identity // EKU codeSigning, critical
	rogue   crypto.Signer     // a key no certificate belongs to
	dir     string
	caPath  string
}

var (
	pkiOnce sync.Once
	pkiVal  *testPKI
)

func pki(t testing.TB) *testPKI {
	t.Helper()
	pkiOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tsp-pki-")
		if err != nil {
			t.Fatalf("temp dir: %v", err)
		}
		ca := cmstest.NewCA(t, "Vanthu Test TSA Root", cmstest.P256)
		ts := []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}
		p := &testPKI{
			ca:      ca,
			tsaRSA:  ca.Issue(t, cmstest.LeafOptions{Name: "Vanthu Test TSA RSA", Key: cmstest.RSA2048, ExtKey: ts, CriticalEKU: true}),
			tsaEC:   ca.Issue(t, cmstest.LeafOptions{Name: "Vanthu Test TSA EC", Key: cmstest.P256, ExtKey: ts, CriticalEKU: true}),
			noncrit: ca.Issue(t, cmstest.LeafOptions{Name: "Non-critical EKU TSA", Key: cmstest.P256, KeyLabel: "noncrit", ExtKey: ts}),
			signer: ca.Issue(t, cmstest.LeafOptions{Name: "Code signer", Key: cmstest.P256, KeyLabel: "code",
				ExtKey: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}, CriticalEKU: true}),
			rogue: cmstest.Key(t, cmstest.RSA2048, "rogue"),
			dir:   dir,
		}
		p.caPath = cmstest.WriteCertPEM(t, dir, "ca.pem", ca.Cert)
		pkiVal = p
	})
	if pkiVal == nil {
		t.Fatal("test PKI could not be built")
	}
	return pkiVal
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pkiVal != nil {
		os.RemoveAll(pkiVal.dir)
	}
	os.Exit(code)
}

// newTSA starts a TSA on 127.0.0.1 signing with id.
func newTSA(t testing.TB, id *cmstest.Identity, configure func(*Server)) (*Server, *httptest.Server) {
	t.Helper()
	s := &Server{Signer: id.Key, Chain: []*x509.Certificate{id.Cert, pki(t).ca.Cert}, Policy: testPolicy}
	if configure != nil {
		configure(s)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return s, hs
}

// post sends a raw request body to a TSA and returns the reply body.
func post(t testing.TB, url string, body []byte) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ContentTypeQuery)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: HTTP %s: %s", url, resp.Status, buf.Bytes())
	}
	if ct := resp.Header.Get("Content-Type"); ct != ContentTypeReply {
		t.Errorf("reply content type %q, want %q", ct, ContentTypeReply)
	}
	return buf.Bytes()
}

func sha256Of(data []byte) []byte {
	d := crypto.SHA256.New()
	d.Write(data)
	return d.Sum(nil)
}

// fixedNow lies within the validity of the test certificates.
var fixedNow = time.Now().Add(-time.Minute).Truncate(time.Second).Add(123456789 * time.Nanosecond)

func (p *testPKI) chain(id *cmstest.Identity) []*x509.Certificate {
	return []*x509.Certificate{id.Cert, p.ca.Cert}
}

func asRequestError(err error, target **RequestError) bool { return errors.As(err, target) }
