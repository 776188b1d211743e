//go:build cgo

package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"

	"github.com/miekg/pkcs11"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// tokenSigner is a crypto.Signer whose private key stays on a PKCS#11 token.
// One session serves all signatures; mu serialises its use, since a PKCS#11
// session runs one operation at a time.
type tokenSigner struct {
	pub        crypto.PublicKey
	key        pkcs11.ObjectHandle
	alwaysAuth bool
	label      string // token label, for messages

	mu     sync.Mutex
	sess   *session // nil once closed
	pin    []byte   // for context-specific logins; zeroed on close
	closed bool
}

var _ crypto.Signer = (*tokenSigner)(nil)

// Public returns the public key from the key's certificate.
func (t *tokenSigner) Public() crypto.PublicKey { return t.pub }

// DigestInfo prefixes (RFC 8017, section 9.2, note 1) for PKCS#1 v1.5.
var digestInfoPrefix = map[crypto.Hash][]byte{
	crypto.SHA224: {0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c},
	crypto.SHA256: {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
	crypto.SHA384: {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
	crypto.SHA512: {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
}

// pssHash maps a hash to its PKCS#11 hash mechanism and MGF1 variant.
var pssHash = map[crypto.Hash][2]uint{
	crypto.SHA224: {pkcs11.CKM_SHA224, pkcs11.CKG_MGF1_SHA224},
	crypto.SHA256: {pkcs11.CKM_SHA256, pkcs11.CKG_MGF1_SHA256},
	crypto.SHA384: {pkcs11.CKM_SHA384, pkcs11.CKG_MGF1_SHA384},
	crypto.SHA512: {pkcs11.CKM_SHA512, pkcs11.CKG_MGF1_SHA512},
}

// Sign signs digest on the token. For RSA keys opts selects PKCS#1 v1.5 or,
// when it is *rsa.PSSOptions, PSS (a salt as long as the hash unless
// SaltLength names another positive length). ECDSA signatures are returned
// ASN.1 DER encoded. rand is not used: the token makes its own randomness.
func (t *tokenSigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts == nil {
		return nil, errors.New("no hash function given for the signature")
	}
	hash := opts.HashFunc()
	if _, ok := digestInfoPrefix[hash]; !ok {
		return nil, fmt.Errorf("signing on a token with hash %v is not supported; use SHA-256, SHA-384 or SHA-512", hash)
	}
	if len(digest) != hash.Size() {
		return nil, fmt.Errorf("the digest is %d bytes long, but %v digests are %d", len(digest), hash, hash.Size())
	}

	var mech *pkcs11.Mechanism
	var input []byte
	switch t.pub.(type) {
	case *rsa.PublicKey:
		if pss, ok := opts.(*rsa.PSSOptions); ok {
			h := pssHash[hash]
			salt := pss.SaltLength
			if salt == rsa.PSSSaltLengthAuto || salt == rsa.PSSSaltLengthEqualsHash {
				salt = hash.Size()
			}
			if salt < 0 {
				return nil, fmt.Errorf("invalid RSA-PSS salt length %d", pss.SaltLength)
			}
			mech = pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS_PSS, pkcs11.NewPSSParams(h[0], h[1], uint(salt)))
			input = digest
		} else {
			prefix := digestInfoPrefix[hash]
			mech = pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS, nil)
			input = append(append(make([]byte, 0, len(prefix)+len(digest)), prefix...), digest...)
		}
	case *ecdsa.PublicKey:
		mech = pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)
		input = digest
	default:
		return nil, fmt.Errorf("unsupported key type %s", keyKind(t.pub))
	}

	sig, err := t.sign(mech, input)
	if err != nil {
		return nil, err
	}
	if pub, ok := t.pub.(*ecdsa.PublicKey); ok {
		return ecdsaDER(sig, (pub.Curve.Params().BitSize+7)/8)
	}
	return sig, nil
}

// sign runs one C_SignInit / [C_Login(CONTEXT_SPECIFIC)] / C_Sign sequence.
func (t *tokenSigner) sign(mech *pkcs11.Mechanism, input []byte) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, fmt.Errorf("the key on token %q is closed; open the token again", t.label)
	}
	ctx, h := t.sess.mod.ctx, t.sess.handle
	if err := ctx.SignInit(h, []*pkcs11.Mechanism{mech}, t.key); err != nil {
		return nil, t.signError(err)
	}
	if t.alwaysAuth {
		if err := ctx.Login(h, pkcs11.CKU_CONTEXT_SPECIFIC, string(t.pin)); err != nil {
			// End the pending operation: C_Sign without the login fails and
			// so terminates it, leaving the session usable.
			_, _ = ctx.Sign(h, input)
			return nil, t.sess.pinError(t.label, err)
		}
	}
	sig, err := ctx.Sign(h, input)
	if err != nil {
		return nil, t.signError(err)
	}
	return sig, nil
}

func (t *tokenSigner) signError(err error) error {
	var rv pkcs11.Error
	if errors.As(err, &rv) {
		switch rv {
		case pkcs11.CKR_DEVICE_REMOVED, pkcs11.CKR_TOKEN_NOT_PRESENT, pkcs11.CKR_SESSION_HANDLE_INVALID, pkcs11.CKR_SESSION_CLOSED:
			return fmt.Errorf("token %q was removed; plug it in and open it again", t.label)
		case pkcs11.CKR_USER_NOT_LOGGED_IN:
			return fmt.Errorf("token %q is no longer logged in; open the token again: %w", t.label, err)
		case pkcs11.CKR_MECHANISM_INVALID, pkcs11.CKR_MECHANISM_PARAM_INVALID, pkcs11.CKR_KEY_FUNCTION_NOT_PERMITTED, pkcs11.CKR_KEY_TYPE_INCONSISTENT:
			return fmt.Errorf("token %q cannot make this kind of signature with this key: %w", t.label, err)
		}
	}
	return fmt.Errorf("token %q could not sign: %w", t.label, err)
}

// close zeroes the PIN copy, then closes the session (logging out when it is
// the process's last on the token) and releases the driver.
func (t *tokenSigner) close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	t.closed = true
	clear(t.pin)
	t.pin = nil
	s := t.sess
	t.sess = nil
	err := s.close()
	if rerr := s.mod.release(); rerr != nil {
		err = errors.Join(err, rerr)
	}
	if err != nil {
		return fmt.Errorf("closing token %q: %w", t.label, err)
	}
	return nil
}

// ecdsaDER converts the PKCS#11 r||s signature to ASN.1 DER.
// Each half is size bytes long.
func ecdsaDER(sig []byte, size int) ([]byte, error) {
	n := size
	if len(sig) != 2*n {
		return nil, fmt.Errorf("the token returned a malformed ECDSA signature (%d bytes, want %d)", len(sig), 2*n)
	}
	r := new(big.Int).SetBytes(sig[:n])
	s := new(big.Int).SetBytes(sig[n:])
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(r)
		b.AddASN1BigInt(s)
	})
	return b.Bytes()
}
