package cms_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha1" // SHA-1 digests for the refusal tests
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/vanthu/vanthu/signing/cms"
	"github.com/vanthu/vanthu/signing/cms/cmstest"
)

type testPKI struct {
	ca     *cmstest.Identity
	rsa    *cmstest.Identity
	p256   *cmstest.Identity
	p384   *cmstest.Identity
	other  *cmstest.Identity // an RSA signer with another key
	caPath string
	dir    string
}

var (
	pkiOnce sync.Once
	pkiVal  *testPKI
)

// pki returns a CA and signers shared by the tests of this package.
func pki(t *testing.T) *testPKI {
	t.Helper()
	pkiOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cms-pki-")
		if err != nil {
			t.Fatalf("temp dir: %v", err)
		}
		ca := cmstest.NewCA(t, "Vanthu Test Root", cmstest.RSA2048)
		p := &testPKI{
			ca:    ca,
			rsa:   ca.Issue(t, cmstest.LeafOptions{Name: "Nguyễn Văn A", Key: cmstest.RSA2048}),
			p256:  ca.Issue(t, cmstest.LeafOptions{Name: "Trần Thị B", Key: cmstest.P256}),
			p384:  ca.Issue(t, cmstest.LeafOptions{Name: "Lê Văn C", Key: cmstest.P384}),
			other: ca.Issue(t, cmstest.LeafOptions{Name: "Phạm D", Key: cmstest.RSA2048, KeyLabel: "other"}),
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

func digestOf(h crypto.Hash, data []byte) []byte {
	d := h.New()
	d.Write(data)
	return d.Sum(nil)
}

func attrTypes(attrs []cms.Attribute) []string {
	var out []string
	for _, a := range attrs {
		out = append(out, a.Type.String())
	}
	slices.Sort(out)
	return out
}

var (
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
)

func TestSignDigestRoundTrip(t *testing.T) {
	p := pki(t)
	content := []byte("Công văn số 1234/UBND-VP về việc ký số văn bản")
	tests := []struct {
		name     string
		signer   *cmstest.Identity
		opts     cms.SignOptions
		wantHash asn1.ObjectIdentifier
		wantSig  asn1.ObjectIdentifier
	}{
		{"RSA PKCS#1 v1.5 SHA-256", p.rsa, cms.SignOptions{}, oidSHA256, asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}},
		{"RSA PKCS#1 v1.5 SHA-512", p.rsa, cms.SignOptions{Hash: crypto.SHA512}, oidSHA512, asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}},
		{"RSA-PSS SHA-256", p.rsa, cms.SignOptions{PSS: true}, oidSHA256, asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}},
		{"RSA-PSS SHA-384", p.rsa, cms.SignOptions{PSS: true, Hash: crypto.SHA384}, oidSHA384, asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}},
		{"ECDSA P-256 SHA-256", p.p256, cms.SignOptions{}, oidSHA256, asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}},
		{"ECDSA P-384 SHA-384", p.p384, cms.SignOptions{Hash: crypto.SHA384}, oidSHA384, asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}},
	}
	wantAttrs := []string{
		cms.OIDAttributeContentType.String(),
		cms.OIDAttributeMessageDigest.String(),
		cms.OIDAttributeSigningCertificateV2.String(),
	}
	slices.Sort(wantAttrs)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.opts.Hash
			if h == 0 {
				h = crypto.SHA256
			}
			digest := digestOf(h, content)
			sd, err := cms.SignDigest(digest, tt.signer.Key, []*x509.Certificate{tt.signer.Cert, p.ca.Cert}, tt.opts)
			if err != nil {
				t.Fatalf("SignDigest: %v", err)
			}
			der, err := sd.Marshal()
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			got, err := cms.Parse(der)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			again, err := got.Marshal()
			if err != nil {
				t.Fatalf("Marshal after Parse: %v", err)
			}
			if !bytes.Equal(again, der) {
				t.Errorf("Parse then Marshal changed the encoding")
			}
			if !got.EncapContentType.Equal(cms.OIDData) || got.EContent != nil {
				t.Errorf("content type %v, eContent %d bytes; want id-data, detached", got.EncapContentType, len(got.EContent))
			}
			if len(got.DigestAlgorithms) != 1 || !got.DigestAlgorithms[0].Algorithm.Equal(tt.wantHash) {
				t.Errorf("digest algorithms %v, want [%v]", got.DigestAlgorithms, tt.wantHash)
			}
			if len(got.Certificates) != 2 {
				t.Errorf("got %d certificates, want 2", len(got.Certificates))
			}
			if len(got.Signers) != 1 {
				t.Fatalf("got %d signers, want 1", len(got.Signers))
			}
			si := got.Signers[0]
			if !si.DigestAlgorithm.Algorithm.Equal(tt.wantHash) {
				t.Errorf("signer digest algorithm %v, want %v", si.DigestAlgorithm.Algorithm, tt.wantHash)
			}
			if !si.SignatureAlgorithm.Algorithm.Equal(tt.wantSig) {
				t.Errorf("signature algorithm %v, want %v", si.SignatureAlgorithm.Algorithm, tt.wantSig)
			}
			if gh, err := si.Hash(); err != nil || gh != h {
				t.Errorf("Hash() = %v, %v; want %v", gh, err, h)
			}
			if got, want := attrTypes(si.SignedAttributes), wantAttrs; !slices.Equal(got, want) {
				t.Errorf("signed attributes %v, want %v", got, want)
			}
			if len(si.UnsignedAttributes) != 0 {
				t.Errorf("got %d unsigned attributes, want none", len(si.UnsignedAttributes))
			}
			if _, ok := si.SigningTime(); ok {
				t.Errorf("signing-time present, want none")
			}
			cert := si.FindCertificate(got.Certificates)
			if cert == nil || !cert.Equal(tt.signer.Cert) {
				t.Fatalf("FindCertificate did not return the signer's certificate")
			}
			if err := si.VerifySignature(cert); err != nil {
				t.Errorf("VerifySignature: %v", err)
			}
			if err := si.VerifyContentDigest(digest); err != nil {
				t.Errorf("VerifyContentDigest: %v", err)
			}
			md, err := si.MessageDigest()
			if err != nil || !bytes.Equal(md, digest) {
				t.Errorf("MessageDigest() = %x, %v; want %x", md, err, digest)
			}
			if err := si.CheckSigningCertificate(cert); err != nil {
				t.Errorf("CheckSigningCertificate(signer) = %v, want nil", err)
			}
			if err := si.CheckSigningCertificate(p.ca.Cert); !errors.Is(err, cms.ErrSigningCertificateMismatch) {
				t.Errorf("CheckSigningCertificate(CA) = %v, want ErrSigningCertificateMismatch", err)
			}
			if err := si.VerifySignature(p.other.Cert); !errors.Is(err, cms.ErrInvalidSignature) && tt.signer == p.rsa {
				t.Errorf("VerifySignature(other RSA cert) = %v, want ErrInvalidSignature", err)
			}
		})
	}
}

