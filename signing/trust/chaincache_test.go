package trust_test

import (
	"crypto/x509"
	"testing"
	"time"

	"github.com/vanthu/vanthu/signing/demopki"
	"github.com/vanthu/vanthu/signing/trust"
)

// A path is built once per question and remembered only for times at which
// no certificate offered changes its validity.
func TestRememberedPaths(t *testing.T) {
	p := newPKI(t, demopki.Options{NoServers: true})
	now := p.Now()
	day := 24 * time.Hour
	ca := issue(t, p.Root, now, &x509.Certificate{
		Subject: cn("CA ngắn hạn"), IsCA: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		NotBefore: now.Add(-day), NotAfter: now.Add(10 * day),
	})
	leaf := issue(t, ca, now, &x509.Certificate{
		Subject: cn("Lê Thị Mai"), KeyUsage: x509.KeyUsageDigitalSignature,
		NotBefore: now.Add(-2 * day), NotAfter: now.Add(365 * day),
	})
	s := trust.NewStore([]*x509.Certificate{p.Root.Cert}, nil)
	withCA := trust.Options{Extra: []*x509.Certificate{ca.Cert}}

	check := func(name string, store *trust.Store, cert *x509.Certificate, opts trust.Options, at time.Time, want trust.Status, wantBuilt int64) trust.Result {
		t.Helper()
		before := trust.ChainBuilds.Load()
		opts.At = at
		res := validate(t, store, cert, opts)
		if res.Status != want {
			t.Fatalf("%s: status %v (%s), want %v", name, res.Status, res.Reason, want)
		}
		if got := trust.ChainBuilds.Load() - before; got != wantBuilt {
			t.Errorf("%s: %d paths built, want %d", name, got, wantBuilt)
		}
		return res
	}
	first := check("first validation", s, leaf.Cert, withCA, now, trust.Trusted, 1)
	again := check("same question", s, leaf.Cert, withCA, now.Add(time.Hour), trust.Trusted, 0)
	if len(again.Chain) != 3 || again.Chain[1] != ca.Cert || again.Chain[2] != p.Root.Cert {
		t.Errorf("remembered chain %v is not made of the certificates passed in", again.Chain)
	}

	// Another Store over the same anchors asks the same question.
	reparsed, err := x509.ParseCertificate(leaf.Cert.Raw)
	if err != nil {
		t.Fatal(err)
	}
	res := check("same question, other objects", trust.NewStore([]*x509.Certificate{p.Root.Cert}, nil), reparsed, withCA, now, trust.Trusted, 0)
	if res.Chain[0] != reparsed || first.Chain[0] != leaf.Cert {
		t.Error("the chain does not start with the leaf object passed in")
	}

	// Times at which a certificate on the path is not valid are answered
	// afresh, however recent the remembered path.
	check("after the CA expired", s, leaf.Cert, withCA, now.Add(11*day), trust.Expired, 1)
	check("before the leaf was valid", s, leaf.Cert, withCA, now.Add(-3*day), trust.Expired, 1)
	// Failures are not remembered: the first answer still holds where
	// it did.
	check("still valid", s, leaf.Cert, withCA, now.Add(9*day), trust.Trusted, 0)

	// Other certificates offered, or other anchors: another question.
	check("without the CA", s, leaf.Cert, trust.Options{}, now, trust.Untrusted, 1)
	other := newPKI(t, demopki.Options{NoServers: true})
	check("other anchors", trust.NewStore([]*x509.Certificate{other.Root.Cert}, nil), leaf.Cert, withCA, now, trust.Untrusted, 1)
	check("the CA as a known intermediate", trust.NewStore([]*x509.Certificate{p.Root.Cert}, []*x509.Certificate{ca.Cert}), leaf.Cert, trust.Options{}, now, trust.Trusted, 1)

	// Usage is checked on every validation, remembered path or not.
	res = check("usage on a remembered path", s, leaf.Cert, trust.Options{Extra: withCA.Extra, Usage: trust.OCSPSigning}, now, trust.Unsuitable, 0)
	if !containsAll(res.Reason, "Lê Thị Mai", "no extended key usage") {
		t.Errorf("reason %q does not say the certificate lacks the usage", res.Reason)
	}
}

func TestValiditySpan(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := &x509.Certificate{NotBefore: t0, NotAfter: t0.Add(100 * time.Hour)}
	b := &x509.Certificate{NotBefore: t0.Add(10 * time.Hour), NotAfter: t0.Add(50 * time.Hour)}
	certs := []*x509.Certificate{a, b}
	tests := []struct {
		at          time.Time
		from, until time.Time
	}{
		{t0.Add(20 * time.Hour), t0.Add(10 * time.Hour), t0.Add(50*time.Hour + 1)},
		// Valid through NotAfter itself: the span changes a moment later.
		{t0.Add(50 * time.Hour), t0.Add(10 * time.Hour), t0.Add(50*time.Hour + 1)},
		{t0.Add(50*time.Hour + 1), t0.Add(50*time.Hour + 1), t0.Add(100*time.Hour + 1)},
		{t0.Add(10 * time.Hour), t0.Add(10 * time.Hour), t0.Add(50*time.Hour + 1)},
		{t0.Add(-time.Hour), time.Unix(-1<<62, 0), t0},
	}
	for _, tt := range tests {
		from, until := trust.ValiditySpan(tt.at, certs)
		if !from.Equal(tt.from) || !until.Equal(tt.until) {
			t.Errorf("at %v: span [%v, %v), want [%v, %v)", tt.at, from, until, tt.from, tt.until)
		}
		if tt.at.Before(from) || !tt.at.Before(until) {
			t.Errorf("at %v lies outside its own span", tt.at)
		}
	}
}
