package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Hash returns the signer's digest algorithm. MD5 and SHA-1 give an error
// wrapping ErrWeakAlgorithm.
func (si *SignerInfo) Hash() (crypto.Hash, error) {
	h, err := HashFromOID(si.DigestAlgorithm.Algorithm)
	if err != nil {
		return 0, err
	}
	if err := CheckHashStrength(h); err != nil {
		return 0, err
	}
	return h, nil
}

// SignatureValue returns the signature bytes.
func (si *SignerInfo) SignatureValue() []byte { return si.signature }

// RawSignedAttributes returns the DER SET OF signed attributes the signature
// covers, or nil when the signer has none.
func (si *SignerInfo) RawSignedAttributes() []byte { return si.rawSignedAttrs }

// signedAttribute returns the single value of a signed attribute. It fails if
// the attribute occurs more than once or has several values.
func (si *SignerInfo) signedAttribute(oid asn1.ObjectIdentifier) ([]byte, bool, error) {
	return singleValue(si.SignedAttributes, oid)
}

func singleValue(attrs []Attribute, oid asn1.ObjectIdentifier) ([]byte, bool, error) {
	var found []byte
	seen := false
	for _, a := range attrs {
		if !a.Type.Equal(oid) {
			continue
		}
		if seen || len(a.Values) != 1 {
			return nil, true, fmt.Errorf("attribute %s must have exactly one value", oid)
		}
		seen = true
		found = a.Values[0]
	}
	return found, seen, nil
}

// ContentType returns the value of the content-type signed attribute.
func (si *SignerInfo) ContentType() (asn1.ObjectIdentifier, error) {
	v, ok, err := si.signedAttribute(OIDAttributeContentType)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errors.New("the signature has no content-type attribute")
	}
	var oid asn1.ObjectIdentifier
	s := cryptobyte.String(v)
	if !s.ReadASN1ObjectIdentifier(&oid) || !s.Empty() {
		return nil, errors.New("the content-type attribute is malformed")
	}
	return oid, nil
}

// MessageDigest returns the value of the message-digest signed attribute.
func (si *SignerInfo) MessageDigest() ([]byte, error) {
	v, ok, err := si.signedAttribute(OIDAttributeMessageDigest)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errors.New("the signature has no message-digest attribute")
	}
	var md []byte
	s := cryptobyte.String(v)
	if !s.ReadASN1Bytes(&md, cbasn1.OCTET_STRING) || !s.Empty() {
		return nil, errors.New("the message-digest attribute is malformed")
	}
	return md, nil
}

// SigningTime returns the signing-time signed attribute, if present and well formed.
func (si *SignerInfo) SigningTime() (time.Time, bool) {
	v, ok, err := si.signedAttribute(OIDAttributeSigningTime)
	if err != nil || !ok {
		return time.Time{}, false
	}
	t, err := parseTime(v)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// parseTime reads a UTCTime or GeneralizedTime (RFC 5652 Time).
func parseTime(v []byte) (time.Time, error) {
	var t time.Time
	s := cryptobyte.String(v)
	switch {
	case s.PeekASN1Tag(cbasn1.UTCTime):
		if !s.ReadASN1UTCTime(&t) {
			return t, errors.New("malformed UTCTime")
		}
	case s.PeekASN1Tag(cbasn1.GeneralizedTime):
		if !s.ReadASN1GeneralizedTime(&t) {
			return t, errors.New("malformed GeneralizedTime")
		}
	default:
		return t, errors.New("not a time value")
	}
	if !s.Empty() {
		return t, errors.New("trailing data after a time value")
	}
	return t, nil
}

// TimestampToken returns the first signature timestamp token (the unsigned
// attribute id-aa-signatureTimeStampToken), as a DER ContentInfo.
func (si *SignerInfo) TimestampToken() ([]byte, bool) {
	tokens := si.TimestampTokens()
	if len(tokens) == 0 {
		return nil, false
	}
	return tokens[0], true
}

// TimestampTokens returns every signature timestamp token.
func (si *SignerInfo) TimestampTokens() [][]byte {
	var tokens [][]byte
	for _, a := range si.UnsignedAttributes {
		if a.Type.Equal(OIDAttributeTimeStampToken) {
			tokens = append(tokens, a.Values...)
		}
	}
	return tokens
}

// FindCertificate returns the certificate among certs that the signer
// identifier names (by issuer and serial number or by subject key
// identifier), or nil.
func (si *SignerInfo) FindCertificate(certs []*x509.Certificate) *x509.Certificate {
	for _, c := range certs {
		if c == nil {
			continue
		}
		if si.SubjectKeyID != nil {
			if len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, si.SubjectKeyID) {
				return c
			}
			continue
		}
		if si.SerialNumber != nil && c.SerialNumber != nil && c.SerialNumber.Cmp(si.SerialNumber) == 0 &&
			sameName(c.RawIssuer, si.RawIssuer) {
			return c
		}
	}
	return nil
}

