package demopki_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/signing/demopki"
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

var (
	oidC   = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidST  = asn1.ObjectIdentifier{2, 5, 4, 8}
	oidL   = asn1.ObjectIdentifier{2, 5, 4, 7}
	oidO   = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOU  = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidT   = asn1.ObjectIdentifier{2, 5, 4, 12}
	oidCN  = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidUID = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}

	oidDocSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}
	oidNoCheck    = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}
	oidEKU        = asn1.ObjectIdentifier{2, 5, 29, 37}
)

// Raw views of a Name, to see the string types on the wire.
type attr struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}
type rdnSET []attr

func rawAttrs(t *testing.T, der []byte) map[string]asn1.RawValue {
	t.Helper()
	var seq []rdnSET
	rest, err := asn1.Unmarshal(der, &seq)
	if err != nil || len(rest) > 0 {
		t.Fatalf("decode name: %v (rest %d bytes)", err, len(rest))
	}
	out := map[string]asn1.RawValue{}
	for _, rdn := range seq {
		for _, a := range rdn {
			out[a.Type.String()] = a.Value
		}
	}
	return out
}

func TestSubjectsKeepVietnameseDiacritics(t *testing.T) {
	p := newPKI(t, demopki.Options{})
	const ubnd = "Ủy ban nhân dân tỉnh Hà Nam"
	const bcy = "Ban Cơ yếu Chính phủ (demo)"
	tests := []struct {
		name string
		cert *x509.Certificate
		want map[string]string // OID → value
	}{
		{"root", p.Root.Cert, map[string]string{
			oidCN.String(): "Vanthu Demo Root CA", oidO.String(): bcy, oidC.String(): "VN"}},
		{"intermediate", p.Intermediate.Cert, map[string]string{
			oidCN.String(): "Vanthu Demo CA dùng cho các cơ quan nhà nước", oidO.String(): bcy, oidC.String(): "VN"}},
		{"leader", p.Leader.Cert, map[string]string{
			oidCN.String(): "Nguyễn Văn An", oidT.String(): "Phó Chủ tịch", oidO.String(): ubnd,
			oidL.String(): "Phủ Lý", oidST.String(): "Hà Nam", oidC.String(): "VN", oidUID.String(): "CMND:168123456"}},
		{"agency", p.Agency.Cert, map[string]string{
			oidCN.String(): ubnd, oidO.String(): ubnd, oidL.String(): "Phủ Lý", oidST.String(): "Hà Nam",
			oidC.String(): "VN", oidUID.String(): "MNS:000.00.00.H41"}},
		{"clerk", p.Clerk.Cert, map[string]string{
			oidCN.String(): "Trần Thị Bình", oidT.String(): "Văn thư", oidOU.String(): "Văn phòng", oidO.String(): ubnd}},
		{"docsigningonly", p.DocSigningOnly.Cert, map[string]string{oidCN.String(): "Đặng Thị Giang"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// crypto/x509's decoded view.
			got := map[string]string{}
			for _, n := range tt.cert.Subject.Names {
				s, ok := n.Value.(string)
				if !ok {
					t.Fatalf("attribute %v has value %T, want a string", n.Type, n.Value)
				}
				got[n.Type.String()] = s
			}
			raw := rawAttrs(t, tt.cert.RawSubject)
			for oid, want := range tt.want {
				if got[oid] != want {
					t.Errorf("attribute %s: got %q, want %q", oid, got[oid], want)
				}
				if !norm.NFC.IsNormalString(want) {
					t.Errorf("attribute %s: %q is not NFC", oid, want)
				}
				wantTag := asn1.TagUTF8String
				if oid == oidC.String() {
					wantTag = asn1.TagPrintableString
				}
				if raw[oid].Tag != wantTag || raw[oid].Class != asn1.ClassUniversal {
					t.Errorf("attribute %s: got ASN.1 tag %d, want %d", oid, raw[oid].Tag, wantTag)
				}
				if oid != oidC.String() && string(raw[oid].Bytes) != want {
					t.Errorf("attribute %s: got bytes %q, want %q", oid, raw[oid].Bytes, want)
				}
			}
			// The issuer name is the CA's subject, byte for byte.
			if tt.cert != p.Root.Cert && !bytes.Equal(tt.cert.RawIssuer, issuerOf(p, tt.cert).RawSubject) {
				t.Errorf("issuer name differs from the CA's subject")
			}
		})
	}
}