func TestSigningTimeAttribute(t *testing.T) {
	p := pki(t)
	tests := []struct {
		name string
		at   time.Time
		tag  byte
	}{
		{"UTCTime before 2050", time.Date(2025, 3, 4, 5, 6, 7, 890, time.FixedZone("ICT", 7*3600)), 0x17},
		{"GeneralizedTime from 2050", time.Date(2050, 1, 2, 3, 4, 5, 0, time.UTC), 0x18},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sd, err := cms.SignDigest(digestOf(crypto.SHA256, nil), p.p256.Key, []*x509.Certificate{p.p256.Cert},
				cms.SignOptions{SigningTime: tt.at})
			if err != nil {
				t.Fatalf("SignDigest: %v", err)
			}
			si := sd.Signers[0]
			got, ok := si.SigningTime()
			if want := tt.at.Truncate(time.Second); !ok || !got.Equal(want) {
				t.Errorf("SigningTime() = %v, %v; want %v, true", got, ok, want)
			}
			for _, a := range si.SignedAttributes {
				if a.Type.Equal(cms.OIDAttributeSigningTime) && a.Values[0][0] != tt.tag {
					t.Errorf("signing-time tag 0x%02x, want 0x%02x", a.Values[0][0], tt.tag)
				}
			}
			if n := len(si.SignedAttributes); n != 4 {
				t.Errorf("got %d signed attributes, want 4", n)
			}
		})
	}
}

