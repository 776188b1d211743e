package cms

import (
	"bytes"
	"crypto"
	_ "crypto/sha1" //nolint:gosec // ESS signing-certificate (v1) names certificates by SHA-1; identification only
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Results of CheckSigningCertificate.
var (
	// ErrNoSigningCertificate: the signer has neither an ESS signing-certificate
	// nor a signing-certificate-v2 attribute.
	ErrNoSigningCertificate = errors.New("the signature does not name its signing certificate (no ESS signing-certificate attribute)")
	// ErrSigningCertificateMismatch: the ESS attribute names another certificate.
	ErrSigningCertificateMismatch = errors.New("the signature names a different signing certificate than the one that verifies it")
)

var tagDirectoryName = cbasn1.Tag(4).ContextSpecific().Constructed()

// marshalSigningCertificateV2 encodes a SigningCertificateV2 (RFC 5035)
// naming cert by its hash and by issuer and serial number.
func marshalSigningCertificateV2(cert *x509.Certificate, h crypto.Hash) ([]byte, error) {
	oid, err := OIDFromHash(h)
	if err != nil {
		return nil, err
	}
	d := h.New()
	d.Write(cert.Raw)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SigningCertificateV2
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // certs
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ESSCertIDv2
				if h != crypto.SHA256 { // SHA-256 is the DEFAULT and must be left out
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(oid)
					})
				}
				b.AddASN1OctetString(d.Sum(nil))
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerSerial
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // GeneralNames
						b.AddASN1(tagDirectoryName, func(b *cryptobyte.Builder) {
							b.AddBytes(cert.RawIssuer)
						})
					})
					b.AddASN1BigInt(cert.SerialNumber)
				})
			})
		})
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encoding the signing-certificate-v2 attribute: %w", err)
	}
	return der, nil
}

// essCertID is the first certificate identifier of an ESS attribute.
type essCertID struct {
	hash       crypto.Hash
	certHash   []byte
	issuers    [][]byte // directoryName entries of IssuerSerial, DER Names
	serial     *big.Int // nil when IssuerSerial is absent
	hasIssuerS bool
}

// parseSigningCertificate reads the first ESSCertID (v1) or ESSCertIDv2 of
// a SigningCertificate or SigningCertificateV2 value.
func parseSigningCertificate(der []byte, v2 bool) (essCertID, error) {
	id := essCertID{hash: crypto.SHA1}
	if v2 {
		id.hash = crypto.SHA256
	}
	s := cryptobyte.String(der)
	var sc, certs, first cryptobyte.String
	if !s.ReadASN1(&sc, cbasn1.SEQUENCE) || !s.Empty() ||
		!sc.ReadASN1(&certs, cbasn1.SEQUENCE) || !certs.ReadASN1(&first, cbasn1.SEQUENCE) {
		return id, errors.New("the ESS signing-certificate attribute is malformed")
	}
	if v2 && first.PeekASN1Tag(cbasn1.SEQUENCE) {
		alg, err := readAlgorithm(&first)
		if err != nil {
			return id, errors.New("the ESS signing-certificate-v2 hash algorithm is malformed")
		}
		if id.hash, err = HashFromOID(alg.Algorithm); err != nil {
			return id, err
		}
	}
	if !first.ReadASN1Bytes(&id.certHash, cbasn1.OCTET_STRING) {
		return id, errors.New("the ESS certificate hash is malformed")
	}
	if first.PeekASN1Tag(cbasn1.SEQUENCE) {
		var is, names cryptobyte.String
		id.serial = new(big.Int)
		if !first.ReadASN1(&is, cbasn1.SEQUENCE) || !is.ReadASN1(&names, cbasn1.SEQUENCE) ||
			!is.ReadASN1Integer(id.serial) || !is.Empty() {
			return id, errors.New("the ESS issuer and serial number are malformed")
		}
		for !names.Empty() {
			var gn cryptobyte.String
			var tag cbasn1.Tag
			if !names.ReadAnyASN1(&gn, &tag) {
				return id, errors.New("the ESS issuer name is malformed")
			}
			if tag == tagDirectoryName {
				var name cryptobyte.String
				if !gn.ReadASN1Element(&name, cbasn1.SEQUENCE) || !gn.Empty() {
					return id, errors.New("the ESS issuer name is malformed")
				}
				id.issuers = append(id.issuers, name)
			}
		}
		id.hasIssuerS = true
	}
	if !first.Empty() {
		return id, errors.New("the ESS certificate identifier is malformed")
	}
	return id, nil
}

