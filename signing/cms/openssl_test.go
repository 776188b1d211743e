package cms_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/signing/cms"
	"github.com/vanthu/vanthu/signing/cms/cmstest"
)

// TestOpenSSLVerifiesOurSignatures signs .p7s files and has the real
// openssl cms -verify check them.
func TestOpenSSLVerifiesOurSignatures(t *testing.T) {
	p := pki(t)
	tests := []struct {
		name   string
		signer *cmstest.Identity
		opts   cms.SignOptions
	}{
		{"RSA PKCS#1 v1.5", p.rsa, cms.SignOptions{SigningTime: time.Now()}},
		{"RSA-PSS", p.rsa, cms.SignOptions{PSS: true, SigningTime: time.Now()}},
		{"RSA-PSS SHA-512", p.rsa, cms.SignOptions{PSS: true, Hash: crypto.SHA512}},
		{"ECDSA P-256", p.p256, cms.SignOptions{SigningTime: time.Now()}},
		{"ECDSA P-384 SHA-384", p.p384, cms.SignOptions{Hash: crypto.SHA384, SigningTime: time.Now()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			content := bytes.Repeat([]byte("Tờ trình xin ý kiến lãnh đạo.\r\n\x00\xff"), 1000)
			contentPath := cmstest.WriteFile(t, dir, "content.docx", content)
			der, err := cms.SignDetached(bytes.NewReader(content), tt.signer.Key,
				[]*x509.Certificate{tt.signer.Cert, p.ca.Cert}, tt.opts)
			if err != nil {
				t.Fatalf("SignDetached: %v", err)
			}
			sigPath := cmstest.WriteFile(t, dir, "content.docx.p7s", der)

			_, stderr, err := cmstest.RunOpenSSL(t, dir, "cms", "-verify", "-binary", "-inform", "DER",
				"-in", sigPath, "-content", contentPath, "-CAfile", p.caPath, "-purpose", "any", "-out", os.DevNull)
			if err != nil || !strings.Contains(string(stderr), "Verification successful") {
				t.Errorf("openssl cms -verify refused the signature: %v\n%s", err, stderr)
			}

			// The oracle must also refuse a changed file.
			changed := bytes.Clone(content)
			changed[len(changed)/2] ^= 1
			changedPath := cmstest.WriteFile(t, dir, "changed.docx", changed)
			if _, _, err := cmstest.RunOpenSSL(t, dir, "cms", "-verify", "-binary", "-inform", "DER",
				"-in", sigPath, "-content", changedPath, "-CAfile", p.caPath, "-purpose", "any", "-out", os.DevNull); err == nil {
				t.Errorf("openssl cms -verify accepted a changed file")
			}
		})
	}
}

