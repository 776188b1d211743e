//go:build cgo

package keys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/pkcs11"
)

// ListTokens lists the initialised tokens present for the PKCS#11 driver at
// module, with the state of their user PIN.
func ListTokens(module string) ([]TokenInfo, error) {
	m, err := acquireModule(module)
	if err != nil {
		return nil, err
	}
	defer m.releaseQuietly()
	return m.tokens()
}

func (m *module) tokens() ([]TokenInfo, error) {
	slots, err := m.ctx.GetSlotList(true)
	if err != nil {
		return nil, fmt.Errorf("token driver %s cannot list its tokens: %w", m.path, err)
	}
	var out []TokenInfo
	for _, slot := range slots {
		ti, err := m.ctx.GetTokenInfo(slot)
		if err != nil {
			// A token pulled out while we look is simply not there.
			slog.Debug("token info unavailable", "module", m.path, "slot", slot, "err", err)
			continue
		}
		if ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED == 0 {
			continue
		}
		out = append(out, tokenInfo(slot, ti))
	}
	return out, nil
}

func tokenInfo(slot uint, ti pkcs11.TokenInfo) TokenInfo {
	return TokenInfo{
		Slot:         slot,
		Label:        strings.TrimRight(ti.Label, " \x00"),
		Serial:       strings.TrimRight(ti.SerialNumber, " \x00"),
		Manufacturer: strings.TrimRight(ti.ManufacturerID, " \x00"),
		Model:        strings.TrimRight(ti.Model, " \x00"),
		PINLocked:    ti.Flags&pkcs11.CKF_USER_PIN_LOCKED != 0,
		PINFinalTry:  ti.Flags&pkcs11.CKF_USER_PIN_FINAL_TRY != 0,
		PINCountLow:  ti.Flags&pkcs11.CKF_USER_PIN_COUNT_LOW != 0,
		PINPad:       ti.Flags&pkcs11.CKF_PROTECTED_AUTHENTICATION_PATH != 0,
	}
}

// findToken picks the token cfg names.
func (m *module) findToken(cfg TokenConfig) (TokenInfo, error) {
	tokens, err := m.tokens()
	if err != nil {
		return TokenInfo{}, err
	}
	var found []TokenInfo
	for _, t := range tokens {
		if cfg.TokenLabel != "" && t.Label != cfg.TokenLabel {
			continue
		}
		if cfg.TokenSerial != "" && t.Serial != cfg.TokenSerial {
			continue
		}
		found = append(found, t)
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(tokens) == 0:
		return TokenInfo{}, fmt.Errorf("no token is present for driver %s; plug in the token and try again", m.path)
	case len(found) == 0:
		return TokenInfo{}, fmt.Errorf("no token %s; tokens present: %s", describeWanted(cfg), describeTokens(tokens))
	default:
		return TokenInfo{}, fmt.Errorf("several tokens are present (%s); choose one by its label or serial", describeTokens(found))
	}
}

func describeWanted(cfg TokenConfig) string {
	var parts []string
	if cfg.TokenLabel != "" {
		parts = append(parts, "labelled "+strconv.Quote(cfg.TokenLabel))
	}
	if cfg.TokenSerial != "" {
		parts = append(parts, "with serial "+strconv.Quote(cfg.TokenSerial))
	}
	return strings.Join(parts, " and ")
}

func describeTokens(tokens []TokenInfo) string {
	parts := make([]string, len(tokens))
	for i, t := range tokens {
		parts[i] = fmt.Sprintf("%q (serial %s)", t.Label, t.Serial)
	}
	return strings.Join(parts, ", ")
}

// OpenToken logs in to the token cfg names and returns the key it selects,
// with the key's certificate and the issuers found on the token. The Key's
// Signer signs on the token; it is safe for concurrent use and signs any
// number of digests with this one login. Close the Key when done.
func OpenToken(cfg TokenConfig) (*Key, error) {
	m, err := acquireModule(cfg.Module)
	if err != nil {
		return nil, err
	}
	key, err := openToken(m, cfg)
	if err != nil {
		_ = m.release()
		return nil, err
	}
	return key, nil
}

