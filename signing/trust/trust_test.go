package trust_test

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/vanthu/vanthu/signing/demopki"
	"github.com/vanthu/vanthu/signing/trust"
)

func TestTrustedViaLiveOCSP(t *testing.T) {
	p := newPKI(t, demopki.Options{})
	s := storeFor(p)
	for _, tt := range []struct {
		name  string
		id    *demopki.Identity
		usage trust.Usage
	}{
		{"leader", p.Leader, trust.Signing},
		{"agency", p.Agency, trust.Signing},
		{"clerk", p.Clerk, trust.Signing},
		{"tsa", p.TSA, trust.Timestamping},
		{"ocsp responder", p.OCSP, trust.OCSPSigning},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := validate(t, s, tt.id.Cert, trust.Options{At: p.Now(), Usage: tt.usage, Online: true})
			if res.Status != trust.Trusted {
				t.Fatalf("status: got %v (%s), want trusted", res.Status, res.Reason)
			}
			want := []*x509.Certificate{tt.id.Cert, p.Intermediate.Cert, p.Root.Cert}
			if !slices.EqualFunc(res.Chain, want, (*x509.Certificate).Equal) {
				t.Errorf("chain: got %d certificates, want leaf, issuing CA, root", len(res.Chain))
			}
			if len(res.Revocation) != 2 {
				t.Fatalf("revocation checks: got %d, want 2 (leaf, issuing CA)", len(res.Revocation))
			}
			leaf, ca := res.Revocation[0], res.Revocation[1]
			if tt.id == p.OCSP {
				// The responder certificate names no OCSP/CRL
				// (id-pkix-ocsp-nocheck), so only a warning.
				if leaf.Status != trust.CertUnknown || !slices.ContainsFunc(res.Warnings, func(w string) bool {
					return strings.HasPrefix(w, "no revocation information published")
				}) {
					t.Errorf("responder: got %v, warnings %q; want unknown with a 'no revocation information published' warning", leaf.Status, res.Warnings)
				}
			} else {
				if leaf.Status != trust.CertGood || leaf.Source != trust.OnlineOCSP || leaf.URL != p.OCSPURL {
					t.Errorf("leaf check: got %v from %q %s, want good from online OCSP %s", leaf.Status, leaf.Source, leaf.URL, p.OCSPURL)
				}
				if _, err := ocsp.ParseResponseForCert(leaf.Data, tt.id.Cert, p.Intermediate.Cert); err != nil {
					t.Errorf("leaf check data is not the OCSP response: %v", err)
				}
				if len(res.Warnings) != 0 {
					t.Errorf("warnings: got %q, want none", res.Warnings)
				}
			}
			if ca.Status != trust.CertGood || ca.Source != trust.OnlineCRL || ca.URL != p.RootCRLURL {
				t.Errorf("issuing CA check: got %v from %q %s, want good from the root's online CRL", ca.Status, ca.Source, ca.URL)
			}
			if !strings.Contains(res.Reason, tt.id.Cert.Subject.CommonName) {
				t.Errorf("reason %q does not name the holder", res.Reason)
			}
		})
	}
}

func TestRevoked(t *testing.T) {
	p := newPKI(t, demopki.Options{})
	s := storeFor(p)
	live, err := p.OCSPResponse(p.Revoked.Cert)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		opts       trust.Options
		noOCSP     bool
		wantSource trust.Source
	}{
		{"online OCSP", trust.Options{Online: true}, false, trust.OnlineOCSP},
		{"online CRL, responder disabled", trust.Options{Online: true}, true, trust.OnlineCRL},
		{"embedded OCSP", trust.Options{OCSPs: [][]byte{live}}, false, trust.EmbeddedOCSP},
		{"embedded CRL", trust.Options{CRLs: [][]byte{p.CRL()}}, false, trust.EmbeddedCRL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.DisableOCSP(tt.noOCSP)
			defer p.DisableOCSP(false)
			tt.opts.At = p.Now()
			res := validate(t, s, p.Revoked.Cert, tt.opts)
			if res.Status != trust.Revoked {
				t.Fatalf("status: got %v (%s), want revoked", res.Status, res.Reason)
			}
			c := res.Revocation[0]
			if c.Status != trust.CertRevoked || c.Source != tt.wantSource || !c.RevokedAt.Equal(p.RevokedAt) || c.Reason != "keyCompromise" {
				t.Errorf("check: got %v from %q at %v (%s), want revoked from %q at %v (keyCompromise)",
					c.Status, c.Source, c.RevokedAt, c.Reason, tt.wantSource, p.RevokedAt)
			}
			if want := p.RevokedAt.UTC().Format("2006-01-02 15:04:05"); !containsAll(res.Reason, "Lê Văn Cường", "revoked", want, "keyCompromise") {
				t.Errorf("reason: got %q, want the holder, the date %s and keyCompromise", res.Reason, want)
			}
		})
	}
}

