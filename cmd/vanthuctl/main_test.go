package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vanthu/vanthu/signing/sample"

	"github.com/vanthu/vanthu/signing/demopki"
)

const testPassword = "mật-khẩu-demo"

var (
	pkiOnce sync.Once
	pkiDir  string
	pkiVal  *demopki.PKI
	pkiErr  error
)

// testFiles writes the demo PKI (with live OCSP/CRL/TSA servers) once.
func testFiles(t *testing.T) (string, *demopki.PKI) {
	t.Helper()
	pkiOnce.Do(func() {
		pkiVal, pkiErr = demopki.New(demopki.Options{})
		if pkiErr != nil {
			return
		}
		pkiDir, pkiErr = os.MkdirTemp("", "vanthuctl-test-")
		if pkiErr != nil {
			return
		}
		if pkiErr = pkiVal.WriteFiles(pkiDir, []byte(testPassword)); pkiErr != nil {
			return
		}
		pkiErr = os.WriteFile(filepath.Join(pkiDir, "password"), []byte(testPassword+"\n"), 0o600)
	})
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pkiDir, pkiVal
}

// ctl runs the CLI in-process.
func ctl(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func simplePDF(n int) []byte { return sample.SimplePDF(n) }

func sum(t *testing.T, path string) [32]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(data)
}

func TestSignVerifyRoundTrip(t *testing.T) {
	dir, pki := testFiles(t)
	work := t.TempDir()
	in := filepath.Join(work, "công văn.pdf")
	if err := os.WriteFile(in, simplePDF(2), 0o600); err != nil {
		t.Fatal(err)
	}
	before := sum(t, in)
	out := filepath.Join(work, "signed.pdf")
	code, stdout, stderr := ctl(t, "sign", "--p12", filepath.Join(dir, "leader.p12"), "--password-file", filepath.Join(dir, "password"),
		"--appearance", "personal", "--position", "KT. CHỦ TỊCH", "--position", "PHÓ CHỦ TỊCH", "--tsa", pki.TSAURL,
		"--reason", "Phê duyệt", "--location", "Hà Nam", "-o", out, in)
	if code != 0 {
		t.Fatalf("sign: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "PAdES B-T") {
		t.Errorf("sign output %q does not name the level", stdout)
	}
	if sum(t, in) != before {
		t.Fatal("the input was modified")
	}
	code, stdout, stderr = ctl(t, "verify", "--trust", filepath.Join(dir, "root.pem"), out)
	if code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"Document: VALID", "Nguyễn Văn An", "PAdES B-T"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("verify output lacks %q:\n%s", want, stdout)
		}
	}
	code, stdout, _ = ctl(t, "verify", "--json", "--trust", filepath.Join(dir, "root.pem"), out)
	if code != 0 {
		t.Fatalf("verify --json: exit %d", code)
	}
	var rep struct {
		Verdict    string
		Signatures []struct{ Verdict, Level string }
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("verify --json output is not JSON: %v\n%s", err, stdout)
	}
	if rep.Verdict != "VALID" || len(rep.Signatures) != 1 || rep.Signatures[0].Level != "B-T" {
		t.Errorf("JSON report: %+v", rep)
	}
	// Without trust anchors the identity cannot be confirmed: exit 1.
	if code, _, _ := ctl(t, "verify", out); code != 1 {
		t.Errorf("verify without --trust: exit %d, want 1", code)
	}
	// An unsigned document: exit 1.
	if code, _, _ := ctl(t, "verify", "--trust", filepath.Join(dir, "root.pem"), in); code != 1 {
		t.Errorf("verify of an unsigned PDF: exit %d, want 1", code)
	}
	// A tampered one: exit 1.
	data, _ := os.ReadFile(out)
	i := bytes.Index(data, []byte("(Page 1 of"))
	data[i+1] = 'X'
	bad := filepath.Join(work, "tampered.pdf")
	mustWrite(t, bad, data, 0o600)
	if code, stdout, _ := ctl(t, "verify", "--trust", filepath.Join(dir, "root.pem"), bad); code != 1 || !strings.Contains(stdout, "INVALID") {
		t.Errorf("verify of a tampered PDF: exit %d, want 1 and INVALID:\n%s", code, stdout)
	}
}

func TestDetachedRoundTrip(t *testing.T) {
	dir, _ := testFiles(t)
	work := t.TempDir()
	in := filepath.Join(work, "bao-cao.docx")
	mustWrite(t, in, []byte("PK\x03\x04 not really a docx, but any bytes can be signed"), 0o600)
	out := in + ".p7s"
	if code, _, stderr := ctl(t, "sign", "--p12", filepath.Join(dir, "agency.p12"), "--password-file", filepath.Join(dir, "password"), "-o", out, in); code != 0 {
		t.Fatalf("sign: exit %d: %s", code, stderr)
	}
	needTool(t, "openssl", "openssl")
	if msg, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", out, "-content", in,
		"-CAfile", filepath.Join(dir, "root.pem"), "-purpose", "any", "-out", os.DevNull).CombinedOutput(); err != nil {
		t.Fatalf("openssl cms -verify: %v\n%s", err, msg)
	}
	if code, stdout, stderr := ctl(t, "verify", "--trust", filepath.Join(dir, "root.pem"), in); code != 0 {
		t.Fatalf("verify (IN.p7s found by name): exit %d\n%s%s", code, stdout, stderr)
	}
	if code, _, _ := ctl(t, "verify", "--trust", filepath.Join(dir, "root.pem"), "--sig", out, filepath.Join(dir, "root.pem")); code != 1 {
		t.Errorf("verify of the signature against another file: exit %d, want 1", code)
	}
}

func needTool(t *testing.T, tool, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Fatalf("%s not found: install the Debian package %s (make deps)", tool, pkg)
	}
}

func mustWrite(t *testing.T, path string, data []byte, perm os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, perm); err != nil {
		t.Fatal(err)
	}
}

// TestDemo runs the demo of make run: every document it makes verifies.
func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	code, stdout, stderr := ctl(t, "demo", "--dir", dir)
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, name := range []string{"1-draft.pdf", "2-approved.pdf", "4-issued.pdf", "5-appendix-signed.pdf", "pki/root.pem", "pki/leader.p12"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("demo output %s: %v", name, err)
		}
	}
	if strings.Count(stdout, "VALID — ") != 3 || strings.Contains(stdout, "INVALID") {
		t.Errorf("demo verification summary:\n%s", stdout)
	}
	// The issued dispatch carries the leader's signature and the agency's
	// stamp and seal, and verifies offline against the demo root.
	code, stdout, _ = ctl(t, "verify", "--offline", "--trust", filepath.Join(dir, "pki", "root.pem"), filepath.Join(dir, "4-issued.pdf"))
	if code != 0 || strings.Count(stdout, "): VALID") != 3 {
		t.Errorf("verify of the issued dispatch: exit %d\n%s", code, stdout)
	}
}
