package trust

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"
)

const (
	// clockSkew is the tolerance for thisUpdate/nextUpdate and responder
	// certificate validity.
	clockSkew = 5 * time.Minute
	// maxOCSPResponse and maxCRL bound what is read from the network.
	maxOCSPResponse = 1 << 20
	maxCRL          = 32 << 20
	defaultTimeout  = 10 * time.Second
)

var (
	oidCRLDeltaIndicator = asn1.ObjectIdentifier{2, 5, 29, 27}
	oidCRLIssuingDP      = asn1.ObjectIdentifier{2, 5, 29, 28}
	oidCRLNumber         = asn1.ObjectIdentifier{2, 5, 29, 20}
	oidAuthorityKeyID    = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidExpiredCertsOnCRL = asn1.ObjectIdentifier{2, 5, 29, 60}
)

// errNotForCert marks revocation data about other certificates: it is
// skipped silently.
var errNotForCert = errors.New("not about this certificate")

// unreadableError marks revocation data that cannot be attributed to any
// certificate: it is reported once, not for every certificate.
type unreadableError string

func (e unreadableError) Error() string { return string(e) }

// evidence is what one OCSP response or CRL says about one certificate.
type evidence struct {
	source     Source
	url        string
	revoked    bool
	thisUpdate time.Time
	nextUpdate time.Time
	revokedAt  time.Time
	reason     int
	data       []byte
	// stale says why a "good" answer does not cover the time checked;
	// empty when it does.
	stale string
}

type embeddedCRL struct {
	list *x509.RevocationList
	der  []byte
}

type fetched struct {
	body []byte
	err  error
}

// revocationChecker holds the state of one Validate call: the parsed
// embedded CRLs and the answers fetched so far, by URL.
type revocationChecker struct {
	opts     Options
	at       time.Time
	client   *http.Client
	crls     []embeddedCRL
	warnings []string
	badOCSP  map[int]bool       // embedded responses already reported unreadable
	cache    map[string]fetched // by method, URL and request
	down     map[string]error   // URLs that failed, not asked again
}

func newRevocationChecker(opts Options, at time.Time) *revocationChecker {
	rc := &revocationChecker{
		opts:    opts,
		at:      at,
		client:  opts.HTTPClient,
		cache:   map[string]fetched{},
		down:    map[string]error{},
		badOCSP: map[int]bool{},
	}
	if rc.client == nil {
		rc.client = &http.Client{Timeout: defaultTimeout}
	}
	for i, der := range opts.CRLs {
		rl, err := x509.ParseRevocationList(der)
		if err != nil {
			rc.warnings = append(rc.warnings, fmt.Sprintf("embedded CRL %d cannot be read and was ignored: %v", i+1, err))
			continue
		}
		rc.crls = append(rc.crls, embeddedCRL{list: rl, der: der})
	}
	return rc
}

// checkRevocation fills res.Revocation for every certificate of res.Chain
// but the anchor and sets res.Status to Revoked or Indeterminate when they
// say so.
func checkRevocation(ctx context.Context, rc *revocationChecker, res *Result) {
	revoked := -1
	var undecided []string
	for i := 0; i+1 < len(res.Chain); i++ {
		cert, issuer := res.Chain[i], res.Chain[i+1]
		c := rc.check(ctx, cert, issuer)
		res.Revocation = append(res.Revocation, c)
		detail := ""
		if c.Detail != "" {
			detail = " (" + c.Detail + ")"
		}
		switch {
		case c.Status == CertRevoked && !c.RevokedAt.After(rc.at):
			if revoked < 0 {
				revoked = len(res.Revocation) - 1
			}
		case c.Status == CertRevoked:
			res.Warnings = append(res.Warnings, fmt.Sprintf(
				"the certificate of %s was revoked on %s (%s), after the time checked (%s): it was still valid then",
				name(cert), formatTime(c.RevokedAt), c.Reason, formatTime(rc.at)))
		case c.Status == CertUnknown && len(cert.OCSPServer) == 0 && len(cert.CRLDistributionPoints) == 0:
			res.Warnings = append(res.Warnings, fmt.Sprintf(
				"no revocation information published: certificate of %s%s", name(cert), detail))
		case c.Status == CertUnknown && rc.opts.Online:
			undecided = append(undecided, fmt.Sprintf("the certificate of %s%s", name(cert), detail))
		case c.Status == CertUnknown:
			res.Warnings = append(res.Warnings, fmt.Sprintf(
				"revocation not checked (offline): certificate of %s%s", name(cert), detail))
		}
	}
	res.Warnings = append(res.Warnings, rc.warnings...)
	switch {
	case revoked >= 0:
		c := res.Revocation[revoked]
		res.Status = Revoked
		res.Reason = fmt.Sprintf("the certificate of %s was revoked on %s (%s)",
			name(c.Certificate), formatTime(c.RevokedAt), c.Reason)
	case len(undecided) > 0:
		res.Status = Indeterminate
		res.Reason = "the revocation status could not be established for " + strings.Join(undecided, " and ")
	}
}

