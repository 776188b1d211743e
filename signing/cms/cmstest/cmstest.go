// Package cmstest makes small certificate hierarchies and runs the openssl
// command for the tests of the signing packages.
package cmstest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// KeyType names a kind of key.
type KeyType string

// Key types.
const (
	RSA2048 KeyType = "rsa2048"
	P256    KeyType = "p256"
	P384    KeyType = "p384"
	P521    KeyType = "p521"
)

var (
	keyMu    sync.Mutex
	keyCache = map[string]crypto.Signer{}
)

// Key returns a key of the given type. Keys are cached by type and label so
// that a test run generates each one once.
func Key(t testing.TB, kt KeyType, label string) crypto.Signer {
	t.Helper()
	keyMu.Lock()
	defer keyMu.Unlock()
	id := string(kt) + "/" + label
	if k, ok := keyCache[id]; ok {
		return k
	}
	var (
		k   crypto.Signer
		err error
	)
	switch kt {
	case RSA2048:
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case P256:
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case P384:
		k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case P521:
		k, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	default:
		t.Fatalf("unknown key type %q", kt)
	}
	if err != nil {
		t.Fatalf("generating a %s key: %v", kt, err)
	}
	keyCache[id] = k
	return k
}

// Identity is a certificate with its key.
type Identity struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

var serial struct {
	sync.Mutex
	n int64
}

func nextSerial() *big.Int {
	serial.Lock()
	defer serial.Unlock()
	serial.n++
	return big.NewInt(time.Now().UnixNano()/1000 + serial.n)
}

// NewCA makes a self-signed root CA.
func NewCA(t testing.TB, name string, kt KeyType) *Identity {
	t.Helper()
	key := Key(t, kt, "ca/"+name)
	tmpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"Vanthu test"}, Country: []string{"VN"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatalf("creating CA certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parsing CA certificate: %v", err)
	}
	return &Identity{Cert: cert, Key: key}
}

// LeafOptions describe an end-entity certificate.
type LeafOptions struct {
	Name      string
	Key       KeyType
	KeyLabel  string // distinct labels give distinct keys of one type
	ExtKey    []x509.ExtKeyUsage
	NotBefore time.Time // zero: an hour ago
	NotAfter  time.Time // zero: in a day
	// CriticalEKU marks the extended key usage extension critical, as
	// RFC 3161 requires of TSA certificates.
	CriticalEKU bool
}

// Issue makes an end-entity certificate signed by ca.
func (ca *Identity) Issue(t testing.TB, o LeafOptions) *Identity {
	t.Helper()
	key := Key(t, o.Key, "leaf/"+o.Name+"/"+o.KeyLabel)
	nb, na := o.NotBefore, o.NotAfter
	if nb.IsZero() {
		nb = time.Now().Add(-time.Hour)
	}
	if na.IsZero() {
		na = time.Now().Add(24 * time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(),
		Subject:      pkix.Name{CommonName: o.Name, Organization: []string{"Vanthu test"}, Country: []string{"VN"}},
		NotBefore:    nb,
		NotAfter:     na,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:  o.ExtKey,
		SubjectKeyId: keyID(t, key.Public()),
	}
	if o.CriticalEKU {
		ext, err := marshalEKU(o.ExtKey)
		if err != nil {
			t.Fatalf("encoding extended key usage: %v", err)
		}
		tmpl.ExtKeyUsage = nil
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, ext)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		t.Fatalf("creating certificate %q: %v", o.Name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parsing certificate %q: %v", o.Name, err)
	}
	return &Identity{Cert: cert, Key: key}
}

// WriteCertPEM writes certificates to dir/name in PEM and returns the path.
func WriteCertPEM(t testing.TB, dir, name string, certs ...*x509.Certificate) string {
	t.Helper()
	var buf bytes.Buffer
	for _, c := range certs {
		if err := pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}); err != nil {
			t.Fatalf("encoding PEM: %v", err)
		}
	}
	return WriteFile(t, dir, name, buf.Bytes())
}

// WriteKeyPEM writes a private key to dir/name as PKCS#8 PEM and returns the path.
func WriteKeyPEM(t testing.TB, dir, name string, key crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("encoding key: %v", err)
	}
	return WriteFile(t, dir, name, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// WriteFile writes data to dir/name and returns the path.
func WriteFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatalf("writing %s: %v", p, err)
	}
	return p
}

// OpenSSL runs the openssl command in dir and returns its standard output.
// The test fails (it is not skipped) when openssl is missing or fails.
func OpenSSL(t testing.TB, dir string, args ...string) []byte {
	t.Helper()
	out, errOut, err := RunOpenSSL(t, dir, args...)
	if err != nil {
		t.Fatalf("openssl %v: %v\n%s", args, err, errOut)
	}
	return out
}

// RunOpenSSL runs openssl and returns its output and error without failing
// the test, for checks that expect openssl to refuse something.
func RunOpenSSL(t testing.TB, dir string, args ...string) (stdout, stderr []byte, err error) {
	t.Helper()
	path, lookErr := exec.LookPath("openssl")
	if lookErr != nil {
		t.Fatalf("the openssl command is needed for this test: install the Debian package openssl (%v)", lookErr)
	}
	cmd := exec.CommandContext(t.Context(), path, args...) //nolint:gosec // tests run openssl with arguments they build

	cmd.Dir = dir
	var o, e bytes.Buffer
	cmd.Stdout = &o
	cmd.Stderr = &e
	err = cmd.Run()
	return o.Bytes(), e.Bytes(), err
}

var ekuOIDs = map[x509.ExtKeyUsage]asn1.ObjectIdentifier{
	x509.ExtKeyUsageAny:             {2, 5, 29, 37, 0},
	x509.ExtKeyUsageServerAuth:      {1, 3, 6, 1, 5, 5, 7, 3, 1},
	x509.ExtKeyUsageClientAuth:      {1, 3, 6, 1, 5, 5, 7, 3, 2},
	x509.ExtKeyUsageCodeSigning:     {1, 3, 6, 1, 5, 5, 7, 3, 3},
	x509.ExtKeyUsageEmailProtection: {1, 3, 6, 1, 5, 5, 7, 3, 4},
	x509.ExtKeyUsageTimeStamping:    {1, 3, 6, 1, 5, 5, 7, 3, 8},
	x509.ExtKeyUsageOCSPSigning:     {1, 3, 6, 1, 5, 5, 7, 3, 9},
}

func marshalEKU(usages []x509.ExtKeyUsage) (pkix.Extension, error) {
	oids := make([]asn1.ObjectIdentifier, 0, len(usages))
	for _, u := range usages {
		oid, ok := ekuOIDs[u]
		if !ok {
			return pkix.Extension{}, fmt.Errorf("extended key usage %d is not known to cmstest", u)
		}
		oids = append(oids, oid)
	}
	der, err := asn1.Marshal(oids)
	if err != nil {
		return pkix.Extension{}, err
	}
	return pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: der}, nil
}

// keyID derives a subject key identifier from the public key.
func keyID(t testing.TB, pub crypto.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatalf("encoding public key: %v", err)
	}
	sum := sha256.Sum256(der)
	return sum[:20]
}