func (id essCertID) matches(cert *x509.Certificate) bool {
	if !id.hash.Available() {
		return false
	}
	d := id.hash.New()
	d.Write(cert.Raw)
	if !bytes.Equal(d.Sum(nil), id.certHash) {
		return false
	}
	if !id.hasIssuerS {
		return true
	}
	if cert.SerialNumber == nil || id.serial.Cmp(cert.SerialNumber) != 0 {
		return false
	}
	for _, name := range id.issuers {
		if sameName(name, cert.RawIssuer) {
			return true
		}
	}
	return false
}

// CheckSigningCertificate checks the ESS signing-certificate-v2 (RFC 5035)
// and signing-certificate (RFC 2634) signed attributes against cert: the
// first certificate identifier must name cert by hash and, when given, by
// issuer and serial number. It returns ErrNoSigningCertificate when neither
// attribute is present and an error wrapping ErrSigningCertificateMismatch
// when one names another certificate.
func (si *SignerInfo) CheckSigningCertificate(cert *x509.Certificate) error {
	if cert == nil {
		return errors.New("no certificate to compare the signing-certificate attribute with")
	}
	found := false
	for _, v := range []struct {
		oid   asn1.ObjectIdentifier
		v2    bool
		label string
	}{
		{OIDAttributeSigningCertificateV2, true, "signing-certificate-v2"},
		{OIDAttributeSigningCertificate, false, "signing-certificate"},
	} {
		der, ok, err := si.signedAttribute(v.oid)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		found = true
		id, err := parseSigningCertificate(der, v.v2)
		if err != nil {
			return err
		}
		if !id.matches(cert) {
			return fmt.Errorf("%s attribute: %w", v.label, ErrSigningCertificateMismatch)
		}
	}
	if !found {
		return ErrNoSigningCertificate
	}
	return nil
}

// RevocationArchive is the content of Adobe's revocation-info-archival
// signed attribute.
type RevocationArchive struct {
	CRLs          [][]byte // DER CertificateLists
	OCSPResponses [][]byte // DER OCSPResponses
}

// RevocationInfoArchival returns the Adobe revocation-info-archival signed
// attribute (1.2.840.113583.1.1.8), if the signer has one.
func (si *SignerInfo) RevocationInfoArchival() (RevocationArchive, bool, error) {
	var ra RevocationArchive
	der, ok, err := si.signedAttribute(OIDAttributeRevocationInfoArchival)
	if err != nil || !ok {
		return ra, ok, err
	}
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() {
		return ra, true, errors.New("the revocation-info-archival attribute is malformed")
	}
	readList := func(tag cbasn1.Tag) ([][]byte, error) {
		var explicit, list cryptobyte.String
		var present bool
		if !seq.ReadOptionalASN1(&explicit, &present, tag) {
			return nil, errors.New("the revocation-info-archival attribute is malformed")
		}
		if !present {
			return nil, nil
		}
		if !explicit.ReadASN1(&list, cbasn1.SEQUENCE) || !explicit.Empty() {
			return nil, errors.New("the revocation-info-archival attribute is malformed")
		}
		var out [][]byte
		for !list.Empty() {
			var el cryptobyte.String
			if !list.ReadASN1Element(&el, cbasn1.SEQUENCE) {
				return nil, errors.New("the revocation-info-archival attribute is malformed")
			}
			out = append(out, el)
		}
		return out, nil
	}
	if ra.CRLs, err = readList(tagContext0); err != nil {
		return ra, true, err
	}
	if ra.OCSPResponses, err = readList(tagContext1); err != nil {
		return ra, true, err
	}
	// [2] otherRevInfo is skipped; anything else is malformed.
	seq.SkipOptionalASN1(tagContext2)
	if !seq.Empty() {
		return ra, true, errors.New("the revocation-info-archival attribute is malformed")
	}
	return ra, true, nil
}

// MarshalRevocationArchive encodes a revocation-info-archival attribute value.
func MarshalRevocationArchive(ra RevocationArchive) ([]byte, error) {
	addList := func(b *cryptobyte.Builder, tag cbasn1.Tag, items [][]byte) {
		if len(items) == 0 {
			return
		}
		b.AddASN1(tag, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, it := range items {
					b.AddBytes(it)
				}
			})
		})
	}
	for _, it := range slices.Concat(ra.CRLs, ra.OCSPResponses) {
		if !isOneDERValue(it) {
			return nil, errors.New("revocation data is not one DER-encoded value")
		}
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		addList(b, tagContext0, ra.CRLs)
		addList(b, tagContext1, ra.OCSPResponses)
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encoding revocation data: %w", err)
	}
	return der, nil
}