// check establishes the revocation status of cert, issued by issuer: the
// embedded OCSP responses and CRLs first, then, when allowed, the OCSP
// responders and CRL distribution points the certificate names.
func (rc *revocationChecker) check(ctx context.Context, cert, issuer *x509.Certificate) Check {
	var notes []string
	var evs []evidence
	for i, der := range rc.opts.OCSPs {
		ev, err := rc.evalOCSP(der, cert, issuer)
		switch {
		case errors.Is(err, errNotForCert):
			continue
		case errors.As(err, new(unreadableError)):
			if !rc.badOCSP[i] {
				rc.badOCSP[i] = true
				rc.warnings = append(rc.warnings, fmt.Sprintf("embedded OCSP response %d was ignored: %v", i+1, err))
			}
			continue
		case err != nil:
			notes = append(notes, fmt.Sprintf("embedded OCSP response %d set aside: %v", i+1, err))
			continue
		}
		ev.source = EmbeddedOCSP
		evs = append(evs, ev)
	}
	for i, crl := range rc.crls {
		ev, err := rc.evalCRL(crl.list, crl.der, cert, issuer)
		if errors.Is(err, errNotForCert) {
			continue
		}
		if err != nil {
			notes = append(notes, fmt.Sprintf("embedded CRL %d set aside: %v", i+1, err))
			continue
		}
		ev.source = EmbeddedCRL
		evs = append(evs, ev)
	}
	if c, ok := rc.decide(cert, evs, &notes); ok {
		return c
	}
	if !rc.opts.Online {
		return Check{Certificate: cert, Status: CertUnknown, Detail: strings.Join(notes, "; ")}
	}

	for _, u := range cert.OCSPServer {
		ev, err := rc.onlineOCSP(ctx, u, cert, issuer)
		if err != nil {
			notes = append(notes, fmt.Sprintf("OCSP responder %s: %v", u, err))
			continue
		}
		if c, ok := rc.decide(cert, []evidence{ev}, &notes); ok {
			return c
		}
	}
	for _, u := range cert.CRLDistributionPoints {
		ev, err := rc.onlineCRL(ctx, u, cert, issuer)
		if err != nil {
			notes = append(notes, fmt.Sprintf("CRL %s: %v", u, err))
			continue
		}
		if c, ok := rc.decide(cert, []evidence{ev}, &notes); ok {
			return c
		}
	}
	if len(cert.OCSPServer) == 0 && len(cert.CRLDistributionPoints) == 0 {
		notes = append(notes, "the certificate names no OCSP responder and no CRL")
	}
	return Check{Certificate: cert, Status: CertUnknown, Detail: strings.Join(notes, "; ")}
}

// decide picks the evidence that settles the status at rc.at: a
// revocation at or before it wins, then a revocation after it (the
// certificate was good at rc.at), then a "good" answer that covers rc.at.
func (rc *revocationChecker) decide(cert *x509.Certificate, evs []evidence, notes *[]string) (Check, bool) {
	pick := func(ev evidence) Check {
		c := Check{
			Certificate: cert, Source: ev.source, URL: ev.url, Status: CertGood,
			Time: ev.thisUpdate, Data: ev.data, Detail: strings.Join(*notes, "; "),
		}
		if ev.revoked {
			c.Status, c.RevokedAt, c.Reason = CertRevoked, ev.revokedAt, reasonName(ev.reason)
		}
		return c
	}
	for _, ev := range evs {
		if ev.revoked && !ev.revokedAt.After(rc.at) {
			return pick(ev), true
		}
	}
	for _, ev := range evs {
		if ev.revoked {
			return pick(ev), true
		}
	}
	for _, ev := range evs {
		if ev.stale == "" {
			return pick(ev), true
		}
	}
	for _, ev := range evs {
		where := string(ev.source)
		if ev.url != "" {
			where += " from " + ev.url
		}
		*notes = append(*notes, fmt.Sprintf("%s says good but %s", where, ev.stale))
	}
	return Check{}, false
}

