package signing

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/signing/sample"

	"github.com/vanthu/vanthu/signing/demopki"
	"github.com/vanthu/vanthu/signing/tsp"
)

// simplePDF builds a small PDF with n pages of text and a classic xref table.
func simplePDF(n int) []byte { return sample.SimplePDF(n) }

var (
	pkiOnce sync.Once
	pkiVal  *demopki.PKI
	pkiErr  error
)

// testPKI is one demo PKI (with live OCSP, CRL and TSA servers) shared by
// the package's tests.
func testPKI(t testing.TB) *demopki.PKI {
	t.Helper()
	pkiOnce.Do(func() { pkiVal, pkiErr = demopki.New(demopki.Options{}) })
	if pkiErr != nil {
		t.Fatalf("demo PKI: %v", pkiErr)
	}
	return pkiVal
}

func leaderOpts(t testing.TB) PDFOptions {
	p := testPKI(t)
	return PDFOptions{Signer: Signer{Key: p.Leader.Key, Chain: p.Leader.Chain}}
}

func agencyOpts(t testing.TB) PDFOptions {
	p := testPKI(t)
	return PDFOptions{Signer: Signer{Key: p.Agency.Key, Chain: p.Agency.Chain}}
}

func tsaClient(t testing.TB) *tsp.Client {
	p := testPKI(t)
	if p.TSAURL == "" {
		t.Fatal("the demo PKI has no timestamp server")
	}
	return &tsp.Client{URL: p.TSAURL, Timeout: 10 * time.Second}
}

func verifyOpts(t testing.TB) VerifyOptions {
	p := testPKI(t)
	return VerifyOptions{Roots: p.Root.Chain[:1], Online: true}
}

func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// signFile signs in with opts into a new file and returns its path.
func signFile(t testing.TB, in string, opts PDFOptions) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "signed.pdf")
	if _, err := SignPDFFile(context.Background(), in, out, opts); err != nil {
		t.Fatalf("SignPDFFile: %v", err)
	}
	return out
}

func needTool(t testing.TB, tool, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Fatalf("%s not found: install the Debian package %s (make deps)", tool, pkg)
	}
}

var (
	nssOnce sync.Once
	nssDir  string
	nssErr  error
)

// nssDB returns an NSS database that trusts the demo root, for pdfsig.
func nssDB(t testing.TB) string {
	t.Helper()
	needTool(t, "certutil", "libnss3-tools")
	p := testPKI(t)
	nssOnce.Do(func() {
		dir, err := os.MkdirTemp("", "vanthu-nss-")
		if err != nil {
			nssErr = err
			return
		}
		nssDir = dir
		if out, err := exec.Command("certutil", "-N", "-d", "sql:"+dir, "--empty-password").CombinedOutput(); err != nil {
			nssErr = fmt.Errorf("certutil -N: %w: %s", err, out)
			return
		}
		root := filepath.Join(dir, "root.pem")
		if err := os.WriteFile(root, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Root.Cert.Raw}), 0o600); err != nil {
			nssErr = err
			return
		}
		if out, err := exec.Command("certutil", "-A", "-d", "sql:"+dir, "-n", "vanthu-demo-root", "-t", "CT,C,C", "-i", root).CombinedOutput(); err != nil {
			nssErr = fmt.Errorf("certutil -A: %w: %s", err, out)
		}
	})
	if nssErr != nil {
		t.Fatal(nssErr)
	}
	return nssDir
}

// pdfsigResult is what poppler's pdfsig says about one signature.
type pdfsigResult struct {
	Valid   bool
	Trusted bool
	Text    string
}

var pdfsigSig = regexp.MustCompile(`(?m)^Signature #(\d+):`)

// pdfsig runs poppler's pdfsig against the demo trust store.
func pdfsig(t testing.TB, path string) []pdfsigResult {
	t.Helper()
	needTool(t, "pdfsig", "poppler-utils")
	dir := nssDB(t)
	out, err := exec.Command("pdfsig", "-nssdir", "sql:"+dir, path).CombinedOutput()
	text := string(out)
	if err != nil && !strings.Contains(text, "Signature #") {
		t.Fatalf("pdfsig: %v\n%s", err, text)
	}
	idx := pdfsigSig.FindAllStringIndex(text, -1)
	var res []pdfsigResult
	for i, m := range idx {
		end := len(text)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		part := text[m[0]:end]
		res = append(res, pdfsigResult{
			Valid:   strings.Contains(part, "Signature Validation: Signature is Valid."),
			Trusted: strings.Contains(part, "Certificate Validation: Certificate is Trusted."),
			Text:    part,
		})
	}
	return res
}

// qpdfCheck runs qpdf --check and returns its warnings.
func qpdfCheck(t testing.TB, path string) []string {
	t.Helper()
	needTool(t, "qpdf", "qpdf")
	out, err := exec.Command("qpdf", "--check", path).CombinedOutput()
	if err != nil {
		// Exit 3 means warnings only.
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 3 {
			t.Fatalf("qpdf --check %s: %v\n%s", path, err, out)
		}
	}
	var warns []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "WARNING") {
			warns = append(warns, line)
		}
	}
	return warns
}
