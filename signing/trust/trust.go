// Package trust validates certificate chains against configured trust anchors
// at a given time, with key-usage checks and revocation checking (embedded
// OCSP responses and CRLs first, then OCSP and CRLs fetched online when
// allowed), as SIGNATURES.md §3 g describes.
//
// Only the configured roots are trusted; the system pool is never consulted.
//
// Revocation data is accepted when:
//   - an OCSP response names the certificate and its issuer (CertID name and
//     key hashes) and was signed by the issuer itself or by a responder
//     certificate the issuer signed with id-kp-OCSPSigning, valid at the
//     response's thisUpdate (carried in the response or given in
//     Options.Extra);
//   - a CRL was issued and signed by the certificate's issuer, is complete
//     (no delta CRL, no onlySomeReasons or indirect scope) and covers the
//     kind of certificate (user or CA).
//
// A "good" answer settles the status at the time checked when it was issued
// at or after that time, or when that time falls before its nextUpdate
// (5 minutes of clock skew allowed); a CRL issued after the certificate
// expired proves nothing unless it carries expiredCertsOnCRL. A revocation
// settles it whatever its age: at or before the time checked the chain is
// Revoked; after it, the chain stays valid with a warning.
//
// Not done: delta and indirect CRLs, LDAP addresses, the revocation status
// of delegated OCSP responders themselves (they normally carry
// id-pkix-ocsp-nocheck), invalidity dates in CRL entries, OCSP nonces.
package trust

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
)

// Store holds the trust anchors and the intermediate CA certificates known
// in advance. A Store is safe for concurrent use.
type Store struct {
	roots         *x509.CertPool
	intermediates *x509.CertPool
	// The certificates of both pools, and their digest (chaincache.go).
	certs  []*x509.Certificate
	digest []byte
}

// NewStore returns a store that trusts exactly roots and may use
// intermediates to complete chains. Nil entries are ignored.
func NewStore(roots []*x509.Certificate, intermediates []*x509.Certificate) *Store {
	s := &Store{roots: x509.NewCertPool(), intermediates: x509.NewCertPool()}
	roots, intermediates = usable(roots), usable(intermediates)
	for _, c := range roots {
		s.roots.AddCert(c)
	}
	for _, c := range intermediates {
		s.intermediates.AddCert(c)
	}
	s.certs = append(append(s.certs, roots...), intermediates...)
	s.digest = poolDigest(roots, intermediates)
	return s
}

