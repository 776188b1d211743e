package tsp

import (
	"crypto"
	"crypto/subtle"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/vanthu/vanthu/signing/cms"
)

// Token is a parsed TimeStampToken: the TSTInfo of a SignedData.
type Token struct {
	Version       int
	Policy        asn1.ObjectIdentifier
	Hash          crypto.Hash // hash of the message imprint
	HashedMessage []byte
	SerialNumber  *big.Int
	GenTime       time.Time
	Accuracy      time.Duration // zero when the TSA states none
	Ordering      bool
	Nonce         *big.Int // nil when absent
	// TSAName is the DER GeneralName of the tsa field, nil when absent.
	TSAName []byte

	SignedData *cms.SignedData
	// Raw is the DER token (a ContentInfo), converted from BER if needed.
	Raw []byte
}

var oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}

func badToken(format string, args ...any) error {
	return fmt.Errorf("the timestamp token is damaged: "+format, args...)
}

// ParseToken reads a TimeStampToken (a CMS ContentInfo with SignedData over
// a TSTInfo). It accepts BER. It does not verify anything: see Verify.
func ParseToken(der []byte) (*Token, error) {
	sd, err := cms.Parse(der)
	if err != nil {
		return nil, fmt.Errorf("reading the timestamp token: %w", err)
	}
	if !sd.EncapContentType.Equal(cms.OIDTSTInfo) {
		return nil, fmt.Errorf("the signature holds content of type %s, not a timestamp (TSTInfo)", sd.EncapContentType)
	}
	if sd.EContent == nil {
		return nil, badToken("it carries no TSTInfo")
	}
	if len(sd.Signers) != 1 {
		return nil, badToken("it has %d signers instead of one", len(sd.Signers))
	}
	t, err := parseTSTInfo(sd.EContent)
	if err != nil {
		return nil, err
	}
	t.SignedData = sd
	t.Raw = sd.Raw
	return t, nil
}

func parseTSTInfo(der []byte) (*Token, error) {
	s := cryptobyte.String(der)
	var info, imprint, alg cryptobyte.String
	var version int64
	if !s.ReadASN1(&info, cbasn1.SEQUENCE) || !s.Empty() {
		return nil, badToken("TSTInfo")
	}
	t := &Token{SerialNumber: new(big.Int)}
	if !info.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) || version != 1 {
		return nil, badToken("TSTInfo version")
	}
	t.Version = int(version)
	if !info.ReadASN1ObjectIdentifier(&t.Policy) {
		return nil, badToken("policy")
	}
	var algOID asn1.ObjectIdentifier
	if !info.ReadASN1(&imprint, cbasn1.SEQUENCE) || !imprint.ReadASN1(&alg, cbasn1.SEQUENCE) ||
		!alg.ReadASN1ObjectIdentifier(&algOID) ||
		!imprint.ReadASN1Bytes(&t.HashedMessage, cbasn1.OCTET_STRING) || !imprint.Empty() {
		return nil, badToken("message imprint")
	}
	h, err := cms.HashFromOID(algOID)
	if err != nil {
		return nil, fmt.Errorf("timestamp imprint: %w", err)
	}
	if len(t.HashedMessage) != h.Size() {
		return nil, badToken("the imprint has %d bytes, not the %d of %v", len(t.HashedMessage), h.Size(), h)
	}
	t.Hash = h
	if !info.ReadASN1Integer(t.SerialNumber) {
		return nil, badToken("serial number")
	}
	var gt cryptobyte.String
	if !info.ReadASN1(&gt, cbasn1.GeneralizedTime) {
		return nil, badToken("time")
	}
	if t.GenTime, err = parseGeneralizedTime(gt); err != nil {
		return nil, badToken("time: %v", err)
	}
	if info.PeekASN1Tag(cbasn1.SEQUENCE) {
		var acc cryptobyte.String
		if !info.ReadASN1(&acc, cbasn1.SEQUENCE) {
			return nil, badToken("accuracy")
		}
		if t.Accuracy, err = parseAccuracy(acc); err != nil {
			return nil, badToken("accuracy: %v", err)
		}
	}
	if info.PeekASN1Tag(cbasn1.BOOLEAN) && !info.ReadASN1Boolean(&t.Ordering) {
		return nil, badToken("ordering")
	}
	if info.PeekASN1Tag(cbasn1.INTEGER) {
		t.Nonce = new(big.Int)
		if !info.ReadASN1Integer(t.Nonce) {
			return nil, badToken("nonce")
		}
	}
	if info.PeekASN1Tag(tagContext0) {
		var explicit, name cryptobyte.String
		var tag cbasn1.Tag
		if !info.ReadASN1(&explicit, tagContext0) || !explicit.ReadAnyASN1Element(&name, &tag) || !explicit.Empty() {
			return nil, badToken("TSA name")
		}
		t.TSAName = name
	}
	if !info.SkipOptionalASN1(tagContext1) || !info.Empty() {
		return nil, badToken("unexpected data in TSTInfo")
	}
	return t, nil
}

