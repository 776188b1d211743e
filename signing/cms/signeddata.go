// Package cms builds and parses detached CMS SignedData (RFC 5652) with
// CAdES-BES signed attributes, as used inside PAdES signatures
// (/SubFilter /ETSI.CAdES.detached), in .p7s files and in RFC 3161 timestamp
// tokens.
//
// The package does the signature mathematics and reads the attributes. It does
// not validate certificate chains, revocation or trust: callers do that with
// the certificate FindCertificate returns.
package cms

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Attribute is a CMS attribute: its type and the DER encoding of each value.
type Attribute struct {
	Type   asn1.ObjectIdentifier
	Values [][]byte
}

// OtherRevocationInfo is revocation data other than a CRL in the crls field
// (RFC 5652 OtherRevocationInfoFormat), other than OCSP responses which are
// kept in SignedData.OCSPResponses.
type OtherRevocationInfo struct {
	Format asn1.ObjectIdentifier
	Info   []byte // DER of the otherRevInfo value
}

// SignedData is a parsed or newly built CMS SignedData.
//
// Marshal encodes the exported fields, so callers may add certificates, CRLs
// or OCSP responses before marshalling. Signed attributes are kept as the
// exact bytes that were signed.
type SignedData struct {
	// Raw is the DER ContentInfo Parse read (after any BER conversion); nil
	// for values built by SignDigest.
	Raw []byte

	DigestAlgorithms []pkix.AlgorithmIdentifier
	// EncapContentType is the type of the signed content: OIDData for
	// documents, OIDTSTInfo for timestamp tokens.
	EncapContentType asn1.ObjectIdentifier
	// EContent is the encapsulated content; nil when the signature is detached.
	EContent []byte

	Certificates []*x509.Certificate
	// CRLs holds DER CertificateLists.
	CRLs [][]byte
	// OCSPResponses holds DER OCSPResponses carried as RFC 5940 other revocation info.
	OCSPResponses [][]byte
	// OtherRevocationInfo holds the remaining other revocation info formats.
	OtherRevocationInfo []OtherRevocationInfo

	Signers []*SignerInfo

	// otherCertificates keeps CertificateChoices other than plain
	// certificates (attribute certificates and the like), tag included.
	otherCertificates [][]byte
}

// SignerInfo is one signer of a SignedData.
type SignerInfo struct {
	Version int
	// RawIssuer and SerialNumber identify the signer's certificate when the
	// signer identifier is an issuerAndSerialNumber.
	RawIssuer    []byte
	SerialNumber *big.Int
	// SubjectKeyID identifies the signer's certificate when the signer
	// identifier is a subjectKeyIdentifier.
	SubjectKeyID []byte

	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignatureAlgorithm pkix.AlgorithmIdentifier

	// SignedAttributes are read-only: Marshal writes the signed bytes as found.
	SignedAttributes []Attribute
	// UnsignedAttributes may be changed before Marshal, for example with
	// SignedData.AddUnsignedAttribute.
	UnsignedAttributes []Attribute

	rawSID         []byte
	rawSignedAttrs []byte // DER SET OF Attribute (universal SET tag), as signed; nil if absent
	signature      []byte
	contentType    asn1.ObjectIdentifier // the SignedData's eContentType
}

var (
	tagContext0   = cbasn1.Tag(0).ContextSpecific().Constructed()
	tagContext1   = cbasn1.Tag(1).ContextSpecific().Constructed()
	tagContext2   = cbasn1.Tag(2).ContextSpecific().Constructed()
	tagContext3   = cbasn1.Tag(3).ContextSpecific().Constructed()
	tagContext0Pr = cbasn1.Tag(0).ContextSpecific()
)

func malformed(what string, err error) error {
	if err != nil {
		return fmt.Errorf("the signature data is damaged or is not a CMS signature: %s: %w", what, err)
	}
	return fmt.Errorf("the signature data is damaged or is not a CMS signature: %s", what)
}

