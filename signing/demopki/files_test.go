package demopki_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/vanthu/vanthu/signing/demopki"
)

const p12Password = "demo-p@ss 2026"

func openssl(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatalf("openssl not found (install the Debian package openssl): %v", err)
	}
	cmd := exec.Command(bin, args...) // #nosec G204 -- fixed test arguments
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestWriteFilesOpenSSL(t *testing.T) {
	p := newPKI(t, demopki.Options{})
	dir := t.TempDir()
	if err := p.WriteFiles(dir, []byte(p12Password)); err != nil {
		t.Fatalf("WriteFiles: %v", err)
	}

	// openssl verify accepts the chains; -purpose checks KU/EKU its way.
	tests := []struct {
		name    string
		extra   []string
		wantOK  bool
		wantMsg string
	}{
		{"leader", nil, true, ""},
		{"leader", []string{"-purpose", "smimesign"}, true, ""},
		{"agency", nil, true, ""},
		{"clerk", nil, true, ""},
		{"docsigningonly", nil, true, ""},
		{"nonsigning", nil, true, ""},
		{"ocsp", []string{"-purpose", "ocsphelper"}, true, ""},
		{"tsa", []string{"-purpose", "timestampsign"}, true, ""},
		{"leader", []string{"-purpose", "timestampsign"}, false, "unsuitable certificate purpose"},
		{"revoked", nil, true, ""},
		{"revoked", []string{"-crl_check", "-CRLfile", "issuing-ca.crl"}, false, "certificate revoked"},
		{"leader", []string{"-crl_check_all", "-CRLfile", "issuing-ca.crl", "-CRLfile", "root.crl"}, true, ""},
		{"expired", nil, false, "certificate has expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name+strings.Join(tt.extra, ""), func(t *testing.T) {
			args := append([]string{"verify", "-CAfile", "root.pem", "-untrusted", "intermediate.pem"}, tt.extra...)
			out, err := openssl(t, dir, append(args, tt.name+".pem")...)
			if got := err == nil && strings.Contains(out, tt.name+".pem: OK"); got != tt.wantOK {
				t.Fatalf("openssl verify: got ok=%v, want %v:\n%s", got, tt.wantOK, out)
			}
			if !strings.Contains(out, tt.wantMsg) {
				t.Errorf("openssl verify: output lacks %q:\n%s", tt.wantMsg, out)
			}
		})
	}

	for _, name := range []string{"leader", "agency", "clerk", "tsa", "ocsp", "revoked", "expired", "nonsigning", "docsigningonly"} {
		t.Run(name+".p12", func(t *testing.T) {
			out, err := openssl(t, dir, "pkcs12", "-info", "-noout", "-in", name+".p12", "-passin", "pass:"+p12Password)
			if err != nil {
				t.Fatalf("openssl pkcs12 -info: %v\n%s", err, out)
			}
			if !strings.Contains(out, "AES-256-CBC") {
				t.Errorf("openssl pkcs12 -info: want AES-256-CBC encryption:\n%s", out)
			}
			if out, err := openssl(t, dir, "pkcs12", "-info", "-noout", "-in", name+".p12", "-passin", "pass:wrong"); err == nil {
				t.Errorf("openssl pkcs12 with a wrong password: got success:\n%s", out)
			}
			data, err := os.ReadFile(filepath.Join(dir, name+".p12"))
			if err != nil {
				t.Fatal(err)
			}
			key, cert, cas, err := pkcs12.DecodeChain(data, p12Password)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			signer, ok := key.(crypto.Signer)
			if !ok {
				t.Fatalf("key %T is not a crypto.Signer", key)
			}
			if eq, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(cert.PublicKey) {
				t.Error("the key does not match the certificate")
			}
			if len(cas) != 1 || !bytes.Equal(cas[0].Raw, p.Intermediate.Cert.Raw) {
				t.Errorf("CA certificates: got %d, want the issuing CA", len(cas))
			}
		})
	}

	// Modes: keys private, certificates readable.
	for _, tt := range []struct {
		file string
		mode os.FileMode
	}{
		{"leader.p12", 0o600}, {"tsa.p12", 0o600}, {"leader.pem", 0o644}, {"root.pem", 0o644},
		{"intermediate.pem", 0o644}, {"tsa.pem", 0o644}, {"issuing-ca.crl", 0o644},
	} {
		fi, err := os.Stat(filepath.Join(dir, tt.file))
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		if got := fi.Mode().Perm(); got != tt.mode {
			t.Errorf("%s: got mode %o, want %o", tt.file, got, tt.mode)
		}
	}

	// leader.pem holds the leader then the issuing CA.
	data, err := os.ReadFile(filepath.Join(dir, "leader.pem"))
	if err != nil {
		t.Fatal(err)
	}
	var got []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c)
	}
	if len(got) != 2 || !got[0].Equal(p.Leader.Cert) || !got[1].Equal(p.Intermediate.Cert) {
		t.Errorf("leader.pem: got %d certificates, want leader, issuing CA", len(got))
	}
}

func TestWriteFilesErrors(t *testing.T) {
	p := newPKI(t, demopki.Options{NoServers: true})
	tests := []struct {
		name     string
		dir      string
		password []byte
		want     string
	}{
		{"no password", t.TempDir(), nil, "password"},
		{"missing directory", filepath.Join(t.TempDir(), "nope"), []byte("x"), "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.WriteFiles(tt.dir, tt.password)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}
