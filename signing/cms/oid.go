package cms

import (
	"crypto"
	"encoding/asn1"
	"errors"
	"fmt"
)

// Object identifiers used in CMS signatures.
var (
	OIDData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	OIDSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	// OIDTSTInfo is the content type of an RFC 3161 timestamp token.
	OIDTSTInfo = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}

	OIDAttributeContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	OIDAttributeMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	OIDAttributeSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	// OIDAttributeSigningCertificate is the ESS signing-certificate attribute (RFC 2634, SHA-1).
	OIDAttributeSigningCertificate = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	// OIDAttributeSigningCertificateV2 is the ESS signing-certificate-v2 attribute (RFC 5035).
	OIDAttributeSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	// OIDAttributeTimeStampToken is the unsigned signature-time-stamp attribute (RFC 3161 appendix A).
	OIDAttributeTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	// OIDAttributeRevocationInfoArchival is Adobe's signed attribute carrying CRLs and OCSP responses.
	OIDAttributeRevocationInfoArchival = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 8}

	// OIDRevocationInfoOCSP marks an OCSP response in the SignedData crls field (RFC 5940).
	OIDRevocationInfoOCSP = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 16, 2}
)

var (
	oidMD5    = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}
	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	oidRSAEncryption   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidMD5WithRSA      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 4}
	oidSHA1WithRSA     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidSHA256WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidSHA224WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 14}
	oidRSASSAPSS       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidECPublicKey     = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidECDSAWithSHA1   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	oidECDSAWithSHA224 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 1}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
)

// Errors a verifier may want to tell apart.
var (
	// ErrWeakAlgorithm reports MD5 or SHA-1 where a signature needs a strong hash.
	ErrWeakAlgorithm = errors.New("weak hash algorithm")
	// ErrUnsupportedAlgorithm reports an algorithm this package does not implement.
	ErrUnsupportedAlgorithm = errors.New("unsupported algorithm")
	// ErrInvalidSignature reports a signature value that does not match the signed attributes.
	ErrInvalidSignature = errors.New("the signature value does not match the signed data")
	// ErrDigestMismatch reports content whose digest differs from the signed message-digest.
	ErrDigestMismatch = errors.New("the signed content has been changed: its digest does not match the signature")
)

var hashNames = map[crypto.Hash]string{
	crypto.MD5:    "MD5",
	crypto.SHA1:   "SHA-1",
	crypto.SHA224: "SHA-224",
	crypto.SHA256: "SHA-256",
	crypto.SHA384: "SHA-384",
	crypto.SHA512: "SHA-512",
}

func hashName(h crypto.Hash) string {
	if n, ok := hashNames[h]; ok {
		return n
	}
	return h.String()
}

// HashFromOID maps a digest algorithm identifier to its hash. It knows MD5 and
// SHA-1 too, so callers can name them in errors; use CheckHashStrength to
// refuse them.
func HashFromOID(oid asn1.ObjectIdentifier) (crypto.Hash, error) {
	switch {
	case oid.Equal(oidSHA256):
		return crypto.SHA256, nil
	case oid.Equal(oidSHA384):
		return crypto.SHA384, nil
	case oid.Equal(oidSHA512):
		return crypto.SHA512, nil
	case oid.Equal(oidSHA224):
		return crypto.SHA224, nil
	case oid.Equal(oidSHA1):
		return crypto.SHA1, nil
	case oid.Equal(oidMD5):
		return crypto.MD5, nil
	}
	return 0, fmt.Errorf("digest algorithm %s: %w", oid, ErrUnsupportedAlgorithm)
}

// OIDFromHash returns the digest algorithm identifier of a hash.
func OIDFromHash(h crypto.Hash) (asn1.ObjectIdentifier, error) {
	switch h {
	case crypto.SHA256:
		return oidSHA256, nil
	case crypto.SHA384:
		return oidSHA384, nil
	case crypto.SHA512:
		return oidSHA512, nil
	case crypto.SHA224:
		return oidSHA224, nil
	case crypto.SHA1:
		return oidSHA1, nil
	case crypto.MD5:
		return oidMD5, nil
	}
	return nil, fmt.Errorf("hash %s: %w", hashName(h), ErrUnsupportedAlgorithm)
}

// CheckHashStrength returns an error wrapping ErrWeakAlgorithm for MD5 and SHA-1.
func CheckHashStrength(h crypto.Hash) error {
	if h == crypto.MD5 || h == crypto.SHA1 {
		return fmt.Errorf("%s is no longer accepted for signatures: %w", hashName(h), ErrWeakAlgorithm)
	}
	return nil
}

// signingHash checks the hash chosen for a new signature.
func signingHash(h crypto.Hash) (crypto.Hash, error) {
	switch h {
	case 0:
		return crypto.SHA256, nil
	case crypto.SHA256, crypto.SHA384, crypto.SHA512:
		return h, nil
	case crypto.MD5, crypto.SHA1, crypto.SHA224:
		return 0, fmt.Errorf("hash %s is too weak for new signatures (use SHA-256, SHA-384 or SHA-512): %w",
			hashName(h), ErrWeakAlgorithm)
	}
	return 0, fmt.Errorf("hash %s cannot be used for new signatures (use SHA-256, SHA-384 or SHA-512): %w",
		hashName(h), ErrUnsupportedAlgorithm)
}
