package keys

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"
)

const p12Password = "mật-khẩu Ẩn 2024"

// opensslPKCS12 runs `openssl pkcs12 -export` over the given PEM files; the
// password travels through the environment, not the command line.
func opensslPKCS12(t *testing.T, password string, args ...string) []byte {
	t.Helper()
	openssl := requireTool(t, "openssl", "openssl")
	out := filepath.Join(t.TempDir(), "out.p12")
	cmd := exec.Command(openssl, append([]string{"pkcs12", "-export", "-out", out, "-passout", "env:P12PASS"}, args...)...)
	cmd.Env = append(os.Environ(), "P12PASS="+password)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl pkcs12 -export %v: %v\n%s", args, err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestLoadPKCS12Formats(t *testing.T) {
	pki := newTestPKI(t)
	rsaKey := testRSAKey(t, 0)
	ecKey := testECKey(t)
	rsaChain := pki.leaf(t, "Nguyễn Văn An", rsaKey.Public())
	ecChain := pki.leaf(t, "Trần Thị Bình", ecKey.Public())

	opensslFile := func(key crypto.Signer, chain []*x509.Certificate, legacy bool) func(t *testing.T) []byte {
		return func(t *testing.T) []byte {
			dir := t.TempDir()
			keyPath := writePEM(t, dir, "key.pem", keyBlock(t, key))
			leafPath := writePEM(t, dir, "leaf.pem", certBlocks(chain[0])...)
			casPath := writePEM(t, dir, "cas.pem", certBlocks(chain[1:]...)...)
			args := []string{"-inkey", keyPath, "-in", leafPath, "-certfile", casPath}
			if legacy {
				args = append(args, "-legacy")
			}
			return opensslPKCS12(t, p12Password, args...)
		}
	}
	goFile := func(enc *pkcs12.Encoder, key crypto.Signer, chain []*x509.Certificate) func(t *testing.T) []byte {
		return func(t *testing.T) []byte {
			data, err := enc.Encode(key, chain[0], chain[1:], p12Password)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
	}

	tests := []struct {
		name  string
		make  func(t *testing.T) []byte
		key   crypto.Signer
		chain []*x509.Certificate
	}{
		{"openssl legacy 3DES/RC2, RSA", opensslFile(rsaKey, rsaChain, true), rsaKey, rsaChain},
		{"openssl default AES, RSA", opensslFile(rsaKey, rsaChain, false), rsaKey, rsaChain},
		{"openssl legacy 3DES/RC2, ECDSA", opensslFile(ecKey, ecChain, true), ecKey, ecChain},
		{"openssl default AES, ECDSA", opensslFile(ecKey, ecChain, false), ecKey, ecChain},
		{"go-pkcs12 Modern, RSA", goFile(pkcs12.Modern, rsaKey, rsaChain), rsaKey, rsaChain},
		{"go-pkcs12 Modern, ECDSA", goFile(pkcs12.Modern, ecKey, ecChain), ecKey, ecChain},
		{"go-pkcs12 Modern2026, ECDSA", goFile(pkcs12.Modern2026, ecKey, ecChain), ecKey, ecChain},
		{"go-pkcs12 LegacyRC2, RSA", goFile(pkcs12.LegacyRC2, rsaKey, rsaChain), rsaKey, rsaChain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.make(t)
			key, err := LoadPKCS12(data, []byte(p12Password))
			if err != nil {
				t.Fatalf("LoadPKCS12: %v", err)
			}
			defer key.Close()
			if got, want := chainNames(key.Chain), chainNames(tt.chain); !sameChain(key.Chain, tt.chain) {
				t.Errorf("chain: got %v, want %v", got, want)
			}
			if !key.Certificate().Equal(tt.chain[0]) {
				t.Errorf("Certificate(): got %q, want %q", key.Certificate().Subject, tt.chain[0].Subject)
			}
			if !keyMatches(key.Signer.Public(), tt.chain[0]) {
				t.Errorf("Signer.Public() does not match the certificate")
			}
			digest := digestFor(crypto.SHA256, "Quyết định số 123/QĐ-UBND")
			sig, err := key.Signer.Sign(rand.Reader, digest, crypto.SHA256)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if !verifySig(tt.key.Public(), digest, sig, crypto.SHA256) {
				t.Errorf("signature does not verify with the original public key")
			}
			if err := key.Close(); err != nil {
				t.Errorf("Close: got %v, want nil", err)
			}
			if err := key.Close(); err != nil {
				t.Errorf("second Close: got %v, want nil", err)
			}
		})
	}
}

