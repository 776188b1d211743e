package trust

import (
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"slices"
	"strings"
)

// Extended key usages crypto/x509 does not know.
var (
	oidDocumentSigning   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}       // RFC 9336
	oidAdobeAuthenticDoc = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 5}       // Adobe Authentic Documents Trust
	oidMSDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 3, 12} // Microsoft document signing
	oidExtKeyUsage       = asn1.ObjectIdentifier{2, 5, 29, 37}
)

// ekuSet is the extended key usages of a certificate, known and unknown.
type ekuSet struct {
	known   []x509.ExtKeyUsage
	unknown []asn1.ObjectIdentifier
}

func ekusOf(c *x509.Certificate) ekuSet {
	return ekuSet{known: c.ExtKeyUsage, unknown: c.UnknownExtKeyUsage}
}

func (e ekuSet) empty() bool { return len(e.known) == 0 && len(e.unknown) == 0 }

func (e ekuSet) has(k x509.ExtKeyUsage) bool { return slices.Contains(e.known, k) }

func (e ekuSet) hasOID(oid asn1.ObjectIdentifier) bool {
	return slices.ContainsFunc(e.unknown, oid.Equal)
}

// accepted returns the extended key usages of e that allow u.
//
// The rule for Signing: a leaf with no EKU extension is acceptable; else it
// needs at least one of anyExtendedKeyUsage, emailProtection, clientAuth
// (many Vietnamese CAs issue signing certificates with only clientAuth and
// emailProtection), documentSigning (1.3.6.1.5.5.7.3.36, RFC 9336), Adobe
// Authentic Documents Trust (1.2.840.113583.1.1.5) or Microsoft document
// signing (1.3.6.1.4.1.311.10.3.12); other EKUs next to one of these do not
// matter. Timestamping needs id-kp-timeStamping (RFC 3161 §2.3: the
// extension must also be critical, which checkLeaf verifies);
// anyExtendedKeyUsage is not enough. OCSPSigning needs id-kp-OCSPSigning.
func (e ekuSet) accepted(u Usage) []string {
	var out []string
	add := func(ok bool, name string) {
		if ok {
			out = append(out, name)
		}
	}
	switch u {
	case Signing:
		add(e.has(x509.ExtKeyUsageAny), "any")
		add(e.has(x509.ExtKeyUsageEmailProtection), "emailProtection")
		add(e.has(x509.ExtKeyUsageClientAuth), "clientAuth")
		add(e.hasOID(oidDocumentSigning), "documentSigning")
		add(e.hasOID(oidAdobeAuthenticDoc), "adobeAuthenticDocumentsTrust")
		add(e.hasOID(oidMSDocumentSigning), "msDocumentSigning")
	case Timestamping:
		add(e.has(x509.ExtKeyUsageTimeStamping), "timeStamping")
	case OCSPSigning:
		add(e.has(x509.ExtKeyUsageOCSPSigning), "OCSPSigning")
	}
	return out
}

// allowsForLeaf reports whether a CA's EKU set e permits the leaf's usages
// for u: a CA without EKUs or with anyExtendedKeyUsage allows all;
// otherwise it must share one acceptable usage with the leaf (any acceptable
// usage when the leaf has no EKU or anyExtendedKeyUsage).
func (e ekuSet) allowsForLeaf(u Usage, leafAccepted []string, leafEmpty bool) bool {
	if e.empty() || e.has(x509.ExtKeyUsageAny) {
		return true
	}
	caAccepted := e.accepted(u)
	if leafEmpty || slices.Contains(leafAccepted, "any") {
		return len(caAccepted) > 0
	}
	for _, a := range caAccepted {
		if slices.Contains(leafAccepted, a) {
			return true
		}
	}
	return false
}

// pickChain returns the first chain whose certificates allow u, or the
// first chain and a sentence saying why none does.
func pickChain(chains [][]*x509.Certificate, u Usage) ([]*x509.Certificate, string) {
	var first string
	for _, chain := range chains {
		problem := checkChainUsage(chain, u)
		if problem == "" {
			return chain, ""
		}
		if first == "" {
			first = problem
		}
	}
	return chains[0], first
}