// staleness says why a "good" answer valid from thisUpdate to nextUpdate
// does not prove the status at rc.at, or "" when it does. An answer issued
// at or after rc.at does (revocation is permanent); an older one only while
// it is current.
func (rc *revocationChecker) staleness(thisUpdate, nextUpdate time.Time) string {
	if !thisUpdate.Before(rc.at.Add(-clockSkew)) {
		return ""
	}
	if !nextUpdate.IsZero() && !rc.at.After(nextUpdate.Add(clockSkew)) {
		return ""
	}
	if nextUpdate.IsZero() {
		return fmt.Sprintf("it dates from %s, before the time checked, and gives no next update", formatTime(thisUpdate))
	}
	return fmt.Sprintf("it was only current until %s, before the time checked", formatTime(nextUpdate))
}

// evalOCSP checks an OCSP response about cert: that it names cert and its
// issuer, that it was signed by the issuer or by a responder the issuer
// authorised (id-kp-OCSPSigning), and that its dates make sense.
func (rc *revocationChecker) evalOCSP(der []byte, cert, issuer *x509.Certificate) (evidence, error) {
	// With no issuer given, the response signature is verified only
	// against the certificate it carries, if any; the signer's authority
	// is checked below.
	resp, err := ocsp.ParseResponseForCert(der, cert, nil)
	if err != nil {
		var re ocsp.ResponseError
		var pe ocsp.ParseError
		switch {
		case errors.Is(err, ocsp.ParseError("no response matching the supplied certificate")):
			return evidence{}, errNotForCert
		case errors.As(err, &re):
			return evidence{}, unreadableError(fmt.Sprintf("the responder answered %q instead of a status", re.Status.String()))
		case errors.As(err, &pe) && strings.HasPrefix(string(pe), "bad signature"):
			return evidence{}, errors.New("its signature does not verify with the certificate it carries")
		}
		return evidence{}, unreadableError("it is not a valid OCSP response")
	}
	ids, err := parseCertIDs(resp.TBSResponseData)
	if err != nil {
		return evidence{}, unreadableError("it is not a valid OCSP response")
	}
	idx := slices.IndexFunc(ids, func(id certID) bool { return id.serial.Cmp(cert.SerialNumber) == 0 })
	if idx < 0 || !ids[idx].matchesIssuer(issuer) {
		return evidence{}, errNotForCert
	}

	if err := rc.ocspSigner(resp, issuer); err != nil {
		return evidence{}, err
	}
	if !resp.NextUpdate.IsZero() && resp.NextUpdate.Before(resp.ThisUpdate) {
		return evidence{}, fmt.Errorf("its next update (%s) comes before its this update (%s)",
			formatTime(resp.NextUpdate), formatTime(resp.ThisUpdate))
	}

	ev := evidence{thisUpdate: resp.ThisUpdate, nextUpdate: resp.NextUpdate, data: der}
	switch resp.Status {
	case ocsp.Good:
		ev.stale = rc.staleness(resp.ThisUpdate, resp.NextUpdate)
	case ocsp.Revoked:
		ev.revoked, ev.revokedAt, ev.reason = true, resp.RevokedAt, resp.RevocationReason
	default:
		return evidence{}, errors.New("the responder does not know the certificate (status unknown)")
	}
	return ev, nil
}

// ocspSigner checks that resp was signed by issuer itself or by a delegated
// responder certificate issued by issuer with id-kp-OCSPSigning (RFC 6960
// §4.2.2.2), carried in the response or given in Options.Extra.
func (rc *revocationChecker) ocspSigner(resp *ocsp.Response, issuer *x509.Certificate) error {
	if resp.Certificate != nil {
		// ocsp.ParseResponseForCert verified the response with it.
		if !responderIDMatches(resp, resp.Certificate) {
			return errors.New("its responder ID does not match the certificate that signed it")
		}
		return authorisedResponder(resp.Certificate, issuer, resp.ThisUpdate)
	}
	candidates := append([]*x509.Certificate{issuer}, rc.opts.Extra...)
	var refusal error
	for _, c := range candidates {
		if c == nil || !responderIDMatches(resp, c) || resp.CheckSignatureFrom(c) != nil {
			continue
		}
		err := authorisedResponder(c, issuer, resp.ThisUpdate)
		if err == nil {
			return nil
		}
		refusal = err
	}
	if refusal != nil {
		return refusal
	}
	return fmt.Errorf("its signature does not verify with the key of %s or of a responder it authorised", name(issuer))
}

