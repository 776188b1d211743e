package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"software.sslmate.com/src/go-pkcs12"
)

// maxPKCS12Size bounds what LoadPKCS12File reads: a PKCS#12 file with a key
// and a long chain is a few kilobytes.
const maxPKCS12Size = 4 << 20

// ErrWrongPassword is returned (wrapped) when a PKCS#12 file does not open
// with the given password; the caller may ask for the password again.
var ErrWrongPassword = errors.New("wrong password for the PKCS#12 file")

// LoadPKCS12 decodes a PKCS#12 (.p12/.pfx) file held in data. The file must
// hold exactly one RSA or ECDSA private key and its certificate; other
// certificates in the file that issue it become the rest of the chain.
//
// The password is used only during the call and is not kept (the decoder
// takes it as a string, a copy Go cannot zero). The returned
// Key's Signer is the *rsa.PrivateKey or *ecdsa.PrivateKey itself.
func LoadPKCS12(data []byte, password []byte) (*Key, error) {
	return loadPKCS12(data, password, "")
}

// LoadPKCS12File is [LoadPKCS12] for the file at path; errors name the file.
func LoadPKCS12File(path string, password []byte) (*Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot open the PKCS#12 file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPKCS12Size+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the PKCS#12 file %s: %w", path, err)
	}
	if len(data) > maxPKCS12Size {
		return nil, fmt.Errorf("%s is too large to be a PKCS#12 key file (more than %d MiB)", path, maxPKCS12Size>>20)
	}
	return loadPKCS12(data, password, path)
}

func loadPKCS12(data, password []byte, name string) (key *Key, err error) {
	what := "the PKCS#12 file"
	if name != "" {
		what += " " + name
	}
	// The decoder is third-party code fed with untrusted bytes: a malformed
	// file must come back as an error, never bring the application down.
	defer func() {
		if r := recover(); r != nil {
			key, err = nil, fmt.Errorf("%s is damaged or not a PKCS#12 file", what)
		}
	}()

	if n := kdfIterations(data); n > maxKDFIterations {
		return nil, fmt.Errorf("%s asks for %d key-derivation rounds, more than the %d Vanthu accepts; it is damaged or was not made for signing software", what, n, maxKDFIterations)
	}
	priv, leaf, others, err := pkcs12.DecodeChain(data, string(password))
	if err != nil {
		return nil, pkcs12Error(err, what, name)
	}
	var signer crypto.Signer
	switch k := priv.(type) {
	case *rsa.PrivateKey:
		signer = k
	case *ecdsa.PrivateKey:
		signer = k
	default:
		return nil, fmt.Errorf("%s holds an %s key; Vanthu signs only with RSA or ECDSA keys", what, keyKind(priv))
	}

	// The decoder takes the first certificate as the key's own, but files in
	// the wild list them in any order: find the one that matches the key.
	all := append([]*x509.Certificate{leaf}, others...)
	var own *x509.Certificate
	for _, c := range all {
		if keyMatches(signer.Public(), c) {
			own = c
			break
		}
	}
	if own == nil {
		return nil, fmt.Errorf("%s holds no certificate for its private key; export it again together with the key's certificate", what)
	}
	return &Key{Signer: signer, Chain: orderChain(own, all)}, nil
}

// pkcs12Error turns a decoder error into one a clerk can act on.
func pkcs12Error(err error, what, name string) error {
	if errors.Is(err, pkcs12.ErrIncorrectPassword) || errors.Is(err, pkcs12.ErrDecryption) {
		if name == "" {
			return fmt.Errorf("%w; check the password and try again", ErrWrongPassword)
		}
		return fmt.Errorf("%w %s; check the password and try again", ErrWrongPassword, name)
	}
	// go-pkcs12 reports these conditions with plain errors; the messages are
	// pinned by the tests.
	switch msg := err.Error(); {
	case msg == "pkcs12: certificate missing":
		return fmt.Errorf("%s holds no certificate; export it again together with the key's certificate", what)
	case msg == "pkcs12: private key missing":
		return fmt.Errorf("%s holds no private key (it holds certificates only); export it again with the private key", what)
	case msg == "pkcs12: expected exactly one key bag":
		return fmt.Errorf("%s holds more than one private key; export the signing key on its own", what)
	case strings.HasPrefix(msg, "pkcs12: error reading P12 data"), strings.HasPrefix(msg, "asn1:"):
		// The decoder's ASN.1 details mean nothing to a clerk.
		slog.Debug("PKCS#12 structure error", "err", err)
		return fmt.Errorf("%s is damaged or not a PKCS#12 file", what)
	}
	var notImpl pkcs12.NotImplementedError
	if errors.As(err, &notImpl) {
		return fmt.Errorf("%s uses a form Vanthu cannot read: %w", what, err)
	}
	return fmt.Errorf("cannot read %s: %w", what, err)
}