// TestLoadPKCS12ChainOrder checks that the key's own certificate comes first
// and the issuers follow in order, whatever order the file lists them in,
// and that certificates unrelated to the key are left out.
func TestLoadPKCS12ChainOrder(t *testing.T) {
	pki := newTestPKI(t)
	other := newTestPKI(t)
	key := testECKey(t)
	chain := pki.leaf(t, "Lê Văn Cường", key.Public())
	stranger := other.leaf(t, "Người lạ", testECKey(t).Public())[0]

	tests := []struct {
		name  string
		first *x509.Certificate
		rest  []*x509.Certificate
	}{
		{"leaf first, issuers in order", chain[0], []*x509.Certificate{chain[1], chain[2]}},
		{"root first", chain[2], []*x509.Certificate{chain[0], chain[1]}},
		{"reversed", chain[2], []*x509.Certificate{chain[1], chain[0]}},
		{"intermediate first, stranger inside", chain[1], []*x509.Certificate{stranger, chain[2], chain[0], other.root}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := pkcs12.Modern.Encode(key, tt.first, tt.rest, p12Password)
			if err != nil {
				t.Fatal(err)
			}
			k, err := LoadPKCS12(data, []byte(p12Password))
			if err != nil {
				t.Fatalf("LoadPKCS12: %v", err)
			}
			if !sameChain(k.Chain, chain) {
				t.Errorf("chain: got %v, want %v", chainNames(k.Chain), chainNames(chain))
			}
		})
	}
}

func TestLoadPKCS12Errors(t *testing.T) {
	pki := newTestPKI(t)
	key := testECKey(t)
	chain := pki.leaf(t, "Phạm Thị Dung", key.Public())
	dir := t.TempDir()
	keyPath := writePEM(t, dir, "key.pem", keyBlock(t, key))
	certPath := writePEM(t, dir, "cert.pem", certBlocks(chain...)...)
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edCert := pki.leaf(t, "Ed25519 signer", edKey.Public())[0]
	edKeyPath := writePEM(t, dir, "ed.pem", keyBlock(t, edKey))
	edCertPath := writePEM(t, dir, "edcert.pem", certBlocks(edCert)...)
	good, err := pkcs12.Modern.Encode(key, chain[0], chain[1:], p12Password)
	if err != nil {
		t.Fatal(err)
	}
	// A file whose only certificate belongs to another key.
	mismatched, err := pkcs12.Modern.Encode(key, chain[1], nil, p12Password)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		data      func(t *testing.T) []byte
		password  string
		wantIs    error
		wantInMsg string
	}{
		{"wrong password", func(*testing.T) []byte { return good }, "sai-mat-khau-9876", ErrWrongPassword, "wrong password for the PKCS#12 file"},
		{"empty password", func(*testing.T) []byte { return good }, "", ErrWrongPassword, "wrong password"},
		{"wrong password, legacy file", func(t *testing.T) []byte {
			return opensslPKCS12(t, p12Password, "-inkey", keyPath, "-in", certPath, "-legacy")
		}, "sai-mat-khau-9876", ErrWrongPassword, "wrong password"},
		{"certificates only", func(t *testing.T) []byte {
			return opensslPKCS12(t, p12Password, "-nokeys", "-in", certPath)
		}, p12Password, nil, "holds no private key"},
		{"key only", func(t *testing.T) []byte {
			return opensslPKCS12(t, p12Password, "-nocerts", "-inkey", keyPath)
		}, p12Password, nil, "holds no certificate"},
		{"certificate of another key", func(*testing.T) []byte { return mismatched }, p12Password, nil, "no certificate for its private key"},
		{"Ed25519 key", func(t *testing.T) []byte {
			return opensslPKCS12(t, p12Password, "-inkey", edKeyPath, "-in", edCertPath)
		}, p12Password, nil, "only with RSA or ECDSA"},
		{"not a PKCS#12 file", func(*testing.T) []byte { return []byte("%PDF-1.7\n") }, p12Password, nil, "damaged or not a PKCS#12 file"},
		{"truncated", func(*testing.T) []byte { return good[:len(good)/2] }, p12Password, nil, "damaged or not a PKCS#12 file"},
		{"empty", func(*testing.T) []byte { return nil }, p12Password, nil, "damaged or not a PKCS#12 file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := LoadPKCS12(tt.data(t), []byte(tt.password))
			if err == nil {
				t.Fatalf("LoadPKCS12: got key %v, want an error", k.Certificate().Subject)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("errors.Is(err, %v): got false for %q", tt.wantIs, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantInMsg) {
				t.Errorf("error: got %q, want it to contain %q", msg, tt.wantInMsg)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q spans several lines", msg)
			}
			if tt.password != "" && strings.Contains(msg, tt.password) {
				t.Errorf("error %q reveals the password", msg)
			}
		})
	}
}