// sameName compares two DER Names: byte for byte, else after re-encoding
// (which evens out string types such as PrintableString and UTF8String).
func sameName(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	ca, err := canonicalName(a)
	if err != nil {
		return false
	}
	cb, err := canonicalName(b)
	if err != nil {
		return false
	}
	return bytes.Equal(ca, cb)
}

func canonicalName(der []byte) ([]byte, error) {
	var rdn pkix.RDNSequence
	rest, err := asn1.Unmarshal(der, &rdn)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, errors.New("trailing data after a name")
	}
	return asn1.Marshal(rdn)
}

type schemeKind int

const (
	schemeRSAPKCS1 schemeKind = iota + 1
	schemeRSAPSS
	schemeECDSA
)

type scheme struct {
	kind schemeKind
	hash crypto.Hash
	salt int // PSS only
}

func (k schemeKind) String() string {
	switch k {
	case schemeRSAPKCS1:
		return "RSA PKCS#1 v1.5"
	case schemeRSAPSS:
		return "RSA-PSS"
	case schemeECDSA:
		return "ECDSA"
	}
	return "unknown"
}

// signatureScheme works out how the signature was made from the signature
// algorithm and, where that names no hash, the digest algorithm.
func (si *SignerInfo) signatureScheme(digestHash crypto.Hash) (scheme, error) {
	oid := si.SignatureAlgorithm.Algorithm
	table := []struct {
		kind schemeKind
		oid  asn1.ObjectIdentifier
		hash crypto.Hash
	}{
		{schemeRSAPKCS1, oidRSAEncryption, digestHash},
		{schemeRSAPKCS1, oidSHA256WithRSA, crypto.SHA256},
		{schemeRSAPKCS1, oidSHA384WithRSA, crypto.SHA384},
		{schemeRSAPKCS1, oidSHA512WithRSA, crypto.SHA512},
		{schemeRSAPKCS1, oidSHA224WithRSA, crypto.SHA224},
		{schemeRSAPKCS1, oidSHA1WithRSA, crypto.SHA1},
		{schemeRSAPKCS1, oidMD5WithRSA, crypto.MD5},
		{schemeECDSA, oidECPublicKey, digestHash},
		{schemeECDSA, oidECDSAWithSHA256, crypto.SHA256},
		{schemeECDSA, oidECDSAWithSHA384, crypto.SHA384},
		{schemeECDSA, oidECDSAWithSHA512, crypto.SHA512},
		{schemeECDSA, oidECDSAWithSHA224, crypto.SHA224},
		{schemeECDSA, oidECDSAWithSHA1, crypto.SHA1},
	}
	for _, row := range table {
		if oid.Equal(row.oid) {
			return scheme{kind: row.kind, hash: row.hash}, CheckHashStrength(row.hash)
		}
	}
	if oid.Equal(oidRSASSAPSS) {
		return parsePSSParams(si.SignatureAlgorithm.Parameters.FullBytes)
	}
	return scheme{}, fmt.Errorf("signature algorithm %s: %w", oid, ErrUnsupportedAlgorithm)
}

// parsePSSParams reads RSASSA-PSS-params (RFC 4055). The SHA-1 defaults are
// refused as weak.
func parsePSSParams(der []byte) (scheme, error) {
	s := cryptobyte.String(der)
	var params cryptobyte.String
	if !s.ReadASN1(&params, cbasn1.SEQUENCE) || !s.Empty() {
		return scheme{}, errors.New("the RSA-PSS parameters are malformed")
	}
	sc := scheme{kind: schemeRSAPSS, hash: crypto.SHA1, salt: 20}
	mgfHash := crypto.SHA1
	var field cryptobyte.String
	var present bool
	if !params.ReadOptionalASN1(&field, &present, tagContext0) {
		return scheme{}, errors.New("the RSA-PSS hash algorithm is malformed")
	}
	if present {
		alg, err := readAlgorithm(&field)
		if err != nil || !field.Empty() {
			return scheme{}, errors.New("the RSA-PSS hash algorithm is malformed")
		}
		if sc.hash, err = HashFromOID(alg.Algorithm); err != nil {
			return scheme{}, err
		}
	}
	if !params.ReadOptionalASN1(&field, &present, tagContext1) {
		return scheme{}, errors.New("the RSA-PSS mask generation function is malformed")
	}
	if present {
		alg, err := readAlgorithm(&field)
		if err != nil || !field.Empty() || !alg.Algorithm.Equal(oidMGF1) {
			return scheme{}, fmt.Errorf("RSA-PSS mask generation function: %w", ErrUnsupportedAlgorithm)
		}
		inner := cryptobyte.String(alg.Parameters.FullBytes)
		mgfAlg, err := readAlgorithm(&inner)
		if err != nil || !inner.Empty() {
			return scheme{}, errors.New("the RSA-PSS MGF1 hash is malformed")
		}
		if mgfHash, err = HashFromOID(mgfAlg.Algorithm); err != nil {
			return scheme{}, err
		}
	}
	var salt int64 = 20
	if !params.ReadOptionalASN1(&field, &present, tagContext2) {
		return scheme{}, errors.New("the RSA-PSS salt length is malformed")
	}
	if present && (!field.ReadASN1Int64WithTag(&salt, cbasn1.INTEGER) || !field.Empty() || salt < 0 || salt > 1024) {
		return scheme{}, errors.New("the RSA-PSS salt length is malformed")
	}
	var trailer int64 = 1
	if !params.ReadOptionalASN1(&field, &present, tagContext3) {
		return scheme{}, errors.New("the RSA-PSS trailer field is malformed")
	}
	if present && (!field.ReadASN1Int64WithTag(&trailer, cbasn1.INTEGER) || !field.Empty()) {
		return scheme{}, errors.New("the RSA-PSS trailer field is malformed")
	}
	if !params.Empty() {
		return scheme{}, errors.New("the RSA-PSS parameters are malformed")
	}
	if trailer != 1 {
		return scheme{}, fmt.Errorf("RSA-PSS trailer field %d: %w", trailer, ErrUnsupportedAlgorithm)
	}
	if mgfHash != sc.hash {
		return scheme{}, fmt.Errorf("RSA-PSS with MGF1 hash %s differing from hash %s: %w",
			hashName(mgfHash), hashName(sc.hash), ErrUnsupportedAlgorithm)
	}
	sc.salt = int(salt)
	return sc, CheckHashStrength(sc.hash)
}

