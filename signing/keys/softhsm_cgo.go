//go:build cgo

package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/miekg/pkcs11"
)

// NewSoftHSM prepares a SoftHSM2 instance in dir: it writes dir/softhsm2.conf
// and creates dir/tokens. It fails, naming the Debian package softhsm2, when
// SoftHSM2's driver or softhsm2-util is not installed.
//
// InitToken and Import load the driver into this process, so SOFTHSM2_CONF
// must name [SoftHSM.ConfigPath] before the process's first token use (see
// the package documentation).
func NewSoftHSM(dir string) (*SoftHSM, error) { return newSoftHSM(dir) }

// softHSMModules lists where Debian and Ubuntu install the SoftHSM2 driver.
var softHSMModules = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
}

func newSoftHSM(dir string) (*SoftHSM, error) {
	s := &SoftHSM{}
	for _, p := range softHSMModules {
		if _, err := os.Stat(p); err == nil {
			s.module = p
			break
		}
	}
	if s.module == "" {
		return nil, fmt.Errorf("SoftHSM2 is not installed (install the Debian package softhsm2): no driver at %s", strings.Join(softHSMModules, " or "))
	}
	util, err := exec.LookPath("softhsm2-util")
	if err != nil {
		return nil, errors.New("SoftHSM2 is not installed (install the Debian package softhsm2): softhsm2-util not found")
	}
	s.util = util

	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot use %s for SoftHSM2: %w", dir, err)
	}
	tokens := filepath.Join(abs, "tokens")
	if err := os.MkdirAll(tokens, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the SoftHSM2 token directory: %w", err)
	}
	s.conf = filepath.Join(abs, "softhsm2.conf")
	conf := "# SoftHSM2 instance of Vanthu\n" +
		"directories.tokendir = " + tokens + "\n" +
		"objectstore.backend = file\n" +
		"log.level = ERROR\n" +
		"slots.removable = false\n"
	if err := os.WriteFile(s.conf, []byte(conf), 0o600); err != nil {
		return nil, fmt.Errorf("cannot write the SoftHSM2 configuration: %w", err)
	}
	return s, nil
}

// acquire loads the driver and checks that it runs with this instance's
// configuration.
func (s *SoftHSM) acquire() (*module, error) {
	m, err := acquireModule(s.module)
	if err != nil {
		return nil, err
	}
	if m.softHSMConf == "" || filepath.Clean(m.softHSMConf) != s.conf {
		_ = m.release()
		return nil, fmt.Errorf("the SoftHSM2 driver in this process was started with SOFTHSM2_CONF=%q, not %s; set SOFTHSM2_CONF before the first token is opened", m.softHSMConf, s.conf)
	}
	return m, nil
}

// InitToken creates a token labelled label (at most 32 bytes) in the
// instance's free slot, with the given security officer and user PINs.
func (s *SoftHSM) InitToken(label string, soPIN, userPIN []byte) error {
	if label == "" || len(label) > 32 {
		return fmt.Errorf("a token label must be 1 to 32 bytes long, %q is %d", label, len(label))
	}
	m, err := s.acquire()
	if err != nil {
		return err
	}
	defer m.releaseQuietly()

	slots, err := m.ctx.GetSlotList(true)
	if err != nil {
		return fmt.Errorf("SoftHSM2 cannot list its slots: %w", err)
	}
	free, found := uint(0), false
	for _, slot := range slots {
		ti, err := m.ctx.GetTokenInfo(slot)
		if err != nil {
			continue
		}
		if ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED == 0 {
			if !found {
				free, found = slot, true
			}
			continue
		}
		if tokenInfo(slot, ti).Label == label {
			return fmt.Errorf("a token labelled %q exists already", label)
		}
	}
	if !found {
		return errors.New("SoftHSM2 has no free slot for a new token")
	}
	if err := m.ctx.InitToken(free, string(soPIN), label); err != nil {
		return fmt.Errorf("cannot create token %q: %w", label, err)
	}

	tok, err := m.findToken(TokenConfig{TokenLabel: label})
	if err != nil {
		return err
	}
	sess, err := m.openSession(tok.Slot, true)
	if err != nil {
		return fmt.Errorf("cannot open a session on token %q: %w", label, err)
	}
	defer sess.closeQuietly()
	if err := m.ctx.Login(sess.handle, pkcs11.CKU_SO, string(soPIN)); err != nil {
		return fmt.Errorf("cannot log in to token %q as security officer: %w", label, err)
	}
	if err := m.ctx.InitPIN(sess.handle, string(userPIN)); err != nil {
		_ = m.ctx.Logout(sess.handle)
		return fmt.Errorf("cannot set the user PIN of token %q: %w", label, err)
	}
	if err := m.ctx.Logout(sess.handle); err != nil {
		return fmt.Errorf("cannot log out of token %q: %w", label, err)
	}
	return nil
}