func openToken(m *module, cfg TokenConfig) (*Key, error) {
	tok, err := m.findToken(cfg)
	if err != nil {
		return nil, err
	}
	s, err := m.openSession(tok.Slot, false)
	if err != nil {
		return nil, fmt.Errorf("cannot open a session on token %q: %w", tok.Label, err)
	}
	key, err := openTokenKey(s, tok, cfg)
	if err != nil {
		_ = s.close()
		return nil, err
	}
	return key, nil
}

func openTokenKey(s *session, tok TokenInfo, cfg TokenConfig) (*Key, error) {
	if err := s.loginChecked(tok, cfg.PIN); err != nil {
		return nil, err
	}
	objs, err := s.inventory()
	if err != nil {
		return nil, fmt.Errorf("cannot read the keys on token %q: %w", tok.Label, err)
	}
	k, err := selectKey(objs, tok, cfg)
	if err != nil {
		return nil, err
	}
	if k.cert == nil {
		return nil, fmt.Errorf("token %q has no certificate for key %s; import the key's certificate onto the token", tok.Label, k.describe())
	}
	signer := &tokenSigner{
		sess:       s,
		key:        k.handle,
		pub:        k.cert.PublicKey,
		alwaysAuth: k.alwaysAuth,
		pin:        bytes.Clone(cfg.PIN),
		label:      tok.Label,
	}
	switch k.cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if k.keyType != pkcs11.CKK_RSA {
			return nil, fmt.Errorf("token %q: the certificate of key %s is for an RSA key but the key is not", tok.Label, k.describe())
		}
	case *ecdsa.PublicKey:
		if k.keyType != pkcs11.CKK_EC {
			return nil, fmt.Errorf("token %q: the certificate of key %s is for an ECDSA key but the key is not", tok.Label, k.describe())
		}
	default:
		return nil, fmt.Errorf("token %q: key %s is an %s key; Vanthu signs only with RSA or ECDSA keys", tok.Label, k.describe(), keyKind(k.cert.PublicKey))
	}
	pool := make([]*x509.Certificate, 0, len(objs.certs))
	for _, c := range objs.certs {
		pool = append(pool, c.cert)
	}
	return &Key{
		Signer: signer,
		Chain:  orderChain(k.cert, pool),
		closer: signer.close,
	}, nil
}

// loginChecked logs in with pin and turns the token's refusals into messages
// a clerk can act on.
func (s *session) loginChecked(tok TokenInfo, pin []byte) error {
	if tok.PINLocked {
		return fmt.Errorf("token %q: %w", tok.Label, ErrPINLocked)
	}
	if len(pin) == 0 && !tok.PINPad {
		return fmt.Errorf("token %q needs its PIN; enter the PIN", tok.Label)
	}
	err := s.login(pin)
	if err == nil {
		return nil
	}
	return s.pinError(tok.Label, err)
}

// pinError words a failed login, reading the token's PIN flags for the tries
// left.
func (s *session) pinError(label string, err error) error {
	var flags uint
	if ti, terr := s.mod.ctx.GetTokenInfo(s.slot); terr == nil {
		flags = ti.Flags
	}
	return loginError(label, err, flags)
}

// loginError maps a C_Login error and the token flags read after it to a
// message. It never mentions the PIN's value.
func loginError(label string, err error, flags uint) error {
	var rv pkcs11.Error
	if !errors.As(err, &rv) {
		return fmt.Errorf("cannot log in to token %q: %w", label, err)
	}
	switch rv {
	case pkcs11.CKR_PIN_INCORRECT, pkcs11.CKR_PIN_INVALID, pkcs11.CKR_PIN_LEN_RANGE:
		if flags&pkcs11.CKF_USER_PIN_LOCKED != 0 {
			return fmt.Errorf("token %q: %w", label, ErrPINLocked)
		}
		hint := ""
		switch {
		case flags&pkcs11.CKF_USER_PIN_FINAL_TRY != 0:
			hint = "; one more wrong PIN will lock the token"
		case flags&pkcs11.CKF_USER_PIN_COUNT_LOW != 0:
			hint = "; few tries are left before the token locks"
		}
		if rv == pkcs11.CKR_PIN_LEN_RANGE {
			hint = " (the PIN has the wrong length)" + hint
		}
		return fmt.Errorf("token %q: %w%s", label, ErrWrongPIN, hint)
	case pkcs11.CKR_PIN_LOCKED:
		return fmt.Errorf("token %q: %w", label, ErrPINLocked)
	case pkcs11.CKR_PIN_EXPIRED:
		return fmt.Errorf("token %q: the PIN has expired; change it with the token's admin tool", label)
	case pkcs11.CKR_USER_PIN_NOT_INITIALIZED:
		return fmt.Errorf("token %q has no user PIN yet; set one with the token's admin tool", label)
	case pkcs11.CKR_DEVICE_REMOVED, pkcs11.CKR_TOKEN_NOT_PRESENT, pkcs11.CKR_SESSION_HANDLE_INVALID, pkcs11.CKR_SESSION_CLOSED:
		return fmt.Errorf("token %q was removed; plug it in and try again", label)
	default:
		return fmt.Errorf("cannot log in to token %q: %w", label, err)
	}
}

