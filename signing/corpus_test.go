package signing

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"errors"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	pdfsignverify "github.com/digitorus/pdfsign/verify"

	"github.com/vanthu/vanthu/signing/demopki"
	"github.com/vanthu/vanthu/signing/pdf"
	"github.com/vanthu/vanthu/signing/tsp"
)

// The corpus: PDFs written by independent tools (Ghostscript, qpdf,
// poppler's pdfsig) and by hand-built object graphs that exercise the
// structures the signer must preserve. Each is made once per test process
// and kept in memory; tests write copies into their own directories.

// corpusDoc is one input of the corpus.
type corpusDoc struct {
	Name string
	How  string // how the file was made, for failure messages
	Data []byte
	// Render asks the corpus test to rasterise the signed page and check
	// the colours of the signature and the seal.
	Render bool
}

var (
	corpusOnce sync.Once
	corpusDocs []corpusDoc
	corpusErr  error
)

// corpus returns the corpus, building it on first use.
func corpus(t testing.TB) []corpusDoc {
	t.Helper()
	needTool(t, "gs", "ghostscript")
	needTool(t, "qpdf", "qpdf")
	needTool(t, "pdfsig", "poppler-utils")
	needTool(t, "certutil", "libnss3-tools")
	needTool(t, "pk12util", "libnss3-tools")
	p := testPKI(t)
	corpusOnce.Do(func() { corpusDocs, corpusErr = corpusBuild(p) })
	if corpusErr != nil {
		t.Fatalf("building the corpus: %v", corpusErr)
	}
	return corpusDocs
}

func corpusBuild(p *demopki.PKI) ([]corpusDoc, error) {
	dir, err := os.MkdirTemp("", "vanthu-corpus-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	var docs []corpusDoc
	add := func(d corpusDoc) { docs = append(docs, d) }

	gsPDF, err := corpusGhostscript(dir)
	if err != nil {
		return nil, err
	}
	add(corpusDoc{Name: "ghostscript", How: "gs -sDEVICE=pdfwrite from a PostScript program", Data: gsPDF, Render: true})

	forms, err := corpusFormPDF(corpusFormIndirect)
	if err != nil {
		return nil, err
	}
	add(corpusDoc{Name: "acroform-fields", How: "pdf.Builder: text fields with /DA /DR /NeedAppearances, values and appearances", Data: forms, Render: true})

	qpdfRuns := []struct {
		name string
		src  []byte
		args []string
	}{
		{"qpdf-xref-stream", gsPDF, []string{"--object-streams=generate"}},
		{"qpdf-linearized", forms, []string{"--linearize"}},
		{"qpdf-qdf", simplePDF(2), []string{"--qdf"}},
		{"qpdf-compressed-objstm", forms, []string{"--compress-streams=y", "--object-streams=generate"}},
	}
	for _, r := range qpdfRuns {
		out, err := corpusQpdf(dir, r.name, r.src, r.args...)
		if err != nil {
			return nil, err
		}
		add(corpusDoc{Name: r.name, How: "qpdf " + strings.Join(r.args, " "), Data: out})
	}

	signed, err := corpusPdfsigSigned(dir, p, gsPDF)
	if err != nil {
		return nil, err
	}
	add(corpusDoc{Name: "pdfsig-signed", How: "gs output signed by pdfsig -add-signature with the clerk's key (NSS)", Data: signed})

	add(corpusDoc{Name: "pdf-1.3", How: "simplePDF with a %PDF-1.3 header", Data: corpusWithHeader(simplePDF(1), "1.3")})
	add(corpusDoc{Name: "pdf-2.0", How: "simplePDF with a %PDF-2.0 header", Data: corpusWithHeader(simplePDF(1), "2.0")})

	rotated, err := corpusRotatedPDF()
	if err != nil {
		return nil, err
	}
	add(corpusDoc{Name: "rotated", How: "pdf.Builder: pages with /Rotate 90 and 270 and an offset /CropBox", Data: rotated, Render: true})

	direct, err := corpusFormPDF(corpusFormDirect)
	if err != nil {
		return nil, err
	}
	add(corpusDoc{Name: "acroform-direct", How: "pdf.Builder: the catalog's /AcroForm is a direct dictionary", Data: direct})

	annots, err := corpusFormPDF(corpusFormAnnotsRef)
	if err != nil {
		return nil, err
	}
	add(corpusDoc{Name: "annots-indirect", How: "pdf.Builder: the page's /Annots is an indirect array", Data: annots})
	return docs, nil
}

// corpusPostScript draws text and vector shapes; Ghostscript turns it into
// a PDF with embedded fonts and its own object layout.
const corpusPostScript = `%!PS-Adobe-3.0
<< /PageSize [595 842] >> setpagedevice
/Times-Bold findfont 16 scalefont setfont
150 780 moveto (UY BAN NHAN DAN TINH HA NAM) show
/Times-Roman findfont 13 scalefont setfont
72 740 moveto (So: 15/UBND-VP) show
72 720 moveto (V/v thu nghiem ky so van ban dien tu) show
% a vector drawing: a frame, a diagonal and a filled circle
0.2 0.4 0.2 setrgbcolor 2 setlinewidth
72 600 moveto 523 600 lineto 523 700 lineto 72 700 lineto closepath stroke
72 600 moveto 523 700 lineto stroke
0.9 0.6 0.1 setrgbcolor 297 650 30 0 360 arc fill
showpage
`

func corpusGhostscript(dir string) ([]byte, error) {
	ps := filepath.Join(dir, "doc.ps")
	out := filepath.Join(dir, "gs.pdf")
	if err := os.WriteFile(ps, []byte(corpusPostScript), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command("gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite", "-sOutputFile="+out, ps)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("gs: %w\n%s", err, b)
	}
	return os.ReadFile(out)
}

func corpusQpdf(dir, name string, src []byte, args ...string) ([]byte, error) {
	in := filepath.Join(dir, name+"-in.pdf")
	out := filepath.Join(dir, name+".pdf")
	if err := os.WriteFile(in, src, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command("qpdf", append(append(args, in), out)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		// Exit status 3: written with warnings.
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 3 {
			return nil, fmt.Errorf("qpdf %v: %w\n%s", args, err, b)
		}
	}
	return os.ReadFile(out)
}

// corpusPdfsigSigned signs src with poppler's pdfsig using the clerk's key,
// imported into a fresh NSS database from the PKCS#12 file the demo PKI
// writes. pdfsig 22.12 reserves room for the signature from a trial
// signature, and an ECDSA signature one byte longer than the trial makes
// it fail ("unable update signature", exit status 3), so it is retried.
func corpusPdfsigSigned(dir string, p *demopki.PKI, src []byte) ([]byte, error) {
	nss := filepath.Join(dir, "signer-nss")
	pki := filepath.Join(dir, "pki")
	for _, d := range []string{nss, pki} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return nil, err
		}
	}
	const pw = "corpus-secret"
	if err := p.WriteFiles(pki, []byte(pw)); err != nil {
		return nil, err
	}
	run := func(name string, args ...string) (string, error) {
		b, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			return string(b), fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, b)
		}
		return string(b), nil
	}
	if _, err := run("certutil", "-N", "-d", "sql:"+nss, "--empty-password"); err != nil {
		return nil, err
	}
	if _, err := run("pk12util", "-i", filepath.Join(pki, "clerk.p12"), "-d", "sql:"+nss, "-W", pw, "-K", ""); err != nil {
		return nil, err
	}
	// pk12util names the key after its certificate; find that nickname.
	list, err := run("certutil", "-K", "-d", "sql:"+nss)
	if err != nil {
		return nil, err
	}
	nick := ""
	for _, line := range strings.Split(list, "\n") {
		// "< 0> ec  <key id>  <nickname>"
		if i := strings.Index(line, ">"); strings.HasPrefix(line, "<") && i > 0 {
			fields := strings.Fields(line[i+1:])
			if len(fields) >= 3 {
				nick = strings.Join(fields[2:], " ")
			}
		}
	}
	if nick == "" {
		return nil, fmt.Errorf("no key in the NSS database after pk12util:\n%s", list)
	}
	in := filepath.Join(dir, "pdfsig-in.pdf")
	out := filepath.Join(dir, "pdfsig-out.pdf")
	if err := os.WriteFile(in, src, 0o600); err != nil {
		return nil, err
	}
	var last error
	for range 16 {
		_ = os.Remove(out)
		_, err := run("pdfsig", "-add-signature", "-nssdir", "sql:"+nss, "-nss-pwd", "", "-nick", nick, "-reason", "corpus", "-digest", "SHA256", in, out)
		if err == nil {
			return os.ReadFile(out)
		}
		last = err
	}
	return nil, fmt.Errorf("pdfsig -add-signature kept failing: %w", last)
}