func authorisedResponder(signer, issuer *x509.Certificate, at time.Time) error {
	if signer.Equal(issuer) {
		return nil
	}
	if !bytes.Equal(signer.RawIssuer, issuer.RawSubject) || signer.CheckSignatureFrom(issuer) != nil {
		return fmt.Errorf("it was signed by %s, which %s did not authorise to answer for it", name(signer), name(issuer))
	}
	if !slices.Contains(signer.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning) {
		return fmt.Errorf("it was signed by %s, which is not authorised to sign OCSP responses (no OCSP signing usage)", name(signer))
	}
	if signer.KeyUsage != 0 && signer.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return fmt.Errorf("it was signed by %s, whose key usage does not allow digital signatures", name(signer))
	}
	if at.Before(signer.NotBefore.Add(-clockSkew)) || at.After(signer.NotAfter.Add(clockSkew)) {
		return fmt.Errorf("it was signed by %s, whose certificate was not valid at %s", name(signer), formatTime(at))
	}
	return nil
}

func responderIDMatches(resp *ocsp.Response, c *x509.Certificate) bool {
	if len(resp.RawResponderName) > 0 {
		return bytes.Equal(resp.RawResponderName, c.RawSubject)
	}
	if len(resp.ResponderKeyHash) == 0 || !crypto.SHA1.Available() {
		return false
	}
	bits, err := publicKeyBits(c)
	if err != nil {
		return false
	}
	h := crypto.SHA1.New()
	h.Write(bits)
	return bytes.Equal(h.Sum(nil), resp.ResponderKeyHash)
}

// evalCRL checks a CRL's issuer, signature, scope and dates, and looks cert
// up in it.
func (rc *revocationChecker) evalCRL(rl *x509.RevocationList, der []byte, cert, issuer *x509.Certificate) (evidence, error) {
	if !bytes.Equal(rl.RawIssuer, issuer.RawSubject) {
		return evidence{}, errNotForCert
	}
	if err := rl.CheckSignatureFrom(issuer); err != nil {
		return evidence{}, fmt.Errorf("its signature does not verify with the key of %s: %w", name(issuer), err)
	}
	expiredCertsOnCRL := false
	for _, ext := range rl.Extensions {
		switch {
		case ext.Id.Equal(oidCRLDeltaIndicator):
			return evidence{}, errors.New("it is a delta CRL, which is not supported")
		case ext.Id.Equal(oidCRLIssuingDP):
			idp, err := parseIDP(ext.Value)
			if err != nil {
				return evidence{}, fmt.Errorf("cannot be read: %w", err)
			}
			switch {
			case idp.indirect || idp.onlySomeReasons || idp.onlyAttributeCerts:
				return evidence{}, errors.New("it is a partial or indirect CRL, which is not supported")
			case idp.onlyUserCerts && cert.IsCA, idp.onlyCACerts && !cert.IsCA:
				return evidence{}, errNotForCert
			}
		case ext.Id.Equal(oidExpiredCertsOnCRL):
			expiredCertsOnCRL = true
		case ext.Id.Equal(oidCRLNumber), ext.Id.Equal(oidAuthorityKeyID):
		case ext.Critical:
			return evidence{}, fmt.Errorf("it has an unsupported critical extension %v", ext.Id)
		}
	}
	if !rl.NextUpdate.IsZero() && rl.NextUpdate.Before(rl.ThisUpdate) {
		return evidence{}, fmt.Errorf("its next update (%s) comes before its this update (%s)",
			formatTime(rl.NextUpdate), formatTime(rl.ThisUpdate))
	}

	ev := evidence{thisUpdate: rl.ThisUpdate, nextUpdate: rl.NextUpdate, data: der}
	for _, e := range rl.RevokedCertificateEntries {
		if e.SerialNumber != nil && e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			ev.revoked, ev.revokedAt, ev.reason = true, e.RevocationTime, e.ReasonCode
			return ev, nil
		}
	}
	ev.stale = rc.staleness(rl.ThisUpdate, rl.NextUpdate)
	if ev.stale == "" && !expiredCertsOnCRL && rl.ThisUpdate.After(cert.NotAfter) {
		// RFC 5280 §3.3: entries may leave the CRL once the certificate
		// has expired, so absence proves nothing.
		ev.stale = "it was issued after the certificate expired and may no longer list it"
	}
	return ev, nil
}

