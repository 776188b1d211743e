// Package demopki builds a small but realistic Vietnamese-style public key
// infrastructure for tests and the demo: a root, an issuing CA, personal,
// organisation, timestamping and OCSP responder certificates, and live OCSP,
// CRL, CA-issuers and timestamp servers on 127.0.0.1.
//
// Nothing here is meant for production: the keys live in memory and are
// written to disk only when asked (WriteFiles).
package demopki

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Options tune the generated PKI.
type Options struct {
	// Now is the reference time the certificates are built around; zero
	// means time.Now. The servers' clock starts at Now and runs forward:
	// OCSP thisUpdate/nextUpdate, CRL dates and timestamps follow it, but
	// the OCSP producedAt field follows the wall clock (x/crypto/ocsp sets
	// it).
	Now time.Time
	// RSA gives the end-entity keys RSA-2048 instead of ECDSA P-256. The CA
	// keys are always ECDSA P-384.
	RSA bool
	// NoServers starts no OCSP, CRL or timestamp server; the certificates
	// then carry no AIA or CRL distribution point URLs.
	NoServers bool
}

// Identity is a certificate with its private key.
type Identity struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	// Chain is the certificate followed by its issuing CA(s), without the
	// root. For the root itself it holds only the root.
	Chain []*x509.Certificate
}

// PKI is a generated demo PKI with its servers.
type PKI struct {
	// Root is the trust anchor, Intermediate the CA that issues every
	// end-entity certificate below.
	Root, Intermediate *Identity
	// Leader is a personal certificate of a provincial vice-chairman,
	// Agency the organisation certificate of the provincial People's
	// Committee, Clerk the personal certificate of its records clerk.
	Leader, Agency, Clerk *Identity
	// TSA signs timestamps (critical id-kp-timeStamping); OCSP is the
	// delegated OCSP responder (id-kp-OCSPSigning, id-pkix-ocsp-nocheck).
	TSA, OCSP *Identity
	// Revoked was revoked (keyCompromise) one hour before Now; Expired
	// expired one day before Now; NonSigning may only encipher keys;
	// DocSigningOnly carries only the document-signing EKU.
	Revoked, Expired, NonSigning, DocSigningOnly *Identity

	// OCSPURL, CRLURL (the issuing CA's CRL), RootCRLURL (the root's CRL,
	// covering the issuing CA), CAIssuersURL (the issuing CA's certificate)
	// and TSAURL (RFC 3161 over HTTP POST, policy TSAPolicy) are empty
	// with NoServers.
	OCSPURL, CRLURL, RootCRLURL, CAIssuersURL, TSAURL string

	// RevokedAt is when Revoked was revoked.
	RevokedAt time.Time

	base    time.Time // Options.Now, or zero for the wall clock
	started time.Time

	status map[string]certStatus // by serial (decimal) of certificates the intermediate issued
	crl    []byte                // intermediate's CRL, DER
	ca     []byte                // root's CRL, DER
	tsa    http.Handler

	noOCSP, noCRL, noTSA atomic.Bool

	srv       *http.Server
	served    chan struct{}
	closeOnce sync.Once
}

type certStatus struct {
	revoked   bool
	revokedAt time.Time
	reason    int
}

// Demo policy identifiers under the enterprise number IANA reserves for
// documentation and examples (RFC 5612), 704 being Viet Nam's country code.
var (
	oidPolicySigning  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 704, 1, 1}
	oidPolicyTSA      = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 704, 2, 1}
	oidAnyPolicy      = asn1.ObjectIdentifier{2, 5, 29, 32, 0}
	oidDocSigning     = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}
	oidOCSPNoCheck    = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}
	oidExtKeyUsageExt = asn1.ObjectIdentifier{2, 5, 29, 37}
)

// TSAPolicy is the policy OID the demo timestamp authority puts in its tokens.
var TSAPolicy = oidPolicyTSA

// New generates the PKI. Unless opts.NoServers is set it first opens a
// listener on 127.0.0.1, issues the certificates with the real URLs and
// then serves OCSP, CRLs, the CA certificates and timestamps. Call Close
// when done.
func New(opts Options) (*PKI, error) {
	p := &PKI{base: opts.Now, started: time.Now(), served: make(chan struct{})}
	now := p.now()

	var ln net.Listener
	if !opts.NoServers {
		var err error
		ln, err = net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("demo PKI: open a local port for the OCSP/CRL servers: %w", err)
		}
		base := "http://" + ln.Addr().String()
		p.OCSPURL = base + pathOCSP
		p.CRLURL = base + pathCRL
		p.RootCRLURL = base + pathRootCRL
		p.CAIssuersURL = base + pathCAIssuers
		p.TSAURL = base + pathTSA
	}

	if err := p.issueAll(now, opts.RSA); err != nil {
		if ln != nil {
			_ = ln.Close()
		}
		return nil, fmt.Errorf("demo PKI: %w", err)
	}

	if err := p.buildCRLs(now); err != nil {
		if ln != nil {
			_ = ln.Close()
		}
		return nil, fmt.Errorf("demo PKI: %w", err)
	}

	if ln == nil {
		close(p.served)
		return p, nil
	}
	p.tsa = newTSAHandler(p)
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(p.served)
		// Serve returns http.ErrServerClosed after Close; any other
		// error means the listener broke, which clients then see as
		// refused connections.
		_ = p.srv.Serve(ln)
	}()
	return p, nil
}

// Close stops the servers and waits for them to finish. The certificates and
// keys stay usable. Close may be called more than once.
func (p *PKI) Close() {
	p.closeOnce.Do(func() {
		if p.srv != nil {
			_ = p.srv.Close()
		}
		<-p.served
	})
}

// RootPool returns a new pool holding only the demo root.
func (p *PKI) RootPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.Root.Cert)
	return pool
}

// DisableOCSP makes the OCSP responder answer 503 Service Unavailable while
// off is true.
func (p *PKI) DisableOCSP(off bool) { p.noOCSP.Store(off) }

// DisableCRL makes the CRL server answer 503 Service Unavailable while off
// is true.
func (p *PKI) DisableCRL(off bool) { p.noCRL.Store(off) }

// DisableTSA makes the timestamp server answer 503 Service Unavailable while
// off is true.
func (p *PKI) DisableTSA(off bool) { p.noTSA.Store(off) }

// Now returns the PKI's clock: Options.Now plus the time elapsed since New,
// or the wall clock when Options.Now was zero.
func (p *PKI) Now() time.Time { return p.now() }

func (p *PKI) now() time.Time {
	if p.base.IsZero() {
		return time.Now()
	}
	return p.base.Add(time.Since(p.started))
}

// CRL returns the issuing CA's current CRL (DER), which lists Revoked.
func (p *PKI) CRL() []byte { return append([]byte(nil), p.crl...) }

// RootCRL returns the root's current CRL (DER), which covers the issuing CA.
func (p *PKI) RootCRL() []byte { return append([]byte(nil), p.ca...) }

// named lists the end-entity identities with the file names WriteFiles uses.
func (p *PKI) named() []struct {
	name string
	id   *Identity
} {
	return []struct {
		name string
		id   *Identity
	}{
		{"leader", p.Leader},
		{"agency", p.Agency},
		{"clerk", p.Clerk},
		{"tsa", p.TSA},
		{"ocsp", p.OCSP},
		{"revoked", p.Revoked},
		{"expired", p.Expired},
		{"nonsigning", p.NonSigning},
		{"docsigningonly", p.DocSigningOnly},
	}
}

func serialKey(n *big.Int) string { return n.String() }