// ListTokenKeys lists the private keys on the token cfg names (cfg.KeyLabel
// and cfg.KeyID are ignored). Private keys are visible only after login, so
// give cfg.PIN; without a PIN the list is built from the certificates on the
// token, and AlwaysAuthenticate is then not known.
func ListTokenKeys(cfg TokenConfig) ([]TokenKeyInfo, error) {
	m, err := acquireModule(cfg.Module)
	if err != nil {
		return nil, err
	}
	defer m.releaseQuietly()
	tok, err := m.findToken(cfg)
	if err != nil {
		return nil, err
	}
	s, err := m.openSession(tok.Slot, false)
	if err != nil {
		return nil, fmt.Errorf("cannot open a session on token %q: %w", tok.Label, err)
	}
	defer s.closeQuietly()
	if len(cfg.PIN) > 0 {
		if err := s.loginChecked(tok, cfg.PIN); err != nil {
			return nil, err
		}
	}
	objs, err := s.inventory()
	if err != nil {
		return nil, fmt.Errorf("cannot read the keys on token %q: %w", tok.Label, err)
	}
	var out []TokenKeyInfo
	if len(cfg.PIN) > 0 {
		for _, k := range objs.keys {
			out = append(out, k.info())
		}
		return out, nil
	}
	for _, c := range objs.certs {
		if c.cert.IsCA {
			continue
		}
		out = append(out, TokenKeyInfo{
			Label:       c.label,
			ID:          c.id,
			Type:        publicKeyType(c.cert.PublicKey),
			Certificate: c.cert,
			Subject:     c.cert.Subject.String(),
		})
	}
	return out, nil
}

// tokenObjects is what a session sees on a token.
type tokenObjects struct {
	keys  []*tokenKey
	certs []tokenCert
}

type tokenKey struct {
	handle     pkcs11.ObjectHandle
	label      string
	id         []byte
	keyType    uint
	alwaysAuth bool
	cert       *x509.Certificate
}

type tokenCert struct {
	label string
	id    []byte
	cert  *x509.Certificate
}

func (k *tokenKey) describe() string {
	switch {
	case k.label != "" && len(k.id) > 0:
		return fmt.Sprintf("%q (id %s)", k.label, hex.EncodeToString(k.id))
	case k.label != "":
		return strconv.Quote(k.label)
	default:
		return "with id " + hex.EncodeToString(k.id)
	}
}

func (k *tokenKey) info() TokenKeyInfo {
	ki := TokenKeyInfo{
		Label:              k.label,
		ID:                 k.id,
		Type:               keyTypeName(k.keyType),
		Certificate:        k.cert,
		AlwaysAuthenticate: k.alwaysAuth,
	}
	if k.cert != nil {
		ki.Subject = k.cert.Subject.String()
	}
	return ki
}

func keyTypeName(t uint) string {
	switch t {
	case pkcs11.CKK_RSA:
		return "RSA"
	case pkcs11.CKK_EC:
		return "ECDSA"
	default:
		return fmt.Sprintf("key type 0x%x", t)
	}
}

func publicKeyType(pub crypto.PublicKey) string {
	switch pub.(type) {
	case *rsa.PublicKey:
		return "RSA"
	case *ecdsa.PublicKey:
		return "ECDSA"
	default:
		return keyKind(pub)
	}
}