func TestLoadPKCS12File(t *testing.T) {
	key := testRSAKey(t, 1)
	chain := newTestPKI(t).leaf(t, "Hoàng Văn Em", key.Public())
	data, err := pkcs12.Modern.Encode(key, chain[0], chain[1:], p12Password)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "chữ ký.p12")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}

	k, err := LoadPKCS12File(path, []byte(p12Password))
	if err != nil {
		t.Fatalf("LoadPKCS12File: %v", err)
	}
	if !sameChain(k.Chain, chain) {
		t.Errorf("chain: got %v, want %v", chainNames(k.Chain), chainNames(chain))
	}
	if _, ok := k.Signer.(*rsa.PrivateKey); !ok {
		t.Errorf("Signer: got %T, want *rsa.PrivateKey", k.Signer)
	}

	_, err = LoadPKCS12File(path, []byte("khong-dung"))
	if !errors.Is(err, ErrWrongPassword) || !strings.Contains(err.Error(), path) {
		t.Errorf("wrong password: got %v, want ErrWrongPassword naming %s", err, path)
	}

	missing := filepath.Join(dir, "không-có.p12")
	_, err = LoadPKCS12File(missing, []byte(p12Password))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: got %v, want a not-exist error naming %s", err, missing)
	}

	big := filepath.Join(dir, "big.p12")
	if err := os.WriteFile(big, bytes.Repeat([]byte{0x30}, maxPKCS12Size+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPKCS12File(big, []byte(p12Password)); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("oversized file: got %v, want a too-large error", err)
	}
}

