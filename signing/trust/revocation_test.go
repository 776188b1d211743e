package trust_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/vanthu/vanthu/signing/demopki"
	"github.com/vanthu/vanthu/signing/trust"
)

// signCRL makes a CRL of the demo issuing CA (or of issuer, when given).
func signCRL(t *testing.T, issuer *demopki.Identity, tmpl x509.RevocationList) []byte {
	t.Helper()
	if tmpl.Number == nil {
		tmpl.Number = big.NewInt(2)
	}
	der, err := x509.CreateRevocationList(rand.Reader, &tmpl, issuer.Cert, issuer.Key)
	if err != nil {
		t.Fatalf("sign CRL: %v", err)
	}
	return der
}

func TestCRLRules(t *testing.T) {
	p := newPKI(t, demopki.Options{NoServers: true})
	now := p.Now().Truncate(time.Second)
	day := 24 * time.Hour
	fresh := x509.RevocationList{ThisUpdate: now, NextUpdate: now.Add(day)}
	withExt := func(id asn1.ObjectIdentifier, critical bool, value []byte) x509.RevocationList {
		rl := fresh
		rl.ExtraExtensions = []pkix.Extension{{Id: id, Critical: critical, Value: value}}
		return rl
	}
	revokedEntry := func(serial *big.Int, at time.Time) x509.RevocationList {
		rl := fresh
		rl.RevokedCertificateEntries = []x509.RevocationListEntry{{SerialNumber: serial, RevocationTime: at, ReasonCode: 4}}
		return rl
	}
	idpOnlyCA := []byte{0x30, 0x03, 0x82, 0x01, 0xff}   // onlyContainsCACerts
	idpOnlyUser := []byte{0x30, 0x03, 0x81, 0x01, 0xff} // onlyContainsUserCerts
	idpSomeReasons := []byte{0x30, 0x04, 0x83, 0x02, 0x07, 0x80}
	oidIDP := asn1.ObjectIdentifier{2, 5, 29, 28}

	tests := []struct {
		name       string
		cert       *x509.Certificate
		at         time.Time
		crl        []byte
		wantStatus trust.CertStatus
		wantReason string
		wantText   string // in the detail or the warnings
	}{
		{"fresh CRL without the serial", p.Leader.Cert, now, signCRL(t, p.Intermediate, fresh), trust.CertGood, "", ""},
		{"revoked, reason superseded", p.Leader.Cert, now, signCRL(t, p.Intermediate, revokedEntry(p.Leader.Cert.SerialNumber, now.Add(-time.Minute))), trust.CertRevoked, "superseded", ""},
		{"older CRL still current at the time", p.Leader.Cert, now.Add(12 * time.Hour), signCRL(t, p.Intermediate, fresh), trust.CertGood, "", ""},
		{"stale CRL", p.Leader.Cert, now.Add(3 * day), signCRL(t, p.Intermediate, fresh), trust.CertUnknown, "", "only current until"},
		{"impostor CA with the same name", p.Leader.Cert, now, signCRL(t, impostorCA(t, p, now), fresh), trust.CertUnknown, "", "signature does not verify"},
		{"delta CRL", p.Leader.Cert, now, signCRL(t, p.Intermediate, withExt(asn1.ObjectIdentifier{2, 5, 29, 27}, true, []byte{0x02, 0x01, 0x01})), trust.CertUnknown, "", "delta CRL"},
		{"CA-only CRL for a leaf", p.Leader.Cert, now, signCRL(t, p.Intermediate, withExt(oidIDP, true, idpOnlyCA)), trust.CertUnknown, "", ""},
		{"user-only CRL for a leaf", p.Leader.Cert, now, signCRL(t, p.Intermediate, withExt(oidIDP, true, idpOnlyUser)), trust.CertGood, "", ""},
		{"partial CRL", p.Leader.Cert, now, signCRL(t, p.Intermediate, withExt(oidIDP, true, idpSomeReasons)), trust.CertUnknown, "", "partial or indirect"},
		{"unknown critical extension", p.Leader.Cert, now, signCRL(t, p.Intermediate, withExt(asn1.ObjectIdentifier{1, 2, 3, 4}, true, []byte{0x05, 0x00})), trust.CertUnknown, "", "unsupported critical extension"},
		{"unknown non-critical extension", p.Leader.Cert, now, signCRL(t, p.Intermediate, withExt(asn1.ObjectIdentifier{1, 2, 3, 4}, false, []byte{0x05, 0x00})), trust.CertGood, "", ""},
		{"issued after the certificate expired", p.Expired.Cert, p.Expired.Cert.NotAfter.Add(-day), signCRL(t, p.Intermediate, fresh), trust.CertUnknown, "", "may no longer list it"},
		{"issued after expiry, with expiredCertsOnCRL", p.Expired.Cert, p.Expired.Cert.NotAfter.Add(-day),
			signCRL(t, p.Intermediate, withExt(asn1.ObjectIdentifier{2, 5, 29, 60}, false, mustMarshal(t, p.Expired.Cert.NotBefore.UTC()))), trust.CertGood, "", ""},
		{"not a CRL", p.Leader.Cert, now, []byte("not a CRL"), trust.CertUnknown, "", "embedded CRL 1 cannot be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := validate(t, storeFor(p), tt.cert, trust.Options{At: tt.at, CRLs: [][]byte{tt.crl}})
			if res.Status != trust.Trusted && res.Status != trust.Revoked {
				t.Fatalf("status: got %v (%s)", res.Status, res.Reason)
			}
			c := res.Revocation[0]
			if c.Status != tt.wantStatus || c.Reason != tt.wantReason {
				t.Errorf("check: got %v (%s), want %v (%s)", c.Status, c.Reason, tt.wantStatus, tt.wantReason)
			}
			if c.Status != trust.CertUnknown && c.Source != trust.EmbeddedCRL {
				t.Errorf("source: got %q, want embedded CRL", c.Source)
			}
			if text := c.Detail + strings.Join(res.Warnings, "\n"); !strings.Contains(text, tt.wantText) {
				t.Errorf("detail and warnings: got %q, want them to mention %q", text, tt.wantText)
			}
		})
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	der, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestOnlineRequestsOncePerURL(t *testing.T) {
	p := newPKI(t, demopki.Options{})
	now := p.Now()
	// A leaf naming the same responder and CRL twice, and a second leaf
	// under the same CA: one Validate asks each URL once.
	twice := issue(t, p.Intermediate, now, &x509.Certificate{
		Subject: cn("Ngô Văn Khoa"), KeyUsage: x509.KeyUsageDigitalSignature,
		OCSPServer:            []string{p.OCSPURL, p.OCSPURL},
		CRLDistributionPoints: []string{p.CRLURL, p.CRLURL},
	})
	tests := []struct {
		name      string
		disable   bool
		wantCalls int32
		want      trust.Status
	}{
		// Responder down: one OCSP POST, one CRL GET (leaf), one root CRL GET.
		{"servers down", true, 3, trust.Indeterminate},
		// Responder up: the demo responder does not know this
		// hand-made certificate (unknown), the CRL decides; root CRL.
		{"servers up", false, 3, trust.Trusted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.DisableOCSP(tt.disable)
			p.DisableCRL(tt.disable)
			defer p.DisableOCSP(false)
			defer p.DisableCRL(false)
			ct := &countingTransport{}
			res := validate(t, storeFor(p), twice.Cert, trust.Options{At: now, Online: true, HTTPClient: &http.Client{Transport: ct}})
			if res.Status != tt.want {
				t.Errorf("status: got %v (%s), want %v", res.Status, res.Reason, tt.want)
			}
			if got := ct.n.Load(); got != tt.wantCalls {
				t.Errorf("HTTP requests: got %d, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestOnlineAnswerLimits(t *testing.T) {
	p := newPKI(t, demopki.Options{})
	now := p.Now()
	// A server that answers far too much.
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 1<<20)
		n := 2
		if r.Method == http.MethodGet {
			n = 33
		}
		for range n {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(huge.Close)

	tests := []struct {
		name     string
		ocspURL  string
		crlURL   string
		wantText []string
	}{
		{"oversized answers", huge.URL + "/ocsp", huge.URL + "/crl", []string{"larger than 1 MiB", "larger than 32 MiB"}},
		{"LDAP pointers", "ldap://ldap.example.invalid/cn=ocsp", "ldap://ldap.example.invalid/cn=crl", []string{"only http and https"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := issue(t, p.Intermediate, now, &x509.Certificate{
				Subject: cn("Đỗ Thị Lan"), KeyUsage: x509.KeyUsageDigitalSignature,
				OCSPServer: []string{tt.ocspURL}, CRLDistributionPoints: []string{tt.crlURL},
			})
			res := validate(t, storeFor(p), c.Cert, trust.Options{At: now, Online: true})
			if res.Status != trust.Indeterminate || !containsAll(res.Revocation[0].Detail, tt.wantText...) {
				t.Errorf("got %v (%s), want indeterminate mentioning %q", res.Status, res.Revocation[0].Detail, tt.wantText)
			}
		})
	}
}

func TestCheckDataIsEmbeddable(t *testing.T) {
	// What an online check returns can be embedded and decides later
	// without the network: the PAdES B-LT flow.
	p := newPKI(t, demopki.Options{})
	s := storeFor(p)
	first := validate(t, s, p.Leader.Cert, trust.Options{At: p.Now(), Online: true})
	if first.Status != trust.Trusted {
		t.Fatalf("online: got %v (%s)", first.Status, first.Reason)
	}
	var ocsps, crls [][]byte
	for _, c := range first.Revocation {
		switch c.Source {
		case trust.OnlineOCSP:
			ocsps = append(ocsps, c.Data)
		case trust.OnlineCRL:
			crls = append(crls, c.Data)
		}
	}
	p.Close()
	second := s.Validate(context.Background(), p.Leader.Cert, trust.Options{At: p.Now(), Online: true, OCSPs: ocsps, CRLs: crls})
	if second.Status != trust.Trusted || second.Revocation[0].Source != trust.EmbeddedOCSP || second.Revocation[1].Source != trust.EmbeddedCRL {
		t.Errorf("embedded: got %v (%s), sources %q %q", second.Status, second.Reason, second.Revocation[0].Source, second.Revocation[1].Source)
	}
}

func TestOCSPWithSHA256CertID(t *testing.T) {
	p := newPKI(t, demopki.Options{NoServers: true})
	der := signOCSP(t, p, p.Leader.Cert, p.OCSP.Cert, p.OCSP.Key, ocsp.Response{Status: ocsp.Good, IssuerHash: crypto.SHA256}, true)
	res := validate(t, storeFor(p), p.Leader.Cert, trust.Options{At: p.Now(), OCSPs: [][]byte{der}})
	if res.Revocation[0].Status != trust.CertGood {
		t.Errorf("got %v (%s), want good", res.Revocation[0].Status, res.Revocation[0].Detail)
	}
}

func TestStrings(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{trust.Trusted.String(), "trusted"},
		{trust.Untrusted.String(), "untrusted"},
		{trust.Revoked.String(), "revoked"},
		{trust.Expired.String(), "expired"},
		{trust.Indeterminate.String(), "indeterminate"},
		{trust.Unsuitable.String(), "unsuitable"},
		{trust.Status(0).String(), "status(0)"},
		{trust.CertGood.String(), "good"},
		{trust.CertRevoked.String(), "revoked"},
		{trust.CertUnknown.String(), "unknown"},
		{trust.Signing.String(), "document signing"},
		{trust.Timestamping.String(), "timestamping"},
		{trust.OCSPSigning.String(), "OCSP signing"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
