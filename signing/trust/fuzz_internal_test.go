package trust

import (
	"encoding/pem"
	"testing"

	"golang.org/x/crypto/ocsp"

	"github.com/vanthu/vanthu/signing/demopki"
)

func seedPKI(f *testing.F) *demopki.PKI {
	f.Helper()
	p, err := demopki.New(demopki.Options{NoServers: true})
	if err != nil {
		f.Fatal(err)
	}
	return p
}

func FuzzParseCertIDs(f *testing.F) {
	p := seedPKI(f)
	for _, c := range []*demopki.Identity{p.Leader, p.Revoked} {
		der, err := p.OCSPResponse(c.Cert)
		if err != nil {
			f.Fatal(err)
		}
		resp, err := ocsp.ParseResponse(der, p.Intermediate.Cert)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(resp.TBSResponseData)
	}
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		ids, err := parseCertIDs(data)
		if err != nil {
			return
		}
		for _, id := range ids {
			if id.serial == nil {
				t.Fatal("a parsed CertID has no serial number")
			}
			_ = id.matchesIssuer(p.Intermediate.Cert)
		}
	})
}

func FuzzParseIDP(f *testing.F) {
	for _, seed := range [][]byte{
		{0x30, 0x00},
		{0x30, 0x03, 0x81, 0x01, 0xff},
		{0x30, 0x03, 0x82, 0x01, 0xff},
		{0x30, 0x04, 0x83, 0x02, 0x07, 0x80},
		{0x30, 0x03, 0x84, 0x01, 0xff},
		{0x30, 0x03, 0x85, 0x01, 0x00},
		{0x30, 0x0a, 0xa0, 0x08, 0xa0, 0x06, 0x86, 0x04, 'h', 't', 't', 'p'},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		idp, err := parseIDP(data)
		if err != nil {
			return
		}
		if len(data) < 2 || data[0] != 0x30 {
			t.Fatalf("accepted %x, which is not a SEQUENCE", data)
		}
		again, err := parseIDP(data)
		if err != nil || again != idp {
			t.Fatalf("a second parse differs: %+v, %v; first %+v", again, err, idp)
		}
	})
}

func FuzzParseCertificates(f *testing.F) {
	p := seedPKI(f)
	f.Add(p.Root.Cert.Raw)
	f.Add(append(append([]byte(nil), p.Leader.Cert.Raw...), p.Intermediate.Cert.Raw...))
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Leader.Cert.Raw}))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := parseCertificates(data)
		if err == nil && len(certs) == 0 {
			t.Fatal("no error and no certificate")
		}
		for _, c := range certs {
			if c == nil || len(c.Raw) == 0 {
				t.Fatal("a parsed certificate is empty")
			}
		}
	})
}