// FuzzLoadPKCS12 feeds arbitrary bytes and passwords to LoadPKCS12, which
// must return a key or an error and never panic.
func FuzzLoadPKCS12(f *testing.F) {
	pki := newTestPKI(f)
	ecKey := testECKey(f)
	ecChain := pki.leaf(f, "Fuzz ECDSA", ecKey.Public())
	rsaKey := testRSAKey(f, 2)
	rsaChain := pki.leaf(f, "Fuzz RSA", rsaKey.Public())
	for _, enc := range []*pkcs12.Encoder{pkcs12.Modern, pkcs12.LegacyDES, pkcs12.LegacyRC2, pkcs12.Modern2026} {
		for _, kc := range []struct {
			key   crypto.Signer
			chain []*x509.Certificate
		}{{ecKey, ecChain}, {rsaKey, rsaChain}} {
			data, err := enc.WithIterations(1).Encode(kc.key, kc.chain[0], kc.chain[1:], "fuzz")
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data, "fuzz")
			f.Add(data[:len(data)-7], "fuzz")
			f.Add(data, "wrong")
		}
	}
	trust, err := pkcs12.Modern.WithIterations(1).EncodeTrustStore(ecChain, "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(trust, "fuzz")
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x03}, "")
	// Keep every input cheap: the seeds use one round; mutated counts above
	// this bound are refused before any key derivation.
	maxKDFIterations = 1 << 12
	f.Fuzz(func(t *testing.T, data []byte, password string) {
		k, err := LoadPKCS12(data, []byte(password))
		if err != nil {
			if k != nil {
				t.Errorf("got a key and an error %v", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q spans several lines", err)
			}
			return
		}
		if k.Certificate() == nil || !keyMatches(k.Signer.Public(), k.Certificate()) {
			t.Errorf("key without its certificate")
		}
	})
}

func TestKDFIterations(t *testing.T) {
	key := testECKey(t)
	chain := newTestPKI(t).leaf(t, "Đỗ Văn Giang", key.Public())
	dir := t.TempDir()
	keyPath := writePEM(t, dir, "key.pem", keyBlock(t, key))
	certPath := writePEM(t, dir, "cert.pem", certBlocks(chain...)...)
	encode := func(enc *pkcs12.Encoder) func(t *testing.T) []byte {
		return func(t *testing.T) []byte {
			data, err := enc.Encode(key, chain[0], chain[1:], p12Password)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
	}
	tests := []struct {
		name string
		data func(t *testing.T) []byte
		want int64
	}{
		{"go-pkcs12 Modern default", encode(pkcs12.Modern), 2048},
		{"go-pkcs12 Modern2026 (PBMAC1)", encode(pkcs12.Modern2026.WithIterations(3001)), 3001},
		{"go-pkcs12 LegacyDES", encode(pkcs12.LegacyDES.WithIterations(1234)), 1234},
		{"openssl -iter 4321", func(t *testing.T) []byte {
			return opensslPKCS12(t, p12Password, "-inkey", keyPath, "-in", certPath, "-iter", "4321", "-maciter")
		}, 4321},
		{"openssl -legacy", func(t *testing.T) []byte {
			return opensslPKCS12(t, p12Password, "-inkey", keyPath, "-in", certPath, "-legacy")
		}, 2048},
		{"not DER", func(*testing.T) []byte { return []byte("PKCS12") }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := kdfIterations(tt.data(t)); got != tt.want {
				t.Errorf("kdfIterations: got %d, want %d", got, tt.want)
			}
		})
	}
}

// TestLoadPKCS12RefusesHugeIterationCounts checks that a file asking for
// more key-derivation rounds than allowed is refused at once, before any
// derivation (the bound is lowered so the file is quick to make).
func TestLoadPKCS12RefusesHugeIterationCounts(t *testing.T) {
	key := testECKey(t)
	chain := newTestPKI(t).leaf(t, "Vũ Thị Hoa", key.Public())
	data, err := pkcs12.Modern.WithIterations(5000).Encode(key, chain[0], nil, p12Password)
	if err != nil {
		t.Fatal(err)
	}
	saved := maxKDFIterations
	t.Cleanup(func() { maxKDFIterations = saved })
	maxKDFIterations = 4999

	_, err = LoadPKCS12(data, []byte(p12Password))
	if err == nil || !strings.Contains(err.Error(), "asks for 5000 key-derivation rounds") {
		t.Errorf("got %v, want a refusal naming 5000 rounds", err)
	}
	maxKDFIterations = 5000
	if _, err := LoadPKCS12(data, []byte(p12Password)); err != nil {
		t.Errorf("at the bound: got %v, want the key", err)
	}
}
