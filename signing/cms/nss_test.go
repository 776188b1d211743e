package cms_test

import (
	"bytes"
	"crypto"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/vanthu/vanthu/signing/cms"
	"github.com/vanthu/vanthu/signing/cms/cmstest"
)

// minimalPDF returns a one-page PDF with a classic xref table.
func minimalPDF() []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// tool returns the path of a command or fails the test naming the Debian
// package that provides it.
func tool(t *testing.T, name, debian string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("the %s command is needed for this test: install the Debian package %s", name, debian)
	}
	return p
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, out)
	}
}

var (
	reContents  = regexp.MustCompile(`/Contents\s*<([0-9A-Fa-f]+)>`)
	reByteRange = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)
)

// TestNSSSignaturesVerify signs a PDF with poppler's pdfsig -add-signature
// (NSS writes BER with indefinite lengths, zero-padded in /Contents) and
// verifies the CMS with this package.
func TestNSSSignaturesVerify(t *testing.T) {
	p := pki(t)
	pdfsig := tool(t, "pdfsig", "poppler-utils")
	certutil := tool(t, "certutil", "libnss3-tools")
	pk12util := tool(t, "pk12util", "libnss3-tools")
	tests := []struct {
		name   string
		signer *cmstest.Identity
		digest string
		hash   crypto.Hash
	}{
		{"RSA SHA-256", p.rsa, "SHA256", crypto.SHA256},
		// pdfsig 22.12 only does SHA-256, and with ECDSA keys it fails most
		// of the time ("unable update signature": it seems to expect the
		// signature length of a trial run, which varies for ECDSA).
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "nssdb")
			if err := os.Mkdir(db, 0o700); err != nil {
				t.Fatal(err)
			}
			run(t, dir, certutil, "-N", "-d", "sql:"+db, "--empty-password")
			run(t, dir, certutil, "-A", "-d", "sql:"+db, "-n", "ca", "-t", "CT,C,C", "-i", p.caPath)
			cert := cmstest.WriteCertPEM(t, dir, "signer.pem", tt.signer.Cert)
			key := cmstest.WriteKeyPEM(t, dir, "signer.key", tt.signer.Key)
			p12 := filepath.Join(dir, "signer.p12")
			cmstest.OpenSSL(t, dir, "pkcs12", "-export", "-in", cert, "-inkey", key, "-name", "signer",
				"-passout", "pass:test", "-out", p12)
			run(t, dir, pk12util, "-i", p12, "-d", "sql:"+db, "-W", "test", "-K", "")
			in := cmstest.WriteFile(t, dir, "in.pdf", minimalPDF())
			out := filepath.Join(dir, "out.pdf")
			run(t, dir, pdfsig, "-add-signature", "-nssdir", "sql:"+db, "-nick", "signer",
				"-digest", tt.digest, "-new-signature-field-name", "Sig1", in, out)

			pdf, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			mc := reContents.FindSubmatch(pdf)
			mb := reByteRange.FindSubmatch(pdf)
			if mc == nil || mb == nil {
				t.Fatal("no /Contents or /ByteRange in pdfsig's output")
			}
			contents, err := hex.DecodeString(string(mc[1]))
			if err != nil {
				t.Fatal(err)
			}
			if contents[1] != 0x80 {
				t.Errorf("NSS output is not indefinite-length BER as expected (byte 1 = %#x)", contents[1])
			}
			var br [4]int
			for i := range br {
				br[i], _ = strconv.Atoi(string(mb[i+1]))
			}
			if br[0] != 0 || br[0]+br[1] > len(pdf) || br[2]+br[3] > len(pdf) {
				t.Fatalf("unexpected /ByteRange %v", br)
			}
			d := tt.hash.New()
			d.Write(pdf[br[0] : br[0]+br[1]])
			d.Write(pdf[br[2] : br[2]+br[3]])

			sd, err := cms.Parse(contents) // zero padding included
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			si := sd.Signers[0]
			signer := si.FindCertificate(sd.Certificates)
			if signer == nil || !signer.Equal(tt.signer.Cert) {
				t.Fatal("FindCertificate did not find the signer")
			}
			if h, err := si.Hash(); err != nil || h != tt.hash {
				t.Errorf("Hash() = %v, %v; want %v", h, err, tt.hash)
			}
			if err := si.VerifySignature(signer); err != nil {
				t.Errorf("VerifySignature: %v", err)
			}
			if err := si.VerifyContentDigest(d.Sum(nil)); err != nil {
				t.Errorf("VerifyContentDigest over the byte ranges: %v", err)
			}
			if err := si.CheckSigningCertificate(signer); err != nil {
				t.Errorf("CheckSigningCertificate: %v", err)
			}
		})
	}
}

// TestNSSFixture reads the committed /Contents of a pdfsig signature (BER,
// zero-padded; see testdata/gen.sh) and checks its signature value.
func TestNSSFixture(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "nss-pdfsig-padded.der"))
	if err != nil {
		t.Fatal(err)
	}
	if data[1] != 0x80 || data[len(data)-1] != 0 {
		t.Fatal("the fixture is not zero-padded indefinite-length BER")
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
	if err := si.VerifySignature(cert); err != nil {
		t.Errorf("VerifySignature: %v", err)
	}
	if err := si.CheckSigningCertificate(cert); err != nil {
		t.Errorf("CheckSigningCertificate: %v", err)
	}
}
