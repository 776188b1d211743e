package edxml

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // SHA-1 signatures are verified and reported weak, never made
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/big"
	"os"
	"strings"
)

const (
	algEnveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

	algSHA1   = "http://www.w3.org/2000/09/xmldsig#sha1"
	algSHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
	algSHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
	algSHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"

	algRSASHA1     = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
	algRSASHA256   = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	algRSASHA384   = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
	algRSASHA512   = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
	algECDSASHA1   = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1"
	algECDSASHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
	algECDSASHA384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"
	algECDSASHA512 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512"

	nsExcC14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
)

var digestAlgs = map[string]crypto.Hash{
	algSHA1: crypto.SHA1, algSHA256: crypto.SHA256, algSHA384: crypto.SHA384, algSHA512: crypto.SHA512,
}

type sigAlg struct {
	hash  crypto.Hash
	ecdsa bool
}

var signatureAlgs = map[string]sigAlg{
	algRSASHA1: {crypto.SHA1, false}, algRSASHA256: {crypto.SHA256, false},
	algRSASHA384: {crypto.SHA384, false}, algRSASHA512: {crypto.SHA512, false},
	algECDSASHA1: {crypto.SHA1, true}, algECDSASHA256: {crypto.SHA256, true},
	algECDSASHA384: {crypto.SHA384, true}, algECDSASHA512: {crypto.SHA512, true},
}

func newHash(h crypto.Hash) hash.Hash {
	switch h {
	case crypto.SHA1:
		return sha1.New() //nolint:gosec // verification of old signatures only
	case crypto.SHA384:
		return sha512.New384()
	case crypto.SHA512:
		return sha512.New()
	}
	return sha256.New()
}

// SignatureResult reports on a packet's XML signature.
type SignatureResult struct {
	// Present is false when edXMLHeader has no XMLDSig signature (an absent
	// or empty Signature element is common in the field).
	Present bool
	// Valid is true when the digest of the packet and the signature over
	// SignedInfo both check out with the signer's certificate. Whether
	// that certificate is trusted is for the caller to decide.
	Valid bool
	// Weak is set when the signature relies on SHA-1.
	Weak bool
	// Signer is the certificate whose key verified the signature (or, when
	// none did, the first one in KeyInfo).
	Signer *x509.Certificate
	// Certificates are all the certificates of KeyInfo.
	Certificates []*x509.Certificate
	// The algorithms used (URIs).
	Canonicalization, SignatureMethod, DigestMethod string
	// Reason says why the signature is not valid, or notes a weakness.
	Reason string
}