func issuerOf(p *demopki.PKI, c *x509.Certificate) *x509.Certificate {
	if c == p.Intermediate.Cert {
		return p.Root.Cert
	}
	return p.Intermediate.Cert
}

func ekuCritical(c *x509.Certificate) (present, critical bool) {
	for _, e := range c.Extensions {
		if e.Id.Equal(oidEKU) {
			return true, e.Critical
		}
	}
	return false, false
}

func hasExtension(c *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	return slices.ContainsFunc(c.Extensions, func(e pkix.Extension) bool { return e.Id.Equal(oid) })
}

func TestKeyUsagesAndExtensions(t *testing.T) {
	p := newPKI(t, demopki.Options{})
	signKU := x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	email := []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}
	doc := []asn1.ObjectIdentifier{oidDocSigning}
	tests := []struct {
		name        string
		id          *demopki.Identity
		ku          x509.KeyUsage
		eku         []x509.ExtKeyUsage
		unknown     []asn1.ObjectIdentifier
		ekuCritical bool
		ca          bool
		pointers    bool // AIA OCSP + caIssuers, CRLDP
	}{
		{"root", p.Root, x509.KeyUsageCertSign | x509.KeyUsageCRLSign, nil, nil, false, true, false},
		{"intermediate", p.Intermediate, x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature, nil, nil, false, true, false},
		{"leader", p.Leader, signKU, email, doc, false, false, true},
		{"agency", p.Agency, signKU, email, doc, false, false, true},
		{"clerk", p.Clerk, signKU, email, doc, false, false, true},
		{"revoked", p.Revoked, signKU, email, doc, false, false, true},
		{"expired", p.Expired, signKU, email, doc, false, false, true},
		{"nonsigning", p.NonSigning, x509.KeyUsageKeyEncipherment, email, nil, false, false, true},
		{"docsigningonly", p.DocSigningOnly, signKU, nil, doc, false, false, true},
		{"tsa", p.TSA, x509.KeyUsageDigitalSignature, []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}, nil, true, false, true},
		{"ocsp", p.OCSP, x509.KeyUsageDigitalSignature, []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}, nil, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.id.Cert
			if c.KeyUsage != tt.ku {
				t.Errorf("key usage: got %b, want %b", c.KeyUsage, tt.ku)
			}
			if !slices.Equal(c.ExtKeyUsage, tt.eku) {
				t.Errorf("EKU: got %v, want %v", c.ExtKeyUsage, tt.eku)
			}
			if !slices.EqualFunc(c.UnknownExtKeyUsage, tt.unknown, asn1.ObjectIdentifier.Equal) {
				t.Errorf("unknown EKU: got %v, want %v", c.UnknownExtKeyUsage, tt.unknown)
			}
			if _, crit := ekuCritical(c); crit != tt.ekuCritical {
				t.Errorf("EKU critical: got %v, want %v", crit, tt.ekuCritical)
			}
			if c.IsCA != tt.ca || !c.BasicConstraintsValid {
				t.Errorf("basic constraints: got CA=%v valid=%v, want CA=%v", c.IsCA, c.BasicConstraintsValid, tt.ca)
			}
			if len(c.SubjectKeyId) == 0 {
				t.Error("no subject key identifier")
			}
			if c != p.Root.Cert && !bytes.Equal(c.AuthorityKeyId, issuerOf(p, c).SubjectKeyId) {
				t.Error("authority key identifier does not match the issuer's subject key identifier")
			}
			if !tt.ca && len(c.Policies) != 1 && tt.name != "ocsp" {
				t.Errorf("policies: got %v, want one demo policy", c.Policies)
			}
			wantOCSP, wantCRL, wantAIA := []string(nil), []string(nil), []string(nil)
			if tt.pointers {
				wantOCSP, wantCRL, wantAIA = []string{p.OCSPURL}, []string{p.CRLURL}, []string{p.CAIssuersURL}
			}
			if tt.name == "intermediate" {
				wantCRL, wantAIA = []string{p.RootCRLURL}, []string{strings.Replace(p.CAIssuersURL, "issuing-ca", "root", 1)}
			}
			if !slices.Equal(c.OCSPServer, wantOCSP) || !slices.Equal(c.CRLDistributionPoints, wantCRL) ||
				!slices.Equal(c.IssuingCertificateURL, wantAIA) {
				t.Errorf("pointers: got OCSP %v CRL %v caIssuers %v, want %v %v %v",
					c.OCSPServer, c.CRLDistributionPoints, c.IssuingCertificateURL, wantOCSP, wantCRL, wantAIA)
			}
			if got, want := hasExtension(c, oidNoCheck), tt.name == "ocsp"; got != want {
				t.Errorf("id-pkix-ocsp-nocheck: got %v, want %v", got, want)
			}
		})
	}
}