func TestSignRefusesBadOptions(t *testing.T) {
	p := pki(t)
	chain := []*x509.Certificate{p.rsa.Cert}
	tests := []struct {
		name    string
		digest  []byte
		signer  crypto.Signer
		chain   []*x509.Certificate
		opts    cms.SignOptions
		wantErr error
		wantMsg string
	}{
		{"SHA-1", digestOf(crypto.SHA1, nil), p.rsa.Key, chain, cms.SignOptions{Hash: crypto.SHA1}, cms.ErrWeakAlgorithm, "SHA-1"},
		{"MD5", make([]byte, 16), p.rsa.Key, chain, cms.SignOptions{Hash: crypto.MD5}, cms.ErrWeakAlgorithm, "MD5"},
		{"SHA-224", digestOf(crypto.SHA224, nil), p.rsa.Key, chain, cms.SignOptions{Hash: crypto.SHA224}, cms.ErrWeakAlgorithm, "SHA-224"},
		{"wrong digest length", make([]byte, 20), p.rsa.Key, chain, cms.SignOptions{}, nil, "digest has 20 bytes"},
		{"no signer", digestOf(crypto.SHA256, nil), nil, chain, cms.SignOptions{}, nil, "no signing key"},
		{"no chain", digestOf(crypto.SHA256, nil), p.rsa.Key, nil, cms.SignOptions{}, nil, "no signing certificate"},
		{"PSS with ECDSA", digestOf(crypto.SHA256, nil), p.p256.Key, []*x509.Certificate{p.p256.Cert}, cms.SignOptions{PSS: true}, nil, "ECDSA"},
		{"duplicate extra attribute", digestOf(crypto.SHA256, nil), p.rsa.Key, chain, cms.SignOptions{ExtraAttributes: []cms.Attribute{
			{Type: cms.OIDAttributeMessageDigest, Values: [][]byte{{0x04, 0x00}}},
		}}, nil, "already set"},
		{"extra attribute not DER", digestOf(crypto.SHA256, nil), p.rsa.Key, chain, cms.SignOptions{ExtraAttributes: []cms.Attribute{
			{Type: asn1.ObjectIdentifier{1, 2, 3}, Values: [][]byte{{0x04, 0x05, 0x00}}},
		}}, nil, "not one DER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cms.SignDigest(tt.digest, tt.signer, tt.chain, tt.opts)
			if err == nil {
				t.Fatalf("SignDigest succeeded, want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q, want it to mention %q", err, tt.wantMsg)
			}
		})
	}
}

// opaqueSigner hides the key type, as a PKCS#11 token's crypto.Signer does.
type opaqueSigner struct {
	pub  crypto.PublicKey
	sign func(digest []byte, opts crypto.SignerOpts) ([]byte, error)
}

func (s opaqueSigner) Public() crypto.PublicKey { return s.pub }
func (s opaqueSigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return s.sign(digest, opts)
}

func TestAnyCryptoSigner(t *testing.T) {
	p := pki(t)
	rsaKey := p.rsa.Key.(*rsa.PrivateKey)
	ecKey := p.p256.Key.(*ecdsa.PrivateKey)
	tests := []struct {
		name   string
		signer crypto.Signer
		cert   *x509.Certificate
		pss    bool
	}{
		{"opaque RSA", opaqueSigner{pub: rsaKey.Public(), sign: func(d []byte, o crypto.SignerOpts) ([]byte, error) {
			if _, ok := o.(*rsa.PSSOptions); ok {
				return nil, errors.New("unexpected PSS options")
			}
			return rsaKey.Sign(rand.Reader, d, o)
		}}, p.rsa.Cert, false},
		{"opaque RSA-PSS", opaqueSigner{pub: rsaKey.Public(), sign: func(d []byte, o crypto.SignerOpts) ([]byte, error) {
			po, ok := o.(*rsa.PSSOptions)
			if !ok || po.SaltLength != rsa.PSSSaltLengthEqualsHash || po.Hash != crypto.SHA256 {
				return nil, errors.New("want PSS options with salt length equal to the hash")
			}
			return rsaKey.Sign(rand.Reader, d, o)
		}}, p.rsa.Cert, true},
		{"ECDSA returning raw r||s", opaqueSigner{pub: ecKey.Public(), sign: func(d []byte, _ crypto.SignerOpts) ([]byte, error) {
			r, s, err := ecdsa.Sign(rand.Reader, ecKey, d) //nolint:staticcheck // builds the raw form some tokens return
			if err != nil {
				return nil, err
			}
			out := make([]byte, 64)
			r.FillBytes(out[:32])
			s.FillBytes(out[32:])
			return out, nil
		}}, p.p256.Cert, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			content := []byte("phụ lục kèm theo")
			der, err := cms.SignDetached(bytes.NewReader(content), tt.signer, []*x509.Certificate{tt.cert}, cms.SignOptions{PSS: tt.pss})
			if err != nil {
				t.Fatalf("SignDetached: %v", err)
			}
			sd, err := cms.Parse(der)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if err := sd.Signers[0].VerifySignature(tt.cert); err != nil {
				t.Errorf("VerifySignature: %v", err)
			}
		})
	}
}

