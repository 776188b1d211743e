//go:build !cgo

package keys

import (
	"crypto"
	"crypto/x509"
)

// NewSoftHSM prepares a SoftHSM2 instance in dir. This build has no cgo and
// returns ErrTokenUnsupported.
func NewSoftHSM(string) (*SoftHSM, error) { return nil, ErrTokenUnsupported }

// InitToken creates a token. This build has no cgo and returns
// ErrTokenUnsupported.
func (*SoftHSM) InitToken(string, []byte, []byte) error { return ErrTokenUnsupported }

// Import stores a key and its certificates on a token. This build has no cgo
// and returns ErrTokenUnsupported.
func (*SoftHSM) Import(string, []byte, string, []byte, crypto.Signer, []*x509.Certificate, bool) error {
	return ErrTokenUnsupported
}
