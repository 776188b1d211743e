package cms

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"math/big"
	"testing"

	"github.com/vanthu/vanthu/signing/cms/cmstest"
)

func TestSigningCertificateV2Encoding(t *testing.T) {
	ca := cmstest.NewCA(t, "ESS CA", cmstest.P256)
	leaf := ca.Issue(t, cmstest.LeafOptions{Name: "ESS signer", Key: cmstest.P256})
	tests := []struct {
		hash          crypto.Hash
		wantAlgorithm bool // DER leaves out the SHA-256 default
	}{
		{crypto.SHA256, false},
		{crypto.SHA384, true},
		{crypto.SHA512, true},
	}
	for _, tt := range tests {
		t.Run(tt.hash.String(), func(t *testing.T) {
			der, err := marshalSigningCertificateV2(leaf.Cert, tt.hash)
			if err != nil {
				t.Fatal(err)
			}
			oid, err := OIDFromHash(tt.hash)
			if err != nil {
				t.Fatal(err)
			}
			oidDER, err := asn1.Marshal(oid)
			if err != nil {
				t.Fatal(err)
			}
			if got := bytes.Contains(der, oidDER); got != tt.wantAlgorithm {
				t.Errorf("hash algorithm present = %v, want %v", got, tt.wantAlgorithm)
			}
			id, err := parseSigningCertificate(der, true)
			if err != nil {
				t.Fatalf("parseSigningCertificate: %v", err)
			}
			d := tt.hash.New()
			d.Write(leaf.Cert.Raw)
			if id.hash != tt.hash || !bytes.Equal(id.certHash, d.Sum(nil)) {
				t.Errorf("cert hash %v %x, want %v %x", id.hash, id.certHash, tt.hash, d.Sum(nil))
			}
			if !id.hasIssuerS || id.serial.Cmp(leaf.Cert.SerialNumber) != 0 ||
				len(id.issuers) != 1 || !bytes.Equal(id.issuers[0], leaf.Cert.RawIssuer) {
				t.Errorf("issuerSerial = %v %v, want the certificate's issuer and serial", id.serial, id.issuers)
			}
			if !id.matches(leaf.Cert) {
				t.Errorf("the identifier does not match its certificate")
			}
			if id.matches(ca.Cert) {
				t.Errorf("the identifier matches another certificate")
			}
			wrongSerial := id
			wrongSerial.serial = new(big.Int).Add(id.serial, big.NewInt(1))
			if wrongSerial.matches(leaf.Cert) {
				t.Errorf("an identifier with another serial number matches")
			}
			wrongIssuer := id
			wrongIssuer.issuers = [][]byte{leaf.Cert.RawSubject}
			if wrongIssuer.matches(leaf.Cert) {
				t.Errorf("an identifier with another issuer matches")
			}
		})
	}
}