// Parse reads a CMS ContentInfo holding SignedData. It accepts DER and BER
// (indefinite lengths, constructed strings), as written by openssl and NSS,
// and tolerates zero bytes after the value (the padding of a PDF /Contents
// string). Input larger than 32 MiB or nested deeper than 64 levels is
// refused.
func Parse(data []byte) (*SignedData, error) {
	if len(data) == 0 {
		return nil, malformed("no data", nil)
	}
	der, used, err := convertTop(data)
	if err != nil {
		return nil, malformed("encoding", err)
	}
	for _, c := range data[used:] {
		if c != 0 {
			return nil, malformed("unexpected data after the signature", nil)
		}
	}
	if len(der) > 0 && &der[0] == &data[0] {
		der = bytes.Clone(der) // do not keep references into the caller's buffer
	}

	input := cryptobyte.String(der)
	var ci, content, sdSeq cryptobyte.String
	var ct asn1.ObjectIdentifier
	if !input.ReadASN1(&ci, cbasn1.SEQUENCE) || !input.Empty() ||
		!ci.ReadASN1ObjectIdentifier(&ct) {
		return nil, malformed("not a ContentInfo", nil)
	}
	if !ct.Equal(OIDSignedData) {
		return nil, fmt.Errorf("the data is CMS content of type %s, not a signature (SignedData)", ct)
	}
	if !ci.ReadASN1(&content, tagContext0) || !ci.Empty() ||
		!content.ReadASN1(&sdSeq, cbasn1.SEQUENCE) || !content.Empty() {
		return nil, malformed("SignedData", nil)
	}
	sd := &SignedData{Raw: der}
	if err := sd.parse(sdSeq); err != nil {
		return nil, err
	}
	return sd, nil
}

func (sd *SignedData) parse(s cryptobyte.String) error {
	var version int64
	var digestAlgs, encap cryptobyte.String
	if !s.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) {
		return malformed("version", nil)
	}
	if !s.ReadASN1(&digestAlgs, cbasn1.SET) {
		return malformed("digest algorithms", nil)
	}
	for !digestAlgs.Empty() {
		alg, err := readAlgorithm(&digestAlgs)
		if err != nil {
			return malformed("digest algorithm", err)
		}
		sd.DigestAlgorithms = append(sd.DigestAlgorithms, alg)
	}
	if !s.ReadASN1(&encap, cbasn1.SEQUENCE) || !encap.ReadASN1ObjectIdentifier(&sd.EncapContentType) {
		return malformed("encapsulated content info", nil)
	}
	var eContent cryptobyte.String
	var hasContent bool
	if !encap.ReadOptionalASN1(&eContent, &hasContent, tagContext0) || !encap.Empty() {
		return malformed("encapsulated content", nil)
	}
	if hasContent {
		var octets []byte
		if !eContent.ReadASN1Bytes(&octets, cbasn1.OCTET_STRING) || !eContent.Empty() {
			return malformed("encapsulated content is not an OCTET STRING", nil)
		}
		sd.EContent = octets
		if sd.EContent == nil {
			sd.EContent = []byte{}
		}
	}

	var certs, crls cryptobyte.String
	var hasCerts, hasCRLs bool
	if !s.ReadOptionalASN1(&certs, &hasCerts, tagContext0) {
		return malformed("certificates", nil)
	}
	if err := sd.parseCertificates(certs); err != nil {
		return err
	}
	if !s.ReadOptionalASN1(&crls, &hasCRLs, tagContext1) {
		return malformed("revocation information", nil)
	}
	if err := sd.parseRevocationInfo(crls); err != nil {
		return err
	}

	var signerInfos cryptobyte.String
	if !s.ReadASN1(&signerInfos, cbasn1.SET) || !s.Empty() {
		return malformed("signer infos", nil)
	}
	for !signerInfos.Empty() {
		var seq cryptobyte.String
		if !signerInfos.ReadASN1(&seq, cbasn1.SEQUENCE) {
			return malformed("signer info", nil)
		}
		si, err := parseSignerInfo(seq)
		if err != nil {
			return malformed(fmt.Sprintf("signer info %d", len(sd.Signers)+1), err)
		}
		si.contentType = sd.EncapContentType
		sd.Signers = append(sd.Signers, si)
	}
	return nil
}

