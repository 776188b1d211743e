//go:build !cgo

package keys

// OpenToken logs in to a PKCS#11 token and returns its signing key. This build
// has no cgo and returns ErrTokenUnsupported.
func OpenToken(TokenConfig) (*Key, error) { return nil, ErrTokenUnsupported }

// ListTokens lists the tokens present for a PKCS#11 driver. This build has no
// cgo and returns ErrTokenUnsupported.
func ListTokens(string) ([]TokenInfo, error) { return nil, ErrTokenUnsupported }

// ListTokenKeys lists the private keys on a token. This build has no cgo and
// returns ErrTokenUnsupported.
func ListTokenKeys(TokenConfig) ([]TokenKeyInfo, error) { return nil, ErrTokenUnsupported }