func TestRevokedAfterTheTimeChecked(t *testing.T) {
	p := newPKI(t, demopki.Options{})
	s := storeFor(p)
	tests := []struct {
		name string
		at   time.Time
		want trust.Status
	}{
		{"an hour before the revocation", p.RevokedAt.Add(-time.Hour), trust.Trusted},
		{"a second before the revocation", p.RevokedAt.Add(-time.Second), trust.Trusted},
		{"at the revocation", p.RevokedAt, trust.Revoked},
		{"after the revocation", p.RevokedAt.Add(time.Minute), trust.Revoked},
	}
	for _, src := range []struct {
		name   string
		noOCSP bool
	}{{"OCSP", false}, {"CRL", true}} {
		for _, tt := range tests {
			t.Run(src.name+"/"+tt.name, func(t *testing.T) {
				p.DisableOCSP(src.noOCSP)
				defer p.DisableOCSP(false)
				res := validate(t, s, p.Revoked.Cert, trust.Options{At: tt.at, Online: true})
				if res.Status != tt.want {
					t.Fatalf("status: got %v (%s), want %v", res.Status, res.Reason, tt.want)
				}
				if res.Revocation[0].Status != trust.CertRevoked {
					t.Errorf("check: got %v, want revoked (reported either way)", res.Revocation[0].Status)
				}
				warned := slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "after the time checked") })
				if got := tt.want == trust.Trusted; warned != got {
					t.Errorf("warning about the later revocation: got %v, want %v (%q)", warned, got, res.Warnings)
				}
			})
		}
	}
}

func TestExpired(t *testing.T) {
	p := newPKI(t, demopki.Options{})
	s := storeFor(p)
	day := 24 * time.Hour
	tests := []struct {
		name     string
		cert     *x509.Certificate
		at       time.Time
		want     trust.Status
		wantText []string
	}{
		{"expired now", p.Expired.Cert, p.Now(), trust.Expired, []string{
			"Phạm Thị Dung", "expired", p.Expired.Cert.NotBefore.UTC().Format("2006-01-02"), p.Expired.Cert.NotAfter.UTC().Format("2006-01-02")}},
		{"expired, checked when it was valid", p.Expired.Cert, p.Now().Add(-365 * day), trust.Trusted, nil},
		{"not yet valid", p.Leader.Cert, p.Leader.Cert.NotBefore.Add(-day), trust.Expired, []string{"Nguyễn Văn An", "not yet valid"}},
		{"issuing CA not yet valid", p.Leader.Cert, p.Intermediate.Cert.NotBefore.Add(-time.Hour), trust.Expired, []string{
			"Vanthu Demo CA dùng cho các cơ quan nhà nước", "not yet valid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cert := tt.cert
			if tt.name == "issuing CA not yet valid" {
				// A leaf valid long before its CA.
				cert = issue(t, p.Intermediate, p.Now(), &x509.Certificate{
					Subject:   cn("Vũ Văn Hải"),
					NotBefore: p.Intermediate.Cert.NotBefore.Add(-30 * day), NotAfter: p.Now().Add(day),
					KeyUsage: x509.KeyUsageDigitalSignature,
				}).Cert
			}
			res := validate(t, s, cert, trust.Options{At: tt.at, Online: true})
			if res.Status != tt.want {
				t.Fatalf("status: got %v (%s), want %v", res.Status, res.Reason, tt.want)
			}
			if !containsAll(res.Reason, tt.wantText...) {
				t.Errorf("reason: got %q, want it to mention %q", res.Reason, tt.wantText)
			}
			if len(res.Chain) != 3 {
				t.Errorf("chain: got %d certificates, want 3", len(res.Chain))
			}
		})
	}
}