// corpusWithHeader replaces the version in a %PDF-1.7 header (same length, so
// the offsets stay right).
func corpusWithHeader(data []byte, version string) []byte {
	out := bytes.Clone(data)
	copy(out, "%PDF-"+version)
	return out
}

type corpusFormStyle int

const (
	corpusFormIndirect  corpusFormStyle = iota // /AcroForm and /Annots are the usual indirect objects / direct arrays
	corpusFormDirect                           // the catalog's /AcroForm is a direct dictionary
	corpusFormAnnotsRef                        // the page's /Annots is an indirect array
	corpusFormMissingAP                        // the field nguoi_ky has no appearance
)

// corpusFormPDF builds a one-page PDF with an interactive form: two text fields
// and a field with a kid widget, each with /DA, a value and an appearance,
// and a form with /DA, /DR and /NeedAppearances.
func corpusFormPDF(style corpusFormStyle) ([]byte, error) {
	var b pdf.Builder
	catalog := b.Reserve()
	pages := b.Reserve()
	page := b.Reserve()
	helv := b.Add(pdf.Dict{"Type": pdf.Name("Font"), "Subtype": pdf.Name("Type1"), "BaseFont": pdf.Name("Helvetica"), "Encoding": pdf.Name("WinAnsiEncoding")})
	dr := pdf.Dict{"Font": pdf.Dict{"Helv": helv}}
	appearance := func(text string) pdf.Ref {
		content := fmt.Sprintf("/Tx BMC q BT /Helv 11 Tf 0 g 2 5 Td (%s) Tj ET Q EMC", text)
		return b.Add(&pdf.Stream{Dict: pdf.Dict{
			"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"),
			"BBox": pdf.Array{int64(0), int64(0), int64(220), int64(18)}, "Resources": dr,
		}, Data: []byte(content)})
	}
	widget := func(d pdf.Dict, y int64, shown string) pdf.Dict {
		d["Type"] = pdf.Name("Annot")
		d["Subtype"] = pdf.Name("Widget")
		d["Rect"] = pdf.Array{int64(72), y, int64(292), y + 18}
		d["P"] = page
		d["F"] = int64(4)
		if shown != "" {
			d["AP"] = pdf.Dict{"N": appearance(shown)}
		}
		return d
	}
	number := b.Add(widget(pdf.Dict{
		"FT": pdf.Name("Tx"), "T": pdf.String("so_ky_hieu"), "V": pdf.String("15/UBND-VP"),
		"DA": pdf.String("/Helv 11 Tf 0 g"),
	}, 700, "15/UBND-VP"))
	shownSigner := "Nguyen Van An"
	if style == corpusFormMissingAP {
		shownSigner = ""
	}
	signer := b.Add(widget(pdf.Dict{
		"FT": pdf.Name("Tx"), "T": pdf.String("nguoi_ky"), "V": textString("Nguyễn Văn An"),
		"DA": pdf.String("/Helv 11 Tf 0 0 1 rg"), "Q": int64(1),
	}, 670, shownSigner))
	parent := b.Reserve()
	kid := b.Add(widget(pdf.Dict{"Parent": parent, "T": pdf.String("ban_hanh")}, 640, "2026-01-15"))
	b.Set(parent, pdf.Dict{
		"FT": pdf.Name("Tx"), "T": pdf.String("ngay"), "Kids": pdf.Array{kid},
		"V": pdf.String("2026-01-15"), "DA": pdf.String("/Helv 10 Tf 0 g"),
	})
	form := pdf.Dict{
		"Fields":          pdf.Array{number, signer, parent},
		"DA":              pdf.String("/Helv 0 Tf 0 g"),
		"DR":              dr,
		"NeedAppearances": true,
	}
	link := b.Add(pdf.Dict{
		"Type": pdf.Name("Annot"), "Subtype": pdf.Name("Link"), "Rect": pdf.Array{int64(72), int64(560), int64(300), int64(580)},
		"Border": pdf.Array{int64(0), int64(0), int64(0)},
		"A":      pdf.Dict{"S": pdf.Name("URI"), "URI": pdf.String("https://vanban.chinhphu.vn/")},
	})
	var annots pdf.Object = pdf.Array{number, signer, kid, link}
	if style == corpusFormAnnotsRef {
		annots = b.Add(pdf.Array{number, signer, kid, link})
	}
	content := b.Add(&pdf.Stream{Dict: pdf.Dict{}, Data: []byte("BT /Helv 14 Tf 72 760 Td (Phieu trinh: form fields) Tj ET\n0 0 1 RG 72 555 228 30 re S")})
	b.Set(page, pdf.Dict{
		"Type": pdf.Name("Page"), "Parent": pages, "Annots": annots, "Contents": content,
		"Resources": pdf.Dict{"Font": pdf.Dict{"Helv": helv}},
	})
	b.Set(pages, pdf.Dict{"Type": pdf.Name("Pages"), "Kids": pdf.Array{page}, "Count": int64(1), "MediaBox": pdf.Array{int64(0), int64(0), int64(595), int64(842)}})
	cat := pdf.Dict{"Type": pdf.Name("Catalog"), "Pages": pages}
	if style == corpusFormDirect {
		cat["AcroForm"] = form
	} else {
		cat["AcroForm"] = b.Add(form)
	}
	b.Set(catalog, cat)
	info := b.Add(pdf.Dict{"Producer": pdf.String("vanthu corpus"), "Title": textString("Phiếu trình")})
	return b.Bytes("1.7", catalog, info)
}