// VerifySignature checks the signature value over the signed attributes with
// the public key of cert. It supports RSA PKCS#1 v1.5, RSA-PSS and ECDSA on
// P-256, P-384 and P-521, and refuses MD5 and SHA-1. Signers without signed
// attributes are refused. It does not look at the content: see
// VerifyContentDigest.
func (si *SignerInfo) VerifySignature(cert *x509.Certificate) error {
	if cert == nil {
		return errors.New("no certificate to verify the signature with")
	}
	if si.rawSignedAttrs == nil {
		return fmt.Errorf("signatures without signed attributes are not accepted: %w", ErrUnsupportedAlgorithm)
	}
	digestHash, err := si.Hash()
	if err != nil {
		return fmt.Errorf("digest algorithm: %w", err)
	}
	sc, err := si.signatureScheme(digestHash)
	if err != nil {
		return fmt.Errorf("signature algorithm: %w", err)
	}
	if !sc.hash.Available() {
		return fmt.Errorf("hash %s: %w", hashName(sc.hash), ErrUnsupportedAlgorithm)
	}
	h := sc.hash.New()
	h.Write(si.rawSignedAttrs)
	sum := h.Sum(nil)

	switch pub := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		switch sc.kind {
		case schemeRSAPKCS1:
			err = rsa.VerifyPKCS1v15(pub, sc.hash, sum, si.signature)
		case schemeRSAPSS:
			err = rsa.VerifyPSS(pub, sc.hash, sum, si.signature, &rsa.PSSOptions{SaltLength: sc.salt, Hash: sc.hash})
		default:
			return fmt.Errorf("the certificate holds an RSA key but the signature algorithm is %s", sc.kind)
		}
		if err != nil {
			return fmt.Errorf("%w (%s)", ErrInvalidSignature, sc.kind)
		}
	case *ecdsa.PublicKey:
		if sc.kind != schemeECDSA {
			return fmt.Errorf("the certificate holds an ECDSA key but the signature algorithm is %s", sc.kind)
		}
		switch pub.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
		default:
			return fmt.Errorf("ECDSA curve %s: %w", pub.Curve.Params().Name, ErrUnsupportedAlgorithm)
		}
		if !ecdsa.VerifyASN1(pub, sum, si.signature) {
			return fmt.Errorf("%w (ECDSA)", ErrInvalidSignature)
		}
	default:
		return fmt.Errorf("certificate key of type %T: %w", cert.PublicKey, ErrUnsupportedAlgorithm)
	}
	return nil
}

// VerifyContentDigest checks that the message-digest attribute equals digest
// (the content hashed with Hash()) and that the content-type attribute is
// present and names the signed content type.
func (si *SignerInfo) VerifyContentDigest(digest []byte) error {
	ct, err := si.ContentType()
	if err != nil {
		return err
	}
	if si.contentType != nil && !ct.Equal(si.contentType) {
		return fmt.Errorf("the content-type attribute %s differs from the signed content type %s", ct, si.contentType)
	}
	md, err := si.MessageDigest()
	if err != nil {
		return err
	}
	if len(md) != len(digest) || subtle.ConstantTimeCompare(md, digest) != 1 {
		return ErrDigestMismatch
	}
	return nil
}