func TestDocumentSigningEKU(t *testing.T) {
	p := newPKI(t, demopki.Options{})
	c := p.DocSigningOnly.Cert
	docSigning := asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}

	// crypto/x509 does not know the EKU: it lands in UnknownExtKeyUsage,
	// and a verification for a specific usage refuses the certificate.
	if len(c.ExtKeyUsage) != 0 || len(c.UnknownExtKeyUsage) != 1 || !c.UnknownExtKeyUsage[0].Equal(docSigning) {
		t.Fatalf("EKUs: got known %v unknown %v, want only the unknown %v", c.ExtKeyUsage, c.UnknownExtKeyUsage, docSigning)
	}
	inter := x509.NewCertPool()
	inter.AddCert(p.Intermediate.Cert)
	for _, usage := range []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection, x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageCodeSigning} {
		_, err := c.Verify(x509.VerifyOptions{Roots: p.RootPool(), Intermediates: inter, CurrentTime: p.Now(), KeyUsages: []x509.ExtKeyUsage{usage}})
		var cie x509.CertificateInvalidError
		if !errors.As(err, &cie) || cie.Reason != x509.IncompatibleUsage {
			t.Errorf("x509.Verify for usage %d: got %v, want an incompatible-usage error", usage, err)
		}
	}

	res := validate(t, storeFor(p), c, trust.Options{At: p.Now(), Online: true})
	if res.Status != trust.Trusted {
		t.Errorf("status: got %v (%s), want trusted", res.Status, res.Reason)
	}
}