var (
	tagContext0 = cbasn1.Tag(0).ContextSpecific().Constructed()
	tagContext1 = cbasn1.Tag(1).ContextSpecific().Constructed()
)

// parseAccuracy reads Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL,
// millis [0] INTEGER (1..999) OPTIONAL, micros [1] INTEGER (1..999) OPTIONAL }.
func parseAccuracy(s cryptobyte.String) (time.Duration, error) {
	var secs, millis, micros int64
	read := func(tag cbasn1.Tag, out *int64) bool {
		return !s.PeekASN1Tag(tag) || s.ReadASN1Int64WithTag(out, tag)
	}
	if !read(cbasn1.INTEGER, &secs) || !read(cbasn1.Tag(0).ContextSpecific(), &millis) ||
		!read(cbasn1.Tag(1).ContextSpecific(), &micros) || !s.Empty() {
		return 0, errors.New("malformed")
	}
	if secs < 0 || secs > 1_000_000 || millis < 0 || millis > 999 || micros < 0 || micros > 999 {
		return 0, errors.New("out of range")
	}
	return time.Duration(secs)*time.Second + time.Duration(millis)*time.Millisecond +
		time.Duration(micros)*time.Microsecond, nil
}

// parseGeneralizedTime reads YYYYMMDDhhmmss[.f...]Z, the form RFC 3161
// prescribes for genTime (fractions of a second allowed, which Go's DER
// parsers refuse).
func parseGeneralizedTime(b []byte) (time.Time, error) {
	if len(b) < 15 || b[len(b)-1] != 'Z' {
		return time.Time{}, errors.New("not in the form YYYYMMDDhhmmss[.f]Z")
	}
	num := func(from, to int) (int, bool) {
		n := 0
		for _, c := range b[from:to] {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	var f [6]int
	spans := [6][2]int{{0, 4}, {4, 6}, {6, 8}, {8, 10}, {10, 12}, {12, 14}}
	for i, sp := range spans {
		v, ok := num(sp[0], sp[1])
		if !ok {
			return time.Time{}, errors.New("not in the form YYYYMMDDhhmmss[.f]Z")
		}
		f[i] = v
	}
	nanos := 0
	rest := b[14 : len(b)-1]
	if len(rest) > 0 {
		if rest[0] != '.' || len(rest) < 2 || len(rest) > 10 {
			return time.Time{}, errors.New("malformed fraction of a second")
		}
		v, ok := num(15, len(b)-1)
		if !ok {
			return time.Time{}, errors.New("malformed fraction of a second")
		}
		nanos = v
		for range 9 - (len(rest) - 1) {
			nanos *= 10
		}
	}
	t := time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], nanos, time.UTC)
	if t.Year() != f[0] || int(t.Month()) != f[1] || t.Day() != f[2] || t.Hour() != f[3] ||
		t.Minute() != f[4] || t.Second() != f[5] {
		return time.Time{}, errors.New("not a valid date and time")
	}
	return t, nil
}