// VerifySignature checks the enveloped XMLDSig signature of a packet:
// the reference digest over the canonicalised packet without the
// Signature element, then the signature over SignedInfo. It reads the
// packet twice and never holds it in memory. The error is for a packet
// that cannot be read as XML; a signature that does not verify is a
// result with Valid false and a Reason.
func VerifySignature(r io.ReadSeeker) (SignatureResult, error) {
	var res SignatureResult
	sig, ctx, err := findSignature(r)
	if err != nil || sig == nil {
		return res, err
	}
	si := dsChild(sig, "SignedInfo")
	if si == nil {
		return res, nil // an empty placeholder
	}
	res.Present = true
	fail := func(format string, args ...any) (SignatureResult, error) {
		res.Reason = fmt.Sprintf(format, args...)
		return res, nil
	}

	// KeyInfo first, so that a failure still names the signer.
	if ki := dsChild(sig, "KeyInfo"); ki != nil {
		for _, xd := range ki.elems() {
			if xd.name.space != nsDSig || xd.name.local != "X509Data" {
				continue
			}
			for _, xc := range xd.elems() {
				if xc.name.space != nsDSig || xc.name.local != "X509Certificate" {
					continue
				}
				der, err := decodeB64Text(xc)
				if err != nil {
					return fail("a certificate in KeyInfo is not valid base64")
				}
				cert, err := x509.ParseCertificate(der)
				if err != nil {
					return fail("a certificate in KeyInfo cannot be read: %v", err)
				}
				res.Certificates = append(res.Certificates, cert)
			}
		}
	}
	if len(res.Certificates) > 0 {
		res.Signer = res.Certificates[0]
	}

	cm := dsChild(si, "CanonicalizationMethod")
	sm := dsChild(si, "SignatureMethod")
	if cm == nil || sm == nil {
		return fail("SignedInfo lacks CanonicalizationMethod or SignatureMethod")
	}
	res.Canonicalization = attrValue(cm, "Algorithm")
	res.SignatureMethod = attrValue(sm, "Algorithm")
	siMode, ok := c14nModeOf(cm)
	if !ok {
		return fail("unsupported canonicalization %s", res.Canonicalization)
	}
	salg, ok := signatureAlgs[res.SignatureMethod]
	if !ok {
		return fail("unsupported signature method %s", res.SignatureMethod)
	}
	var refs []*node
	for _, c := range si.elems() {
		if c.name.space == nsDSig && c.name.local == "Reference" {
			refs = append(refs, c)
		}
	}
	if len(refs) != 1 {
		return fail("SignedInfo has %d references; one (the whole packet) was expected", len(refs))
	}
	ref := refs[0]
	if uri, ok := attrLookup(ref, "URI"); !ok || uri != "" {
		return fail("the signature does not cover the whole packet (Reference URI %q)", uri)
	}
	docMode, reason := transformsOf(ref)
	if reason != "" {
		return fail("%s", reason)
	}
	dm := dsChild(ref, "DigestMethod")
	dv := dsChild(ref, "DigestValue")
	if dm == nil || dv == nil {
		return fail("the reference lacks DigestMethod or DigestValue")
	}
	res.DigestMethod = attrValue(dm, "Algorithm")
	dalg, ok := digestAlgs[res.DigestMethod]
	if !ok {
		return fail("unsupported digest method %s", res.DigestMethod)
	}
	res.Weak = dalg == crypto.SHA1 || salg.hash == crypto.SHA1
	want, err := decodeB64Text(dv)
	if err != nil {
		return fail("DigestValue is not valid base64")
	}

	// The packet's digest, streamed.
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return res, fmt.Errorf("rereading the packet: %w", err)
	}
	h := newHash(dalg)
	if err := canonicalizeDocument(r, h, docMode, true); err != nil {
		return res, err
	}
	if !bytes.Equal(h.Sum(nil), want) {
		return fail("the packet was changed after it was signed (digest mismatch)")
	}

	// The signature over SignedInfo.
	sh := newHash(salg.hash)
	c := newCanon(sh, siMode)
	for _, decls := range ctx.decls {
		c.inherit(decls)
	}
	c.apexXML = ctx.xmlAttrs
	c.node(si)
	if err := c.flush(); err != nil {
		return res, err
	}
	sv := dsChild(sig, "SignatureValue")
	if sv == nil {
		return fail("the signature has no SignatureValue")
	}
	sigBytes, err := decodeB64Text(sv)
	if err != nil {
		return fail("SignatureValue is not valid base64")
	}
	if len(res.Certificates) == 0 {
		return fail("KeyInfo carries no X509 certificate to check the signature with")
	}
	digest := sh.Sum(nil)
	for _, cert := range res.Certificates {
		if verifyWith(cert.PublicKey, salg, digest, sigBytes) {
			res.Signer = cert
			res.Valid = true
			if res.Weak {
				res.Reason = "the signature uses SHA-1, which is no longer considered secure"
			}
			return res, nil
		}
	}
	return fail("the signature value does not match (wrong key or tampered signature)")
}

func verifyWith(pub crypto.PublicKey, alg sigAlg, digest, sig []byte) bool {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return !alg.ecdsa && rsa.VerifyPKCS1v15(k, alg.hash, digest, sig) == nil
	case *ecdsa.PublicKey:
		if !alg.ecdsa {
			return false
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		if len(sig) == 2*size {
			r := new(big.Int).SetBytes(sig[:size])
			s := new(big.Int).SetBytes(sig[size:])
			return ecdsa.Verify(k, digest, r, s)
		}
		return ecdsa.VerifyASN1(k, digest, sig)
	}
	return false
}

// sigContext is what the SignedInfo inherits from its ancestors.
type sigContext struct {
	decls    [][]nsDecl
	xmlAttrs []xattr
}

// findSignature reads the packet up to the end of edXMLEnvelope and
// returns the XMLDSig Signature of edXMLHeader, if any.
func findSignature(r io.Reader) (*node, sigContext, error) {
	var ctx sigContext
	s := newScanner(r, Limits{})
	t, err := s.next()
	if err != nil {
		return nil, ctx, err
	}
	if t.kind != tokStart || t.name.local != "edXML" || t.name.space != Namespace {
		return nil, ctx, errorf(ErrNotEdXML, "the packet's root element is not edXML in namespace %s", Namespace)
	}
	rootDecls := append([]nsDecl(nil), t.decls...)
	rootXML := xmlAttrsOf(t.attrs)
	for {
		t, err := s.next()
		if err != nil {
			return nil, ctx, err
		}
		switch t.kind {
		case tokText:
			continue
		case tokEnd, tokEOF:
			return nil, ctx, errorf(ErrNotEdXML, "the packet has no edXMLEnvelope")
		}
		if !isEd(t.name, "edXMLEnvelope") {
			return nil, ctx, errorf(ErrNotEdXML, "line %d: expected edXMLEnvelope, found <%s>", t.line, t.name)
		}
		env, err := readNode(s, t, s.offset()+s.lim.MaxHeaderSize, "edXMLEnvelope")
		if err != nil {
			return nil, ctx, err
		}
		header, _, err := splitEnvelope(env)
		if err != nil {
			return nil, ctx, err
		}
		for _, c := range header.elems() {
			if c.name.local == "Signature" && c.name.space == nsDSig {
				ctx.decls = [][]nsDecl{rootDecls, env.decls, header.decls, c.decls}
				ctx.xmlAttrs = mergeXMLAttrs(rootXML, xmlAttrsOf(env.attrs), xmlAttrsOf(header.attrs), xmlAttrsOf(c.attrs))
				return c, ctx, nil
			}
		}
		return nil, ctx, nil
	}
}