func TestCheckKeyPair(t *testing.T) {
	p := pki(t)
	if err := cms.CheckKeyPair(p.rsa.Key, p.rsa.Cert); err != nil {
		t.Errorf("CheckKeyPair(matching) = %v, want nil", err)
	}
	err := cms.CheckKeyPair(p.other.Key, p.rsa.Cert)
	if err == nil || !strings.Contains(err.Error(), "does not belong") {
		t.Errorf("CheckKeyPair(mismatch) = %v, want a 'does not belong' error", err)
	}
	_, err = cms.SignDetached(strings.NewReader("x"), p.other.Key, []*x509.Certificate{p.rsa.Cert}, cms.SignOptions{})
	if err == nil || !strings.Contains(err.Error(), "does not belong") {
		t.Errorf("SignDetached(mismatched key) = %v, want a 'does not belong' error", err)
	}
}

func TestTamperingIsDetected(t *testing.T) {
	p := pki(t)
	content := []byte("nội dung gốc")
	digest := digestOf(crypto.SHA256, content)
	for _, signer := range []*cmstest.Identity{p.rsa, p.p256} {
		sd, err := cms.SignDigest(digest, signer.Key, []*x509.Certificate{signer.Cert}, cms.SignOptions{})
		if err != nil {
			t.Fatalf("SignDigest: %v", err)
		}
		der, err := sd.Marshal()
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		si := sd.Signers[0]

		t.Run(signer.Cert.Subject.CommonName+"/flipped signature byte", func(t *testing.T) {
			sig := si.SignatureValue()
			i := bytes.Index(der, sig)
			if i < 0 {
				t.Fatal("signature value not found in the encoding")
			}
			bad := bytes.Clone(der)
			bad[i+len(sig)/2] ^= 0x01
			got, err := cms.Parse(bad)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if err := got.Signers[0].VerifySignature(signer.Cert); !errors.Is(err, cms.ErrInvalidSignature) {
				t.Errorf("VerifySignature = %v, want ErrInvalidSignature", err)
			}
		})
		t.Run(signer.Cert.Subject.CommonName+"/changed signed attribute", func(t *testing.T) {
			i := bytes.Index(der, digest)
			if i < 0 {
				t.Fatal("message digest not found in the encoding")
			}
			bad := bytes.Clone(der)
			bad[i] ^= 0x80
			got, err := cms.Parse(bad)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if err := got.Signers[0].VerifySignature(signer.Cert); !errors.Is(err, cms.ErrInvalidSignature) {
				t.Errorf("VerifySignature = %v, want ErrInvalidSignature", err)
			}
		})
		t.Run(signer.Cert.Subject.CommonName+"/wrong content digest", func(t *testing.T) {
			other := digestOf(crypto.SHA256, []byte("nội dung đã sửa"))
			if err := si.VerifyContentDigest(other); !errors.Is(err, cms.ErrDigestMismatch) {
				t.Errorf("VerifyContentDigest = %v, want ErrDigestMismatch", err)
			}
			if err := si.VerifyContentDigest(other[:20]); !errors.Is(err, cms.ErrDigestMismatch) {
				t.Errorf("VerifyContentDigest(short) = %v, want ErrDigestMismatch", err)
			}
		})
	}
}

func TestAddUnsignedAttribute(t *testing.T) {
	p := pki(t)
	digest := digestOf(crypto.SHA256, []byte("x"))
	sd, err := cms.SignDigest(digest, p.p256.Key, []*x509.Certificate{p.p256.Cert}, cms.SignOptions{})
	if err != nil {
		t.Fatalf("SignDigest: %v", err)
	}
	before, err := sd.Marshal()
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	// Any ContentInfo will do as a stand-in token here; tsp tests use real ones.
	token := before
	if err := sd.AddUnsignedAttribute(cms.OIDAttributeTimeStampToken, token); err != nil {
		t.Fatalf("AddUnsignedAttribute: %v", err)
	}
	for _, bad := range [][]byte{nil, {0x30}, {0x30, 0x80, 0, 0}, append(bytes.Clone(token), 0)} {
		if err := sd.AddUnsignedAttribute(cms.OIDAttributeTimeStampToken, bad); err == nil {
			t.Errorf("AddUnsignedAttribute(%x) succeeded, want an error", bad)
		}
	}
	der, err := sd.Marshal()
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	got, err := cms.Parse(der)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	si := got.Signers[0]
	tok, ok := si.TimestampToken()
	if !ok || !bytes.Equal(tok, token) {
		t.Errorf("TimestampToken() = %d bytes, %v; want the added token", len(tok), ok)
	}
	if err := si.VerifySignature(p.p256.Cert); err != nil {
		t.Errorf("VerifySignature after adding an unsigned attribute: %v", err)
	}
	if !bytes.Equal(si.RawSignedAttributes(), sd.Signers[0].RawSignedAttributes()) {
		t.Errorf("signed attributes changed when an unsigned attribute was added")
	}
	if _, ok := (&cms.SignerInfo{}).TimestampToken(); ok {
		t.Errorf("TimestampToken() on a signer without one reported a token")
	}
}