// usable drops nil and empty certificates.
func usable(certs []*x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
	for _, c := range certs {
		if c != nil && len(c.Raw) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// Usage is what the end-entity certificate is validated for.
//
// CA certificates in the path that carry an extended key usage extension
// must allow the leaf's use: anyExtendedKeyUsage, or one of the usages
// accepted for the leaf (below) that the leaf also carries (any of them
// when the leaf has no extended key usage or has anyExtendedKeyUsage).
type Usage int

const (
	// Signing: document signatures (PAdES, CMS). The key usage, when
	// present, must include digitalSignature or contentCommitment
	// (nonRepudiation). A certificate without an extended key usage
	// extension is accepted; otherwise it needs at least one of
	// anyExtendedKeyUsage, emailProtection, clientAuth (many Vietnamese
	// CAs issue signing certificates with only clientAuth and
	// emailProtection), documentSigning (1.3.6.1.5.5.7.3.36, RFC 9336),
	// Adobe Authentic Documents Trust (1.2.840.113583.1.1.5) or Microsoft
	// document signing (1.3.6.1.4.1.311.10.3.12); further usages next to
	// one of these do not matter, so serverAuth+clientAuth is accepted
	// while serverAuth alone is not.
	Signing Usage = iota
	// Timestamping: RFC 3161 timestamp authority certificates. The key
	// usage, when present, must include digitalSignature or
	// contentCommitment; the extended key usage extension must be
	// critical and include id-kp-timeStamping (anyExtendedKeyUsage is not
	// enough).
	Timestamping
	// OCSPSigning: OCSP responder certificates: key usage, when present,
	// with digitalSignature; extended key usage with id-kp-OCSPSigning.
	OCSPSigning
)

func (u Usage) String() string {
	switch u {
	case Signing:
		return "document signing"
	case Timestamping:
		return "timestamping"
	case OCSPSigning:
		return "OCSP signing"
	}
	return fmt.Sprintf("usage(%d)", int(u))
}

// Options control one validation.
type Options struct {
	// At is the time the chain must be valid at: the best proven time
	// (a valid timestamp's time, else now). Zero means now.
	At    time.Time
	Usage Usage
	// Extra holds certificates that may complete the chain or identify an
	// OCSP responder (from the CMS signature or the PDF's /DSS).
	Extra []*x509.Certificate
	// CRLs and OCSPs are embedded revocation data, DER encoded.
	CRLs  [][]byte
	OCSPs [][]byte
	// Online allows fetching OCSP (AIA) and then CRLs (distribution points)
	// when the embedded data does not decide.
	Online bool
	// HTTPClient is used when Online; nil means a client with a 10 s
	// timeout. Responses are limited in size either way.
	HTTPClient *http.Client
}

// Status is the verdict on a certificate chain.
type Status int

const (
	// Trusted: a valid path to a configured anchor, usage allowed, not
	// revoked at the time checked (see Result.Warnings for what could not
	// be checked).
	Trusted Status = iota + 1
	// Untrusted: no path to a configured anchor, or a broken chain.
	Untrusted
	// Revoked: a certificate in the chain was revoked at or before the
	// time checked.
	Revoked
	// Expired: a certificate in the chain was expired or not yet valid at
	// the time checked.
	Expired
	// Indeterminate: online checking was requested but the revocation
	// status could not be established.
	Indeterminate
	// Unsuitable: the key usage or extended key usage does not allow the
	// requested use.
	Unsuitable
)

func (s Status) String() string {
	switch s {
	case Trusted:
		return "trusted"
	case Untrusted:
		return "untrusted"
	case Revoked:
		return "revoked"
	case Expired:
		return "expired"
	case Indeterminate:
		return "indeterminate"
	case Unsuitable:
		return "unsuitable"
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// MarshalText makes statuses readable in JSON reports.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// CertStatus is the revocation status of one certificate.
type CertStatus int

const (
	// CertUnknown: nothing decided the status.
	CertUnknown CertStatus = iota
	// CertGood: not revoked at the time checked.
	CertGood
	// CertRevoked: revoked (see Check.RevokedAt: a revocation after the
	// time checked does not invalidate the chain).
	CertRevoked
)

func (s CertStatus) String() string {
	switch s {
	case CertUnknown:
		return "unknown"
	case CertGood:
		return "good"
	case CertRevoked:
		return "revoked"
	}
	return fmt.Sprintf("certstatus(%d)", int(s))
}

// MarshalText makes statuses readable in JSON reports.
func (s CertStatus) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Source names where revocation information came from.
type Source string

// The sources of revocation information.
const (
	EmbeddedOCSP Source = "embedded OCSP"
	EmbeddedCRL  Source = "embedded CRL"
	OnlineOCSP   Source = "online OCSP"
	OnlineCRL    Source = "online CRL"
)

// Check is the revocation check of one certificate of the chain.
type Check struct {
	Certificate *x509.Certificate
	// Source and URL (online sources only) tell what decided; Source is
	// empty when nothing did.
	Source Source
	URL    string
	Status CertStatus
	// Time is the thisUpdate of the deciding OCSP response or CRL.
	Time time.Time
	// RevokedAt and Reason (e.g. "keyCompromise") are set when revoked.
	RevokedAt time.Time
	Reason    string
	// Data is the DER OCSP response or CRL that decided, ready to be
	// embedded (PAdES B-LT /DSS).
	Data []byte
	// Detail says why the status stayed unknown, or what was set aside.
	Detail string
}

// Result is the outcome of Validate.
type Result struct {
	Status Status
	// Reason is one plain sentence for the user.
	Reason string
	// Chain runs from the leaf to the anchor when a path was found.
	Chain []*x509.Certificate
	// Revocation has one entry per certificate of the chain except the
	// anchor, leaf first.
	Revocation []Check
	// Warnings are things a careful reader should know, such as
	// revocation that could not be checked offline.
	Warnings []string
}

// Validate checks leaf against the store at opts.At for opts.Usage. It never
// fails outright: every problem becomes a Status with a Reason.
//
// The checks run in this order, the first failure deciding: a path to a
// configured anchor (Untrusted), the validity period of every certificate
// on it (Expired), key usages (Unsuitable), then revocation of every
// certificate but the anchor (Revoked, or Indeterminate when opts.Online
// is set and the status of a certificate that names an OCSP responder or a
// CRL could not be established; offline, that is only a warning).
func (s *Store) Validate(ctx context.Context, leaf *x509.Certificate, opts Options) Result {
	if leaf == nil || len(leaf.Raw) == 0 {
		return Result{Status: Untrusted, Reason: "there is no certificate to validate"}
	}
	at := opts.At
	if at.IsZero() {
		at = time.Now()
	}
	extra := usable(opts.Extra)
	chains, err := s.buildChains(leaf, extra, at)
	if err != nil {
		intermediates := s.intermediates.Clone()
		for _, c := range extra {
			intermediates.AddCert(c)
		}
		return s.explainFailure(leaf, intermediates, append(extra, s.certs...), at, err)
	}

	chain, problem := pickChain(chains, opts.Usage)
	if problem != "" {
		return Result{Status: Unsuitable, Reason: problem, Chain: chain}
	}

	res := Result{Status: Trusted, Chain: chain}
	checkRevocation(ctx, newRevocationChecker(opts, at), &res)
	if res.Status == Trusted {
		res.Reason = fmt.Sprintf("the certificate of %s is valid and trusted at %s", name(leaf), formatTime(at))
	}
	return res
}

// buildChains finds the paths from leaf to an anchor valid at at, or
// remembers them from an earlier validation of the same question.
func (s *Store) buildChains(leaf *x509.Certificate, extra []*x509.Certificate, at time.Time) ([][]*x509.Certificate, error) {
	key := s.chainKey(leaf, extra)
	own := []*x509.Certificate{leaf}
	if chains, ok := builtChains.get(key, at); ok {
		return sameCertificates(chains, own, extra, s.certs), nil
	}
	intermediates := s.intermediates.Clone()
	for _, c := range extra {
		intermediates.AddCert(c)
	}
	chainBuilds.Add(1)
	chains, err := s.verify(leaf, intermediates, at)
	if err != nil {
		return nil, err
	}
	from, until := validitySpan(at, own, extra, s.certs)
	builtChains.put(key, chainEntry{chains: chains, from: from, until: until})
	return sameCertificates(chains, own, extra, s.certs), nil
}

func (s *Store) verify(leaf *x509.Certificate, intermediates *x509.CertPool, at time.Time) ([][]*x509.Certificate, error) {
	return leaf.Verify(x509.VerifyOptions{
		Roots:         s.roots,
		Intermediates: intermediates,
		CurrentTime:   at,
		// Usage is checked by pickChain: crypto/x509 does not know the
		// document-signing EKUs.
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
}

// explainFailure tells an expired or not-yet-valid chain from one that does
// not reach an anchor: it looks for a path at other times within the leaf's
// validity, and at the times closest to at when the leaf and one of the
// other certificates offered are both valid (an issuing CA that expired
// before the leaf).
func (s *Store) explainFailure(leaf *x509.Certificate, intermediates *x509.CertPool, offered []*x509.Certificate, at time.Time, verr error) Result {
	probes := []time.Time{
		clamp(at, leaf.NotBefore, leaf.NotAfter),
		leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2),
		leaf.NotBefore,
		leaf.NotAfter,
	}
	for _, c := range offered {
		lo, hi := leaf.NotBefore, leaf.NotAfter
		if c.NotBefore.After(lo) {
			lo = c.NotBefore
		}
		if c.NotAfter.Before(hi) {
			hi = c.NotAfter
		}
		if !hi.Before(lo) {
			probes = append(probes, clamp(at, lo, hi))
		}
	}
	for _, t := range probes {
		chains, err := s.verify(leaf, intermediates, t)
		if err != nil {
			continue
		}
		for _, c := range chains[0] {
			if at.Before(c.NotBefore) || at.After(c.NotAfter) {
				return Result{Status: Expired, Reason: validityReason(c, at), Chain: chains[0]}
			}
		}
	}
	return Result{
		Status: Untrusted,
		Reason: fmt.Sprintf("the certificate of %s does not lead to a trusted root certificate: %s", name(leaf), oneLine(verr.Error())),
	}
}

func validityReason(c *x509.Certificate, at time.Time) string {
	const day = "2006-01-02"
	if at.Before(c.NotBefore) {
		return fmt.Sprintf("the certificate of %s was not yet valid at %s: it is valid from %s to %s",
			name(c), formatTime(at), c.NotBefore.UTC().Format(day), c.NotAfter.UTC().Format(day))
	}
	return fmt.Sprintf("the certificate of %s had expired at %s: it was valid from %s to %s",
		name(c), formatTime(at), c.NotBefore.UTC().Format(day), c.NotAfter.UTC().Format(day))
}

func clamp(t, lo, hi time.Time) time.Time {
	if t.Before(lo) {
		return lo
	}
	if t.After(hi) {
		return hi
	}
	return t
}

// name is how a certificate is called in messages: its common name, else
// its whole subject, else its serial number.
func name(c *x509.Certificate) string {
	if n := strings.TrimSpace(c.Subject.CommonName); n != "" {
		return oneLine(n)
	}
	if n := c.Subject.String(); n != "" {
		return oneLine(n)
	}
	return "serial number " + c.SerialNumber.String()
}

// oneLine keeps messages on one line whatever a certificate contains.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }
