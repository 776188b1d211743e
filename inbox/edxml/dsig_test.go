package edxml

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/signing/demopki"
)

// signerSet is a signing identity with the CA certificates above it.
type signerSet struct {
	root, inter *x509.Certificate
	leader      *demopki.Identity
}

var (
	pkiOnce sync.Once
	pkiEC   signerSet
	pkiRSA  signerSet
	pkiErr  error
)

// testPKIs returns the demo PKI's leader (ECDSA P-256) and an RSA-2048
// certificate that the same issuing CA signs.
func testPKIs(t testing.TB) (ec, rsa signerSet) {
	t.Helper()
	pkiOnce.Do(func() {
		p, err := demopki.New(demopki.Options{NoServers: true})
		if err != nil {
			pkiErr = err
			return
		}
		pkiEC = signerSet{p.Root.Cert, p.Intermediate.Cert, p.Leader}
		var id *demopki.Identity
		id, pkiErr = issueRSA(p)
		pkiRSA = signerSet{p.Root.Cert, p.Intermediate.Cert, id}
	})
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pkiEC, pkiRSA
}

func issueRSA(p *demopki.PKI) (*demopki.Identity, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject:      pkix.Name{CommonName: "Trần Văn Bình (RSA)", Organization: []string{"UBND tỉnh Hà Nam"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.Intermediate.Cert, &key.PublicKey, p.Intermediate.Key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &demopki.Identity{Cert: cert, Key: key, Chain: []*x509.Certificate{cert, p.Intermediate.Cert}}, nil
}

func writePEM(t testing.TB, path, typ string, ders ...[]byte) string {
	t.Helper()
	var b []byte
	for _, d := range ders {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: d})...)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func xmlsec(t testing.TB, args ...string) (string, error) {
	t.Helper()
	needTool(t, "xmlsec1", "xmlsec1")
	out, err := exec.Command("xmlsec1", args...).CombinedOutput()
	return string(out), err
}

// signedFull encodes the full test packet signed by the PKI's leader.
func signedFull(t testing.TB, p signerSet) ([]byte, *Edoc, *memSink) {
	t.Helper()
	sink := newMemSink()
	e := decode(t, readTestdata(t, "full.edxml"), sink)
	out := encode(t, e, sink, EncodeOptions{Signer: p.leader.Key, Certificates: p.leader.Chain, TempDir: t.TempDir()})
	return out, e, sink
}

func verifyBytes(t testing.TB, packet []byte) SignatureResult {
	t.Helper()
	res, err := VerifySignature(bytes.NewReader(packet))
	if err != nil {
		t.Fatalf("VerifySignature: %v", err)
	}
	return res
}

// tamperings change one byte of a signed packet: in the header, and in an
// attachment's base64.
func tamperings(t testing.TB, packet []byte) map[string][]byte {
	t.Helper()
	header := bytes.Replace(packet, []byte("Nguyễn Văn Tùng"), []byte("Nguyễn Văn Từng"), 1)
	i := bytes.LastIndex(packet, []byte("</edXML:ContentTransferEncoded>"))
	att := append([]byte(nil), packet...)
	j := i - 20
	if att[j] == 'A' {
		att[j] = 'B'
	} else {
		att[j] = 'A'
	}
	if bytes.Equal(header, packet) {
		t.Fatal("header tampering changed nothing")
	}
	return map[string][]byte{"header": header, "attachment": att}
}

func TestSignAndVerifyWithXmlsec(t *testing.T) {
	ec, rsa := testPKIs(t)
	for _, p := range []struct {
		name string
		pki  signerSet
		alg  string
	}{{"ECDSA", ec, algECDSASHA256}, {"RSA", rsa, algRSASHA256}} {
		t.Run(p.name, func(t *testing.T) {
			dir := t.TempDir()
			root := writePEM(t, filepath.Join(dir, "root.pem"), "CERTIFICATE", p.pki.root.Raw)
			packet, e, sink := signedFull(t, p.pki)
			path := filepath.Join(dir, "signed.edxml")
			if err := os.WriteFile(path, packet, 0o600); err != nil {
				t.Fatal(err)
			}
			res := verifyBytes(t, packet)
			if !res.Present || !res.Valid || res.Weak || res.SignatureMethod != p.alg || res.Signer == nil || !res.Signer.Equal(p.pki.leader.Cert) {
				t.Fatalf("our verifier: %+v", res)
			}
			if out, err := xmlsec(t, "--verify", "--trusted-pem", root, path); err != nil {
				t.Fatalf("xmlsec1 refuses our signature: %v\n%s", err, out)
			}

			// The signed packet still decodes, and equals the unsigned one
			// but for the signature.
			got := decode(t, packet, sink)
			if got.Signature == "" {
				t.Fatal("the decoder lost the signature")
			}
			got.Signature = e.Signature
			if d := diffValues(got, e); d != "[]" {
				t.Errorf("signed packet decodes differently: %s", d)
			}

			for what, bad := range tamperings(t, packet) {
				res := verifyBytes(t, bad)
				if res.Valid || !strings.Contains(res.Reason, "changed after it was signed") {
					t.Errorf("tampered %s: %+v", what, res)
				}
				bpath := filepath.Join(dir, what+".edxml")
				if err := os.WriteFile(bpath, bad, 0o600); err != nil {
					t.Fatal(err)
				}
				if out, err := xmlsec(t, "--verify", "--trusted-pem", root, bpath); err == nil {
					t.Errorf("xmlsec1 accepts the packet with a tampered %s:\n%s", what, out)
				}
			}

			// Our own signed packets survive decode → encode byte for byte.
			again := encode(t, decode(t, packet, sink), sink, EncodeOptions{})
			if !bytes.Equal(again, packet) {
				t.Error("re-encoding a decoded signed packet changes it")
			}
			if !verifyBytes(t, again).Valid {
				t.Error("the re-encoded packet no longer verifies")
			}
		})
	}
}

// template is an xmlsec1 signing template for the header.
func template(c14n, sigAlg, digestAlg string, transformC14N bool) string {
	tr := ""
	if transformC14N {
		tr = `<Transform Algorithm="` + c14n + `"/>`
	}
	return `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>` +
		`<CanonicalizationMethod Algorithm="` + c14n + `"/><SignatureMethod Algorithm="` + sigAlg + `"/>` +
		`<Reference URI=""><Transforms><Transform Algorithm="` + algEnveloped + `"/>` + tr + `</Transforms>` +
		`<DigestMethod Algorithm="` + digestAlg + `"/><DigestValue></DigestValue></Reference></SignedInfo>` +
		`<SignatureValue/><KeyInfo><X509Data/></KeyInfo></Signature>`
}

func TestVerifyXmlsecSigned(t *testing.T) {
	ec, rsa := testPKIs(t)
	cases := []struct {
		name          string
		pki           signerSet
		c14n, sig, dg string
		transform     bool
		weak          bool
	}{
		{"exclusive RSA-SHA256", rsa, algExcC14N, algRSASHA256, algSHA256, true, false},
		{"inclusive ECDSA-SHA256", ec, algC14N, algECDSASHA256, algSHA256, true, false},
		{"inclusive by default RSA-SHA512", rsa, algC14N, algRSASHA512, algSHA512, false, false},
		{"exclusive ECDSA-SHA384", ec, algExcC14N, algECDSASHA384, algSHA384, true, false},
		{"RSA-SHA1 (weak)", rsa, algC14N, algRSASHA1, algSHA1, true, true},
	}
	sink := newMemSink()
	e := decode(t, readTestdata(t, "full.edxml"), sink)
	unsigned := encode(t, e, sink, EncodeOptions{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			key, err := x509.MarshalPKCS8PrivateKey(c.pki.leader.Key)
			if err != nil {
				t.Fatal(err)
			}
			keyPath := writePEM(t, filepath.Join(dir, "key.pem"), "PRIVATE KEY", key)
			certPath := writePEM(t, filepath.Join(dir, "cert.pem"), "CERTIFICATE", c.pki.leader.Cert.Raw)
			interPath := writePEM(t, filepath.Join(dir, "inter.pem"), "CERTIFICATE", c.pki.inter.Raw)
			tmpl := bytes.Replace(unsigned, []byte("</edXML:TraceHeaderList>"),
				[]byte("</edXML:TraceHeaderList>"+template(c.c14n, c.sig, c.dg, c.transform)), 1)
			tmplPath := filepath.Join(dir, "template.edxml")
			if err := os.WriteFile(tmplPath, tmpl, 0o600); err != nil {
				t.Fatal(err)
			}
			signedPath := filepath.Join(dir, "signed.edxml")
			if out, err := xmlsec(t, "--sign", "--privkey-pem", keyPath+","+certPath+","+interPath, "--output", signedPath, tmplPath); err != nil {
				t.Fatalf("xmlsec1 --sign: %v\n%s", err, out)
			}
			signed, err := os.ReadFile(signedPath)
			if err != nil {
				t.Fatal(err)
			}
			res := verifyBytes(t, signed)
			if !res.Valid || res.Weak != c.weak || res.Signer == nil || !res.Signer.Equal(c.pki.leader.Cert) {
				t.Fatalf("xmlsec1-signed packet: %+v", res)
			}
			for what, bad := range tamperings(t, signed) {
				if res := verifyBytes(t, bad); res.Valid {
					t.Errorf("tampered %s still verifies", what)
				}
			}
			// The packet decodes, keeping the signature.
			if got := decode(t, signed, newMemSink()); !strings.Contains(got.Signature, "<SignatureValue>") {
				t.Errorf("signature not kept: %.80s", got.Signature)
			}
		})
	}
}