func TestChains(t *testing.T) {
	p := newPKI(t, demopki.Options{})
	inter := x509.NewCertPool()
	inter.AddCert(p.Intermediate.Cert)
	for _, tt := range []struct {
		name  string
		id    *demopki.Identity
		chain []*x509.Certificate
		valid bool
	}{
		{"root", p.Root, []*x509.Certificate{p.Root.Cert}, true},
		{"intermediate", p.Intermediate, []*x509.Certificate{p.Intermediate.Cert}, true},
		{"leader", p.Leader, []*x509.Certificate{p.Leader.Cert, p.Intermediate.Cert}, true},
		{"tsa", p.TSA, []*x509.Certificate{p.TSA.Cert, p.Intermediate.Cert}, true},
		{"expired", p.Expired, []*x509.Certificate{p.Expired.Cert, p.Intermediate.Cert}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !slices.Equal(tt.id.Chain, tt.chain) {
				t.Errorf("chain: got %d certificates, want %d (leaf, issuing CA)", len(tt.id.Chain), len(tt.chain))
			}
			_, err := tt.id.Cert.Verify(x509.VerifyOptions{
				Roots: p.RootPool(), Intermediates: inter, CurrentTime: p.Now(),
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
			})
			if got := err == nil; got != tt.valid {
				t.Errorf("verify at Now: got valid=%v (%v), want %v", got, err, tt.valid)
			}
			pub, ok := tt.id.Key.Public().(interface{ Equal(crypto.PublicKey) bool })
			if !ok || !pub.Equal(tt.id.Cert.PublicKey) {
				t.Error("the key does not match the certificate")
			}
		})
	}
	// The expired certificate was valid a year ago, and the CAs then too.
	if _, err := p.Expired.Cert.Verify(x509.VerifyOptions{
		Roots: p.RootPool(), Intermediates: inter, CurrentTime: p.Now().Add(-365 * 24 * time.Hour),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}); err != nil {
		t.Errorf("expired certificate a year ago: got %v, want a valid chain", err)
	}
}