func xmlAttrsOf(as []xattr) []xattr {
	var out []xattr
	for _, a := range as {
		if a.space == nsXML {
			out = append(out, a)
		}
	}
	return out
}

// mergeXMLAttrs lets nearer ancestors' xml:* attributes override farther ones.
func mergeXMLAttrs(levels ...[]xattr) []xattr {
	var out []xattr
	for _, l := range levels {
		for _, a := range l {
			replaced := false
			for i := range out {
				if out[i].local == a.local {
					out[i] = a
					replaced = true
				}
			}
			if !replaced {
				out = append(out, a)
			}
		}
	}
	return out
}

func dsChild(n *node, local string) *node {
	for _, c := range n.elems() {
		if c.name.space == nsDSig && c.name.local == local {
			return c
		}
	}
	return nil
}

func attrLookup(n *node, local string) (string, bool) {
	for _, a := range n.attrs {
		if a.space == "" && a.local == local {
			return a.value, true
		}
	}
	return "", false
}

func attrValue(n *node, local string) string {
	v, _ := attrLookup(n, local)
	return v
}

func decodeB64Text(n *node) ([]byte, error) {
	var b strings.Builder
	for _, k := range n.kids {
		if k.elem != nil {
			return nil, errors.New("element in base64 content")
		}
		for _, c := range k.text {
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
				b.WriteRune(c)
			}
		}
	}
	return base64.StdEncoding.DecodeString(b.String())
}

// c14nModeOf reads a CanonicalizationMethod or Transform element.
func c14nModeOf(n *node) (c14nMode, bool) {
	switch attrValue(n, "Algorithm") {
	case algC14N, algC14NComments:
		return c14nMode{}, true
	case algExcC14N, algExcC14NComments:
		m := c14nMode{exclusive: true}
		for _, c := range n.elems() {
			if c.name.space == nsExcC14N && c.name.local == "InclusiveNamespaces" {
				for _, p := range strings.Fields(attrValue(c, "PrefixList")) {
					if p == "#default" {
						p = ""
					}
					m.prefixes = append(m.prefixes, p)
				}
			}
		}
		return m, true
	}
	return c14nMode{}, false
}

// transformsOf accepts the enveloped-signature transform, optionally
// followed by one canonicalization; it returns the canonicalization of
// the document, or why the transforms are refused.
func transformsOf(ref *node) (c14nMode, string) {
	var ts []*node
	if tr := dsChild(ref, "Transforms"); tr != nil {
		for _, c := range tr.elems() {
			if c.name.space == nsDSig && c.name.local == "Transform" {
				ts = append(ts, c)
			}
		}
	}
	if len(ts) == 0 || attrValue(ts[0], "Algorithm") != algEnveloped {
		return c14nMode{}, "the signature is not an enveloped signature (no enveloped-signature transform first)"
	}
	switch len(ts) {
	case 1:
		return c14nMode{}, "" // the default: Canonical XML 1.0
	case 2:
		m, ok := c14nModeOf(ts[1])
		if !ok {
			return c14nMode{}, "unsupported transform " + attrValue(ts[1], "Algorithm")
		}
		return m, ""
	}
	return c14nMode{}, "the signature applies transforms other than enveloped-signature and canonicalization"
}