// Import stores key on the token labelled label as a private key object
// (sensitive, not extractable, with CKA_ALWAYS_AUTHENTICATE as given), its
// public key object, and the certificates of chain: chain[0], the key's own
// certificate, under keyLabel and id like the key; the issuers under their
// common names, unless the token holds them already. key must be an
// *rsa.PrivateKey or *ecdsa.PrivateKey.
func (s *SoftHSM) Import(label string, userPIN []byte, keyLabel string, id []byte, key crypto.Signer, chain []*x509.Certificate, alwaysAuthenticate bool) error {
	if len(chain) == 0 {
		return errors.New("importing a key needs its certificate")
	}
	if !keyMatches(key.Public(), chain[0]) {
		return errors.New("the first certificate of the chain is not the key's certificate")
	}
	privAttrs, pubAttrs, err := keyObjects(key)
	if err != nil {
		return err
	}
	common := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, keyLabel),
		pkcs11.NewAttribute(pkcs11.CKA_ID, id),
	}
	privAttrs = append(append(privAttrs, common...),
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
		pkcs11.NewAttribute(pkcs11.CKA_ALWAYS_AUTHENTICATE, alwaysAuthenticate),
	)
	pubAttrs = append(append(pubAttrs, common...),
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, false),
		pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
	)

	m, err := s.acquire()
	if err != nil {
		return err
	}
	defer m.releaseQuietly()
	tok, err := m.findToken(TokenConfig{TokenLabel: label})
	if err != nil {
		return err
	}
	sess, err := m.openSession(tok.Slot, true)
	if err != nil {
		return fmt.Errorf("cannot open a session on token %q: %w", label, err)
	}
	defer sess.closeQuietly()
	if err := sess.loginChecked(tok, userPIN); err != nil {
		return err
	}
	if _, err := m.ctx.CreateObject(sess.handle, privAttrs); err != nil {
		return fmt.Errorf("cannot store the private key on token %q: %w", label, err)
	}
	if _, err := m.ctx.CreateObject(sess.handle, pubAttrs); err != nil {
		return fmt.Errorf("cannot store the public key on token %q: %w", label, err)
	}
	for i, c := range chain {
		certLabel, certID := keyLabel, id
		if i > 0 {
			existing, err := sess.find([]*pkcs11.Attribute{
				pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE),
				pkcs11.NewAttribute(pkcs11.CKA_VALUE, c.Raw),
			})
			if err != nil {
				return fmt.Errorf("cannot search the certificates on token %q: %w", label, err)
			}
			if len(existing) > 0 {
				continue
			}
			certLabel, certID = c.Subject.CommonName, c.SubjectKeyId
		}
		if _, err := m.ctx.CreateObject(sess.handle, certObject(c, certLabel, certID)); err != nil {
			return fmt.Errorf("cannot store certificate %q on token %q: %w", c.Subject.CommonName, label, err)
		}
	}
	return nil
}

// keyObjects returns the key-specific attributes of the private and public
// key objects for key.
func keyObjects(key crypto.Signer) (priv, pub []*pkcs11.Attribute, err error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if len(k.Primes) != 2 {
			return nil, nil, fmt.Errorf("RSA keys with %d primes cannot be imported", len(k.Primes))
		}
		k.Precompute()
		e := big.NewInt(int64(k.E)).Bytes()
		priv = []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA),
			pkcs11.NewAttribute(pkcs11.CKA_MODULUS, k.N.Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, e),
			pkcs11.NewAttribute(pkcs11.CKA_PRIVATE_EXPONENT, k.D.Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_PRIME_1, k.Primes[0].Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_PRIME_2, k.Primes[1].Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_EXPONENT_1, k.Precomputed.Dp.Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_EXPONENT_2, k.Precomputed.Dq.Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_COEFFICIENT, k.Precomputed.Qinv.Bytes()),
		}
		pub = []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA),
			pkcs11.NewAttribute(pkcs11.CKA_MODULUS, k.N.Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, e),
		}
		return priv, pub, nil
	case *ecdsa.PrivateKey:
		params, err := curveParams(k.Curve)
		if err != nil {
			return nil, nil, err
		}
		scalar, err := k.Bytes()
		if err != nil {
			return nil, nil, fmt.Errorf("cannot encode the ECDSA key: %w", err)
		}
		ecdhPub, err := k.PublicKey.ECDH()
		if err != nil {
			return nil, nil, fmt.Errorf("cannot encode the ECDSA public key: %w", err)
		}
		point, err := asn1.Marshal(ecdhPub.Bytes())
		if err != nil {
			return nil, nil, fmt.Errorf("cannot encode the ECDSA public key: %w", err)
		}
		priv = []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
			pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, params),
			pkcs11.NewAttribute(pkcs11.CKA_VALUE, scalar),
		}
		pub = []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
			pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, params),
			pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, point),
		}
		return priv, pub, nil
	default:
		return nil, nil, fmt.Errorf("an %s key cannot be imported; use RSA or ECDSA", keyKind(key))
	}
}

// curveParams returns the DER-encoded named-curve OID for CKA_EC_PARAMS.
func curveParams(c elliptic.Curve) ([]byte, error) {
	var oid asn1.ObjectIdentifier
	switch c {
	case elliptic.P256():
		oid = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	case elliptic.P384():
		oid = asn1.ObjectIdentifier{1, 3, 132, 0, 34}
	case elliptic.P521():
		oid = asn1.ObjectIdentifier{1, 3, 132, 0, 35}
	default:
		return nil, fmt.Errorf("curve %s cannot be imported; use P-256, P-384 or P-521", c.Params().Name)
	}
	return asn1.Marshal(oid)
}

// certObject returns the attributes of an X.509 certificate object.
func certObject(c *x509.Certificate, label string, id []byte) []*pkcs11.Attribute {
	serial, err := asn1.Marshal(c.SerialNumber)
	if err != nil {
		serial = nil
	}
	attrs := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE),
		pkcs11.NewAttribute(pkcs11.CKA_CERTIFICATE_TYPE, pkcs11.CKC_X_509),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, false),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_SUBJECT, c.RawSubject),
		pkcs11.NewAttribute(pkcs11.CKA_ISSUER, c.RawIssuer),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, c.Raw),
	}
	if serial != nil {
		attrs = append(attrs, pkcs11.NewAttribute(pkcs11.CKA_SERIAL_NUMBER, serial))
	}
	if len(id) > 0 {
		attrs = append(attrs, pkcs11.NewAttribute(pkcs11.CKA_ID, id))
	}
	return attrs
}
