package keys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"sync"
)

// Key is a signing key with its certificate chain. It is what the signing
// engine consumes.
type Key struct {
	// Signer signs digests: RSA (PKCS#1 v1.5, or PSS when the options are
	// *rsa.PSSOptions) or ECDSA (ASN.1 DER signatures).
	Signer crypto.Signer
	// Chain[0] is the key's certificate, followed by its issuers found in the
	// same container, each one the issuer of the one before.
	Chain []*x509.Certificate

	closeOnce sync.Once
	closer    func() error
}

// Certificate returns the key's own certificate, or nil for an empty Key.
func (k *Key) Certificate() *x509.Certificate {
	if k == nil || len(k.Chain) == 0 {
		return nil
	}
	return k.Chain[0]
}

// Close releases what the key holds: for a token key it logs out (when no
// other key of this process uses the token), closes the session and zeroes
// the copy of the PIN. For a PKCS#12 key there is nothing to release. Close
// is safe to call more than once; only the first call does the work.
func (k *Key) Close() error {
	if k == nil {
		return nil
	}
	var err error
	k.closeOnce.Do(func() {
		if k.closer != nil {
			err = k.closer()
		}
	})
	return err
}

// keyMatches reports whether cert carries the public half of pub.
func keyMatches(pub crypto.PublicKey, cert *x509.Certificate) bool {
	type equaler interface {
		Equal(x crypto.PublicKey) bool
	}
	e, ok := pub.(equaler)
	return ok && e.Equal(cert.PublicKey)
}

// orderChain returns leaf followed by its issuers taken from pool, each one
// the issuer of the one before, up to a self-issued certificate or until no
// issuer is found. Certificates of pool that are not issuers of the leaf are
// left out. When names match but no signature verifies (for example an
// algorithm Go does not support), the first certificate with the right
// subject is taken.
func orderChain(leaf *x509.Certificate, pool []*x509.Certificate) []*x509.Certificate {
	chain := []*x509.Certificate{leaf}
	used := make([]bool, len(pool))
	for i, c := range pool {
		if c.Equal(leaf) {
			used[i] = true
		}
	}
	cur := leaf
	for !bytes.Equal(cur.RawIssuer, cur.RawSubject) {
		next := -1
		for i, c := range pool {
			if used[i] || !bytes.Equal(c.RawSubject, cur.RawIssuer) {
				continue
			}
			if cur.CheckSignatureFrom(c) == nil {
				next = i
				break
			}
			if next < 0 {
				next = i
			}
		}
		if next < 0 {
			break
		}
		used[next] = true
		cur = pool[next]
		chain = append(chain, cur)
	}
	return chain
}

// keyKind names a private or public key type for messages.
func keyKind(k any) string {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return fmt.Sprintf("RSA-%d", k.N.BitLen())
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA-%d", k.N.BitLen())
	case *ecdsa.PrivateKey:
		return "ECDSA " + k.Curve.Params().Name
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PrivateKey, ed25519.PublicKey:
		return "Ed25519"
	default:
		return fmt.Sprintf("%T", k)
	}
}