// signed writes a signed packet: the unsigned packet is spooled to a
// temporary file while its canonical form is hashed, then copied to w
// with the Signature element inserted into edXMLHeader.
func (enc *encoder) signed(w io.Writer, e *Edoc, atts []Attachment, refs []Reference) error {
	method, err := signatureMethodFor(enc.opts.Signer, enc.opts.Certificates)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(enc.opts.TempDir, "edxml-*.sign")
	if err != nil {
		return fmt.Errorf("spooling the packet to sign: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()

	pr, pw := io.Pipe()
	h := sha256.New()
	done := make(chan error, 1)
	go func() {
		err := canonicalizeDocument(pr, h, c14nMode{exclusive: true}, false)
		pr.CloseWithError(err)
		done <- err
	}()
	bw := bufio.NewWriterSize(io.MultiWriter(tmp, pw), 64<<10)
	slot, err := enc.edoc(bw, e, atts, refs, true)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		pw.CloseWithError(err)
	} else {
		pw.Close()
	}
	cerr := <-done
	if err != nil {
		return err
	}
	if cerr != nil {
		return fmt.Errorf("canonicalising the packet to sign it: %w", cerr)
	}

	sig, err := buildSignature(enc.opts.Signer, enc.opts.Certificates, method, h.Sum(nil))
	if err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rereading the spooled packet: %w", err)
	}
	if _, err := io.CopyN(w, tmp, slot); err != nil {
		return err
	}
	if _, err := io.WriteString(w, sig); err != nil {
		return err
	}
	_, err = io.Copy(w, tmp)
	return err
}

func signatureMethodFor(signer crypto.Signer, certs []*x509.Certificate) (string, error) {
	if len(certs) == 0 {
		return "", invalidf("signing needs the signer's certificate (EncodeOptions.Certificates)")
	}
	pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(certs[0].PublicKey) {
		return "", invalidf("the signing key does not belong to the first certificate")
	}
	switch signer.Public().(type) {
	case *rsa.PublicKey:
		return algRSASHA256, nil
	case *ecdsa.PublicKey:
		return algECDSASHA256, nil
	}
	return "", invalidf("signing supports RSA and ECDSA keys only")
}

// buildSignature returns the Signature element for a packet whose
// canonical form (without the signature) has the given SHA-256 digest.
func buildSignature(signer crypto.Signer, certs []*x509.Certificate, method string, digest []byte) (string, error) {
	signedInfo := `<SignedInfo>` +
		`<CanonicalizationMethod Algorithm="` + algExcC14N + `"/>` +
		`<SignatureMethod Algorithm="` + method + `"/>` +
		`<Reference URI="">` +
		`<Transforms>` +
		`<Transform Algorithm="` + algEnveloped + `"/>` +
		`<Transform Algorithm="` + algExcC14N + `"/>` +
		`</Transforms>` +
		`<DigestMethod Algorithm="` + algSHA256 + `"/>` +
		`<DigestValue>` + base64.StdEncoding.EncodeToString(digest) + `</DigestValue>` +
		`</Reference>` +
		`</SignedInfo>`
	open := `<Signature xmlns="` + nsDSig + `">`

	// Canonicalise SignedInfo exactly as a verifier will: parsed in place.
	s := newScanner(strings.NewReader(open+signedInfo+`</Signature>`), Limits{})
	t, err := s.next()
	if err != nil {
		return "", err
	}
	sigNode, err := readNode(s, t, 1<<20, "Signature")
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	c := newCanon(&buf, c14nMode{exclusive: true})
	c.inherit(sigNode.decls)
	c.node(dsChild(sigNode, "SignedInfo"))
	if err := c.flush(); err != nil {
		return "", err
	}
	sum := sha256.Sum256(buf.Bytes())
	value, err := signer.Sign(rand.Reader, sum[:], crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("signing: %w", err)
	}
	if k, ok := signer.Public().(*ecdsa.PublicKey); ok {
		if value, err = ecdsaRaw(value, k); err != nil {
			return "", err
		}
	}
	var b strings.Builder
	b.WriteString(open)
	b.WriteString(signedInfo)
	b.WriteString(`<SignatureValue>` + base64.StdEncoding.EncodeToString(value) + `</SignatureValue>`)
	b.WriteString(`<KeyInfo><X509Data>`)
	for _, cert := range certs {
		b.WriteString(`<X509Certificate>` + base64.StdEncoding.EncodeToString(cert.Raw) + `</X509Certificate>`)
	}
	b.WriteString(`</X509Data></KeyInfo></Signature>`)
	return b.String(), nil
}

// ecdsaRaw turns an ASN.1 ECDSA signature into XMLDSig's r||s.
func ecdsaRaw(der []byte, k *ecdsa.PublicKey) ([]byte, error) {
	var sig struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(der, &sig); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("signing: the key returned a malformed ECDSA signature")
	}
	size := (k.Curve.Params().BitSize + 7) / 8
	if sig.R.Sign() <= 0 || sig.S.Sign() <= 0 || sig.R.BitLen() > 8*size || sig.S.BitLen() > 8*size {
		return nil, fmt.Errorf("signing: the key returned an out-of-range ECDSA signature")
	}
	out := make([]byte, 2*size)
	sig.R.FillBytes(out[:size])
	sig.S.FillBytes(out[size:])
	return out, nil
}