func TestUsage(t *testing.T) {
	p := newPKI(t, demopki.Options{})
	s := storeFor(p)
	now := p.Now()
	sign := x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	leaf := func(name string, ku x509.KeyUsage, ekus []x509.ExtKeyUsage, unknown ...asn1.ObjectIdentifier) *x509.Certificate {
		return issue(t, p.Intermediate, now, &x509.Certificate{
			Subject: cn(name), KeyUsage: ku, ExtKeyUsage: ekus, UnknownExtKeyUsage: unknown,
		}).Cert
	}
	// A second issuing CA limited to TLS server authentication.
	tlsCA := issue(t, p.Root, now, &x509.Certificate{
		Subject: cn("Demo TLS CA"), IsCA: true, MaxPathLen: 0, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	// And one limited to e-mail protection.
	mailCA := issue(t, p.Root, now, &x509.Certificate{
		Subject: cn("Demo Mail CA"), IsCA: true, MaxPathLen: 0, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
	})
	underCA := func(ca *demopki.Identity, name string, ekus []x509.ExtKeyUsage, unknown ...asn1.ObjectIdentifier) *x509.Certificate {
		return issue(t, ca, now, &x509.Certificate{Subject: cn(name), KeyUsage: sign, ExtKeyUsage: ekus, UnknownExtKeyUsage: unknown}).Cert
	}
	nonCriticalTSA := leaf("TSA with a non-critical EKU", x509.KeyUsageDigitalSignature, []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping})
	adobe := asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 5}
	msDoc := asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 3, 12}
	docSigning := asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}

	tests := []struct {
		name     string
		cert     *x509.Certificate
		usage    trust.Usage
		want     trust.Status
		wantText string
	}{
		{"no EKU", leaf("Không EKU", sign, nil), trust.Signing, trust.Trusted, ""},
		{"no KU, no EKU", leaf("Không KU", 0, nil), trust.Signing, trust.Trusted, ""},
		{"clientAuth only", leaf("Chỉ clientAuth", sign, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}), trust.Signing, trust.Trusted, ""},
		{"clientAuth + emailProtection", leaf("VNPT style", x509.KeyUsageDigitalSignature, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageEmailProtection}), trust.Signing, trust.Trusted, ""},
		{"anyExtendedKeyUsage", leaf("Any", sign, []x509.ExtKeyUsage{x509.ExtKeyUsageAny}), trust.Signing, trust.Trusted, ""},
		{"Adobe authentic documents", leaf("Adobe", sign, nil, adobe), trust.Signing, trust.Trusted, ""},
		{"Microsoft document signing", leaf("MS", sign, nil, msDoc), trust.Signing, trust.Trusted, ""},
		{"non-repudiation only", leaf("NR", x509.KeyUsageContentCommitment, nil), trust.Signing, trust.Trusted, ""},
		{"serverAuth only", leaf("Máy chủ web", x509.KeyUsageDigitalSignature, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}), trust.Signing, trust.Unsuitable, "TLS server authentication"},
		{"codeSigning only", leaf("Code", sign, []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}), trust.Signing, trust.Unsuitable, "code signing"},
		{"keyEncipherment only (demo NonSigning)", p.NonSigning.Cert, trust.Signing, trust.Unsuitable, "key encipherment"},
		{"TSA certificate for documents", p.TSA.Cert, trust.Signing, trust.Unsuitable, "timestamping"},
		{"TSA certificate for timestamps", p.TSA.Cert, trust.Timestamping, trust.Trusted, ""},
		{"personal certificate for timestamps", p.Leader.Cert, trust.Timestamping, trust.Unsuitable, "timestamping"},
		{"TSA with a non-critical EKU", nonCriticalTSA, trust.Timestamping, trust.Unsuitable, "critical"},
		{"no EKU for timestamps", leaf("Không EKU TSA", x509.KeyUsageDigitalSignature, nil), trust.Timestamping, trust.Unsuitable, ""},
		{"OCSP responder for OCSP", p.OCSP.Cert, trust.OCSPSigning, trust.Trusted, ""},
		{"personal certificate for OCSP", p.Leader.Cert, trust.OCSPSigning, trust.Unsuitable, ""},
		{"TLS-only CA above an emailProtection leaf", underCA(tlsCA, "Dưới CA TLS", []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}), trust.Signing, trust.Unsuitable, "Demo TLS CA"},
		{"TLS-only CA above a leaf without EKU", underCA(tlsCA, "Dưới CA TLS, không EKU", nil), trust.Signing, trust.Unsuitable, "Demo TLS CA"},
		{"mail CA above an emailProtection leaf", underCA(mailCA, "Dưới CA thư", []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}), trust.Signing, trust.Trusted, ""},
		{"mail CA above a documentSigning-only leaf", underCA(mailCA, "Dưới CA thư, chỉ ký văn bản", nil, docSigning), trust.Signing, trust.Unsuitable, "Demo Mail CA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			extra := []*x509.Certificate{tlsCA.Cert, mailCA.Cert}
			res := validate(t, s, tt.cert, trust.Options{At: now, Usage: tt.usage, Extra: extra})
			if res.Status != tt.want {
				t.Fatalf("status: got %v (%s), want %v", res.Status, res.Reason, tt.want)
			}
			if !strings.Contains(res.Reason, tt.wantText) {
				t.Errorf("reason: got %q, want it to mention %q", res.Reason, tt.wantText)
			}
			if tt.want == trust.Unsuitable && len(res.Chain) == 0 {
				t.Error("an unsuitable certificate should still report its chain")
			}
		})
	}
}