// corpusRotatedPDF has two pages: page 1 turned by /Rotate 90, page 2 by /Rotate
// 270 with a /CropBox that does not start at the origin.
func corpusRotatedPDF() ([]byte, error) {
	var b pdf.Builder
	catalog := b.Reserve()
	pages := b.Reserve()
	font := b.Add(pdf.Dict{"Type": pdf.Name("Font"), "Subtype": pdf.Name("Type1"), "BaseFont": pdf.Name("Helvetica")})
	var kids pdf.Array
	for i, spec := range []struct {
		rotate int64
		crop   pdf.Array
	}{
		{90, nil},
		{270, pdf.Array{int64(40), int64(60), int64(560), int64(800)}},
	} {
		// Text that reads upright on the displayed (rotated) page.
		var tm string
		switch spec.rotate {
		case 90:
			tm = "0 1 -1 0 500 80 Tm"
		case 270:
			tm = "0 -1 1 0 100 760 Tm"
		}
		content := b.Add(&pdf.Stream{Dict: pdf.Dict{}, Data: []byte(fmt.Sprintf("BT /F1 18 Tf %s (Rotated page %d) Tj ET", tm, i+1))})
		page := pdf.Dict{
			"Type": pdf.Name("Page"), "Parent": pages, "Contents": content, "Rotate": spec.rotate,
			"Resources": pdf.Dict{"Font": pdf.Dict{"F1": font}},
		}
		if spec.crop != nil {
			page["CropBox"] = spec.crop
		}
		kids = append(kids, b.Add(page))
	}
	b.Set(pages, pdf.Dict{"Type": pdf.Name("Pages"), "Kids": kids, "Count": int64(len(kids)), "MediaBox": pdf.Array{int64(0), int64(0), int64(595), int64(842)}})
	b.Set(catalog, pdf.Dict{"Type": pdf.Name("Catalog"), "Pages": pages})
	return b.Bytes("1.7", catalog, pdf.Ref{})
}

// ---------------------------------------------------------------------------
// Timestamps

var (
	corpusTSAOnce sync.Once
	corpusTSAURL  string
)

// corpusBTClient returns a client for the demo PKI's timestamp server. While the
// demo PKI serves none, it serves one itself with the demo TSA identity
// (a tsp.Server on 127.0.0.1), so the B-T paths are exercised either way.
func corpusBTClient(t testing.TB) *tsp.Client {
	t.Helper()
	p := testPKI(t)
	if p.TSAURL != "" {
		return tsaClient(t)
	}
	corpusTSAOnce.Do(func() {
		srv := httptest.NewServer(&tsp.Server{Signer: p.TSA.Key, Chain: p.TSA.Chain, Policy: demopki.TSAPolicy})
		corpusTSAURL = srv.URL
	})
	t.Log("the demo PKI serves no timestamps yet: using a local tsp.Server with the demo TSA identity")
	return &tsp.Client{URL: corpusTSAURL, Timeout: 10 * time.Second}
}

// ---------------------------------------------------------------------------
// Oracles

// corpusCheckPdfsig asserts that poppler finds n valid signatures in path,
// each with a trusted certificate (the demo root in its NSS database, OCSP
// against the demo responder).
func corpusCheckPdfsig(t *testing.T, path string, n int) {
	t.Helper()
	res := pdfsig(t, path)
	if len(res) != n {
		t.Errorf("pdfsig found %d signatures, want %d", len(res), n)
	}
	for i, r := range res {
		if !r.Valid || !r.Trusted {
			t.Errorf("pdfsig: signature %d is not valid and trusted:\n%s", i+1, r.Text)
		}
	}
}

// corpusCheckVerifier asserts that Vanthu's verifier finds n VALID signatures.
func corpusCheckVerifier(t *testing.T, path string, n int) *Report {
	t.Helper()
	rep, err := VerifyPDFFile(t.Context(), path, verifyOpts(t))
	if err != nil {
		t.Fatalf("VerifyPDFFile: %v", err)
	}
	if rep.Verdict != Valid || len(rep.Signatures) != n {
		t.Errorf("our verifier: document %s with %d signatures, want VALID with %d:\n%s", rep.Verdict, len(rep.Signatures), n, rep.Text())
		return rep
	}
	for _, s := range rep.Signatures {
		if s.Verdict != Valid {
			t.Errorf("our verifier: signature %s is %s: %s", s.Field, s.Verdict, s.Reason)
		}
	}
	return rep
}

// corpusCheckPdfsign runs pdfsign's verifier. It takes no trust anchors (it
// trusts only what the signature carries), so it is asked about what it
// can judge: every signature's CMS verifies over its byte ranges.
func corpusCheckPdfsign(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	resp, err := pdfsignverify.VerifyFile(f)
	if err != nil {
		t.Errorf("pdfsign verify: %v", err)
		return
	}
	// pdfsign drops the signatures it cannot parse, so count them.
	if len(resp.Signers) != n {
		t.Errorf("pdfsign verify found %d signatures, want %d (error %q)", len(resp.Signers), n, resp.Error)
	}
	for i, s := range resp.Signers {
		if !s.ValidSignature {
			t.Errorf("pdfsign verify: signature %d (%s) is not valid (error %q)", i+1, s.Name, resp.Error)
		}
	}
	if strings.Contains(resp.Error, "Failed to verify signature") || strings.Contains(resp.Error, "ByteRange") || strings.Contains(resp.Error, "timestamp") {
		t.Errorf("pdfsign verify: %s", resp.Error)
	}
}

// corpusCheckQpdf asserts that qpdf --check warns about nothing the
// unsigned input did not already have.
func corpusCheckQpdf(t *testing.T, before, after string) {
	t.Helper()
	old := map[string]bool{}
	for _, w := range qpdfCheck(t, before) {
		old[corpusStripPath(w, before)] = true
	}
	for _, w := range qpdfCheck(t, after) {
		if !old[corpusStripPath(w, after)] {
			t.Errorf("qpdf --check: new warning: %s", w)
		}
	}
}

func corpusStripPath(w, path string) string { return strings.ReplaceAll(w, path, "FILE") }