func (sd *SignedData) parseCertificates(s cryptobyte.String) error {
	for !s.Empty() {
		var el cryptobyte.String
		var tag cbasn1.Tag
		if !s.ReadAnyASN1Element(&el, &tag) {
			return malformed("certificate list", nil)
		}
		switch tag {
		case cbasn1.SEQUENCE:
			cert, err := x509.ParseCertificate(el)
			if err != nil {
				return fmt.Errorf("certificate %d in the signature cannot be read: %w", len(sd.Certificates)+1, err)
			}
			sd.Certificates = append(sd.Certificates, cert)
		case tagContext0, tagContext1, tagContext2, tagContext3:
			sd.otherCertificates = append(sd.otherCertificates, el)
		default:
			return malformed("unknown kind of certificate", nil)
		}
	}
	return nil
}

func (sd *SignedData) parseRevocationInfo(s cryptobyte.String) error {
	for !s.Empty() {
		var el cryptobyte.String
		var tag cbasn1.Tag
		if !s.ReadAnyASN1Element(&el, &tag) {
			return malformed("revocation information", nil)
		}
		switch tag {
		case cbasn1.SEQUENCE:
			sd.CRLs = append(sd.CRLs, el)
		case tagContext1:
			var body, info cryptobyte.String
			var format asn1.ObjectIdentifier
			var infoTag cbasn1.Tag
			if !el.ReadASN1(&body, tagContext1) || !body.ReadASN1ObjectIdentifier(&format) ||
				!body.ReadAnyASN1Element(&info, &infoTag) || !body.Empty() {
				return malformed("other revocation information", nil)
			}
			if format.Equal(OIDRevocationInfoOCSP) {
				sd.OCSPResponses = append(sd.OCSPResponses, info)
			} else {
				sd.OtherRevocationInfo = append(sd.OtherRevocationInfo, OtherRevocationInfo{Format: format, Info: info})
			}
		default:
			return malformed("unknown kind of revocation information", nil)
		}
	}
	return nil
}

func readAlgorithm(s *cryptobyte.String) (pkix.AlgorithmIdentifier, error) {
	var el cryptobyte.String
	var alg pkix.AlgorithmIdentifier
	if !s.ReadASN1Element(&el, cbasn1.SEQUENCE) {
		return alg, errors.New("algorithm identifier")
	}
	rest, err := asn1.Unmarshal(el, &alg)
	if err != nil {
		return alg, fmt.Errorf("algorithm identifier: %w", err)
	}
	if len(rest) != 0 {
		return alg, errors.New("algorithm identifier")
	}
	return alg, nil
}

func parseSignerInfo(s cryptobyte.String) (*SignerInfo, error) {
	si := &SignerInfo{}
	var version int64
	if !s.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) || version < 0 || version > 1000 {
		return nil, errors.New("version")
	}
	si.Version = int(version)

	var sid cryptobyte.String
	switch {
	case s.PeekASN1Tag(cbasn1.SEQUENCE):
		var ias, issuer cryptobyte.String
		si.SerialNumber = new(big.Int)
		if !s.ReadASN1Element(&sid, cbasn1.SEQUENCE) {
			return nil, errors.New("issuer and serial number")
		}
		body := sid
		if !body.ReadASN1(&ias, cbasn1.SEQUENCE) ||
			!ias.ReadASN1Element(&issuer, cbasn1.SEQUENCE) ||
			!ias.ReadASN1Integer(si.SerialNumber) || !ias.Empty() {
			return nil, errors.New("issuer and serial number")
		}
		si.RawIssuer = issuer
	case s.PeekASN1Tag(tagContext0Pr):
		var ski cryptobyte.String
		if !s.ReadASN1Element(&sid, tagContext0Pr) {
			return nil, errors.New("subject key identifier")
		}
		body := sid
		if !body.ReadASN1(&ski, tagContext0Pr) {
			return nil, errors.New("subject key identifier")
		}
		si.SubjectKeyID = ski
	default:
		return nil, errors.New("signer identifier")
	}
	si.rawSID = sid

	var err error
	if si.DigestAlgorithm, err = readAlgorithm(&s); err != nil {
		return nil, fmt.Errorf("digest %w", err)
	}
	if s.PeekASN1Tag(tagContext0) {
		var el cryptobyte.String
		if !s.ReadASN1Element(&el, tagContext0) {
			return nil, errors.New("signed attributes")
		}
		raw := bytes.Clone(el)
		raw[0] = 0x31 // the signature covers the SET OF encoding
		body := cryptobyte.String(raw)
		var attrs cryptobyte.String
		if !body.ReadASN1(&attrs, cbasn1.SET) {
			return nil, errors.New("signed attributes")
		}
		if si.SignedAttributes, err = parseAttributes(attrs); err != nil {
			return nil, fmt.Errorf("signed attributes: %w", err)
		}
		si.rawSignedAttrs = raw
	}
	if si.SignatureAlgorithm, err = readAlgorithm(&s); err != nil {
		return nil, fmt.Errorf("signature %w", err)
	}
	if !s.ReadASN1Bytes(&si.signature, cbasn1.OCTET_STRING) {
		return nil, errors.New("signature value")
	}
	var unsigned cryptobyte.String
	var hasUnsigned bool
	if !s.ReadOptionalASN1(&unsigned, &hasUnsigned, tagContext1) || !s.Empty() {
		return nil, errors.New("unsigned attributes")
	}
	if hasUnsigned {
		if si.UnsignedAttributes, err = parseAttributes(unsigned); err != nil {
			return nil, fmt.Errorf("unsigned attributes: %w", err)
		}
	}
	return si, nil
}

