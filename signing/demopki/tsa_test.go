package demopki_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/signing/demopki"
	"github.com/vanthu/vanthu/signing/tsp"
)

func TestTSAServer(t *testing.T) {
	start := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	p := newPKI(t, demopki.Options{Now: start})
	digest := sha256.Sum256([]byte("Công văn số 1234/UBND-VP"))
	c := &tsp.Client{URL: p.TSAURL, Policy: demopki.TSAPolicy}
	_, tok, err := c.Timestamp(context.Background(), digest[:])
	if err != nil {
		t.Fatalf("timestamp: %v", err)
	}
	signer, err := tok.Verify(digest[:], nil)
	if err != nil {
		t.Fatalf("verify token: %v", err)
	}
	if !signer.Equal(p.TSA.Cert) {
		t.Errorf("signer: got %s, want the demo TSA", signer.Subject.CommonName)
	}
	if !tok.Policy.Equal(demopki.TSAPolicy) {
		t.Errorf("policy: got %v, want %v", tok.Policy, demopki.TSAPolicy)
	}
	// The TSA runs on the PKI's clock, not the wall clock.
	if tok.GenTime.Before(start.Add(-time.Second)) || tok.GenTime.After(start.Add(time.Minute)) {
		t.Errorf("genTime: got %v, want just after %v", tok.GenTime, start)
	}

	p.DisableTSA(true)
	_, _, err = c.Timestamp(context.Background(), digest[:])
	var se *tsp.ServerError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "503") {
		t.Errorf("disabled TSA: got %v, want an HTTP 503 server error", err)
	}
}

// TestTSAWithOpenSSL has openssl make the request and verify the reply
// against the files WriteFiles writes.
func TestTSAWithOpenSSL(t *testing.T) {
	p := newPKI(t, demopki.Options{})
	dir := t.TempDir()
	if err := p.WriteFiles(dir, []byte(p12Password)); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "van-ban.txt")
	if err := os.WriteFile(data, []byte("Quyết định số 15/QĐ-UBND"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := openssl(t, dir, "ts", "-query", "-data", data, "-sha256", "-cert", "-out", "req.tsq"); err != nil {
		t.Fatalf("openssl ts -query: %v\n%s", err, out)
	}
	req, err := os.ReadFile(filepath.Join(dir, "req.tsq"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(p.TSAURL, "application/timestamp-query", bytes.NewReader(req)) // #nosec G107 -- test URL on 127.0.0.1
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("TSA: HTTP %d, %v", resp.StatusCode, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "reply.tsr"), reply, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := openssl(t, dir, "ts", "-verify", "-in", "reply.tsr", "-queryfile", "req.tsq",
		"-CAfile", "root.pem", "-untrusted", "intermediate.pem")
	if err != nil || !strings.Contains(out, "Verification: OK") {
		t.Errorf("openssl ts -verify: %v\n%s", err, out)
	}
}
