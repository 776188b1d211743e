package trust_test

import (
	"context"
	"testing"

	"github.com/vanthu/vanthu/signing/demopki"
	"github.com/vanthu/vanthu/signing/trust"
)

// FuzzValidateEmbedded feeds arbitrary embedded revocation data to the
// validator: whatever it gets, it answers with a valid verdict, and data it
// cannot verify never makes a good certificate revoked.
func FuzzValidateEmbedded(f *testing.F) {
	p, err := demopki.New(demopki.Options{NoServers: true})
	if err != nil {
		f.Fatal(err)
	}
	s := trust.NewStore(p.Root.Chain, p.Intermediate.Chain)
	good, err := p.OCSPResponse(p.Leader.Cert)
	if err != nil {
		f.Fatal(err)
	}
	revoked, err := p.OCSPResponse(p.Revoked.Cert)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, p.CRL())
	f.Add(revoked, p.RootCRL())
	f.Add([]byte{0x30, 0x03, 0x0a, 0x01, 0x06}, []byte{0x30, 0x00})
	at := p.Now()
	f.Fuzz(func(t *testing.T, ocspDER, crlDER []byte) {
		for _, c := range []*demopki.Identity{p.Leader, p.Revoked} {
			res := s.Validate(context.Background(), c.Cert, trust.Options{At: at, OCSPs: [][]byte{ocspDER}, CRLs: [][]byte{crlDER}})
			if res.Status != trust.Trusted && res.Status != trust.Revoked {
				t.Fatalf("%s: got %v (%s)", c.Cert.Subject.CommonName, res.Status, res.Reason)
			}
			if c == p.Leader && res.Status == trust.Revoked {
				t.Fatalf("the good certificate was found revoked: %s", res.Reason)
			}
			if len(res.Revocation) != 2 {
				t.Fatalf("got %d revocation checks, want 2", len(res.Revocation))
			}
		}
	})
}
