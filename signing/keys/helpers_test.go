package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// requireTool fails the test (never skips it) when a program the test needs
// is missing, naming the Debian package to install.
func requireTool(t testing.TB, name, debPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is required for this test: install the Debian package %s", name, debPackage)
	}
	return p
}

var (
	rsaKeyOnce sync.Once
	rsaKeys    []*rsa.PrivateKey
	rsaKeyErr  error
)

// testRSAKey returns the i-th of a few RSA-2048 keys generated once per test
// binary (generation is slow).
func testRSAKey(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	rsaKeyOnce.Do(func() {
		for range 3 {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				rsaKeyErr = err
				return
			}
			rsaKeys = append(rsaKeys, k)
		}
	})
	if rsaKeyErr != nil {
		t.Fatalf("generating RSA test keys: %v", rsaKeyErr)
	}
	return rsaKeys[i]
}

func testECKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// testPKI is a small hierarchy: root → intermediate → leaves.
type testPKI struct {
	root, inter       *x509.Certificate
	rootKey, interKey *ecdsa.PrivateKey
	serial            int64
}

func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	p := &testPKI{rootKey: testECKey(t), interKey: testECKey(t)}
	p.root = p.issue(t, "Vanthu Test Root CA", p.rootKey.Public(), nil, nil, true)
	p.inter = p.issue(t, "Vanthu Test Issuing CA", p.interKey.Public(), p.root, p.rootKey, true)
	return p
}

// leaf issues an end-entity certificate for pub and returns the chain
// leaf, intermediate, root.
func (p *testPKI) leaf(t testing.TB, cn string, pub crypto.PublicKey) []*x509.Certificate {
	t.Helper()
	c := p.issue(t, cn, pub, p.inter, p.interKey, false)
	return []*x509.Certificate{c, p.inter, p.root}
}

func (p *testPKI) issue(t testing.TB, cn string, pub crypto.PublicKey, parent *x509.Certificate, parentKey crypto.Signer, ca bool) *x509.Certificate {
	t.Helper()
	p.serial++
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(p.serial),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"UBND tỉnh Thử Nghiệm"}, Country: []string{"VN"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		BasicConstraintsValid: true,
		IsCA:                  ca,
	}
	if ca {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	} else {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	}
	if parent == nil {
		parent, parentKey = tmpl, p.rootKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// writePEM writes blocks to dir/name and returns the path.
func writePEM(t testing.TB, dir, name string, blocks ...*pem.Block) string {
	t.Helper()
	var data []byte
	for _, b := range blocks {
		data = append(data, pem.EncodeToMemory(b)...)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func certBlocks(certs ...*x509.Certificate) []*pem.Block {
	out := make([]*pem.Block, len(certs))
	for i, c := range certs {
		out[i] = &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}
	}
	return out
}

func keyBlock(t testing.TB, key any) *pem.Block {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return &pem.Block{Type: "PRIVATE KEY", Bytes: der}
}

// verifySig checks sig over digest with pub, as a relying party would.
func verifySig(pub crypto.PublicKey, digest, sig []byte, opts crypto.SignerOpts) bool {
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		if pss, ok := opts.(*rsa.PSSOptions); ok {
			return rsa.VerifyPSS(pub, opts.HashFunc(), digest, sig, &rsa.PSSOptions{SaltLength: pss.SaltLength, Hash: opts.HashFunc()}) == nil
		}
		return rsa.VerifyPKCS1v15(pub, opts.HashFunc(), digest, sig) == nil
	case *ecdsa.PublicKey:
		return ecdsa.VerifyASN1(pub, digest, sig)
	}
	return false
}

// digestFor hashes msg with h.
func digestFor(h crypto.Hash, msg string) []byte {
	if h == crypto.SHA256 {
		d := sha256.Sum256([]byte(msg))
		return d[:]
	}
	hh := h.New()
	hh.Write([]byte(msg))
	return hh.Sum(nil)
}

func sameChain(got, want []*x509.Certificate) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !got[i].Equal(want[i]) {
			return false
		}
	}
	return true
}

func chainNames(chain []*x509.Certificate) []string {
	out := make([]string, len(chain))
	for i, c := range chain {
		out[i] = c.Subject.CommonName
	}
	return out
}
