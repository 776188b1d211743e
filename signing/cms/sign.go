package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha256" // register SHA-224 and SHA-256
	_ "crypto/sha512" // register SHA-384 and SHA-512
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// SignOptions control SignDigest, SignAttached and SignDetached.
type SignOptions struct {
	// Hash is the digest algorithm: crypto.SHA256 when zero; SHA-384 and
	// SHA-512 are allowed; anything weaker is an error.
	Hash crypto.Hash
	// PSS selects RSASSA-PSS (salt length = hash length) instead of
	// PKCS#1 v1.5 for RSA keys.
	PSS bool
	// SigningTime, when set, adds a signing-time attribute. PAdES signatures
	// must have none (the time goes in the signature dictionary's /M).
	SigningTime time.Time
	// ContentType is the type of the signed content, OIDData when nil.
	ContentType asn1.ObjectIdentifier
	// ExtraAttributes are added to the signed attributes, for example
	// Adobe's revocation-info-archival. They may not repeat an attribute
	// the signer adds itself.
	ExtraAttributes []Attribute
}

// SignDigest builds a detached SignedData over content whose digest,
// computed with opts.Hash, is digest. chain[0] is the signer's certificate;
// the others are added to the certificate set. The signed attributes are
// content-type, message-digest, ESS signing-certificate-v2 (with
// issuerSerial) and, only when opts.SigningTime is set, signing-time.
//
// signer may be any crypto.Signer with an RSA or ECDSA (P-256, P-384, P-521)
// public key, a PKCS#11 token key included: it receives the hash of the
// signed attributes and opts.Hash (or *rsa.PSSOptions for PSS). SignDigest
// does not check that signer's key belongs to chain[0]; see CheckKeyPair.
func SignDigest(digest []byte, signer crypto.Signer, chain []*x509.Certificate, opts SignOptions) (*SignedData, error) {
	return sign(digest, nil, signer, chain, opts)
}

// SignAttached builds a SignedData that carries content itself, as
// timestamp tokens do (opts.ContentType OIDTSTInfo).
func SignAttached(content []byte, signer crypto.Signer, chain []*x509.Certificate, opts SignOptions) (*SignedData, error) {
	h, err := signingHash(opts.Hash)
	if err != nil {
		return nil, err
	}
	d := h.New()
	d.Write(content)
	if content == nil {
		content = []byte{}
	}
	return sign(d.Sum(nil), content, signer, chain, opts)
}

// SignDetached reads content through the hash and returns a DER detached
// SignedData for it, as stored in a .p7s file. It checks first that the
// key belongs to chain[0] and verifies the new signature before returning
// it.
func SignDetached(content io.Reader, signer crypto.Signer, chain []*x509.Certificate, opts SignOptions) ([]byte, error) {
	if len(chain) == 0 || chain[0] == nil {
		return nil, errors.New("no signing certificate was given")
	}
	if err := CheckKeyPair(signer, chain[0]); err != nil {
		return nil, err
	}
	h, err := signingHash(opts.Hash)
	if err != nil {
		return nil, err
	}
	d := h.New()
	if _, err := io.Copy(d, content); err != nil {
		return nil, fmt.Errorf("reading the content to sign: %w", err)
	}
	digest := d.Sum(nil)
	sd, err := SignDigest(digest, signer, chain, opts)
	if err != nil {
		return nil, err
	}
	der, err := sd.Marshal()
	if err != nil {
		return nil, err
	}
	// Check the output as a verifier will see it.
	back, err := Parse(der)
	if err != nil {
		return nil, fmt.Errorf("the new signature cannot be read back: %w", err)
	}
	si := back.Signers[0]
	if err := si.VerifySignature(chain[0]); err != nil {
		return nil, fmt.Errorf("the new signature does not verify: %w", err)
	}
	if err := si.VerifyContentDigest(digest); err != nil {
		return nil, fmt.Errorf("the new signature does not verify: %w", err)
	}
	return der, nil
}

