package signing

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/signing/cms"
	"github.com/vanthu/vanthu/signing/pdf"
	"github.com/vanthu/vanthu/signing/tsp"
)

// interopFiles writes the demo PKI's certificates and the leader's key as
// PEM files for openssl, and returns their directory.
func interopFiles(t testing.TB) string {
	t.Helper()
	p := testPKI(t)
	dir := t.TempDir()
	if err := p.WriteFiles(dir, []byte("interop-secret")); err != nil {
		t.Fatal(err)
	}
	key, err := x509.MarshalPKCS8PrivateKey(p.Leader.Key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, blocks ...*pem.Block) {
		var b []byte
		for _, blk := range blocks {
			b = append(b, pem.EncodeToMemory(blk)...)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("leader-key.pem", &pem.Block{Type: "PRIVATE KEY", Bytes: key})
	write("leader-cert.pem", &pem.Block{Type: "CERTIFICATE", Bytes: p.Leader.Cert.Raw})
	write("issuing-ca.pem", &pem.Block{Type: "CERTIFICATE", Bytes: p.Intermediate.Cert.Raw})
	var tsa []*pem.Block
	for _, c := range p.TSA.Chain {
		tsa = append(tsa, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	write("tsa-chain.pem", tsa...)
	return dir
}

// interopRun runs a command and fails the test with its output on error.
func interopRun(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// interopDocx returns a small DOCX-like ZIP package with Vietnamese text.
func interopDocx(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Phụ lục: danh sách cơ quan nhận văn bản</w:t></w:r></w:p></w:body></w:document>`},
	} {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(f.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const interopXML = `<?xml version="1.0" encoding="UTF-8"?>
<vanBan soKyHieu="15/UBND-VP" ngay="2026-01-15">
  <trichYeu>Về việc thử nghiệm ký số văn bản điện tử</trichYeu>
</vanBan>
`

// TestInteropVerifyPdfsigSignatures: Vanthu's verifier accepts a signature
// made by poppler's pdfsig (NSS, adbe.pkcs7.detached, BER with zero
// padding), alone and after a Vanthu signature.
func TestInteropVerifyPdfsigSignatures(t *testing.T) {
	var signed corpusDoc
	for _, d := range corpus(t) {
		if d.Name == "pdfsig-signed" {
			signed = d
		}
	}
	path := writeTemp(t, "pdfsig.pdf", signed.Data)
	rep := corpusCheckVerifier(t, path, 1)
	if len(rep.Signatures) == 1 {
		s := rep.Signatures[0]
		if s.SubFilter != "adbe.pkcs7.detached" || s.Signer == nil || s.Signer.Name != testPKI(t).Clerk.Cert.Subject.CommonName {
			t.Errorf("pdfsig's signature: subfilter %q, signer %+v", s.SubFilter, s.Signer)
		}
		if !s.CoversDocument {
			t.Error("pdfsig's signature does not cover the whole document")
		}
	}

	// pdfsig signing after Vanthu: both signatures stay valid for both.
	t.Run("after ours", func(t *testing.T) {
		dir := t.TempDir()
		ours := signFile(t, writeTemp(t, "in.pdf", simplePDF(1)), func() PDFOptions {
			o := leaderOpts(t)
			o.Appearance = Appearance{Kind: AppearancePersonal, Position: slices.Clone(corpusPosition), Name: corpusName}
			return o
		}())
		data, err := os.ReadFile(ours)
		if err != nil {
			t.Fatal(err)
		}
		both, err := corpusPdfsigSigned(dir, testPKI(t), data)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "both.pdf")
		if err := os.WriteFile(path, both, 0o600); err != nil {
			t.Fatal(err)
		}
		corpusCheckPrefix(t, ours, path)
		corpusCheckContentsKept(t, ours, path)
		corpusCheckPdfsig(t, path, 2)
		interopCheckAfterPdfsig(t, path)
	})
}

// interopCheckAfterPdfsig checks our verifier on a file where pdfsig
// signed after Vanthu: both signatures are VALID, and what pdfsig added
// (its field, widget and the font it puts in the form's /DR) is listed as
// allowed.
func interopCheckAfterPdfsig(t *testing.T, both string) {
	t.Helper()
	rep, err := VerifyPDFFile(t.Context(), both, verifyOpts(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Signatures) != 2 {
		t.Fatalf("%d signatures:\n%s", len(rep.Signatures), rep.Text())
	}
	mine, theirs := rep.Signatures[0], rep.Signatures[1]
	if theirs.Verdict != Valid {
		t.Errorf("pdfsig's signature is %s: %s", theirs.Verdict, theirs.Reason)
	}
	if mine.Verdict != Valid {
		t.Errorf("our signature is %s after pdfsig signed: %s", mine.Verdict, mine.Reason)
	}
	if len(mine.Changes) == 0 {
		t.Error("the revision pdfsig added is not listed")
	}
	for _, c := range mine.Changes {
		if !c.Allowed {
			t.Errorf("revision %d: %s (not allowed)", c.Revision, c.What)
		}
	}
}

// TestInteropVerifyOpenSSLDetached: Vanthu's verifier accepts detached CMS
// signatures made by openssl cms -sign over a DOCX-like ZIP and an XML file.
func TestInteropVerifyOpenSSLDetached(t *testing.T) {
	needTool(t, "openssl", "openssl")
	pki := interopFiles(t)
	for _, file := range []struct {
		name string
		data []byte
	}{
		{"phu-luc.docx", interopDocx(t)},
		{"van-ban.xml", []byte(interopXML)},
	} {
		for _, cades := range []bool{false, true} {
			name := file.name
			if cades {
				name += "/cades"
			}
			t.Run(name, func(t *testing.T) {
				content := writeTemp(t, file.name, file.data)
				sig := content + ".p7s"
				args := []string{"cms", "-sign", "-binary", "-md", "sha256", "-outform", "DER",
					"-in", content, "-out", sig,
					"-signer", filepath.Join(pki, "leader-cert.pem"), "-inkey", filepath.Join(pki, "leader-key.pem"),
					"-certfile", filepath.Join(pki, "issuing-ca.pem")}
				if cades {
					args = append(args, "-cades") // adds ESS signing-certificate-v2
				}
				interopRun(t, "openssl", args...)
				der, err := os.ReadFile(sig)
				if err != nil {
					t.Fatal(err)
				}
				rep := interopVerifyDetached(t, content, der)
				if rep.Verdict != Valid || len(rep.Signatures) != 1 || rep.Signatures[0].Verdict != Valid {
					t.Fatalf("openssl's signature: %s\n%s", rep.Verdict, rep.Text())
				}
				if s := rep.Signatures[0].Signer; s == nil || s.Name != testPKI(t).Leader.Cert.Subject.CommonName {
					t.Errorf("signer %+v", s)
				}
				// The same signature over one changed byte is INVALID.
				changed := bytes.Clone(file.data)
				changed[len(changed)/2] ^= 1
				bad := writeTemp(t, "changed", changed)
				if rep := interopVerifyDetached(t, bad, der); rep.Verdict != Invalid {
					t.Errorf("a changed file verifies as %s", rep.Verdict)
				}
			})
		}
	}
}

func interopVerifyDetached(t testing.TB, content string, sig []byte) *Report {
	t.Helper()
	f, err := os.Open(content)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := VerifyDetached(t.Context(), f, sig, verifyOpts(t))
	if err != nil {
		t.Fatalf("VerifyDetached: %v", err)
	}
	return rep
}

// TestInteropDetachedOpenSSLVerify: the .p7s files SignDetachedFile writes
// pass openssl cms -verify against the demo root, at B-B and B-T; the B-T
// timestamp token passes openssl ts -verify over the signature value.
func TestInteropDetachedOpenSSLVerify(t *testing.T) {
	needTool(t, "openssl", "openssl")
	pki := interopFiles(t)
	root := filepath.Join(pki, "root.pem")
	for _, level := range []Level{LevelBB, LevelBT} {
		for _, file := range []struct {
			name string
			data []byte
		}{
			{"phu-luc.docx", interopDocx(t)},
			{"van-ban.xml", []byte(interopXML)},
		} {
			t.Run(string(level)+"/"+file.name, func(t *testing.T) {
				content := writeTemp(t, file.name, file.data)
				sig := filepath.Join(t.TempDir(), file.name+".p7s")
				opts := agencyOpts(t)
				opts.Level = level
				if level == LevelBT {
					opts.TSA = corpusBTClient(t)
				}
				if err := SignDetachedFile(t.Context(), content, sig, opts); err != nil {
					t.Fatal(err)
				}
				out := interopRun(t, "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", sig,
					"-content", content, "-CAfile", root, "-purpose", "any", "-out", os.DevNull)
				if !strings.Contains(out, "Verification successful") {
					t.Errorf("openssl cms -verify: %s", out)
				}
				der, err := os.ReadFile(sig)
				if err != nil {
					t.Fatal(err)
				}
				sd, err := cms.Parse(der)
				if err != nil {
					t.Fatal(err)
				}
				tok, ok := sd.Signers[0].TimestampToken()
				if ok != (level == LevelBT) {
					t.Fatalf("timestamp token present: %v at level %s", ok, level)
				}
				if !ok {
					return
				}
				tokPath := filepath.Join(t.TempDir(), "token.der")
				if err := os.WriteFile(tokPath, tok, 0o600); err != nil {
					t.Fatal(err)
				}
				imprint := sha256.Sum256(sd.Signers[0].SignatureValue())
				out = interopRun(t, "openssl", "ts", "-verify", "-token_in", "-in", tokPath,
					"-digest", hex.EncodeToString(imprint[:]), "-CAfile", root, "-untrusted", filepath.Join(pki, "tsa-chain.pem"))
				if !strings.Contains(out, "Verification: OK") {
					t.Errorf("openssl ts -verify: %s", out)
				}
			})
		}
	}
}

// TestInteropCertification: Certify writes /Perms /DocMDP in the catalog
// and a DocMDP /Reference; pdfsig accepts it; an approval signature on a
// P=2 document is VALID, and a P=1 document refuses another signature.
func TestInteropCertification(t *testing.T) {
	in := writeTemp(t, "in.pdf", simplePDF(1))
	cert := leaderOpts(t)
	cert.Certify = true
	cert.Level = LevelBT
	cert.TSA = corpusBTClient(t)
	cert.Appearance = Appearance{Kind: AppearancePersonal, Position: slices.Clone(corpusPosition), Name: corpusName}
	certified := signFile(t, in, cert)

	f, done := corpusOpen(t, certified)
	cat, _, err := f.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	perms, err := f.ResolveDict(cat["Perms"])
	if err != nil || perms == nil {
		t.Fatalf("no /Perms in the catalog (%v): %v", err, cat)
	}
	docMDP, isRef := perms["DocMDP"].(pdf.Ref)
	if !isRef {
		t.Fatalf("/Perms /DocMDP is %v, want a reference to the signature dictionary", perms["DocMDP"])
	}
	fields, _ := corpusFormFields(t, f)
	var sigV pdf.Object
	for _, d := range fields {
		if d["FT"] == pdf.Name("Sig") {
			sigV = d["V"]
		}
	}
	if sigV != docMDP {
		t.Errorf("/Perms /DocMDP is %v, the signature field's /V is %v", docMDP, sigV)
	}
	sig := corpusDict(t, f, docMDP)
	refs, _ := f.Resolve(sig["Reference"])
	arr, _ := refs.(pdf.Array)
	if len(arr) != 1 {
		t.Fatalf("/Reference is %v", sig["Reference"])
	}
	ref := corpusDict(t, f, arr[0])
	params := corpusDict(t, f, ref["TransformParams"])
	if ref["TransformMethod"] != pdf.Name("DocMDP") || params == nil || params["P"] != int64(2) || params["V"] != pdf.Name("1.2") {
		t.Errorf("the signature reference is %v with parameters %v", ref, params)
	}
	if sig["SubFilter"] != pdf.Name("ETSI.CAdES.detached") {
		t.Errorf("/SubFilter %v", sig["SubFilter"])
	}
	done()

	rep := corpusCheckVerifier(t, certified, 1)
	if len(rep.Signatures) == 1 && (rep.Signatures[0].Kind != "certification" || rep.Signatures[0].Certification != 2) {
		t.Errorf("our verifier: kind %q, DocMDP %d", rep.Signatures[0].Kind, rep.Signatures[0].Certification)
	}
	corpusCheckPdfsig(t, certified, 1)
	corpusCheckPdfsign(t, certified, 1)

	// An approval signature (the agency's seal) on the P=2 document.
	seal := agencyOpts(t)
	seal.Appearance = Appearance{Kind: AppearanceAgency}
	approved := signFile(t, certified, seal)
	corpusCheckVerifier(t, approved, 2)
	corpusCheckPdfsig(t, approved, 2)
	corpusCheckContentsKept(t, certified, approved)

	// A second certification is refused.
	again := agencyOpts(t)
	again.Certify = true
	if _, err := SignPDFFile(t.Context(), certified, filepath.Join(t.TempDir(), "x.pdf"), again); err == nil {
		t.Error("a certified document was certified again")
	}

	// P=1: no changes allowed, so no further signature.
	strict := leaderOpts(t)
	strict.Certify = true
	strict.CertifyPermission = 1
	locked := signFile(t, in, strict)
	corpusCheckVerifier(t, locked, 1)
	outDir := t.TempDir()
	if _, err := SignPDFFile(t.Context(), locked, filepath.Join(outDir, "x.pdf"), seal); err == nil {
		t.Error("a document certified with P=1 was signed again")
	}
	interopCheckEmpty(t, outDir)
}

// TestInteropEarlierContentsUntouched: signing a file that already carries
// a timestamped Vanthu signature, or a pdfsig signature (whose /Contents
// ends in a long run of zeros), never writes into those /Contents.
func TestInteropEarlierContentsUntouched(t *testing.T) {
	ts := leaderOpts(t)
	ts.Level = LevelBT
	ts.TSA = corpusBTClient(t)
	ours := signFile(t, writeTemp(t, "in.pdf", simplePDF(1)), ts)
	var theirs string
	for _, d := range corpus(t) {
		if d.Name == "pdfsig-signed" {
			theirs = writeTemp(t, "pdfsig.pdf", d.Data)
		}
	}
	for _, tc := range []struct {
		name, in string
		zeros    int // the padding the earlier /Contents ends with, at least
	}{
		{"ours B-T", ours, 1000},
		{"pdfsig", theirs, 4},
	} {
		in := tc.in
		t.Run(tc.name, func(t *testing.T) {
			before := corpusSigFields(t, in)
			if len(before) != 1 {
				t.Fatalf("%d signatures in the input", len(before))
			}
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			span := before[0].Contents
			if !bytes.HasSuffix(data[span[0]:span[1]], append(bytes.Repeat([]byte("0"), tc.zeros), '>')) {
				t.Fatalf("the earlier /Contents does not end in %d zeros to be tempted by", tc.zeros)
			}
			for _, level := range []Level{LevelBB, LevelBT} {
				opts := agencyOpts(t)
				opts.Level = level
				if level == LevelBT {
					opts.TSA = corpusBTClient(t)
				}
				out := signFile(t, in, opts)
				corpusCheckPrefix(t, in, out)
				corpusCheckContentsKept(t, in, out)
				after := corpusSigFields(t, out)
				if len(after) != 2 {
					t.Fatalf("%d signatures after signing", len(after))
				}
				for _, s := range after {
					if s.Name != before[0].Name && s.Contents[0] < int64(len(data)) {
						t.Errorf("the new signature's /Contents starts at %d, inside the original %d bytes", s.Contents[0], len(data))
					}
				}
				corpusCheckVerifier(t, out, 2)
			}
		})
	}
}

// interopCheckEmpty asserts that dir holds no file at all.
func interopCheckEmpty(t testing.TB, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("left behind in the output directory: %s", e.Name())
	}
}

// TestInteropFailuresLeaveNothing: the input is never modified, and a
// failed signature leaves no output and no temporary file.
func TestInteropFailuresLeaveNothing(t *testing.T) {
	good := simplePDF(2)
	leader := func() PDFOptions { return leaderOpts(t) }
	wrongTSA := &tsp.Client{URL: "http://127.0.0.1:1/tsa", Timeout: 3 * time.Second}
	cases := []struct {
		name  string
		input []byte
		opts  func() PDFOptions
	}{
		{"unreachable TSA", good, func() PDFOptions {
			o := leaderOpts(t)
			o.Level, o.TSA = LevelBT, wrongTSA
			return o
		}},
		{"TSA refusing the request", good, func() PDFOptions {
			// The CRL server answers POST with 405 Method Not Allowed.
			o := leaderOpts(t)
			o.Level, o.TSA = LevelBT, &tsp.Client{URL: testPKI(t).CRLURL, Timeout: 3 * time.Second}
			return o
		}},
		{"truncated input", good[:len(good)/2], leader},
		{"no trailer", bytes.ReplaceAll(good, []byte("trailer"), []byte("xxxxxxx")), leader},
		{"empty input", nil, leader},
		{"page out of range", good, func() PDFOptions {
			o := leaderOpts(t)
			o.Appearance = Appearance{Kind: AppearancePersonal, Page: 9}
			return o
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := writeTemp(t, "in.pdf", tc.input)
			hash := corpusFileHash(t, in)
			outDir := t.TempDir()
			out := filepath.Join(outDir, "signed.pdf")
			opts := tc.opts()
			if _, err := SignPDFFile(t.Context(), in, out, opts); err == nil {
				t.Fatal("signing succeeded")
			} else {
				t.Logf("error: %v", err)
			}
			interopCheckEmpty(t, outDir)
			if corpusFileHash(t, in) != hash {
				t.Error("the input was modified")
			}
			// The same for a detached signature where it applies.
			if opts.Level == LevelBT {
				p7s := filepath.Join(outDir, "signed.p7s")
				if err := SignDetachedFile(t.Context(), in, p7s, opts); err == nil {
					t.Fatal("detached signing succeeded")
				}
				interopCheckEmpty(t, outDir)
			}
		})
	}

	t.Run("success", func(t *testing.T) {
		in := writeTemp(t, "in.pdf", good)
		hash := corpusFileHash(t, in)
		outDir := t.TempDir()
		opts := leaderOpts(t)
		opts.Level, opts.TSA = LevelBT, corpusBTClient(t)
		if _, err := SignPDFFile(t.Context(), in, filepath.Join(outDir, "signed.pdf"), opts); err != nil {
			t.Fatal(err)
		}
		if err := SignDetachedFile(t.Context(), in, filepath.Join(outDir, "signed.p7s"), opts); err != nil {
			t.Fatal(err)
		}
		ents, err := os.ReadDir(outDir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		if !slices.Equal(names, []string{"signed.p7s", "signed.pdf"}) {
			t.Errorf("the output directory holds %v", names)
		}
		if corpusFileHash(t, in) != hash {
			t.Error("the input was modified")
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		in := writeTemp(t, "in.pdf", good)
		outDir := t.TempDir()
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := SignPDFFile(ctx, in, filepath.Join(outDir, "signed.pdf"), leaderOpts(t))
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
		interopCheckEmpty(t, outDir)
	})
}

// TestSignSharedTSAClient signs concurrently with one timestamp client, as
// a batch does: the signer must not write to the caller's client (the race
// detector catches it when it does).
func TestSignSharedTSAClient(t *testing.T) {
	client := corpusBTClient(t)
	c := *client // a fresh client whose Hash is unset
	c.Hash = 0
	in := writeTemp(t, "in.pdf", simplePDF(1))
	content := writeTemp(t, "a.xml", []byte(interopXML))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			opts := leaderOpts(t)
			opts.Level, opts.TSA = LevelBT, &c
			dir := t.TempDir()
			if i%2 == 0 {
				_, err := SignPDFFile(context.Background(), in, filepath.Join(dir, "o.pdf"), opts)
				errs <- err
				return
			}
			errs <- SignDetachedFile(context.Background(), content, filepath.Join(dir, "o.p7s"), opts)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if c.Hash != 0 {
		t.Errorf("the shared client's hash was set to %v", c.Hash)
	}
}