func TestRevocationData(t *testing.T) {
	p := pki(t)
	crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:     big.NewInt(1),
		ThisUpdate: time.Now(),
		NextUpdate: time.Now().Add(time.Hour),
	}, p.ca.Cert, p.ca.Key)
	if err != nil {
		t.Fatalf("CreateRevocationList: %v", err)
	}
	resp, err := ocsp.CreateResponse(p.ca.Cert, p.ca.Cert, ocsp.Response{
		Status:       ocsp.Good,
		SerialNumber: p.rsa.Cert.SerialNumber,
		ThisUpdate:   time.Now(),
		NextUpdate:   time.Now().Add(time.Hour),
	}, p.ca.Key)
	if err != nil {
		t.Fatalf("ocsp.CreateResponse: %v", err)
	}
	archive, err := cms.MarshalRevocationArchive(cms.RevocationArchive{CRLs: [][]byte{crl}, OCSPResponses: [][]byte{resp}})
	if err != nil {
		t.Fatalf("MarshalRevocationArchive: %v", err)
	}
	sd, err := cms.SignDigest(digestOf(crypto.SHA256, nil), p.rsa.Key, []*x509.Certificate{p.rsa.Cert}, cms.SignOptions{
		ExtraAttributes: []cms.Attribute{{Type: cms.OIDAttributeRevocationInfoArchival, Values: [][]byte{archive}}},
	})
	if err != nil {
		t.Fatalf("SignDigest: %v", err)
	}
	sd.CRLs = [][]byte{crl}
	sd.OCSPResponses = [][]byte{resp}
	der, err := sd.Marshal()
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	got, err := cms.Parse(der)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(got.CRLs) != 1 || !bytes.Equal(got.CRLs[0], crl) {
		t.Errorf("SignedData CRLs: got %d, want the CRL", len(got.CRLs))
	}
	if len(got.OCSPResponses) != 1 || !bytes.Equal(got.OCSPResponses[0], resp) {
		t.Errorf("SignedData OCSP responses (RFC 5940): got %d, want the response", len(got.OCSPResponses))
	}
	if _, err := ocsp.ParseResponse(got.OCSPResponses[0], p.ca.Cert); err != nil {
		t.Errorf("the OCSP response read back does not parse: %v", err)
	}
	// RFC 5652: other revocation info formats need version 5.
	if !bytes.Contains(der[:32], []byte{0x02, 0x01, 0x05}) {
		t.Errorf("SignedData version is not 5 with RFC 5940 revocation info")
	}
	si := got.Signers[0]
	ra, ok, err := si.RevocationInfoArchival()
	if err != nil || !ok {
		t.Fatalf("RevocationInfoArchival() = %v, %v", ok, err)
	}
	if len(ra.CRLs) != 1 || !bytes.Equal(ra.CRLs[0], crl) || len(ra.OCSPResponses) != 1 || !bytes.Equal(ra.OCSPResponses[0], resp) {
		t.Errorf("RevocationInfoArchival() = %d CRLs, %d OCSP; want the ones signed", len(ra.CRLs), len(ra.OCSPResponses))
	}
	if err := si.VerifySignature(p.rsa.Cert); err != nil {
		t.Errorf("VerifySignature: %v", err)
	}
	if _, ok, err := sd.Signers[0].RevocationInfoArchival(); !ok || err != nil {
		t.Errorf("RevocationInfoArchival() on the new value = %v, %v", ok, err)
	}
	plain, err := cms.SignDigest(digestOf(crypto.SHA256, nil), p.rsa.Key, []*x509.Certificate{p.rsa.Cert}, cms.SignOptions{})
	if err != nil {
		t.Fatalf("SignDigest: %v", err)
	}
	if _, ok, err := plain.Signers[0].RevocationInfoArchival(); ok || err != nil {
		t.Errorf("RevocationInfoArchival() without the attribute = %v, %v; want false, nil", ok, err)
	}
}