func TestUntrusted(t *testing.T) {
	p := newPKI(t, demopki.Options{})
	other := newPKI(t, demopki.Options{NoServers: true})
	tests := []struct {
		name  string
		store *trust.Store
		cert  *x509.Certificate
		extra []*x509.Certificate
		want  trust.Status
	}{
		{"another PKI's root", storeFor(other), p.Leader.Cert, nil, trust.Untrusted},
		{"another PKI's root, chain given", storeFor(other), p.Leader.Cert, []*x509.Certificate{p.Intermediate.Cert, p.Root.Cert}, trust.Untrusted},
		{"no anchors at all", trust.NewStore(nil, nil), p.Leader.Cert, p.Leader.Chain, trust.Untrusted},
		{"a root that is not configured", trust.NewStore(nil, nil), p.Root.Cert, nil, trust.Untrusted},
		{"issuing CA unknown", trust.NewStore([]*x509.Certificate{p.Root.Cert}, nil), p.Leader.Cert, nil, trust.Untrusted},
		{"issuing CA from the signature", trust.NewStore([]*x509.Certificate{p.Root.Cert}, nil), p.Leader.Cert, p.Leader.Chain, trust.Trusted},
		{"impostor issuing CA with the same name", storeFor(p), other.Leader.Cert, []*x509.Certificate{other.Intermediate.Cert}, trust.Untrusted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := validate(t, tt.store, tt.cert, trust.Options{At: p.Now(), Extra: tt.extra, Online: true})
			if res.Status != tt.want {
				t.Fatalf("status: got %v (%s), want %v", res.Status, res.Reason, tt.want)
			}
			if tt.want == trust.Untrusted && (len(res.Chain) != 0 || !strings.Contains(res.Reason, "trusted root")) {
				t.Errorf("got chain of %d and reason %q, want no chain and a reason about the trusted root", len(res.Chain), res.Reason)
			}
		})
	}

	if res := storeFor(p).Validate(context.Background(), nil, trust.Options{}); res.Status != trust.Untrusted {
		t.Errorf("nil certificate: got %v, want untrusted", res.Status)
	}
}

func TestIndeterminate(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(p *demopki.PKI)
		online   bool
		want     trust.Status
		wantText []string // in the leaf's check detail, or the warning when offline
	}{
		{"servers closed", func(p *demopki.PKI) { p.Close() }, true, trust.Indeterminate, []string{"cannot be reached", "OCSP responder", "CRL"}},
		{"servers answering 503", func(p *demopki.PKI) { p.DisableOCSP(true); p.DisableCRL(true) }, true, trust.Indeterminate, []string{"503", "OCSP responder", "CRL"}},
		{"offline with pointers", func(*demopki.PKI) {}, false, trust.Trusted, []string{"revocation not checked (offline)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPKI(t, demopki.Options{})
			s := storeFor(p)
			tt.setup(p)
			res := validate(t, s, p.Leader.Cert, trust.Options{At: p.Now(), Online: tt.online})
			if res.Status != tt.want {
				t.Fatalf("status: got %v (%s), want %v", res.Status, res.Reason, tt.want)
			}
			text := res.Revocation[0].Detail
			if !tt.online {
				text = strings.Join(res.Warnings, "\n")
			} else if !strings.Contains(res.Reason, "could not be established") {
				t.Errorf("reason: got %q, want 'could not be established'", res.Reason)
			}
			if !containsAll(text, tt.wantText...) {
				t.Errorf("got %q, want it to mention %q", text, tt.wantText)
			}
			if res.Revocation[0].Status != trust.CertUnknown {
				t.Errorf("leaf check: got %v, want unknown", res.Revocation[0].Status)
			}
		})
	}

	t.Run("cancelled context", func(t *testing.T) {
		p := newPKI(t, demopki.Options{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		res := storeFor(p).Validate(ctx, p.Leader.Cert, trust.Options{At: p.Now(), Online: true})
		if res.Status != trust.Indeterminate || !strings.Contains(res.Revocation[0].Detail, "context canceled") {
			t.Errorf("got %v (%s), want indeterminate because of the cancelled context", res.Status, res.Revocation[0].Detail)
		}
	})
}

func TestNoRevocationInformationPublished(t *testing.T) {
	p := newPKI(t, demopki.Options{NoServers: true})
	for _, online := range []bool{false, true} {
		res := validate(t, storeFor(p), p.Leader.Cert, trust.Options{At: p.Now(), Online: online})
		if res.Status != trust.Trusted {
			t.Errorf("online=%v: got %v (%s), want trusted", online, res.Status, res.Reason)
		}
		n := 0
		for _, w := range res.Warnings {
			if strings.HasPrefix(w, "no revocation information published") {
				n++
			}
		}
		if n != 2 {
			t.Errorf("online=%v: got warnings %q, want 'no revocation information published' for the leaf and the issuing CA", online, res.Warnings)
		}
	}
}

func TestEmbeddedDataDecidesWithoutNetwork(t *testing.T) {
	p := newPKI(t, demopki.Options{})
	leafOCSP := fetchOCSP(t, p, p.Leader.Cert)
	rootCRL := fetch(t, p.RootCRLURL)
	issuingCRL := fetch(t, p.CRLURL)
	p.Close() // any network attempt would now fail

	tests := []struct {
		name     string
		opts     trust.Options
		wantLeaf trust.Source
	}{
		{"OCSP for the leaf", trust.Options{OCSPs: [][]byte{leafOCSP}, CRLs: [][]byte{rootCRL}}, trust.EmbeddedOCSP},
		{"CRL for the leaf", trust.Options{CRLs: [][]byte{issuingCRL, rootCRL}}, trust.EmbeddedCRL},
		{"unrelated data is skipped", trust.Options{OCSPs: [][]byte{fetchOCSPFrom(t, p, p.Agency.Cert), leafOCSP}, CRLs: [][]byte{rootCRL}}, trust.EmbeddedOCSP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.At = p.Now()
			tt.opts.Online = true
			res := validate(t, storeFor(p), p.Leader.Cert, tt.opts)
			if res.Status != trust.Trusted {
				t.Fatalf("status: got %v (%s), want trusted", res.Status, res.Reason)
			}
			if got := res.Revocation[0]; got.Source != tt.wantLeaf || got.Status != trust.CertGood {
				t.Errorf("leaf: got %v from %q, want good from %q", got.Status, got.Source, tt.wantLeaf)
			}
			if got := res.Revocation[1]; got.Source != trust.EmbeddedCRL || got.Status != trust.CertGood {
				t.Errorf("issuing CA: got %v from %q, want good from the embedded root CRL", got.Status, got.Source)
			}
			if len(res.Warnings) != 0 {
				t.Errorf("warnings: got %q, want none", res.Warnings)
			}
		})
	}
}