func (rc *revocationChecker) onlineOCSP(ctx context.Context, u string, cert, issuer *x509.Certificate) (evidence, error) {
	if err := httpURL(u); err != nil {
		return evidence{}, err
	}
	req, err := ocsp.CreateRequest(cert, issuer, &ocsp.RequestOptions{Hash: crypto.SHA1})
	if err != nil {
		return evidence{}, fmt.Errorf("cannot build the request: %w", err)
	}
	body, err := rc.fetch(ctx, u, req, maxOCSPResponse)
	if err != nil {
		return evidence{}, err
	}
	ev, err := rc.evalOCSP(body, cert, issuer)
	switch {
	case errors.Is(err, errNotForCert):
		return evidence{}, errors.New("the answer is about another certificate")
	case errors.As(err, new(unreadableError)):
		return evidence{}, err
	case err != nil:
		return evidence{}, fmt.Errorf("the answer was set aside: %w", err)
	}
	ev.source, ev.url = OnlineOCSP, u
	return ev, nil
}

func (rc *revocationChecker) onlineCRL(ctx context.Context, u string, cert, issuer *x509.Certificate) (evidence, error) {
	if err := httpURL(u); err != nil {
		return evidence{}, err
	}
	body, err := rc.fetch(ctx, u, nil, maxCRL)
	if err != nil {
		return evidence{}, err
	}
	if b, _ := pem.Decode(body); b != nil && b.Type == "X509 CRL" {
		body = b.Bytes
	}
	rl, err := x509.ParseRevocationList(body)
	if err != nil {
		return evidence{}, fmt.Errorf("cannot be read: %w", err)
	}
	ev, err := rc.evalCRL(rl, body, cert, issuer)
	if errors.Is(err, errNotForCert) {
		return evidence{}, errors.New("it does not cover this certificate")
	}
	if err != nil {
		return evidence{}, fmt.Errorf("set aside: %w", err)
	}
	ev.source, ev.url = OnlineCRL, u
	return ev, nil
}

func httpURL(u string) error {
	parsed, err := url.Parse(u)
	if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
		return errors.New("skipped: only http and https addresses are supported")
	}
	return nil
}

// fetch POSTs an OCSP request (req non-nil) or GETs a CRL, once per URL and
// request in this validation; a URL that failed is not asked again.
func (rc *revocationChecker) fetch(ctx context.Context, u string, req []byte, limit int64) ([]byte, error) {
	key := u + "\x00" + string(req)
	if f, ok := rc.cache[key]; ok {
		return f.body, f.err
	}
	if err, ok := rc.down[u]; ok {
		return nil, err
	}
	body, err := rc.do(ctx, u, req, limit)
	rc.cache[key] = fetched{body: body, err: err}
	if err != nil {
		rc.down[u] = err
	}
	return body, err
}

func (rc *revocationChecker) do(ctx context.Context, u string, req []byte, limit int64) ([]byte, error) {
	var hreq *http.Request
	var err error
	if req != nil {
		hreq, err = http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(req))
		if err == nil {
			hreq.Header.Set("Content-Type", "application/ocsp-request")
			hreq.Header.Set("Accept", "application/ocsp-response")
		}
	} else {
		hreq, err = http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot build the request: %w", err)
	}
	resp, err := rc.client.Do(hreq)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("cannot be reached: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("answered HTTP %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("the answer broke off: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("the answer is larger than %d MiB", limit>>20)
	}
	return body, nil
}

// reasonName is the RFC 5280 name of a CRL reason code.
func reasonName(code int) string {
	names := map[int]string{
		0: "unspecified", 1: "keyCompromise", 2: "cACompromise", 3: "affiliationChanged",
		4: "superseded", 5: "cessationOfOperation", 6: "certificateHold", 8: "removeFromCRL",
		9: "privilegeWithdrawn", 10: "aACompromise",
	}
	if n, ok := names[code]; ok {
		return n
	}
	return fmt.Sprintf("reason %d", code)
}
