package trust_test

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/signing/demopki"
	"github.com/vanthu/vanthu/signing/trust"
)

func TestLoadPEM(t *testing.T) {
	p := newPKI(t, demopki.Options{NoServers: true})
	dir := t.TempDir()
	if err := p.WriteFiles(dir, []byte("secret")); err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	root := filepath.Join(dir, "root.pem")
	leader := filepath.Join(dir, "leader.pem")
	der := write("root.cer", p.Root.Cert.Raw)
	twoDER := write("both.der", append(append([]byte(nil), p.Root.Cert.Raw...), p.Intermediate.Cert.Raw...))
	keyOnly := write("key.pem", []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
	badPEM := write("bad.pem", []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	garbage := write("garbage.txt", []byte("hello"))
	empty := write("empty.pem", nil)

	tests := []struct {
		name    string
		paths   []string
		want    int
		wantErr string // the file named in the error
	}{
		{"PEM root", []string{root}, 1, ""},
		{"PEM chain", []string{leader}, 2, ""},
		{"several files", []string{root, leader, der}, 4, ""},
		{"DER", []string{der}, 1, ""},
		{"concatenated DER", []string{twoDER}, 2, ""},
		{"no file", nil, 0, ""},
		{"missing file", []string{root, filepath.Join(dir, "missing.pem")}, 0, "missing.pem"},
		{"PEM without certificates", []string{keyOnly}, 0, "key.pem"},
		{"broken PEM certificate", []string{badPEM}, 0, "bad.pem"},
		{"not a certificate", []string{garbage}, 0, "garbage.txt"},
		{"empty file", []string{empty}, 0, "empty.pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := trust.LoadPEM(tt.paths...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Errorf("got %d certificates, want %d", len(got), tt.want)
			}
		})
	}

	// Loaded anchors work as a store.
	roots, err := trust.LoadPEM(root)
	if err != nil {
		t.Fatal(err)
	}
	inter, err := trust.LoadPEM(filepath.Join(dir, "intermediate.pem"))
	if err != nil {
		t.Fatal(err)
	}
	res := validate(t, trust.NewStore(roots, inter), p.Leader.Cert, trust.Options{At: p.Now()})
	if res.Status != trust.Trusted {
		t.Errorf("store from files: got %v (%s), want trusted", res.Status, res.Reason)
	}
}

// TestLoadDEREndingInWhitespaceByte: a DER certificate whose last byte is
// 0x20 or 0x0a is read whole.
func TestLoadDEREndingInWhitespaceByte(t *testing.T) {
	p := newPKI(t, demopki.Options{NoServers: true})
	for _, c := range []*x509.Certificate{p.Root.Cert, p.Leader.Cert} {
		for _, last := range []byte{' ', '\n'} {
			raw := append(append([]byte(nil), c.Raw...), c.Raw...)
			// The trailing byte lies inside the second signature; a file
			// that ends in it must not be trimmed.
			raw[len(raw)-1] = last
			path := filepath.Join(t.TempDir(), "cert.der")
			if err := os.WriteFile(path, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := trust.LoadPEM(path)
			// The changed byte makes the second signature wrong but not
			// the structure: parsing must still find two certificates.
			if err != nil {
				t.Errorf("last byte %q: %v", last, err)
			}
		}
	}
}