// inventory reads the private keys and certificates the session can see and
// pairs each key with its certificate.
func (s *session) inventory() (*tokenObjects, error) {
	objs := &tokenObjects{}
	certHandles, err := s.find([]*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE),
		pkcs11.NewAttribute(pkcs11.CKA_CERTIFICATE_TYPE, pkcs11.CKC_X_509),
	})
	if err != nil {
		return nil, err
	}
	for _, h := range certHandles {
		der, err := s.attr(h, pkcs11.CKA_VALUE)
		if err != nil {
			return nil, err
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			slog.Debug("skipping unreadable certificate on token", "err", err)
			continue
		}
		label, _ := s.attr(h, pkcs11.CKA_LABEL)
		id, _ := s.attr(h, pkcs11.CKA_ID)
		objs.certs = append(objs.certs, tokenCert{label: string(label), id: id, cert: cert})
	}

	keyHandles, err := s.find([]*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
	})
	if err != nil {
		return nil, err
	}
	for _, h := range keyHandles {
		k := &tokenKey{handle: h}
		label, _ := s.attr(h, pkcs11.CKA_LABEL)
		k.label = string(label)
		k.id, _ = s.attr(h, pkcs11.CKA_ID)
		kt, err := s.attr(h, pkcs11.CKA_KEY_TYPE)
		if err != nil {
			return nil, err
		}
		k.keyType = ulong(kt)
		if aa, err := s.attr(h, pkcs11.CKA_ALWAYS_AUTHENTICATE); err == nil {
			k.alwaysAuth = len(aa) > 0 && aa[0] != 0
		}
		k.cert = s.certFor(k, objs.certs)
		objs.keys = append(objs.keys, k)
	}
	return objs, nil
}

// certFor finds the certificate of key k: one with the same CKA_ID whose
// public key matches the key where the token lets us check, else any
// certificate whose public key matches.
func (s *session) certFor(k *tokenKey, certs []tokenCert) *x509.Certificate {
	match := s.publicMatcher(k)
	if len(k.id) > 0 {
		for _, c := range certs {
			if bytes.Equal(c.id, k.id) && match(c.cert) != matchNo {
				return c.cert
			}
		}
	}
	for _, c := range certs {
		if match(c.cert) == matchYes {
			return c.cert
		}
	}
	return nil
}

type matchResult int

const (
	matchUnknown matchResult = iota
	matchYes
	matchNo
)

// publicMatcher returns a test of whether a certificate holds the public half
// of k, from what the token reveals: the RSA modulus of the private key, or
// the EC point of the public key object with the same CKA_ID.
func (s *session) publicMatcher(k *tokenKey) func(*x509.Certificate) matchResult {
	switch k.keyType {
	case pkcs11.CKK_RSA:
		mod, err := s.attr(k.handle, pkcs11.CKA_MODULUS)
		if err != nil || len(mod) == 0 {
			return func(*x509.Certificate) matchResult { return matchUnknown }
		}
		n := new(big.Int).SetBytes(mod)
		return func(c *x509.Certificate) matchResult {
			pub, ok := c.PublicKey.(*rsa.PublicKey)
			if ok && pub.N.Cmp(n) == 0 {
				return matchYes
			}
			return matchNo
		}
	case pkcs11.CKK_EC:
		point := s.ecPoint(k)
		if point == nil {
			return func(*x509.Certificate) matchResult { return matchUnknown }
		}
		return func(c *x509.Certificate) matchResult {
			pub, ok := c.PublicKey.(*ecdsa.PublicKey)
			if !ok {
				return matchNo
			}
			ecdhPub, err := pub.ECDH()
			if err == nil && bytes.Equal(ecdhPub.Bytes(), point) {
				return matchYes
			}
			return matchNo
		}
	default:
		return func(*x509.Certificate) matchResult { return matchNo }
	}
}

