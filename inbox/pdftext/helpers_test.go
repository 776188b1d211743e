package pdftext

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/signing/demodoc"
)

// testCache is the compilation cache the tests share, so that PDFium is
// compiled once per test binary run.
var testCache string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pdftext-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testCache = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// newExtractor returns an Extractor on the shared cache, closed at the end
// of the test.
func newExtractor(t testing.TB, opts Options) *Extractor {
	t.Helper()
	if opts.CacheDir == "" {
		opts.CacheDir = testCache
	}
	e, err := New(t.Context(), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e
}

// need returns the path of an external tool, failing the test when it is
// missing.
func need(t testing.TB, tool, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		t.Fatalf("%s not found: the tests of inbox/pdftext need it (Debian package %s)", tool, debianPackage)
	}
	return p
}

// writeTemp writes data to a file in the test's directory.
func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// poppler returns the text pdftotext finds in the PDF.
func poppler(t testing.TB, pdf []byte, args ...string) string {
	t.Helper()
	out, err := popplerErr(t, pdf, args...)
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return out
}

// popplerErr is poppler for PDFs pdftotext may refuse.
func popplerErr(t testing.TB, pdf []byte, args ...string) (string, error) {
	t.Helper()
	tool := need(t, "pdftotext", "poppler-utils")
	path := writeTemp(t, "in.pdf", pdf)
	args = append(append([]string{"-q", "-enc", "UTF-8"}, args...), path, "-")
	out, err := exec.Command(tool, args...).Output()
	return string(out), err
}

// textOf runs Text on a PDF in memory.
func textOf(t testing.TB, e *Extractor, pdf []byte) (string, error) {
	t.Helper()
	return e.Text(t.Context(), bytes.NewReader(pdf), int64(len(pdf)))
}

// flat is s in NFC with every run of white space (line and page breaks
// included) turned into one space.
func flat(s string) string {
	return strings.Join(strings.Fields(norm.NFC.String(s)), " ")
}

// wordSet returns the distinct white-space separated words of s, in NFC.
func wordSet(s string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.Fields(norm.NFC.String(s)) {
		set[w] = true
	}
	return set
}

// diffWords returns the words of a missing from b.
func diffWords(a, b map[string]bool) []string {
	var out []string
	for w := range a {
		if !b[w] {
			out = append(out, w)
		}
	}
	return out
}

// example generates a demo document of the given kind and minimum pages.
func example(t testing.TB, kind demodoc.Kind, seed int64, pages int) *demodoc.Document {
	t.Helper()
	spec := demodoc.Example(kind, seed)
	spec.Pages = pages
	doc, err := demodoc.Generate(spec)
	if err != nil {
		t.Fatalf("demodoc: %v", err)
	}
	return doc
}

// pdfFile writes small PDFs by hand, for the odd and hostile cases the demo
// documents do not cover.
type pdfFile struct {
	objs []string // bodies; object i+1
}

// add appends an object and returns its number.
func (f *pdfFile) add(body string) int {
	f.objs = append(f.objs, body)
	return len(f.objs)
}

// reserve appends a placeholder object to be set later.
func (f *pdfFile) reserve() int { return f.add("null") }

func (f *pdfFile) set(n int, body string) { f.objs[n-1] = body }

// stream returns the body of a stream object.
func stream(dict string, data []byte) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// deflate compresses the output of write for a /FlateDecode stream.
func deflate(write func(w *zlib.Writer)) []byte {
	var b bytes.Buffer
	w, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
	write(w)
	_ = w.Close()
	return b.Bytes()
}

// bytes returns the file with the catalog root.
func (f *pdfFile) bytes(root int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(f.objs))
	for i, body := range f.objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, body)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(f.objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(f.objs)+1, root, xref)
	return b.Bytes()
}

// pagesPDF returns a PDF whose pages draw the given contents with the
// standard font /F1 (Helvetica).
func pagesPDF(contents [][]byte, extraResources string) []byte {
	f := &pdfFile{}
	catalog := f.reserve()
	pages := f.reserve()
	font := f.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	var kids []string
	for _, c := range contents {
		content := f.add(stream("", c))
		page := f.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> %s >> /Contents %d 0 R >>",
			pages, font, extraResources, content))
		kids = append(kids, fmt.Sprintf("%d 0 R", page))
	}
	f.set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages))
	f.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids)))
	return f.bytes(catalog)
}

// linesPDF returns a PDF with one line of ASCII text per page.
func linesPDF(lines []string) []byte {
	contents := make([][]byte, len(lines))
	for i, l := range lines {
		contents[i] = fmt.Appendf(nil, "BT /F1 12 Tf 72 770 Td (%s) Tj ET", l)
	}
	return pagesPDF(contents, "")
}

// formBombPDF returns a one-page PDF whose page draws a form that draws
// the next one fanout times, depth levels deep: fanout^depth text
// objects from a file of a few kilobytes.
func formBombPDF(depth, fanout int) []byte {
	f := &pdfFile{}
	catalog := f.reserve()
	pages := f.reserve()
	font := f.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	prev := f.add(stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >>", font),
		[]byte("BT /F1 1 Tf 10 10 Td (x) Tj ET")))
	for range depth {
		draw := strings.Repeat("/X Do ", fanout)
		prev = f.add(stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /XObject << /X %d 0 R >> >>", prev),
			[]byte(draw)))
	}
	content := f.add(stream("", []byte("/X Do")))
	page := f.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /X %d 0 R >> >> /Contents %d 0 R >>",
		pages, prev, content))
	f.set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages))
	f.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", page))
	return f.bytes(catalog)
}

// zeroPagePDF returns a PDF without pages.
func zeroPagePDF() []byte {
	f := &pdfFile{}
	catalog := f.reserve()
	pages := f.add("<< /Type /Pages /Kids [] /Count 0 >>")
	f.set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages))
	return f.bytes(catalog)
}

// inflateBombPDF returns a one-page PDF whose content stream inflates to
// size bytes of drawing operators that draw nothing.
func inflateBombPDF(size int) []byte {
	data := deflate(func(w *zlib.Writer) {
		chunk := bytes.Repeat([]byte("q Q "), 1<<14)
		for n := 0; n < size; n += len(chunk) {
			_, _ = w.Write(chunk)
		}
		_, _ = w.Write([]byte("BT /F1 12 Tf 72 770 Td (after the bomb) Tj ET"))
	})
	f := &pdfFile{}
	catalog := f.reserve()
	pages := f.reserve()
	font := f.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	content := f.add(stream("/Filter /FlateDecode", data))
	page := f.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>",
		pages, font, content))
	f.set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages))
	f.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", page))
	return f.bytes(catalog)
}