// ---------------------------------------------------------------------------
// Reading signed files with the pdf package

// corpusSigField is a signature field found in a file.
type corpusSigField struct {
	Name     string
	Page     int // 0-based, -1 when unknown
	Rect     [4]float64
	Contents [2]int64 // the ByteRange gap: the /Contents hex string
}

func corpusOpen(t testing.TB, path string) (*pdf.File, func()) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := fh.Stat()
	if err != nil {
		t.Fatal(err)
	}
	f, err := pdf.Open(fh, st.Size())
	if err != nil {
		fh.Close()
		t.Fatalf("pdf.Open %s: %v", path, err)
	}
	return f, func() { fh.Close() }
}

func corpusXrefIsTable(t testing.TB, path string) bool {
	t.Helper()
	f, done := corpusOpen(t, path)
	defer done()
	return f.XrefIsTable()
}

// corpusFormFields walks the interactive form and returns every terminal field
// by full name, and the form dictionary itself.
func corpusFormFields(t testing.TB, f *pdf.File) (map[string]pdf.Dict, pdf.Dict) {
	t.Helper()
	cat, _, err := f.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	form, err := f.ResolveDict(cat["AcroForm"])
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]pdf.Dict{}
	if form == nil {
		return fields, nil
	}
	var walk func(o pdf.Object, prefix string, depth int)
	walk = func(o pdf.Object, prefix string, depth int) {
		d, err := f.ResolveDict(o)
		if err != nil || d == nil || depth > 16 {
			t.Fatalf("form field %v: %v", o, err)
		}
		name := prefix
		if s, ok := d["T"].(pdf.String); ok {
			if name != "" {
				name += "."
			}
			name += decodeTextString(s)
		}
		kids, _ := f.Resolve(d["Kids"])
		if ka, ok := kids.(pdf.Array); ok && len(ka) > 0 {
			// A field whose kids carry no /T is one field with widgets.
			if _, named := corpusDict(t, f, ka[0])["T"]; named {
				for _, k := range ka {
					walk(k, name, depth+1)
				}
				return
			}
		}
		fields[name] = d
	}
	arr, _ := f.Resolve(form["Fields"])
	list, _ := arr.(pdf.Array)
	for _, o := range list {
		walk(o, "", 0)
	}
	return fields, form
}