// ecPoint reads the uncompressed EC point of the public key object that
// shares k's CKA_ID, or nil.
func (s *session) ecPoint(k *tokenKey) []byte {
	if len(k.id) == 0 {
		return nil
	}
	pubs, err := s.find([]*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_ID, k.id),
	})
	if err != nil || len(pubs) != 1 {
		return nil
	}
	raw, err := s.attr(pubs[0], pkcs11.CKA_EC_POINT)
	if err != nil {
		return nil
	}
	// PKCS#11 wraps the point in a DER OCTET STRING; some tokens do not.
	var inner []byte
	if rest, err := asn1.Unmarshal(raw, &inner); err == nil && len(rest) == 0 {
		return inner
	}
	return raw
}

// selectKey picks the key cfg names among those on the token.
func selectKey(objs *tokenObjects, tok TokenInfo, cfg TokenConfig) (*tokenKey, error) {
	if len(objs.keys) == 0 {
		return nil, fmt.Errorf("token %q holds no private key this PIN can use", tok.Label)
	}
	var cands []*tokenKey
	var wanted string
	switch {
	case cfg.KeyLabel != "":
		wanted = "labelled " + strconv.Quote(cfg.KeyLabel)
		for _, k := range objs.keys {
			if k.label == cfg.KeyLabel {
				cands = append(cands, k)
			}
		}
	case len(cfg.KeyID) > 0:
		wanted = "with id " + hex.EncodeToString(cfg.KeyID)
		for _, k := range objs.keys {
			if bytes.Equal(k.id, cfg.KeyID) {
				cands = append(cands, k)
			}
		}
	default:
		for _, k := range objs.keys {
			if k.cert != nil {
				cands = append(cands, k)
			}
		}
		switch len(cands) {
		case 0:
			return nil, fmt.Errorf("token %q holds no key with a certificate (keys present: %s); import the key's certificate onto the token", tok.Label, describeKeys(objs.keys))
		case 1:
			return cands[0], nil
		default:
			return nil, fmt.Errorf("token %q holds several keys with certificates: %s; choose one by its label", tok.Label, describeKeys(cands))
		}
	}
	if len(cands) == 0 {
		return nil, fmt.Errorf("token %q holds no key %s; keys present: %s", tok.Label, wanted, describeKeys(objs.keys))
	}
	if len(cands) > 1 {
		// Prefer the keys that have a certificate.
		withCert := slices.DeleteFunc(slices.Clone(cands), func(k *tokenKey) bool { return k.cert == nil })
		if len(withCert) == 1 {
			return withCert[0], nil
		}
		return nil, fmt.Errorf("token %q holds several keys %s: %s; choose one by its id", tok.Label, wanted, describeKeys(cands))
	}
	return cands[0], nil
}

func describeKeys(keys []*tokenKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.describe()
		if k.cert != nil {
			parts[i] += " for " + k.cert.Subject.CommonName
		}
	}
	return strings.Join(parts, ", ")
}

// find returns every object matching template.
func (s *session) find(template []*pkcs11.Attribute) ([]pkcs11.ObjectHandle, error) {
	ctx := s.mod.ctx
	if err := ctx.FindObjectsInit(s.handle, template); err != nil {
		return nil, err
	}
	var all []pkcs11.ObjectHandle
	for {
		hs, _, err := ctx.FindObjects(s.handle, 64)
		if err != nil {
			_ = ctx.FindObjectsFinal(s.handle)
			return nil, err
		}
		if len(hs) == 0 {
			break
		}
		all = append(all, hs...)
	}
	if err := ctx.FindObjectsFinal(s.handle); err != nil {
		return nil, err
	}
	return all, nil
}

// attr reads one attribute of an object.
func (s *session) attr(h pkcs11.ObjectHandle, typ uint) ([]byte, error) {
	attrs, err := s.mod.ctx.GetAttributeValue(s.handle, h, []*pkcs11.Attribute{pkcs11.NewAttribute(typ, nil)})
	if err != nil {
		return nil, err
	}
	if len(attrs) != 1 {
		return nil, fmt.Errorf("token returned %d attributes for one", len(attrs))
	}
	return attrs[0].Value, nil
}

// ulong decodes a CK_ULONG attribute value (native byte order and size).
func ulong(b []byte) uint {
	var v uint64
	switch len(b) {
	case 8:
		v = binary.NativeEndian.Uint64(b)
	case 4:
		v = uint64(binary.NativeEndian.Uint32(b))
	default:
		return ^uint(0)
	}
	return uint(v)
}
