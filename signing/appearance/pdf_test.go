package appearance

// A minimal PDF writer for the tests: one page that draws an Appearance as a
// form XObject, with the fonts and images turned into objects exactly as the
// doc comments of EmbeddedFont and Image describe. The files it writes are
// checked with qpdf and poppler.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/signing/sample"
)

type testPDF struct{ sample.Objects }

// stream adds a Flate-compressed stream object unless data is already
// compressed (then the dictionary must name the filter).
func (p *testPDF) stream(dict string, data []byte, compress bool) int {
	if compress {
		data = mustDeflate(data)
		dict += " /Filter /FlateDecode"
	}
	return p.Add(sample.Stream(dict, data))
}

func pdfNums(vs ...float64) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = num(v)
	}
	return strings.Join(s, " ")
}

// hexString writes a PDF string as hex, safe for any bytes.
func hexString(s string) string { return fmt.Sprintf("<%X>", s) }

// addFont writes the Type0 font, its CIDFontType2 descendant, the font
// descriptor, the FontFile2 and the ToUnicode streams; it returns the Type0 font.
func (p *testPDF) addFont(ef EmbeddedFont) int {
	file := p.stream(fmt.Sprintf("/Length1 %d", len(ef.FontFile2)), ef.FontFile2, true)
	d := ef.Descriptor
	desc := p.Add(fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags %d /FontBBox [%s] /ItalicAngle %s /Ascent %s /Descent %s /CapHeight %s /StemV %s /FontFile2 %d 0 R >>",
		d.FontName, d.Flags, pdfNums(d.BBox[:]...), num(d.ItalicAngle), num(d.Ascent), num(d.Descent), num(d.CapHeight), num(d.StemV), file))
	var w strings.Builder
	for _, r := range ef.W {
		fmt.Fprintf(&w, "%d [%s] ", r.First, pdfNums(r.Widths...))
	}
	si := ef.CIDSystemInfo
	cid := p.Add(fmt.Sprintf("<< /Type /Font /Subtype /%s /BaseFont /%s /CIDSystemInfo << /Registry %s /Ordering %s /Supplement %d >> /FontDescriptor %d 0 R /DW %s /W [%s] /CIDToGIDMap /%s >>",
		ef.CIDFontType, ef.BaseFont, hexString(si.Registry), hexString(si.Ordering), si.Supplement, desc, num(ef.DW), w.String(), ef.CIDToGIDMap))
	tu := p.stream("", ef.ToUnicode, true)
	return p.Add(fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /%s /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>",
		ef.BaseFont, ef.Encoding, cid, tu))
}

func (p *testPDF) addImage(img *Image) int {
	dict := fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /%s /BitsPerComponent %d /Filter /FlateDecode",
		img.Width, img.Height, img.ColorSpace, img.BitsPerComponent)
	if img.SMask != nil {
		dict += fmt.Sprintf(" /SMask %d 0 R", p.addImage(img.SMask))
	}
	return p.stream(dict, img.Data, false)
}

// placed is an appearance drawn on the page with its lower-left corner at X, Y.
type placed struct {
	ap   *Appearance
	x, y float64
	// bbox overrides the form's BBox (to see what would be drawn outside it).
	bbox *[4]float64
}

// addForm writes the appearance as a form XObject.
func (p *testPDF) addForm(pl placed) int {
	var res strings.Builder
	res.WriteString("/Font <<")
	for _, f := range pl.ap.Fonts {
		fmt.Fprintf(&res, " /%s %d 0 R", f.ResName, p.addFont(f.Font))
	}
	res.WriteString(" >> /XObject <<")
	names := make([]string, 0, len(pl.ap.Images))
	for n := range pl.ap.Images {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&res, " /%s %d 0 R", n, p.addImage(pl.ap.Images[n]))
	}
	res.WriteString(" >>")
	bbox := pl.ap.BBox()
	if pl.bbox != nil {
		bbox = *pl.bbox
	}
	return p.stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [%s] /Resources << %s >>", pdfNums(bbox[:]...), res.String()),
		pl.ap.Content, true)
}

// buildPDF writes a one-page PDF of pageW × pageH points that draws each
// appearance as a form XObject at its place.
func buildPDF(pageW, pageH float64, items ...placed) []byte {
	var p testPDF
	catalog := p.Reserve()
	pages := p.Reserve()
	var xobjs, content strings.Builder
	for i, it := range items {
		form := p.addForm(it)
		fmt.Fprintf(&xobjs, " /Ap%d %d 0 R", i, form)
		fmt.Fprintf(&content, "q 1 0 0 1 %s %s cm /Ap%d Do Q\n", num(it.x), num(it.y), i)
	}
	contents := p.stream("", []byte(content.String()), true)
	page := p.Add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources << /XObject <<%s >> >> /Contents %d 0 R >>",
		pages, num(pageW), num(pageH), xobjs.String(), contents))
	p.Set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", page))
	p.Set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages))
	return p.Bytes(catalog)
}

// tool runs one of the PDF tools; a missing tool fails the test naming the
// Debian package that provides it.
func tool(t *testing.T, name string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	pkg := map[string]string{"qpdf": "qpdf", "pdffonts": "poppler-utils", "pdftotext": "poppler-utils", "pdftoppm": "poppler-utils"}[name]
	if _, lookErr := exec.LookPath(name); lookErr != nil {
		t.Fatalf("%s is not installed: install the Debian package %s (apt-get install %s)", name, pkg, pkg)
	}
	var o, e bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// writePDF stores a test PDF in the test's temporary directory (and, with
// VANTHU_KEEP_PDF=dir, in dir too, to look at by hand).
func writePDF(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("VANTHU_KEEP_PDF"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return path
}