func TestNoSigningCertificateAttribute(t *testing.T) {
	// openssl cms -sign adds no ESS attribute unless asked; see the testdata.
	data, err := os.ReadFile(filepath.Join("testdata", "openssl-rsa.p7s"))
	if err != nil {
		t.Fatalf("reading testdata: %v", err)
	}
	sd, err := cms.Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	si := sd.Signers[0]
	cert := si.FindCertificate(sd.Certificates)
	if cert == nil {
		t.Fatal("signer certificate not found")
	}
	if err := si.CheckSigningCertificate(cert); !errors.Is(err, cms.ErrNoSigningCertificate) {
		t.Errorf("CheckSigningCertificate = %v, want ErrNoSigningCertificate", err)
	}
}

func TestParseRejectsMalformedInput(t *testing.T) {
	p := pki(t)
	sd, err := cms.SignDigest(digestOf(crypto.SHA256, nil), p.p256.Key, []*x509.Certificate{p.p256.Cert}, cms.SignOptions{})
	if err != nil {
		t.Fatalf("SignDigest: %v", err)
	}
	der, err := sd.Marshal()
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	for n := range len(der) {
		if _, err := cms.Parse(der[:n]); err == nil {
			t.Fatalf("Parse of the first %d of %d bytes succeeded, want an error", n, len(der))
		}
	}
	deep := bytes.Repeat([]byte{0x30, 0x80}, 200)
	deep = append(deep, bytes.Repeat([]byte{0, 0}, 200)...)
	idData, err := asn1.Marshal(struct {
		Type    asn1.ObjectIdentifier
		Content asn1.RawValue `asn1:"explicit,tag:0"`
	}{cms.OIDData, asn1.RawValue{Tag: asn1.TagOctetString, Bytes: []byte("x")}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		data    []byte
		wantMsg string
	}{
		{"empty", nil, "no data"},
		{"garbage", []byte("%PDF-1.7 not a signature"), "damaged"},
		{"trailing garbage", append(bytes.Clone(der), 0, 0, 1), "after the signature"},
		{"deep nesting", deep, "deeper than"},
		{"indefinite primitive", []byte{0x04, 0x80, 0, 0}, "indefinite length"},
		{"huge length", []byte{0x30, 0x84, 0x7f, 0xff, 0xff, 0xff}, "ends in the middle"},
		{"not SignedData", idData, "not a signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cms.Parse(tt.data)
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q, want it to mention %q", err, tt.wantMsg)
			}
		})
	}
	padded := append(bytes.Clone(der), make([]byte, 4096)...)
	if _, err := cms.Parse(padded); err != nil {
		t.Errorf("Parse with PDF /Contents zero padding: %v", err)
	}
}

func TestSHA1SignatureIsRefused(t *testing.T) {
	// testdata/openssl-sha1.p7s was made with openssl cms -sign -md sha1.
	data, err := os.ReadFile(filepath.Join("testdata", "openssl-sha1.p7s"))
	if err != nil {
		t.Fatalf("reading testdata: %v", err)
	}
	sd, err := cms.Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	si := sd.Signers[0]
	cert := si.FindCertificate(sd.Certificates)
	err = si.VerifySignature(cert)
	if !errors.Is(err, cms.ErrWeakAlgorithm) || !strings.Contains(err.Error(), "SHA-1") {
		t.Errorf("VerifySignature = %v, want ErrWeakAlgorithm naming SHA-1", err)
	}
	if _, err := si.Hash(); !errors.Is(err, cms.ErrWeakAlgorithm) {
		t.Errorf("Hash() = %v, want ErrWeakAlgorithm", err)
	}
}

func TestOIDHashMapping(t *testing.T) {
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA224, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		oid, err := cms.OIDFromHash(h)
		if err != nil {
			t.Fatalf("OIDFromHash(%v): %v", h, err)
		}
		got, err := cms.HashFromOID(oid)
		if err != nil || got != h {
			t.Errorf("HashFromOID(OIDFromHash(%v)) = %v, %v", h, got, err)
		}
	}
	if _, err := cms.HashFromOID(asn1.ObjectIdentifier{1, 2, 3}); !errors.Is(err, cms.ErrUnsupportedAlgorithm) {
		t.Errorf("HashFromOID(unknown) = %v, want ErrUnsupportedAlgorithm", err)
	}
}