func corpusDict(t testing.TB, f *pdf.File, o pdf.Object) pdf.Dict {
	t.Helper()
	d, err := f.ResolveDict(o)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// corpusSigFields returns the signature fields of path in form order.
func corpusSigFields(t testing.TB, path string) []corpusSigField {
	t.Helper()
	f, done := corpusOpen(t, path)
	defer done()
	pages, err := f.Pages()
	if err != nil {
		t.Fatal(err)
	}
	fields, _ := corpusFormFields(t, f)
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	slices.Sort(names)
	var out []corpusSigField
	for _, n := range names {
		d := fields[n]
		v, err := f.ResolveDict(d["V"])
		if err != nil || v == nil || d["FT"] != pdf.Name("Sig") {
			continue
		}
		sf := corpusSigField{Name: n, Page: -1}
		br, _ := f.Resolve(v["ByteRange"])
		if a, ok := br.(pdf.Array); ok && len(a) == 4 {
			sf.Contents[0], _ = pdf.AsInt(a[1])
			sf.Contents[1], _ = pdf.AsInt(a[2])
		}
		sf.Rect, _ = f.Rect(d["Rect"])
		if p, ok := d["P"].(pdf.Ref); ok {
			for i, pg := range pages {
				if pg.Ref == p {
					sf.Page = i
				}
			}
		}
		out = append(out, sf)
	}
	return out
}

func corpusFieldNamed(t testing.TB, fields []corpusSigField, name string) corpusSigField {
	t.Helper()
	for _, f := range fields {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no signature field %q among %v", name, fields)
	return corpusSigField{}
}

// corpusCheckContentsKept asserts that every signature of before still has the
// same /Contents bytes, at the same offsets, in after.
func corpusCheckContentsKept(t *testing.T, before, after string) {
	t.Helper()
	old, err := os.ReadFile(before)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := os.ReadFile(after)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range corpusSigFields(t, before) {
		a, b := s.Contents[0], s.Contents[1]
		if a <= 0 || b <= a || b > int64(len(old)) || b > int64(len(cur)) {
			t.Errorf("signature %s: /Contents span [%d, %d) is out of the file", s.Name, a, b)
			continue
		}
		if !bytes.Equal(old[a:b], cur[a:b]) {
			t.Errorf("signature %s: its /Contents [%d, %d) changed", s.Name, a, b)
		}
		if cur[a] != '<' || cur[b-1] != '>' {
			t.Errorf("signature %s: [%d, %d) is not a hex string", s.Name, a, b)
		}
	}
}

// corpusCheckPrefix asserts that before is an exact prefix of after.
func corpusCheckPrefix(t *testing.T, before, after string) {
	t.Helper()
	old, err := os.ReadFile(before)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := os.ReadFile(after)
	if err != nil {
		t.Fatal(err)
	}
	if len(cur) <= len(old) || !bytes.Equal(cur[:len(old)], old) {
		t.Errorf("%s is not an exact prefix of %s", filepath.Base(before), filepath.Base(after))
	}
}

// corpusFormSnapshot is what must survive signing in the interactive form.
type corpusFormSnapshot struct {
	Fields map[string]map[pdf.Name]pdf.Object // V, DA, FT, Q of each non-signature field
	Form   map[pdf.Name]pdf.Object            // DA and DR of the form
}

func corpusSnapshotForm(t testing.TB, path string) corpusFormSnapshot {
	t.Helper()
	f, done := corpusOpen(t, path)
	defer done()
	fields, form := corpusFormFields(t, f)
	s := corpusFormSnapshot{Fields: map[string]map[pdf.Name]pdf.Object{}, Form: map[pdf.Name]pdf.Object{}}
	for name, d := range fields {
		if d["FT"] == pdf.Name("Sig") {
			continue
		}
		m := map[pdf.Name]pdf.Object{}
		for _, k := range []pdf.Name{"V", "DA", "FT", "Q"} {
			if v, ok := d[k]; ok {
				m[k] = corpusResolveDeep(t, f, v, 0)
			}
		}
		s.Fields[name] = m
	}
	for _, k := range []pdf.Name{"DA", "DR"} {
		if v, ok := form[k]; ok {
			s.Form[k] = corpusResolveDeep(t, f, v, 0)
		}
	}
	return s
}

// corpusResolveDeep replaces references by their values (streams by their
// decoded bytes), so that snapshots of two files compare by content.
func corpusResolveDeep(t testing.TB, f *pdf.File, o pdf.Object, depth int) pdf.Object {
	t.Helper()
	if depth > 12 {
		return o
	}
	if r, ok := o.(pdf.Ref); ok {
		v, err := f.Get(r)
		if err != nil {
			t.Fatal(err)
		}
		o = v
	}
	switch v := o.(type) {
	case pdf.Dict:
		out := pdf.Dict{}
		for k, e := range v {
			out[k] = corpusResolveDeep(t, f, e, depth+1)
		}
		return out
	case pdf.Array:
		out := make(pdf.Array, len(v))
		for i, e := range v {
			out[i] = corpusResolveDeep(t, f, e, depth+1)
		}
		return out
	case *pdf.Stream:
		data, err := f.Decode(v, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		return pdf.String(data)
	}
	return o
}

// corpusCheckExtension asserts that a signed PDF 1.x declares PAdES (the
// ETSI extension /ESIC, on top of /Version 1.7 at least) and that a PDF 2.0
// file keeps its version.
func corpusCheckExtension(t *testing.T, path string) {
	t.Helper()
	f, done := corpusOpen(t, path)
	defer done()
	cat, _, err := f.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	if f.Version() >= "2.0" {
		if v, ok := cat["Version"].(pdf.Name); ok && v < "2.0" {
			t.Errorf("a PDF 2.0 file got /Version %s", v)
		}
		return
	}
	if v, _ := cat["Version"].(pdf.Name); max(string(v), f.Version()) < "1.7" {
		t.Errorf("header %s and /Version %q: below PDF 1.7", f.Version(), v)
	}
	ext := corpusDict(t, f, cat["Extensions"])
	esic := corpusDict(t, f, ext["ESIC"])
	if esic == nil || esic["BaseVersion"] != pdf.Name("1.7") || esic["ExtensionLevel"] != int64(2) {
		t.Errorf("the catalog's /Extensions %v do not declare /ESIC 1.7 level 2", ext)
	}
}

// corpusCheckStructureKept asserts that the signed file keeps the shape
// of the input's catalog /AcroForm (direct or indirect, same object) and of
// every page's /Annots.
func corpusCheckStructureKept(t *testing.T, before, after string) {
	t.Helper()
	type shape struct {
		form   pdf.Object
		annots []pdf.Object
	}
	read := func(path string) shape {
		f, done := corpusOpen(t, path)
		defer done()
		cat, _, err := f.Catalog()
		if err != nil {
			t.Fatal(err)
		}
		pages, err := f.Pages()
		if err != nil {
			t.Fatal(err)
		}
		var s shape
		switch v := cat["AcroForm"].(type) {
		case pdf.Ref:
			s.form = v
		case pdf.Dict:
			s.form = pdf.Name("direct")
		}
		for _, p := range pages {
			switch v := p.Dict["Annots"].(type) {
			case pdf.Ref:
				s.annots = append(s.annots, v)
			case pdf.Array:
				s.annots = append(s.annots, pdf.Name("direct"))
			default:
				s.annots = append(s.annots, nil)
			}
		}
		return s
	}
	a, b := read(before), read(after)
	if a.form != nil && a.form != b.form {
		t.Errorf("the catalog's /AcroForm was %v, is %v", a.form, b.form)
	}
	for i := range a.annots {
		if a.annots[i] != nil && a.annots[i] != b.annots[i] {
			t.Errorf("page %d: /Annots was %v, is %v", i+1, a.annots[i], b.annots[i])
		}
	}
}

func corpusCheckFormKept(t *testing.T, before, after corpusFormSnapshot) {
	t.Helper()
	for name, want := range before.Fields {
		got, ok := after.Fields[name]
		if !ok {
			t.Errorf("form field %q disappeared", name)
			continue
		}
		for k, w := range want {
			if eq, err := pdf.Equal(w, got[k]); err != nil || !eq {
				t.Errorf("form field %q: /%s is %v, want %v", name, k, got[k], w)
			}
		}
	}
	for k, w := range before.Form {
		if eq, err := pdf.Equal(w, after.Form[k]); err != nil || !eq {
			t.Errorf("form /%s is %v, want %v", k, after.Form[k], w)
		}
	}
}

// ---------------------------------------------------------------------------
// Rendering

// corpusPageGeometry is what maps user space to the rendered page.
type corpusPageGeometry struct {
	Crop   [4]float64
	Rotate int
}

func corpusPageGeom(t testing.TB, path string, index int) corpusPageGeometry {
	t.Helper()
	f, done := corpusOpen(t, path)
	defer done()
	pages, err := f.Pages()
	if err != nil {
		t.Fatal(err)
	}
	p := pages[index]
	return corpusPageGeometry{Crop: p.CropBox, Rotate: p.Rotate}
}

// toDevice maps a user-space rectangle to device pixels (origin at the top
// left of the displayed crop box) at scale pixels per point.
func (g corpusPageGeometry) toDevice(r [4]float64, scale float64) image.Rectangle {
	pt := func(x, y float64) (float64, float64) {
		x0, y0, x1, y1 := g.Crop[0], g.Crop[1], g.Crop[2], g.Crop[3]
		switch g.Rotate {
		case 90:
			return y - y0, x - x0
		case 180:
			return x1 - x, y - y0
		case 270:
			return y1 - y, x1 - x
		}
		return x - x0, y1 - y
	}
	ax, ay := pt(r[0], r[1])
	bx, by := pt(r[2], r[3])
	return image.Rect(int(min(ax, bx)*scale+0.5), int(min(ay, by)*scale+0.5), int(max(ax, bx)*scale+0.5), int(max(ay, by)*scale+0.5))
}

const corpusDPI = 72

// corpusRender rasterises one page (1-based) of path with pdftoppm.
func corpusRender(t testing.TB, path string, page int) image.Image {
	t.Helper()
	needTool(t, "pdftoppm", "poppler-utils")
	prefix := filepath.Join(t.TempDir(), "page")
	n := fmt.Sprint(page)
	out, err := exec.Command("pdftoppm", "-png", "-cropbox", "-r", fmt.Sprint(corpusDPI), "-f", n, "-l", n, "-singlefile", path, prefix).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	fh, err := os.Open(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	img, err := png.Decode(fh)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func corpusRGB(c color.Color) (r, g, b int) {
	R, G, B, _ := c.RGBA()
	return int(R >> 8), int(G >> 8), int(B >> 8)
}

func corpusIsBlue(c color.Color) bool {
	r, g, b := corpusRGB(c)
	return b > 90 && b > r+50 && b > g+30
}

func corpusIsRed(c color.Color) bool {
	r, g, b := corpusRGB(c)
	return r > 120 && r > g+60 && r > b+60
}

// corpusInkBox returns the bounding box of the pixels in area that match and
// how many do.
func corpusInkBox(img image.Image, area image.Rectangle, match func(color.Color) bool) (image.Rectangle, int) {
	area = area.Intersect(img.Bounds())
	var box image.Rectangle
	n := 0
	for y := area.Min.Y; y < area.Max.Y; y++ {
		for x := area.Min.X; x < area.Max.X; x++ {
			if match(img.At(x, y)) {
				px := image.Rect(x, y, x+1, y+1)
				if n == 0 {
					box = px
				} else {
					box = box.Union(px)
				}
				n++
			}
		}
	}
	return box, n
}

// corpusWord is a word pdftotext -bbox found, in displayed-page points.
type corpusWord struct {
	Text                   string
	XMin, YMin, XMax, YMax float64
}

var corpusWordRE = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)

// corpusPageText reads the text inside a user-space rectangle of one page
// (1-based) as the reader sees it: pdftotext -bbox gives the words with
// their boxes on the displayed page; those inside rect are grouped into
// lines, top to bottom. Each line must also come out whole in
// pdftotext -layout of the page, and every word of three letters or more
// must be wider than tall (upright text).
func corpusPageText(t testing.TB, path string, page int, g corpusPageGeometry, rect [4]float64) []string {
	t.Helper()
	needTool(t, "pdftotext", "poppler-utils")
	n := fmt.Sprint(page)
	out, err := exec.Command("pdftotext", "-q", "-bbox", "-cropbox", "-f", n, "-l", n, path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext -bbox: %v", err)
	}
	area := g.toDevice(rect, 1).Inset(-1)
	var words []corpusWord
	for _, m := range corpusWordRE.FindAllStringSubmatch(string(out), -1) {
		var w corpusWord
		for i, v := range []*float64{&w.XMin, &w.YMin, &w.XMax, &w.YMax} {
			*v, _ = strconv.ParseFloat(m[i+1], 64)
		}
		w.Text = html.UnescapeString(m[5])
		cx, cy := (w.XMin+w.XMax)/2, (w.YMin+w.YMax)/2
		if image.Pt(int(cx), int(cy)).In(area) {
			words = append(words, w)
		}
	}
	slices.SortStableFunc(words, func(a, b corpusWord) int {
		if d := a.YMin - b.YMin; d < -2 || d > 2 {
			return cmp.Compare(a.YMin, b.YMin)
		}
		return cmp.Compare(a.XMin, b.XMin)
	})
	var lines []string
	lastY := -1e9
	for _, w := range words {
		if utf8.RuneCountInString(w.Text) >= 3 && w.XMax-w.XMin <= w.YMax-w.YMin {
			t.Errorf("the word %q is %gx%g points on the displayed page: not upright", w.Text, w.XMax-w.XMin, w.YMax-w.YMin)
		}
		if len(lines) > 0 && w.YMin-lastY <= 2 && w.YMin-lastY >= -2 {
			lines[len(lines)-1] += " " + w.Text
			continue
		}
		lines = append(lines, w.Text)
		lastY = w.YMin
	}

	layout, err := exec.Command("pdftotext", "-q", "-layout", "-cropbox", "-f", n, "-l", n, path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext -layout: %v", err)
	}
	for _, want := range lines {
		found := false
		for _, l := range strings.Split(string(layout), "\n") {
			if strings.Contains(strings.Join(strings.Fields(l), " "), want) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("pdftotext -layout does not give %q as one line:\n%s", want, layout)
		}
	}
	return lines
}

// ---------------------------------------------------------------------------
// The corpus test

var (
	corpusPosition = []string{"KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"}
	corpusName     = "Nguyễn Văn An"
)

func corpusFileHash(t testing.TB, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// TestCorpusIsWhatItClaims checks that each corpus file has the structure
// it stands for, so that a tool upgrade cannot quietly empty a case.
func TestCorpusIsWhatItClaims(t *testing.T) {
	for _, doc := range corpus(t) {
		t.Run(doc.Name, func(t *testing.T) {
			path := writeTemp(t, "in.pdf", doc.Data)
			f, done := corpusOpen(t, path)
			defer done()
			cat, _, err := f.Catalog()
			if err != nil {
				t.Fatal(err)
			}
			pages, err := f.Pages()
			if err != nil {
				t.Fatal(err)
			}
			head := string(doc.Data[:min(len(doc.Data), 2048)])
			fields, form := corpusFormFields(t, f)
			sigs := corpusSigFields(t, path)
			check := func(ok bool, what string) {
				t.Helper()
				if !ok {
					t.Errorf("%s (%s): %s", doc.Name, doc.How, what)
				}
			}
			switch doc.Name {
			case "ghostscript":
				check(bytes.Contains(doc.Data, []byte("Ghostscript")), "not written by Ghostscript")
				check(f.XrefIsTable(), "no xref table")
			case "qpdf-xref-stream", "qpdf-compressed-objstm":
				check(!f.XrefIsTable(), "no xref stream")
				check(bytes.Contains(doc.Data, []byte("/ObjStm")), "no object stream")
				if doc.Name == "qpdf-compressed-objstm" {
					ref, _ := cat["AcroForm"].(pdf.Ref)
					check(f.Locate(ref.Num).Kind == 2, "the form is not inside an object stream")
				}
			case "qpdf-linearized":
				check(strings.Contains(head, "/Linearized"), "not linearized")
			case "qpdf-qdf":
				check(strings.Contains(head, "%QDF-1.0"), "not in QDF form")
			case "pdfsig-signed":
				check(len(sigs) == 1, fmt.Sprintf("%d signatures, want 1", len(sigs)))
				check(bytes.Contains(doc.Data, []byte("/adbe.pkcs7.detached")), "not an adbe.pkcs7.detached signature")
			case "pdf-1.3", "pdf-2.0":
				check(f.Version() == strings.TrimPrefix(doc.Name, "pdf-"), "header version "+f.Version())
			case "rotated":
				check(len(pages) == 2 && pages[0].Rotate == 90 && pages[1].Rotate == 270, "pages not rotated by 90 and 270")
				check(len(pages) == 2 && pages[1].CropBox[0] > 0 && pages[1].CropBox[1] > 0, "no offset crop box")
			case "acroform-direct":
				_, direct := cat["AcroForm"].(pdf.Dict)
				check(direct, "the catalog's /AcroForm is not a direct dictionary")
			case "annots-indirect":
				_, ref := pages[0].Dict["Annots"].(pdf.Ref)
				check(ref, "the page's /Annots is not a reference")
			}
			if strings.HasPrefix(doc.Name, "acroform") || doc.Name == "annots-indirect" || doc.Name == "qpdf-linearized" || doc.Name == "qpdf-compressed-objstm" {
				check(len(fields) == 3, fmt.Sprintf("%d form fields, want 3", len(fields)))
				check(form["DA"] != nil && form["DR"] != nil, "no /DA or /DR in the form")
				check(form["NeedAppearances"] == true, "no /NeedAppearances true")
			}
		})
	}
}

// TestSignNeedAppearances: poppler draws signature widgets empty while
// the form's /NeedAppearances is true, so the signer turns it off when
// every field has its appearance, and leaves it on when turning it off
// would hide a field's value.
func TestSignNeedAppearances(t *testing.T) {
	for _, tc := range []struct {
		name  string
		style corpusFormStyle
		want  bool
	}{
		{"all appearances", corpusFormIndirect, false},
		{"a field without appearance", corpusFormMissingAP, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := corpusFormPDF(tc.style)
			if err != nil {
				t.Fatal(err)
			}
			in := writeTemp(t, "in.pdf", data)
			opts := leaderOpts(t)
			opts.Appearance = Appearance{Kind: AppearancePersonal, Position: slices.Clone(corpusPosition), Name: corpusName}
			out := signFile(t, in, opts)
			f, done := corpusOpen(t, out)
			defer done()
			_, form := corpusFormFields(t, f)
			if got := form["NeedAppearances"]; got != tc.want {
				t.Errorf("/NeedAppearances is %v, want %v", got, tc.want)
			}
			if tc.want {
				return
			}
			sf := corpusSigFields(t, out)[0]
			want := append(slices.Clone(corpusPosition), corpusName)
			if got := corpusPageText(t, out, 1, corpusPageGeom(t, out, 0), sf.Rect); !slices.Equal(got, want) {
				t.Errorf("pdftotext of the signature block:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// TestCorpusSignedTwice signs every corpus file with the leader's personal
// signature (B-T) and then the agency's seal, and runs every oracle on the
// result.
func TestCorpusSignedTwice(t *testing.T) {
	docs := corpus(t)
	for _, doc := range docs {
		t.Run(doc.Name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			in := filepath.Join(dir, "in.pdf")
			if err := os.WriteFile(in, doc.Data, 0o600); err != nil {
				t.Fatal(err)
			}
			inHash := corpusFileHash(t, in)
			earlier := len(corpusSigFields(t, in))
			formBefore := corpusSnapshotForm(t, in)

			lead := leaderOpts(t)
			lead.Level = LevelBT
			lead.TSA = corpusBTClient(t)
			lead.Reason = "Ký ban hành"
			lead.Appearance = Appearance{Kind: AppearancePersonal, Position: slices.Clone(corpusPosition), Name: corpusName}
			first := filepath.Join(dir, "1-leader.pdf")
			r1, err := SignPDFFile(t.Context(), in, first, lead)
			if err != nil {
				t.Fatalf("leader signature on %s (%s): %v", doc.Name, doc.How, err)
			}
			seal := agencyOpts(t)
			seal.Appearance = Appearance{Kind: AppearanceAgency}
			second := filepath.Join(dir, "2-agency.pdf")
			r2, err := SignPDFFile(t.Context(), first, second, seal)
			if err != nil {
				t.Fatalf("agency signature on %s (%s): %v", doc.Name, doc.How, err)
			}
			if corpusFileHash(t, in) != inHash {
				t.Error("signing modified its input")
			}
			if r2.Page != r1.Page {
				t.Errorf("the seal is on page %d, the signature on page %d", r2.Page, r1.Page)
			}

			n := earlier + 2
			rep := corpusCheckVerifier(t, second, n)
			if len(rep.Signatures) == n {
				if lvl := rep.Signatures[earlier].Level; lvl != string(LevelBT) {
					t.Errorf("the leader's signature is %q, want B-T", lvl)
				}
			}
			corpusCheckVerifier(t, first, earlier+1)
			corpusCheckPdfsig(t, second, n)
			corpusCheckQpdf(t, in, second)
			corpusCheckPdfsign(t, second, n)
			corpusCheckPrefix(t, in, first)
			corpusCheckPrefix(t, first, second)
			corpusCheckContentsKept(t, in, second)
			corpusCheckContentsKept(t, first, second)
			corpusCheckFormKept(t, formBefore, corpusSnapshotForm(t, second))
			if a, b := corpusXrefIsTable(t, in), corpusXrefIsTable(t, second); a != b {
				t.Errorf("the input's newest xref is a table: %v; the output's: %v", a, b)
			}
			corpusCheckStructureKept(t, in, second)
			corpusCheckExtension(t, second)

			// The text of the personal signature, exactly, and nothing else
			// inside its rectangle but what the seal leaves.
			sigs := corpusSigFields(t, second)
			lf := corpusFieldNamed(t, sigs, r1.Field)
			af := corpusFieldNamed(t, sigs, r2.Field)
			if lf.Page != r1.Page-1 || af.Page != r2.Page-1 {
				t.Errorf("widget pages %d and %d, want %d and %d", lf.Page+1, af.Page+1, r1.Page, r2.Page)
			}
			geom := corpusPageGeom(t, second, r1.Page-1)
			want := append(slices.Clone(corpusPosition), corpusName)
			if got := corpusPageText(t, second, r1.Page, geom, lf.Rect); !slices.Equal(got, want) {
				t.Errorf("pdftotext of the signature block:\n got %q\nwant %q", got, want)
			}

			if doc.Render {
				corpusCheckRendering(t, in, first, second, r1.Page, geom, lf.Rect, af.Rect)
			}
		})
	}
}

// corpusCheckRendering rasterises the signed page before and after the seal:
// blue ink in the personal signature's rectangle, red in the seal's, and
// the seal over the left third of the signature image.
func corpusCheckRendering(t *testing.T, in, first, second string, page int, g corpusPageGeometry, sigRect, sealRect [4]float64) {
	t.Helper()
	scale := float64(corpusDPI) / 72
	sigArea := g.toDevice(sigRect, scale)
	sealArea := g.toDevice(sealRect, scale)

	before := corpusRender(t, first, page)
	ink, n := corpusInkBox(before, sigArea, corpusIsBlue)
	if n < 50 {
		t.Fatalf("only %d blue pixels in the signature's rectangle %v", n, sigArea)
	}
	// Nothing blue appeared outside the rectangle.
	_, total := corpusInkBox(before, before.Bounds(), corpusIsBlue)
	_, unsigned := corpusInkBox(corpusRender(t, in, page), before.Bounds(), corpusIsBlue)
	if total-n > unsigned+unsigned/20+5 {
		t.Errorf("%d blue pixels on the signed page, %d inside the signature's rectangle, %d on the unsigned page", total, n, unsigned)
	}
	after := corpusRender(t, second, page)
	red, nr := corpusInkBox(after, sealArea, corpusIsRed)
	if nr < 50 {
		t.Fatalf("only %d red pixels in the seal's rectangle %v", nr, sealArea)
	}
	// The left third of the signature image as the reader sees it.
	third := image.Rect(ink.Min.X, ink.Min.Y, ink.Min.X+ink.Dx()/3, ink.Max.Y)
	if _, over := corpusInkBox(after, third, corpusIsRed); over < 20 {
		t.Errorf("the seal (red %v) does not cover the left third %v of the signature image %v", red, third, ink)
	}
	if c := (red.Min.X + red.Max.X) / 2; c >= (ink.Min.X+ink.Max.X)/2 {
		t.Errorf("the seal (red %v) is centred right of the signature image's centre (%v)", red, ink)
	}
	if red.Max.X > ink.Min.X+ink.Dx()*2/3 {
		t.Errorf("the seal (red %v) reaches beyond the first two thirds of the signature image %v", red, ink)
	}
}

// TestCorpusOraclesCatchDamage makes sure the oracles are not vacuous: one
// changed byte of page text in a doubly signed file fails our verifier,
// pdfsig and pdfsign's verifier.
func TestCorpusOraclesCatchDamage(t *testing.T) {
	in := writeTemp(t, "in.pdf", simplePDF(1))
	lead := leaderOpts(t)
	lead.Appearance = Appearance{Kind: AppearancePersonal, Position: slices.Clone(corpusPosition), Name: corpusName}
	first := signFile(t, in, lead)
	seal := agencyOpts(t)
	seal.Appearance = Appearance{Kind: AppearanceAgency}
	second := signFile(t, first, seal)
	data, err := os.ReadFile(second)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(data, []byte("(Page 1 of"))
	if i < 0 {
		t.Fatal("page text not found")
	}
	data[i+1] = 'R'
	bad := writeTemp(t, "damaged.pdf", data)

	rep, err := VerifyPDFFile(t.Context(), bad, verifyOpts(t))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != Invalid {
		t.Errorf("our verifier: %s", rep.Verdict)
	}
	for _, r := range pdfsig(t, bad) {
		if r.Valid {
			t.Errorf("pdfsig accepts a damaged signature:\n%s", r.Text)
		}
	}
	fh, err := os.Open(bad)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	resp, err := pdfsignverify.VerifyFile(fh)
	if err == nil {
		for _, s := range resp.Signers {
			if s.ValidSignature {
				t.Errorf("pdfsign verify accepts a damaged signature (%s)", s.Name)
			}
		}
	}
}

// TestCorpusStampText signs page 1 of corpus files with a stamp and reads
// the stamp's lines back with pdftotext, exactly.
func TestCorpusStampText(t *testing.T) {
	docs := corpus(t)
	at := time.Now().In(VietnamTime).Truncate(time.Second)
	for _, doc := range docs {
		if doc.Name != "ghostscript" && doc.Name != "rotated" && doc.Name != "qpdf-xref-stream" {
			continue
		}
		t.Run(doc.Name, func(t *testing.T) {
			t.Parallel()
			in := writeTemp(t, "in.pdf", doc.Data)
			opts := agencyOpts(t)
			opts.Time = at
			opts.Appearance = Appearance{Kind: AppearanceStamp, Text: []string{"Số: 15/UBND-VP", "Sao y bản chính"}}
			out := filepath.Join(t.TempDir(), "stamped.pdf")
			res, err := SignPDFFile(t.Context(), in, out, opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Page != 1 {
				t.Errorf("the stamp is on page %d, want 1", res.Page)
			}
			corpusCheckVerifier(t, out, 1)
			g := corpusPageGeom(t, out, 0)
			sf := corpusFieldNamed(t, corpusSigFields(t, out), res.Field)
			want := []string{"Số: 15/UBND-VP", "Sao y bản chính", at.Format("2006-01-02T15:04:05-07:00")}
			if got := corpusPageText(t, out, 1, g, sf.Rect); !slices.Equal(got, want) {
				t.Errorf("pdftotext of the stamp:\n got %q\nwant %q", got, want)
			}
			// Top right of the displayed page.
			dev := g.toDevice(sf.Rect, 1)
			w, h := g.Crop[2]-g.Crop[0], g.Crop[3]-g.Crop[1]
			if g.Rotate == 90 || g.Rotate == 270 {
				w, h = h, w
			}
			if float64(dev.Max.X) < w*0.75 || float64(dev.Min.Y) > h*0.15 {
				t.Errorf("the stamp is at %v on a %gx%g page, not at the top right", dev, w, h)
			}
		})
	}
}

// TestCorpusRotatedUpright signs each page of the rotated file with a
// personal signature and checks that it reads upright: pdftotext returns
// the position and name lines whole, and the signature image is wider than
// tall on the displayed page.
func TestCorpusRotatedUpright(t *testing.T) {
	var rotated corpusDoc
	for _, d := range corpus(t) {
		if d.Name == "rotated" {
			rotated = d
		}
	}
	for page := 1; page <= 2; page++ {
		t.Run(fmt.Sprint("page", page), func(t *testing.T) {
			t.Parallel()
			in := writeTemp(t, "in.pdf", rotated.Data)
			opts := leaderOpts(t)
			opts.Appearance = Appearance{Kind: AppearancePersonal, Page: page, Position: slices.Clone(corpusPosition), Name: corpusName}
			out := filepath.Join(t.TempDir(), "signed.pdf")
			res, err := SignPDFFile(t.Context(), in, out, opts)
			if err != nil {
				t.Fatal(err)
			}
			g := corpusPageGeom(t, out, page-1)
			if g.Rotate == 0 {
				t.Fatalf("page %d is not rotated", page)
			}
			sf := corpusFieldNamed(t, corpusSigFields(t, out), res.Field)
			want := append(slices.Clone(corpusPosition), corpusName)
			if got := corpusPageText(t, out, page, g, sf.Rect); !slices.Equal(got, want) {
				t.Errorf("pdftotext of the signature on a page rotated by %d:\n got %q\nwant %q", g.Rotate, got, want)
			}
			dev := g.toDevice(sf.Rect, 1)
			if dev.Dx() <= dev.Dy() {
				t.Errorf("the signature block is %dx%d on the displayed page: not upright (the default block is wider than tall)", dev.Dx(), dev.Dy())
			}
			img := corpusRender(t, out, page)
			ink, n := corpusInkBox(img, dev, corpusIsBlue)
			if n < 50 {
				t.Fatalf("only %d blue pixels in the signature's rectangle %v", n, dev)
			}
			if ink.Dx() <= ink.Dy() {
				t.Errorf("the signature image is %dx%d pixels on the displayed page: turned on its side", ink.Dx(), ink.Dy())
			}
			// Upright: the image lies between the position lines (above)
			// and the name (below).
			if ink.Min.Y < dev.Min.Y+dev.Dy()/8 || ink.Max.Y > dev.Max.Y-dev.Dy()/8 {
				t.Errorf("the signature image %v is not between the position and the name in %v", ink, dev)
			}
		})
	}
}