func parseAttributes(s cryptobyte.String) ([]Attribute, error) {
	var attrs []Attribute
	for !s.Empty() {
		var seq, values cryptobyte.String
		var a Attribute
		if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&a.Type) ||
			!seq.ReadASN1(&values, cbasn1.SET) || !seq.Empty() {
			return nil, errors.New("attribute")
		}
		for !values.Empty() {
			var v cryptobyte.String
			var tag cbasn1.Tag
			if !values.ReadAnyASN1Element(&v, &tag) {
				return nil, fmt.Errorf("value of attribute %s", a.Type)
			}
			a.Values = append(a.Values, v)
		}
		attrs = append(attrs, a)
	}
	return attrs, nil
}

// Marshal returns the DER ContentInfo. SET OF values are sorted as DER
// requires, so certificates may come back in another order than added.
func (sd *SignedData) Marshal() ([]byte, error) {
	if len(sd.EncapContentType) == 0 {
		return nil, errors.New("the signature has no content type")
	}
	digestAlgs := make([][]byte, 0, len(sd.DigestAlgorithms))
	for _, alg := range sd.DigestAlgorithms {
		der, err := asn1.Marshal(alg)
		if err != nil {
			return nil, fmt.Errorf("encoding a digest algorithm: %w", err)
		}
		digestAlgs = append(digestAlgs, der)
	}
	certs := make([][]byte, 0, len(sd.Certificates)+len(sd.otherCertificates))
	for i, c := range sd.Certificates {
		if c == nil || len(c.Raw) == 0 {
			return nil, fmt.Errorf("certificate %d is empty", i+1)
		}
		certs = append(certs, c.Raw)
	}
	certs = append(certs, sd.otherCertificates...)

	revocation := make([][]byte, 0, len(sd.CRLs)+len(sd.OCSPResponses)+len(sd.OtherRevocationInfo))
	revocation = append(revocation, sd.CRLs...)
	for _, o := range sd.OCSPResponses {
		der, err := otherRevocationInfo(OIDRevocationInfoOCSP, o)
		if err != nil {
			return nil, err
		}
		revocation = append(revocation, der)
	}
	for _, o := range sd.OtherRevocationInfo {
		der, err := otherRevocationInfo(o.Format, o.Info)
		if err != nil {
			return nil, err
		}
		revocation = append(revocation, der)
	}

	signers := make([][]byte, 0, len(sd.Signers))
	for i, si := range sd.Signers {
		der, err := si.marshal()
		if err != nil {
			return nil, fmt.Errorf("encoding signer %d: %w", i+1, err)
		}
		signers = append(signers, der)
	}

	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(OIDSignedData)
		b.AddASN1(tagContext0, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(int64(sd.version()))
				addSet(b, cbasn1.SET, digestAlgs)
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(sd.EncapContentType)
					if sd.EContent != nil {
						b.AddASN1(tagContext0, func(b *cryptobyte.Builder) {
							b.AddASN1OctetString(sd.EContent)
						})
					}
				})
				if len(certs) > 0 {
					addSet(b, tagContext0, certs)
				}
				if len(revocation) > 0 {
					addSet(b, tagContext1, revocation)
				}
				addSet(b, cbasn1.SET, signers)
			})
		})
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encoding the signature: %w", err)
	}
	return der, nil
}