func TestKeyAlgorithms(t *testing.T) {
	for _, tt := range []struct {
		name    string
		rsa     bool
		wantRSA bool
	}{
		{"ecdsa", false, false},
		{"rsa", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := newPKI(t, demopki.Options{RSA: tt.rsa, NoServers: true})
			for _, id := range []*demopki.Identity{p.Root, p.Intermediate} {
				k, ok := id.Cert.PublicKey.(*ecdsa.PublicKey)
				if !ok || k.Curve != elliptic.P384() {
					t.Errorf("CA key of %s: got %T, want ECDSA P-384", id.Cert.Subject.CommonName, id.Cert.PublicKey)
				}
			}
			for _, id := range []*demopki.Identity{p.Leader, p.Agency, p.Clerk, p.TSA, p.OCSP, p.Revoked, p.Expired, p.NonSigning, p.DocSigningOnly} {
				switch k := id.Cert.PublicKey.(type) {
				case *rsa.PublicKey:
					if !tt.wantRSA || k.N.BitLen() != 2048 {
						t.Errorf("%s: got RSA-%d, want RSA=%v (2048 bits)", id.Cert.Subject.CommonName, k.N.BitLen(), tt.wantRSA)
					}
				case *ecdsa.PublicKey:
					if tt.wantRSA || k.Curve != elliptic.P256() {
						t.Errorf("%s: got ECDSA %s, want RSA=%v", id.Cert.Subject.CommonName, k.Curve.Params().Name, tt.wantRSA)
					}
				default:
					t.Errorf("%s: unexpected key %T", id.Cert.Subject.CommonName, k)
				}
			}
		})
	}
}

func TestNoServers(t *testing.T) {
	p := newPKI(t, demopki.Options{NoServers: true})
	if p.OCSPURL != "" || p.CRLURL != "" || p.TSAURL != "" || p.RootCRLURL != "" || p.CAIssuersURL != "" {
		t.Errorf("URLs: got %q %q %q %q %q, want none", p.OCSPURL, p.CRLURL, p.TSAURL, p.RootCRLURL, p.CAIssuersURL)
	}
	for _, c := range []*x509.Certificate{p.Intermediate.Cert, p.Leader.Cert, p.Revoked.Cert} {
		if len(c.OCSPServer)+len(c.CRLDistributionPoints)+len(c.IssuingCertificateURL) != 0 {
			t.Errorf("%s: got pointers %v %v %v, want none", c.Subject.CommonName, c.OCSPServer, c.CRLDistributionPoints, c.IssuingCertificateURL)
		}
	}
	// The revocation data still exists for embedding.
	if _, err := x509.ParseRevocationList(p.CRL()); err != nil {
		t.Errorf("CRL: %v", err)
	}
	if _, err := p.OCSPResponse(p.Leader.Cert); err != nil {
		t.Errorf("OCSP response: %v", err)
	}
}

func TestFixedNow(t *testing.T) {
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	p := newPKI(t, demopki.Options{Now: now, NoServers: true})
	if got := p.Now(); got.Before(now) || got.After(now.Add(time.Minute)) {
		t.Errorf("Now: got %v, want just after %v", got, now)
	}
	if got, want := p.RevokedAt, now.Add(-time.Hour); !got.Equal(want) {
		t.Errorf("RevokedAt: got %v, want %v", got, want)
	}
	for _, tt := range []struct {
		name  string
		cert  *x509.Certificate
		valid bool
	}{
		{"root", p.Root.Cert, true},
		{"intermediate", p.Intermediate.Cert, true},
		{"leader", p.Leader.Cert, true},
		{"expired", p.Expired.Cert, false},
	} {
		if got := !now.Before(tt.cert.NotBefore) && !now.After(tt.cert.NotAfter); got != tt.valid {
			t.Errorf("%s valid at %v: got %v, want %v (%v … %v)", tt.name, now, got, tt.valid, tt.cert.NotBefore, tt.cert.NotAfter)
		}
	}
}

func TestNewIsFast(t *testing.T) {
	start := time.Now()
	for range 3 {
		p, err := demopki.New(demopki.Options{})
		if err != nil {
			t.Fatal(err)
		}
		p.Close()
	}
	// 200 ms each without the race detector; it slows crypto down ~8×.
	if got, limit := time.Since(start)/3, 200*time.Millisecond*raceFactor; got > limit {
		t.Errorf("New took %v on average, want under %v", got, limit)
	}
}

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url) // #nosec G107 -- test URL on 127.0.0.1
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, body
}