// Verify checks the token against digest, the hash (with t.Hash) of what
// was timestamped: the imprint must equal digest; the TSA certificate is
// taken from the token, else from tsaCerts; the CMS signature over the
// TSTInfo must verify with it, its ESS signing-certificate attribute must
// name it, it must carry a critical extended key usage with only
// id-kp-timeStamping, and genTime must fall within its validity. It
// returns the TSA certificate; the caller validates its chain.
func (t *Token) Verify(digest []byte, tsaCerts []*x509.Certificate) (*x509.Certificate, error) {
	if t.SignedData == nil || len(t.SignedData.Signers) != 1 {
		return nil, errors.New("the timestamp token was not read with ParseToken")
	}
	if err := cms.CheckHashStrength(t.Hash); err != nil {
		return nil, fmt.Errorf("timestamp imprint: %w", err)
	}
	if len(digest) != len(t.HashedMessage) || subtle.ConstantTimeCompare(digest, t.HashedMessage) != 1 {
		return nil, errors.New("the timestamp was made for other data (imprint mismatch)")
	}
	si := t.SignedData.Signers[0]
	cert := si.FindCertificate(t.SignedData.Certificates)
	if cert == nil {
		cert = si.FindCertificate(tsaCerts)
	}
	if cert == nil {
		if len(t.SignedData.Certificates) == 0 {
			return nil, errors.New("the timestamp token carries no certificate and none of the known TSA certificates signed it")
		}
		return nil, errors.New("the certificate of the timestamp authority is not in the token nor among the known TSA certificates")
	}
	if err := si.VerifySignature(cert); err != nil {
		return nil, fmt.Errorf("the timestamp token's signature is not valid: %w", err)
	}
	h, err := si.Hash()
	if err != nil {
		return nil, fmt.Errorf("the timestamp token's signature: %w", err)
	}
	d := h.New()
	d.Write(t.SignedData.EContent)
	if err := si.VerifyContentDigest(d.Sum(nil)); err != nil {
		return nil, fmt.Errorf("the timestamp token's signature: %w", err)
	}
	if err := si.CheckSigningCertificate(cert); err != nil {
		return nil, fmt.Errorf("the timestamp token: %w", err)
	}
	if err := checkTSACertificate(cert); err != nil {
		return nil, err
	}
	if t.GenTime.Before(cert.NotBefore) || t.GenTime.After(cert.NotAfter) {
		return nil, fmt.Errorf("the timestamp time %s is outside the validity of the TSA certificate of %q",
			t.GenTime.Format(time.RFC3339), cert.Subject.CommonName)
	}
	return cert, nil
}

// checkTSACertificate applies RFC 3161 section 2.3: a critical extended
// key usage with id-kp-timeStamping only, and if key usage is present, only
// digitalSignature and/or nonRepudiation.
func checkTSACertificate(cert *x509.Certificate) error {
	name := cert.Subject.CommonName
	critical := false
	for _, ext := range cert.Extensions {
		if ext.Id.Equal(oidExtKeyUsage) {
			critical = ext.Critical
		}
	}
	if len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping || len(cert.UnknownExtKeyUsage) != 0 {
		return fmt.Errorf("the certificate of %q is not a timestamping certificate (its extended key usage must be id-kp-timeStamping only)", name)
	}
	if !critical {
		return fmt.Errorf("the certificate of %q is not a proper timestamping certificate (its extended key usage is not critical)", name)
	}
	const allowed = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	if cert.KeyUsage != 0 && (cert.KeyUsage&^allowed != 0 || cert.KeyUsage&allowed == 0) {
		return fmt.Errorf("the certificate of %q has key usages a timestamping certificate may not have", name)
	}
	return nil
}