func TestVerifyUnsignedAndBroken(t *testing.T) {
	if res := verifyBytes(t, readTestdata(t, "full.edxml")); res.Present || res.Valid {
		t.Errorf("unsigned packet: %+v", res)
	}
	empty := testPacket{signature: `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"/>`}.bytes(t)
	if res := verifyBytes(t, empty); res.Present {
		t.Errorf("empty signature: %+v", res)
	}
	ec, _ := testPKIs(t)
	packet, _, _ := signedFull(t, ec)
	cases := map[string][]byte{
		"reference to an id": bytes.Replace(packet, []byte(`<Reference URI="">`), []byte(`<Reference URI="#x">`), 1),
		"XPath transform":    bytes.Replace(packet, []byte(`<Transform Algorithm="`+algExcC14N+`"/>`), []byte(`<Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"/>`), 1),
		"unknown digest":     bytes.Replace(packet, []byte(algSHA256), []byte("urn:md5"), 1),
		"no certificate":     bytes.Replace(bytes.Replace(packet, []byte("<KeyInfo><X509Data>"), []byte("<KeyInfo><X509Data/></KeyInfo><Object><X509Data>"), 1), []byte("</KeyInfo></Signature>"), []byte("</Object></Signature>"), 1),
		"signature value":    bytes.Replace(packet, []byte("<SignatureValue>"), []byte("<SignatureValue>AAAA"), 1),
	}
	for name, p := range cases {
		res := verifyBytes(t, p)
		if !res.Present || res.Valid || res.Reason == "" {
			t.Errorf("%s: %+v", name, res)
		}
		t.Logf("%s: %s", name, res.Reason)
	}
	// A flood of namespace declarations must not make inclusive
	// canonicalisation quadratic.
	var flood bytes.Buffer
	for level := range 30 {
		flood.WriteString("<n")
		for i := range 200 {
			fmt.Fprintf(&flood, ` xmlns:p%d="urn:%d:%d"`, i, level, i)
		}
		flood.WriteString(">")
	}
	flood.WriteString(strings.Repeat("<a/>", 20000) + strings.Repeat("</n>", 30))
	inclusive := bytes.Replace(packet, []byte(`<Transform Algorithm="`+algExcC14N+`"/>`), []byte(`<Transform Algorithm="`+algC14N+`"/>`), 1)
	inclusive = bytes.Replace(inclusive, []byte("</edXML>"), append(flood.Bytes(), "</edXML>"...), 1)
	start := time.Now()
	if res := verifyBytes(t, inclusive); res.Valid {
		t.Error("namespace flood verifies")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("canonicalising a namespace flood took %v", d)
	}
	if _, err := VerifySignature(bytes.NewReader([]byte("<!DOCTYPE x><x/>"))); !isErr(err, ErrUnsafeXML) {
		t.Errorf("DOCTYPE: %v", err)
	}
}

func TestSignErrors(t *testing.T) {
	ec, rsa := testPKIs(t)
	e := &Edoc{Header: MessageHeader{From: Organization{OrganID: "000.00.00.H41"}, DocumentID: "x"}}
	for name, opts := range map[string]EncodeOptions{
		"no certificate": {Signer: ec.leader.Key},
		"wrong key":      {Signer: rsa.leader.Key, Certificates: ec.leader.Chain},
	} {
		if err := EncodeEdoc(context.Background(), &bytes.Buffer{}, e, nil, opts); !isErr(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