// CheckKeyPair reports an error when signer's public key is not the one in
// cert, the usual sign of a token or file holding several keys and the
// wrong certificate chosen.
func CheckKeyPair(signer crypto.Signer, cert *x509.Certificate) error {
	if signer == nil {
		return errors.New("no signing key was given")
	}
	if cert == nil {
		return errors.New("no signing certificate was given")
	}
	pub, ok := signer.Public().(interface{ Equal(x crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return fmt.Errorf("the signing key does not belong to the certificate of %q (serial %s)",
			cert.Subject.CommonName, cert.SerialNumber.Text(16))
	}
	return nil
}

func sign(digest, content []byte, signer crypto.Signer, chain []*x509.Certificate, opts SignOptions) (*SignedData, error) {
	h, err := signingHash(opts.Hash)
	if err != nil {
		return nil, err
	}
	if len(digest) != h.Size() {
		return nil, fmt.Errorf("the content digest has %d bytes but a %s digest has %d", len(digest), hashName(h), h.Size())
	}
	if signer == nil {
		return nil, errors.New("no signing key was given")
	}
	if len(chain) == 0 {
		return nil, errors.New("no signing certificate was given")
	}
	for i, c := range chain {
		if c == nil || len(c.Raw) == 0 || c.SerialNumber == nil {
			return nil, fmt.Errorf("certificate %d of the signing chain is empty", i+1)
		}
	}
	cert := chain[0]
	hashOID, err := OIDFromHash(h)
	if err != nil {
		return nil, err
	}
	sigAlg, signerOpts, err := signatureAlgorithm(signer.Public(), h, opts.PSS)
	if err != nil {
		return nil, err
	}
	contentType := opts.ContentType
	if len(contentType) == 0 {
		contentType = OIDData
	}

	attrs, err := signedAttributes(digest, cert, h, contentType, opts)
	if err != nil {
		return nil, err
	}
	encoded := make([][]byte, 0, len(attrs))
	for _, a := range attrs {
		der, err := marshalAttribute(a)
		if err != nil {
			return nil, err
		}
		encoded = append(encoded, der)
	}
	var b cryptobyte.Builder
	addSet(&b, cbasn1.SET, encoded)
	rawSigned, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encoding the signed attributes: %w", err)
	}
	// Keep the attributes in the order they were encoded.
	parsed := cryptobyte.String(rawSigned)
	var set cryptobyte.String
	parsed.ReadASN1(&set, cbasn1.SET)
	signedAttrs, err := parseAttributes(set)
	if err != nil {
		return nil, fmt.Errorf("encoding the signed attributes: %w", err)
	}

	d := h.New()
	d.Write(rawSigned)
	sig, err := signer.Sign(rand.Reader, d.Sum(nil), signerOpts)
	if err != nil {
		return nil, fmt.Errorf("the signing key could not sign: %w", err)
	}
	if pub, ok := signer.Public().(*ecdsa.PublicKey); ok {
		sig = ecdsaSignatureDER(pub, sig)
	}

	sid, err := issuerAndSerial(cert)
	if err != nil {
		return nil, err
	}
	si := &SignerInfo{
		Version:            1,
		RawIssuer:          cert.RawIssuer,
		SerialNumber:       new(big.Int).Set(cert.SerialNumber),
		DigestAlgorithm:    pkix.AlgorithmIdentifier{Algorithm: hashOID},
		SignatureAlgorithm: sigAlg,
		SignedAttributes:   signedAttrs,
		rawSID:             sid,
		rawSignedAttrs:     rawSigned,
		signature:          sig,
		contentType:        contentType,
	}
	return &SignedData{
		DigestAlgorithms: []pkix.AlgorithmIdentifier{{Algorithm: hashOID}},
		EncapContentType: contentType,
		EContent:         content,
		Certificates:     slices.Clone(chain),
		Signers:          []*SignerInfo{si},
	}, nil
}

func signedAttributes(digest []byte, cert *x509.Certificate, h crypto.Hash, contentType asn1.ObjectIdentifier, opts SignOptions) ([]Attribute, error) {
	var b cryptobyte.Builder
	b.AddASN1ObjectIdentifier(contentType)
	ct, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encoding the content type: %w", err)
	}
	b = cryptobyte.Builder{}
	b.AddASN1OctetString(digest)
	md, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encoding the message digest: %w", err)
	}
	ess, err := marshalSigningCertificateV2(cert, h)
	if err != nil {
		return nil, err
	}
	attrs := []Attribute{
		{Type: OIDAttributeContentType, Values: [][]byte{ct}},
		{Type: OIDAttributeMessageDigest, Values: [][]byte{md}},
		{Type: OIDAttributeSigningCertificateV2, Values: [][]byte{ess}},
	}
	if !opts.SigningTime.IsZero() {
		st, err := marshalTime(opts.SigningTime)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, Attribute{Type: OIDAttributeSigningTime, Values: [][]byte{st}})
	}
	for _, extra := range opts.ExtraAttributes {
		for _, a := range attrs {
			if a.Type.Equal(extra.Type) {
				return nil, fmt.Errorf("the extra signed attribute %s is already set by the signer", extra.Type)
			}
		}
		attrs = append(attrs, extra)
	}
	return attrs, nil
}

// marshalTime encodes a Time as RFC 5652 section 11.3 asks: UTCTime for
// 1950 to 2049, GeneralizedTime otherwise.
func marshalTime(t time.Time) ([]byte, error) {
	t = t.UTC().Truncate(time.Second)
	var b cryptobyte.Builder
	if y := t.Year(); y >= 1950 && y < 2050 {
		b.AddASN1UTCTime(t)
	} else {
		b.AddASN1GeneralizedTime(t)
	}
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encoding the signing time %s: %w", t.Format(time.RFC3339), err)
	}
	return der, nil
}