// version follows RFC 5652 section 5.1.
func (sd *SignedData) version() int {
	v := 1
	for _, c := range sd.otherCertificates {
		switch cbasn1.Tag(c[0]) {
		case tagContext3:
			v = max(v, 5)
		case tagContext2:
			v = max(v, 4)
		default:
			v = max(v, 3)
		}
	}
	if len(sd.OCSPResponses) > 0 || len(sd.OtherRevocationInfo) > 0 {
		v = max(v, 5)
	}
	if !sd.EncapContentType.Equal(OIDData) {
		v = max(v, 3)
	}
	for _, si := range sd.Signers {
		if si.Version == 3 {
			v = max(v, 3)
		}
	}
	return v
}

func otherRevocationInfo(format asn1.ObjectIdentifier, info []byte) ([]byte, error) {
	if !isOneDERValue(info) {
		return nil, fmt.Errorf("revocation information of type %s is not one DER-encoded value", format)
	}
	var b cryptobyte.Builder
	b.AddASN1(tagContext1, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(format)
		b.AddBytes(info)
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encoding revocation information of type %s: %w", format, err)
	}
	return der, nil
}

// addSet writes a SET OF (or an implicitly tagged one) with its elements in
// DER order.
func addSet(b *cryptobyte.Builder, tag cbasn1.Tag, elements [][]byte) {
	sorted := slices.Clone(elements)
	slices.SortFunc(sorted, compareDER)
	b.AddASN1(tag, func(b *cryptobyte.Builder) {
		for _, e := range sorted {
			b.AddBytes(e)
		}
	})
}

// compareDER orders encodings as X.690 11.6 requires for SET OF: as octet
// strings, the shorter one padded with zeros at its end.
func compareDER(a, b []byte) int {
	n := min(len(a), len(b))
	if c := bytes.Compare(a[:n], b[:n]); c != 0 {
		return c
	}
	return len(a) - len(b)
}

func (si *SignerInfo) marshal() ([]byte, error) {
	if len(si.rawSID) == 0 {
		return nil, errors.New("the signer has no identifier")
	}
	digestAlg, err := asn1.Marshal(si.DigestAlgorithm)
	if err != nil {
		return nil, fmt.Errorf("digest algorithm: %w", err)
	}
	sigAlg, err := asn1.Marshal(si.SignatureAlgorithm)
	if err != nil {
		return nil, fmt.Errorf("signature algorithm: %w", err)
	}
	unsigned := make([][]byte, 0, len(si.UnsignedAttributes))
	for _, a := range si.UnsignedAttributes {
		der, err := marshalAttribute(a)
		if err != nil {
			return nil, err
		}
		unsigned = append(unsigned, der)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(int64(si.Version))
		b.AddBytes(si.rawSID)
		b.AddBytes(digestAlg)
		if si.rawSignedAttrs != nil {
			signed := bytes.Clone(si.rawSignedAttrs)
			signed[0] = byte(tagContext0)
			b.AddBytes(signed)
		}
		b.AddBytes(sigAlg)
		b.AddASN1OctetString(si.signature)
		if len(unsigned) > 0 {
			addSet(b, tagContext1, unsigned)
		}
	})
	return b.Bytes()
}

func marshalAttribute(a Attribute) ([]byte, error) {
	if len(a.Values) == 0 {
		return nil, fmt.Errorf("attribute %s has no value", a.Type)
	}
	for _, v := range a.Values {
		if !isOneDERValue(v) {
			return nil, fmt.Errorf("a value of attribute %s is not one DER-encoded value", a.Type)
		}
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(a.Type)
		addSet(b, cbasn1.SET, a.Values)
	})
	return b.Bytes()
}

// isOneDERValue reports whether v is exactly one value with definite,
// minimal lengths at its outer level.
func isOneDERValue(v []byte) bool {
	s := cryptobyte.String(v)
	var el cryptobyte.String
	var tag cbasn1.Tag
	return s.ReadAnyASN1Element(&el, &tag) && s.Empty()
}
