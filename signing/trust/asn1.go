package trust

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	casn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// certID is an OCSP CertID (RFC 6960 §4.1.1).
type certID struct {
	hash     crypto.Hash // 0 when the algorithm is not one we know
	nameHash []byte
	keyHash  []byte
	serial   *big.Int
}

var hashByOID = []struct {
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
}{
	{asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, crypto.SHA1},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}, crypto.SHA256},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}, crypto.SHA384},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}, crypto.SHA512},
}

var errMalformedResponseData = errors.New("malformed OCSP response data")

// parseCertIDs returns the CertIDs of the single responses in an OCSP
// ResponseData (the signed part of a BasicOCSPResponse), in order.
//
//	ResponseData ::= SEQUENCE {
//	   version              [0] EXPLICIT Version DEFAULT v1,
//	   responderID              ResponderID,
//	   producedAt               GeneralizedTime,
//	   responses                SEQUENCE OF SingleResponse,
//	   responseExtensions   [1] EXPLICIT Extensions OPTIONAL }
//	SingleResponse ::= SEQUENCE { certID CertID, ... }
//	CertID ::= SEQUENCE {
//	   hashAlgorithm       AlgorithmIdentifier,
//	   issuerNameHash      OCTET STRING,
//	   issuerKeyHash       OCTET STRING,
//	   serialNumber        CertificateSerialNumber }
func parseCertIDs(tbs []byte) ([]certID, error) {
	in := cryptobyte.String(tbs)
	var rd cryptobyte.String
	if !in.ReadASN1(&rd, casn1.SEQUENCE) || !in.Empty() {
		return nil, errMalformedResponseData
	}
	if !rd.SkipOptionalASN1(casn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, errMalformedResponseData
	}
	var responderID cryptobyte.String
	var tag casn1.Tag
	if !rd.ReadAnyASN1(&responderID, &tag) ||
		(tag != casn1.Tag(1).Constructed().ContextSpecific() && tag != casn1.Tag(2).Constructed().ContextSpecific()) {
		return nil, errMalformedResponseData
	}
	if !rd.SkipASN1(casn1.GeneralizedTime) {
		return nil, errMalformedResponseData
	}
	var responses cryptobyte.String
	if !rd.ReadASN1(&responses, casn1.SEQUENCE) {
		return nil, errMalformedResponseData
	}
	var ids []certID
	for !responses.Empty() {
		var single, id, alg cryptobyte.String
		var oid asn1.ObjectIdentifier
		c := certID{serial: new(big.Int)}
		if !responses.ReadASN1(&single, casn1.SEQUENCE) ||
			!single.ReadASN1(&id, casn1.SEQUENCE) ||
			!id.ReadASN1(&alg, casn1.SEQUENCE) ||
			!alg.ReadASN1ObjectIdentifier(&oid) ||
			!id.ReadASN1Bytes(&c.nameHash, casn1.OCTET_STRING) ||
			!id.ReadASN1Bytes(&c.keyHash, casn1.OCTET_STRING) ||
			!id.ReadASN1Integer(c.serial) ||
			!id.Empty() {
			return nil, errMalformedResponseData
		}
		for _, h := range hashByOID {
			if h.oid.Equal(oid) {
				c.hash = h.hash
			}
		}
		ids = append(ids, c)
	}
	return ids, nil
}

// matchesIssuer reports whether the CertID names issuer: the hashes of its
// subject name and of its public key bits.
func (c certID) matchesIssuer(issuer *x509.Certificate) bool {
	if c.hash == 0 || !c.hash.Available() {
		return false
	}
	bits, err := publicKeyBits(issuer)
	if err != nil {
		return false
	}
	h := c.hash.New()
	h.Write(issuer.RawSubject)
	if string(h.Sum(nil)) != string(c.nameHash) {
		return false
	}
	h.Reset()
	h.Write(bits)
	return string(h.Sum(nil)) == string(c.keyHash)
}

// publicKeyBits returns the subjectPublicKey BIT STRING contents of c.
func publicKeyBits(c *x509.Certificate) ([]byte, error) {
	in := cryptobyte.String(c.RawSubjectPublicKeyInfo)
	var spki cryptobyte.String
	var bits asn1.BitString
	if !in.ReadASN1(&spki, casn1.SEQUENCE) ||
		!spki.SkipASN1(casn1.SEQUENCE) ||
		!spki.ReadASN1BitString(&bits) {
		return nil, errors.New("malformed subject public key info")
	}
	return bits.RightAlign(), nil
}

// issuingDistributionPoint is the scope of a CRL (RFC 5280 §5.2.5).
type issuingDistributionPoint struct {
	onlyUserCerts, onlyCACerts, onlySomeReasons, indirect, onlyAttributeCerts bool
}

var errMalformedIDP = errors.New("malformed issuing distribution point")

// parseIDP decodes an IssuingDistributionPoint extension value.
//
//	IssuingDistributionPoint ::= SEQUENCE {
//	     distributionPoint          [0] DistributionPointName OPTIONAL,
//	     onlyContainsUserCerts      [1] BOOLEAN DEFAULT FALSE,
//	     onlyContainsCACerts        [2] BOOLEAN DEFAULT FALSE,
//	     onlySomeReasons            [3] ReasonFlags OPTIONAL,
//	     indirectCRL                [4] BOOLEAN DEFAULT FALSE,
//	     onlyContainsAttributeCerts [5] BOOLEAN DEFAULT FALSE }
//
// (implicit tags).
func parseIDP(der []byte) (issuingDistributionPoint, error) {
	var idp issuingDistributionPoint
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, casn1.SEQUENCE) || !in.Empty() {
		return idp, errMalformedIDP
	}
	if !seq.SkipOptionalASN1(casn1.Tag(0).Constructed().ContextSpecific()) {
		return idp, errMalformedIDP
	}
	readBool := func(tag int, dst *bool) bool {
		var v cryptobyte.String
		var present bool
		if !seq.ReadOptionalASN1(&v, &present, casn1.Tag(tag).ContextSpecific()) {
			return false
		}
		if !present {
			return true
		}
		if len(v) != 1 {
			return false
		}
		*dst = v[0] != 0
		return true
	}
	if !readBool(1, &idp.onlyUserCerts) || !readBool(2, &idp.onlyCACerts) {
		return idp, errMalformedIDP
	}
	var reasons cryptobyte.String
	if !seq.ReadOptionalASN1(&reasons, &idp.onlySomeReasons, casn1.Tag(3).ContextSpecific()) {
		return idp, errMalformedIDP
	}
	if !readBool(4, &idp.indirect) || !readBool(5, &idp.onlyAttributeCerts) || !seq.Empty() {
		return idp, errMalformedIDP
	}
	return idp, nil
}
