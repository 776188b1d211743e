package demopki

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"
)

// maxOCSPRequest bounds the size of an OCSP request body.
const maxOCSPRequest = 64 << 10

// buildCRLs signs the issuing CA's CRL (listing Revoked) and the root's CRL
// (empty), both valid for one day.
func (p *PKI) buildCRLs(now time.Time) error {
	now = now.Truncate(time.Second)
	var entries []x509.RevocationListEntry
	for serial, st := range p.status {
		if !st.revoked {
			continue
		}
		n, ok := new(big.Int).SetString(serial, 10)
		if !ok {
			return fmt.Errorf("bad serial number %q in the status table", serial)
		}
		entries = append(entries, x509.RevocationListEntry{
			SerialNumber:   n,
			RevocationTime: st.revokedAt,
			ReasonCode:     st.reason,
		})
	}
	slices.SortFunc(entries, func(a, b x509.RevocationListEntry) int { return a.SerialNumber.Cmp(b.SerialNumber) })
	var err error
	p.crl, err = x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    big.NewInt(1),
		ThisUpdate:                now,
		NextUpdate:                now.Add(day),
		RevokedCertificateEntries: entries,
	}, p.Intermediate.Cert, p.Intermediate.Key)
	if err != nil {
		return fmt.Errorf("sign the issuing CA's CRL: %w", err)
	}
	p.ca, err = x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:     big.NewInt(1),
		ThisUpdate: now,
		NextUpdate: now.Add(day),
	}, p.Root.Cert, p.Root.Key)
	if err != nil {
		return fmt.Errorf("sign the root's CRL: %w", err)
	}
	return nil
}

// OCSPResponse returns a fresh OCSP response for cert, signed by the
// delegated responder exactly as the live responder would answer. cert must
// have been issued by the issuing CA.
func (p *PKI) OCSPResponse(cert *x509.Certificate) ([]byte, error) {
	if !bytes.Equal(cert.RawIssuer, p.Intermediate.Cert.RawSubject) {
		return nil, errors.New("demo PKI: the certificate was not issued by the demo issuing CA")
	}
	return p.respond(cert.SerialNumber)
}

// respond signs the status of serial.
func (p *PKI) respond(serial *big.Int) ([]byte, error) {
	// x/crypto/ocsp stamps producedAt with the wall clock truncated to
	// the minute; NSS refuses a thisUpdate later than producedAt
	// ("response contains a date in the future"), so thisUpdate is
	// truncated the same way and never after the wall clock.
	now := p.now()
	if wall := time.Now(); now.After(wall) {
		now = wall
	}
	now = now.Truncate(time.Minute)
	tmpl := ocsp.Response{
		SerialNumber: serial,
		ThisUpdate:   now,
		NextUpdate:   now.Add(day),
		Certificate:  p.OCSP.Cert,
		Status:       ocsp.Unknown,
	}
	if st, ok := p.status[serialKey(serial)]; ok {
		tmpl.Status = ocsp.Good
		if st.revoked {
			tmpl.Status = ocsp.Revoked
			tmpl.RevokedAt = st.revokedAt
			tmpl.RevocationReason = st.reason
		}
	}
	der, err := ocsp.CreateResponse(p.Intermediate.Cert, p.OCSP.Cert, tmpl, p.OCSP.Key)
	if err != nil {
		return nil, fmt.Errorf("demo PKI: sign the OCSP response: %w", err)
	}
	return der, nil
}

// ServeHTTP answers OCSP requests (GET and POST, RFC 6960 appendix A), the
// CRLs, the CA certificates and timestamp requests.
func (p *PKI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Route on the raw path: GET OCSP requests carry base64, whose '/'
	// and '+' a path-cleaning router would mangle.
	path := r.URL.EscapedPath()
	switch {
	case path == pathOCSP || strings.HasPrefix(path, pathOCSP+"/"):
		if p.noOCSP.Load() {
			http.Error(w, "OCSP responder disabled", http.StatusServiceUnavailable)
			return
		}
		p.serveOCSP(w, r, strings.TrimPrefix(strings.TrimPrefix(path, pathOCSP), "/"))
	case path == pathCRL || path == pathRootCRL:
		if p.noCRL.Load() {
			http.Error(w, "CRL server disabled", http.StatusServiceUnavailable)
			return
		}
		body := p.crl
		if path == pathRootCRL {
			body = p.ca
		}
		serveBytes(w, r, "application/pkix-crl", body)
	case path == pathCAIssuers:
		serveBytes(w, r, "application/pkix-cert", p.Intermediate.Cert.Raw)
	case path == pathRootCert:
		serveBytes(w, r, "application/pkix-cert", p.Root.Cert.Raw)
	case path == pathTSA && p.tsa != nil:
		if p.noTSA.Load() {
			http.Error(w, "timestamp server disabled", http.StatusServiceUnavailable)
			return
		}
		p.tsa.ServeHTTP(w, r)
	default:
		http.NotFound(w, r)
	}
}

func serveBytes(w http.ResponseWriter, r *http.Request, contentType string, body []byte) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", contentType)
	_, _ = w.Write(body)
}

func (p *PKI) serveOCSP(w http.ResponseWriter, r *http.Request, encoded string) {
	var req []byte
	switch r.Method {
	case http.MethodPost:
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxOCSPRequest))
		if err != nil {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return
		}
		req = body
	case http.MethodGet:
		unescaped, err := url.PathUnescape(encoded)
		if err != nil {
			writeOCSP(w, ocsp.MalformedRequestErrorResponse)
			return
		}
		req, err = base64.StdEncoding.DecodeString(unescaped)
		if err != nil {
			writeOCSP(w, ocsp.MalformedRequestErrorResponse)
			return
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}

	parsed, err := ocsp.ParseRequest(req)
	if err != nil {
		writeOCSP(w, ocsp.MalformedRequestErrorResponse)
		return
	}
	if !p.issuedByIntermediate(parsed) {
		writeOCSP(w, ocsp.UnauthorizedErrorResponse)
		return
	}
	resp, err := p.respond(parsed.SerialNumber)
	if err != nil {
		writeOCSP(w, ocsp.InternalErrorErrorResponse)
		return
	}
	writeOCSP(w, resp)
}

// issuedByIntermediate reports whether the request's CertID names the
// issuing CA.
func (p *PKI) issuedByIntermediate(req *ocsp.Request) bool {
	if !req.HashAlgorithm.Available() {
		return false
	}
	pub, err := subjectPublicKeyBits(p.Intermediate.Cert)
	if err != nil {
		return false
	}
	h := req.HashAlgorithm.New()
	h.Write(p.Intermediate.Cert.RawSubject)
	nameHash := h.Sum(nil)
	h.Reset()
	h.Write(pub)
	keyHash := h.Sum(nil)
	return bytes.Equal(nameHash, req.IssuerNameHash) && bytes.Equal(keyHash, req.IssuerKeyHash)
}

func writeOCSP(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/ocsp-response")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(body) // #nosec G705 -- DER, served as application/ocsp-response
}