// fetchOCSP asks the live responder, as a client would before embedding.
func fetchOCSP(t *testing.T, p *demopki.PKI, cert *x509.Certificate) []byte {
	t.Helper()
	req, err := ocsp.CreateRequest(cert, p.Intermediate.Cert, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(p.OCSPURL, "application/ocsp-request", strings.NewReader(string(req))) // #nosec G107 -- test URL
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("OCSP: HTTP %d, %v", resp.StatusCode, err)
	}
	return body
}

// fetchOCSPFrom makes the same response without the network.
func fetchOCSPFrom(t *testing.T, p *demopki.PKI, cert *x509.Certificate) []byte {
	t.Helper()
	der, err := p.OCSPResponse(cert)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestUnauthorisedOCSPResponder(t *testing.T) {
	p := newPKI(t, demopki.Options{})
	now := p.Now()
	// A look-alike responder: the same names and usage, issued by a
	// look-alike CA.
	selfMade := impostor(t, p, now)
	revoked := ocsp.Response{Status: ocsp.Revoked, RevokedAt: now.Add(-2 * time.Hour), RevocationReason: ocsp.KeyCompromise}
	good := ocsp.Response{Status: ocsp.Good}

	tests := []struct {
		name       string
		cert       *x509.Certificate
		resp       []byte
		extra      []*x509.Certificate
		wantStatus trust.CertStatus
		wantDetail string
	}{
		{"signed by a personal certificate of the same CA", p.Leader.Cert,
			signOCSP(t, p, p.Leader.Cert, p.Clerk.Cert, p.Clerk.Key, revoked, true), nil,
			trust.CertUnknown, "not authorised to sign OCSP responses"},
		{"signed by a look-alike responder", p.Leader.Cert,
			signOCSP(t, p, p.Leader.Cert, selfMade.Cert, selfMade.Key, revoked, true), nil,
			trust.CertUnknown, "did not authorise"},
		{"look-alike responder, not embedded but in Extra", p.Leader.Cert,
			signOCSP(t, p, p.Leader.Cert, selfMade.Cert, selfMade.Key, revoked, false), []*x509.Certificate{selfMade.Cert},
			trust.CertUnknown, "did not authorise"},
		{"real responder, not embedded, not given", p.Leader.Cert,
			signOCSP(t, p, p.Leader.Cert, p.OCSP.Cert, p.OCSP.Key, good, false), nil,
			trust.CertUnknown, "does not verify"},
		{"real responder, not embedded, given in Extra", p.Leader.Cert,
			signOCSP(t, p, p.Leader.Cert, p.OCSP.Cert, p.OCSP.Key, good, false), []*x509.Certificate{p.OCSP.Cert},
			trust.CertGood, ""},
		{"signed by the issuing CA itself", p.Leader.Cert,
			signOCSP(t, p, p.Leader.Cert, p.Intermediate.Cert, p.Intermediate.Key, good, false), nil,
			trust.CertGood, ""},
		{"signed by the issuing CA, certificate embedded", p.Leader.Cert,
			signOCSP(t, p, p.Leader.Cert, p.Intermediate.Cert, p.Intermediate.Key, good, true), nil,
			trust.CertGood, ""},
		{"stale good answer", p.Leader.Cert,
			signOCSP(t, p, p.Leader.Cert, p.OCSP.Cert, p.OCSP.Key, ocsp.Response{Status: ocsp.Good,
				ThisUpdate: now.Add(-72 * time.Hour), NextUpdate: now.Add(-48 * time.Hour)}, true), nil,
			trust.CertUnknown, "only current until"},
		{"unknown status", p.Leader.Cert,
			signOCSP(t, p, p.Leader.Cert, p.OCSP.Cert, p.OCSP.Key, ocsp.Response{Status: ocsp.Unknown}, true), nil,
			trust.CertUnknown, "does not know"},
		{"next update before this update", p.Leader.Cert,
			signOCSP(t, p, p.Leader.Cert, p.OCSP.Cert, p.OCSP.Key, ocsp.Response{Status: ocsp.Good,
				ThisUpdate: now, NextUpdate: now.Add(-time.Hour)}, true), nil,
			trust.CertUnknown, "comes before"},
		{"error answer", p.Leader.Cert, ocsp.UnauthorizedErrorResponse, nil, trust.CertUnknown, "unauthorized"},
		{"garbage", p.Leader.Cert, []byte("<html>proxy error</html>"), nil, trust.CertUnknown, "not a valid OCSP response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := validate(t, storeFor(p), tt.cert, trust.Options{At: now, OCSPs: [][]byte{tt.resp}, Extra: tt.extra})
			if res.Status != trust.Trusted {
				t.Errorf("status: got %v (%s), want trusted (offline: undecided is a warning)", res.Status, res.Reason)
			}
			c := res.Revocation[0]
			if c.Status != tt.wantStatus {
				t.Errorf("check: got %v from %q, want %v", c.Status, c.Source, tt.wantStatus)
			}
			// Data that names no certificate is reported once, in
			// the warnings.
			if text := c.Detail + strings.Join(res.Warnings, "\n"); !strings.Contains(text, tt.wantDetail) {
				t.Errorf("detail and warnings: got %q, want them to mention %q", text, tt.wantDetail)
			}
		})
	}

	t.Run("forged good answer for a revoked certificate", func(t *testing.T) {
		p.DisableOCSP(true)
		defer p.DisableOCSP(false)
		forged := signOCSP(t, p, p.Revoked.Cert, p.Clerk.Cert, p.Clerk.Key, good, true)
		res := validate(t, storeFor(p), p.Revoked.Cert, trust.Options{At: now, OCSPs: [][]byte{forged}, Online: true})
		if res.Status != trust.Revoked || res.Revocation[0].Source != trust.OnlineCRL {
			t.Errorf("got %v from %q (%s), want revoked from the online CRL", res.Status, res.Revocation[0].Source, res.Reason)
		}
	})
}