// TestOpenSSLSignaturesVerify signs with the real openssl cms -sign (DER and
// streamed BER, PKCS#1 v1.5, PSS and ECDSA, detached and attached) and
// verifies the results with this package.
func TestOpenSSLSignaturesVerify(t *testing.T) {
	p := pki(t)
	dir := t.TempDir()
	content := []byte("Quyết định số 56/QĐ-UBND\n" + strings.Repeat("điều khoản ", 2000))
	contentPath := cmstest.WriteFile(t, dir, "content.txt", content)
	rsaCert := cmstest.WriteCertPEM(t, dir, "rsa.pem", p.rsa.Cert)
	rsaKey := cmstest.WriteKeyPEM(t, dir, "rsa.key", p.rsa.Key)
	ecCert := cmstest.WriteCertPEM(t, dir, "ec.pem", p.p256.Cert)
	ecKey := cmstest.WriteKeyPEM(t, dir, "ec.key", p.p256.Key)

	tests := []struct {
		name     string
		args     []string
		cert     *x509.Certificate
		wantBER  bool
		attached bool
		wantHash crypto.Hash
	}{
		{"RSA DER", []string{"-signer", rsaCert, "-inkey", rsaKey, "-md", "sha256"}, p.rsa.Cert, false, false, crypto.SHA256},
		// With -stream and DER output openssl embeds the content (BER,
		// constructed OCTET STRING) even without -nodetach.
		{"RSA BER stream", []string{"-signer", rsaCert, "-inkey", rsaKey, "-md", "sha256", "-stream"}, p.rsa.Cert, true, true, crypto.SHA256},
		{"RSA-PSS DER", []string{"-signer", rsaCert, "-inkey", rsaKey, "-md", "sha256", "-keyopt", "rsa_padding_mode:pss"}, p.rsa.Cert, false, false, crypto.SHA256},
		{"RSA-PSS DER SHA-512", []string{"-signer", rsaCert, "-inkey", rsaKey, "-md", "sha512", "-keyopt", "rsa_padding_mode:pss"}, p.rsa.Cert, false, false, crypto.SHA512},
		// openssl 3.0 cannot stream PSS ("illegal zero content"), so there is
		// no BER PSS case.
		{"ECDSA DER key id", []string{"-signer", ecCert, "-inkey", ecKey, "-md", "sha384", "-keyid"}, p.p256.Cert, false, false, crypto.SHA384},
		{"ECDSA BER stream attached", []string{"-signer", ecCert, "-inkey", ecKey, "-md", "sha256", "-stream", "-nodetach"}, p.p256.Cert, true, true, crypto.SHA256},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, "sig"+string(rune('a'+i))+".p7s")
			args := append([]string{"cms", "-sign", "-binary", "-in", contentPath, "-outform", "DER", "-out", out}, tt.args...)
			cmstest.OpenSSL(t, dir, args...)
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if isBER := len(data) > 1 && data[1] == 0x80; isBER != tt.wantBER {
				t.Fatalf("openssl output indefinite-length = %v, want %v", isBER, tt.wantBER)
			}
			sd, err := cms.Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tt.attached != (sd.EContent != nil) {
				t.Fatalf("attached content present = %v, want %v", sd.EContent != nil, tt.attached)
			}
			if tt.attached && !bytes.Equal(sd.EContent, content) {
				t.Errorf("attached content differs from the signed file (%d bytes, want %d)", len(sd.EContent), len(content))
			}
			if len(sd.Signers) != 1 {
				t.Fatalf("got %d signers, want 1", len(sd.Signers))
			}
			si := sd.Signers[0]
			cert := si.FindCertificate(sd.Certificates)
			if cert == nil || !cert.Equal(tt.cert) {
				t.Fatal("FindCertificate did not find the signer's certificate")
			}
			h, err := si.Hash()
			if err != nil || h != tt.wantHash {
				t.Fatalf("Hash() = %v, %v; want %v", h, err, tt.wantHash)
			}
			if err := si.VerifySignature(cert); err != nil {
				t.Errorf("VerifySignature: %v", err)
			}
			if err := si.VerifyContentDigest(digestOf(h, content)); err != nil {
				t.Errorf("VerifyContentDigest: %v", err)
			}
			if _, ok := si.SigningTime(); !ok {
				t.Errorf("openssl's signing-time attribute was not read")
			}
			if err := si.VerifyContentDigest(digestOf(h, append(bytes.Clone(content), '.'))); err == nil {
				t.Errorf("VerifyContentDigest accepted changed content")
			}
			// Re-encoding the parsed BER keeps the signature valid.
			der, err := sd.Marshal()
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			back, err := cms.Parse(der)
			if err != nil {
				t.Fatalf("Parse(Marshal()): %v", err)
			}
			if err := back.Signers[0].VerifySignature(cert); err != nil {
				t.Errorf("VerifySignature after re-encoding: %v", err)
			}
		})
	}
}

// TestOpenSSLFixtures checks the committed openssl outputs (see
// testdata/gen.sh), which also seed FuzzParse.
func TestOpenSSLFixtures(t *testing.T) {
	content, err := os.ReadFile(filepath.Join("testdata", "content.txt"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file    string
		wantSKI bool
	}{
		{"openssl-rsa.p7s", false},
		{"openssl-rsa-stream.p7s", false},
		{"openssl-pss.p7s", false},
		{"openssl-ec-keyid.p7s", true},
		{"openssl-ec-attached-stream.p7m", false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			sd, err := cms.Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			si := sd.Signers[0]
			if got := si.SubjectKeyID != nil; got != tt.wantSKI {
				t.Errorf("signer identified by subject key id = %v, want %v", got, tt.wantSKI)
			}
			cert := si.FindCertificate(sd.Certificates)
			if cert == nil {
				t.Fatal("signer certificate not found")
			}
			h, err := si.Hash()
			if err != nil {
				t.Fatalf("Hash: %v", err)
			}
			if err := si.VerifySignature(cert); err != nil {
				t.Errorf("VerifySignature: %v", err)
			}
			if err := si.VerifyContentDigest(digestOf(h, content)); err != nil {
				t.Errorf("VerifyContentDigest: %v", err)
			}
		})
	}
}
