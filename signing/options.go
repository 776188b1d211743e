package signing

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/vanthu/vanthu/signing/tsp"
)

// Level is a PAdES baseline level.
type Level string

// The levels the engine produces.
const (
	LevelBB Level = "B-B"
	LevelBT Level = "B-T"
)

// AppearanceKind selects one of the visible signatures of Decree 30.
type AppearanceKind string

// The kinds of visible signature.
const (
	// AppearancePersonal is the competent person's signature: position
	// line(s), the blue signature image and the full name.
	AppearancePersonal AppearanceKind = "personal"
	// AppearanceAgency is the agency's red seal, overlapping the left third
	// of an existing personal signature when there is one.
	AppearanceAgency AppearanceKind = "agency"
	// AppearanceStamp is text only (number/notation and signing time) at the
	// top right of page 1, for appendices and electronic copies.
	AppearanceStamp AppearanceKind = "stamp"
	// AppearanceNone is an invisible signature.
	AppearanceNone AppearanceKind = "none"
)

// Appearance describes the visible part of a signature.
type Appearance struct {
	Kind AppearanceKind
	// Page is 1-based; 0 picks the default of the kind (the last page for
	// personal and agency signatures, page 1 for stamps).
	Page int
	// Rect is [llx lly urx ury] in default user space; nil picks the
	// default placement of the kind.
	Rect *[4]float64
	// Image is a PNG with a transparent background: the signature (blue)
	// or the seal (red). Nil uses the demo image of the kind.
	Image []byte
	// Position holds the position lines of a personal signature, e.g.
	// "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"; Name is the signer's full name.
	Position []string
	Name     string
	// ImageOnly draws a personal signature as the image alone, for a
	// document that already prints the position and the name around the
	// space it is placed in.
	ImageOnly bool
	// Text holds the stamp lines (e.g. the number/notation); the signing
	// time is added as the last line.
	Text []string
}

// Signer is a private key with its certificate chain (Chain[0] is the key's
// certificate).
type Signer struct {
	Key   crypto.Signer
	Chain []*x509.Certificate
}

// PDFOptions configure SignPDF.
type PDFOptions struct {
	Signer     Signer
	Hash       crypto.Hash // default SHA-256
	PSS        bool        // RSA-PSS instead of PKCS#1 v1.5
	Level      Level       // default B-B; B-T needs TSA
	TSA        *tsp.Client
	Appearance Appearance
	Reason     string
	Location   string
	Contact    string
	// Certify makes this the certification signature (DocMDP) with
	// CertifyPermission 1 (no changes), 2 (form filling and signing,
	// the default) or 3 (2 plus annotations).
	Certify           bool
	CertifyPermission int
	// Time is the claimed signing time written to /M; zero means now.
	Time time.Time
	// FieldName names the new signature field; empty picks "SignatureN".
	FieldName string
}

func (o *PDFOptions) defaults() error {
	if o.Hash == 0 {
		o.Hash = crypto.SHA256
	}
	if o.Level == "" {
		o.Level = LevelBB
	}
	switch o.Level {
	case LevelBB:
	case LevelBT:
		if o.TSA == nil {
			return errors.New("level B-T needs a timestamp server (--tsa URL)")
		}
	default:
		return fmt.Errorf("unknown signature level %q (use B-B or B-T)", o.Level)
	}
	if o.Appearance.Kind == "" {
		o.Appearance.Kind = AppearanceNone
	}
	switch o.Appearance.Kind {
	case AppearancePersonal, AppearanceAgency, AppearanceStamp, AppearanceNone:
	default:
		return fmt.Errorf("unknown appearance %q (use personal, agency, stamp or none)", o.Appearance.Kind)
	}
	if o.Certify {
		if o.CertifyPermission == 0 {
			o.CertifyPermission = 2
		}
		if o.CertifyPermission < 1 || o.CertifyPermission > 3 {
			return fmt.Errorf("certification permission must be 1, 2 or 3, not %d", o.CertifyPermission)
		}
	}
	if o.Time.IsZero() {
		o.Time = time.Now()
	}
	return CheckSigner(o.Signer, o.Time)
}

// CheckSigner refuses keys that cannot make a valid signature at t: no
// certificate, a key that does not match it, a certificate outside its
// validity period or without a signing key usage.
func CheckSigner(s Signer, t time.Time) error {
	if s.Key == nil || len(s.Chain) == 0 || s.Chain[0] == nil {
		return errors.New("no signing key and certificate given")
	}
	cert := s.Chain[0]
	who := certName(cert)
	if !publicKeysEqual(s.Key.Public(), cert.PublicKey) {
		return fmt.Errorf("the key does not belong to the certificate of %s", who)
	}
	if t.Before(cert.NotBefore) {
		return fmt.Errorf("the certificate of %s is not valid before %s", who, cert.NotBefore.In(VietnamTime).Format(time.DateTime))
	}
	if t.After(cert.NotAfter) {
		return fmt.Errorf("the certificate of %s expired on %s", who, cert.NotAfter.In(VietnamTime).Format(time.DateTime))
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return fmt.Errorf("the certificate of %s is not for signing (its key usage lacks digitalSignature and nonRepudiation)", who)
	}
	return nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	switch k := a.(type) {
	case *rsa.PublicKey:
		return k.Equal(b)
	case *ecdsa.PublicKey:
		return k.Equal(b)
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if e, ok := a.(equaler); ok {
		return e.Equal(b)
	}
	return false
}

// VietnamTime is UTC+7, the time zone of signing times in Vietnam.
var VietnamTime = time.FixedZone("ICT", 7*3600)

func certName(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	if len(c.Subject.Organization) > 0 {
		return c.Subject.Organization[0]
	}
	return c.Subject.String()
}