func checkChainUsage(chain []*x509.Certificate, u Usage) string {
	leaf := chain[0]
	if problem := checkLeaf(leaf, u); problem != "" {
		return problem
	}
	leafEKU := ekusOf(leaf)
	leafAccepted := leafEKU.accepted(u)
	for _, ca := range chain[1:] {
		if !ekusOf(ca).allowsForLeaf(u, leafAccepted, leafEKU.empty()) {
			return fmt.Sprintf("the certificate of %s may not be used for %s: its issuing CA %s restricts the usages it allows (%s)",
				name(leaf), u, name(ca), describeEKUs(ekusOf(ca)))
		}
	}
	return ""
}

// checkLeaf applies the key usage and extended key usage rules to the
// end-entity certificate.
func checkLeaf(c *x509.Certificate, u Usage) string {
	var kuOK bool
	var kuWant string
	switch u {
	case Signing, Timestamping:
		kuOK = c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) != 0
		kuWant = "digital signature or non-repudiation"
	case OCSPSigning:
		kuOK = c.KeyUsage&x509.KeyUsageDigitalSignature != 0
		kuWant = "digital signature"
	default:
		return fmt.Sprintf("unknown usage %d", int(u))
	}
	if c.KeyUsage != 0 && !kuOK {
		return fmt.Sprintf("the certificate of %s may not be used for %s: its key usage (%s) does not include %s",
			name(c), u, describeKU(c.KeyUsage), kuWant)
	}

	e := ekusOf(c)
	switch {
	case u == Signing && e.empty():
		return ""
	case e.empty():
		return fmt.Sprintf("the certificate of %s may not be used for %s: it has no extended key usage for it", name(c), u)
	case len(e.accepted(u)) == 0:
		return fmt.Sprintf("the certificate of %s may not be used for %s: its extended key usage allows only %s",
			name(c), u, describeEKUs(e))
	case u == Timestamping && !ekuCritical(c):
		return fmt.Sprintf("the certificate of %s may not be used for %s: its extended key usage extension is not marked critical (RFC 3161)",
			name(c), u)
	}
	return ""
}

func ekuCritical(c *x509.Certificate) bool {
	for _, ext := range c.Extensions {
		if ext.Id.Equal(oidExtKeyUsage) {
			return ext.Critical
		}
	}
	return false
}

func describeKU(ku x509.KeyUsage) string {
	names := []struct {
		bit  x509.KeyUsage
		name string
	}{
		{x509.KeyUsageDigitalSignature, "digital signature"},
		{x509.KeyUsageContentCommitment, "non-repudiation"},
		{x509.KeyUsageKeyEncipherment, "key encipherment"},
		{x509.KeyUsageDataEncipherment, "data encipherment"},
		{x509.KeyUsageKeyAgreement, "key agreement"},
		{x509.KeyUsageCertSign, "certificate signing"},
		{x509.KeyUsageCRLSign, "CRL signing"},
		{x509.KeyUsageEncipherOnly, "encipher only"},
		{x509.KeyUsageDecipherOnly, "decipher only"},
	}
	var out []string
	for _, n := range names {
		if ku&n.bit != 0 {
			out = append(out, n.name)
		}
	}
	return strings.Join(out, ", ")
}

func describeEKUs(e ekuSet) string {
	names := map[x509.ExtKeyUsage]string{
		x509.ExtKeyUsageAny:             "any purpose",
		x509.ExtKeyUsageServerAuth:      "TLS server authentication",
		x509.ExtKeyUsageClientAuth:      "TLS client authentication",
		x509.ExtKeyUsageCodeSigning:     "code signing",
		x509.ExtKeyUsageEmailProtection: "e-mail protection",
		x509.ExtKeyUsageTimeStamping:    "timestamping",
		x509.ExtKeyUsageOCSPSigning:     "OCSP signing",
		x509.ExtKeyUsageIPSECEndSystem:  "IPsec end system",
		x509.ExtKeyUsageIPSECTunnel:     "IPsec tunnel",
		x509.ExtKeyUsageIPSECUser:       "IPsec user",
	}
	var out []string
	for _, k := range e.known {
		if n, ok := names[k]; ok {
			out = append(out, n)
		} else {
			out = append(out, fmt.Sprintf("usage %d", int(k)))
		}
	}
	for _, oid := range e.unknown {
		switch {
		case oid.Equal(oidDocumentSigning):
			out = append(out, "document signing")
		case oid.Equal(oidAdobeAuthenticDoc):
			out = append(out, "Adobe authentic documents")
		case oid.Equal(oidMSDocumentSigning):
			out = append(out, "Microsoft document signing")
		default:
			out = append(out, oid.String())
		}
	}
	return strings.Join(out, ", ")
}