func issuerAndSerial(cert *x509.Certificate) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(cert.RawIssuer)
		b.AddASN1BigInt(cert.SerialNumber)
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encoding the signer identifier: %w", err)
	}
	return der, nil
}

var asn1NULL = asn1.RawValue{Tag: asn1.TagNull, FullBytes: []byte{0x05, 0x00}}

// signatureAlgorithm picks the signature algorithm identifier and the
// options passed to crypto.Signer.Sign.
func signatureAlgorithm(pub crypto.PublicKey, h crypto.Hash, pss bool) (pkix.AlgorithmIdentifier, crypto.SignerOpts, error) {
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		if pss {
			params, err := pssParameters(h)
			if err != nil {
				return pkix.AlgorithmIdentifier{}, nil, err
			}
			return pkix.AlgorithmIdentifier{Algorithm: oidRSASSAPSS, Parameters: asn1.RawValue{FullBytes: params}},
				&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h}, nil
		}
		oid := map[crypto.Hash]asn1.ObjectIdentifier{
			crypto.SHA256: oidSHA256WithRSA,
			crypto.SHA384: oidSHA384WithRSA,
			crypto.SHA512: oidSHA512WithRSA,
		}[h]
		return pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1NULL}, h, nil
	case *ecdsa.PublicKey:
		if pss {
			return pkix.AlgorithmIdentifier{}, nil, errors.New("RSA-PSS was asked for but the signing key is an ECDSA key")
		}
		switch pub.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
		default:
			return pkix.AlgorithmIdentifier{}, nil, fmt.Errorf("ECDSA curve %s: %w", pub.Curve.Params().Name, ErrUnsupportedAlgorithm)
		}
		oid := map[crypto.Hash]asn1.ObjectIdentifier{
			crypto.SHA256: oidECDSAWithSHA256,
			crypto.SHA384: oidECDSAWithSHA384,
			crypto.SHA512: oidECDSAWithSHA512,
		}[h]
		return pkix.AlgorithmIdentifier{Algorithm: oid}, h, nil
	case nil:
		return pkix.AlgorithmIdentifier{}, nil, errors.New("the signing key has no public key")
	default:
		return pkix.AlgorithmIdentifier{}, nil, fmt.Errorf("signing keys of type %T: %w", pub, ErrUnsupportedAlgorithm)
	}
}

// pssParameters encodes RSASSA-PSS-params with hash h for the message and
// for MGF1 and a salt as long as the hash.
func pssParameters(h crypto.Hash) ([]byte, error) {
	oid, err := OIDFromHash(h)
	if err != nil {
		return nil, err
	}
	hashAlg := func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oid)
			b.AddASN1NULL()
		})
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(tagContext0, hashAlg)
		b.AddASN1(tagContext1, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidMGF1)
				hashAlg(b)
			})
		})
		b.AddASN1(tagContext2, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(int64(h.Size()))
		})
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encoding the RSA-PSS parameters: %w", err)
	}
	return der, nil
}

// ecdsaSignatureDER accepts the raw r||s form some token drivers return
// and turns it into the ASN.1 form CMS needs; ASN.1 input is returned as is.
func ecdsaSignatureDER(pub *ecdsa.PublicKey, sig []byte) []byte {
	s := cryptobyte.String(sig)
	var seq cryptobyte.String
	if s.ReadASN1(&seq, cbasn1.SEQUENCE) && s.Empty() {
		return sig
	}
	size := (pub.Curve.Params().BitSize + 7) / 8
	if len(sig) != 2*size {
		return sig
	}
	r := new(big.Int).SetBytes(sig[:size])
	sv := new(big.Int).SetBytes(sig[size:])
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(r)
		b.AddASN1BigInt(sv)
	})
	der, err := b.Bytes()
	if err != nil {
		return sig
	}
	return der
}

// AddUnsignedAttribute adds an unsigned attribute with one value (the DER
// of one AttributeValue) to the first signer, for example a timestamp token
// under OIDAttributeTimeStampToken.
func (sd *SignedData) AddUnsignedAttribute(oid asn1.ObjectIdentifier, value []byte) error {
	if len(sd.Signers) == 0 {
		return errors.New("the signature has no signer to add an attribute to")
	}
	if len(oid) < 2 {
		return errors.New("the attribute type is not a valid object identifier")
	}
	if !isOneDERValue(value) {
		return fmt.Errorf("the value of attribute %s is not one DER-encoded value", oid)
	}
	si := sd.Signers[0]
	si.UnsignedAttributes = append(si.UnsignedAttributes, Attribute{
		Type:   slices.Clone(oid),
		Values: [][]byte{bytes.Clone(value)},
	})
	return nil
}
