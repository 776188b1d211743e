package pdftext

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/adler32"
	"math/bits"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/internal/pdfwasmtest"
	"github.com/vanthu/vanthu/signing/demodoc"
	"github.com/vanthu/vanthu/signing/sample"
)

// testCache is the compilation cache the tests share. It is filled once by
// the startup command (testdata/startup), built without the race detector:
// under -race, wazero's compiler would take minutes.
var testCache = &pdfwasmtest.Cache{Name: "pdftext"}

var (
	warmOnce  sync.Once
	warmErr   error
	warmPDF   string        // the PDF read by the warm-up
	coldStart startupResult // the warm-up: a start with an empty cache
	sharedExt pdfwasmtest.Shared[*Extractor]
)

func TestMain(m *testing.M) {
	os.Exit(testCache.Main(m, &sharedExt))
}

// startupResult is what testdata/startup measured.
type startupResult struct {
	newTime, firstText  time.Duration
	firstRSS, rss, peak uint64 // bytes; 0 without /proc
}

// startup runs testdata/startup on the cache directory dir: a new process
// reads the PDF files, n documents in all, with the given workers.
func startup(t testing.TB, dir string, n, workers int, pdfs ...string) startupResult {
	t.Helper()
	args := append([]string{"-cache", dir, "-n", fmt.Sprint(n), "-workers", fmt.Sprint(workers)}, pdfs...)
	out, err := exec.Command(testCache.BuildTool(t, "startup"), args...).Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("startup: %v\n%s", err, exit.Stderr)
		}
		t.Fatalf("startup: %v", err)
	}
	var r startupResult
	var size int
	if _, err := fmt.Sscan(string(out), &r.newTime, &r.firstText, &size, &r.firstRSS, &r.rss, &r.peak); err != nil || size == 0 {
		t.Fatalf("startup printed %q", out)
	}
	return r
}

// warmCache fills testCache.
func warmCache(t testing.TB) {
	t.Helper()
	warmOnce.Do(func() {
		doc, err := demodoc.Generate(demodoc.Example(demodoc.CongVan, 1))
		if err != nil {
			warmErr = err
			return
		}
		warmPDF = filepath.Join(filepath.Dir(testCache.Dir()), "warm.pdf")
		if warmErr = os.WriteFile(warmPDF, doc.PDF, 0o600); warmErr != nil {
			return
		}
		coldStart = startup(t, testCache.Dir(), 1, 1, warmPDF)
	})
	if warmErr != nil {
		t.Fatal(warmErr)
	}
}

// newExtractor returns an Extractor on the shared cache, closed at the end
// of the test.
func newExtractor(t testing.TB, opts Options) *Extractor {
	t.Helper()
	if opts.CacheDir == "" {
		warmCache(t)
		opts.CacheDir = testCache.Dir()
	}
	e, err := New(t.Context(), opts)
	return pdfwasmtest.CloseAtEnd(t, e, err)
}

// shared returns the Extractor with default options (two workers) that
// the tests share: under -race every wazero runtime costs seconds.
func shared(t testing.TB) *Extractor {
	t.Helper()
	return sharedExt.Get(t, func() (*Extractor, error) {
		warmCache(t)
		return New(context.Background(), Options{CacheDir: testCache.Dir(), Workers: 2})
	})
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
	tool := pdfwasmtest.Need(t, "pdftotext", "poppler-utils")
	path := pdfwasmtest.WriteTemp(t, "in.pdf", pdf)
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

// pagesPDF returns a PDF whose pages draw the given contents with the
// standard font /F1 (Helvetica).
func pagesPDF(contents [][]byte, extraResources string) []byte {
	f := &sample.Objects{}
	catalog := f.Reserve()
	pages := f.Reserve()
	font := f.Add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	var kids []string
	for _, c := range contents {
		content := f.Add(sample.Stream("", c))
		page := f.Add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> %s >> /Contents %d 0 R >>",
			pages, font, extraResources, content))
		kids = append(kids, fmt.Sprintf("%d 0 R", page))
	}
	f.Set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages))
	f.Set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids)))
	return f.Bytes(catalog)
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
	return pdfwasmtest.FormBombPDF(depth, fanout, func(f *sample.Objects) int {
		font := f.Add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
		return f.Add(sample.Stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >>", font),
			[]byte("BT /F1 1 Tf 10 10 Td (x) Tj ET")))
	})
}

// zeroPagePDF returns a PDF without pages.
func zeroPagePDF() []byte {
	f := &sample.Objects{}
	catalog := f.Reserve()
	pages := f.Add("<< /Type /Pages /Kids [] /Count 0 >>")
	f.Set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages))
	return f.Bytes(catalog)
}

// inflateBombPDF returns a one-page PDF whose content stream inflates to
// size bytes of drawing operators that draw nothing ("q Q q Q …").
func inflateBombPDF(size int) []byte {
	f := &sample.Objects{}
	catalog := f.Reserve()
	pages := f.Reserve()
	font := f.Add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	content := f.Add(sample.Stream("/Filter /FlateDecode", zlibRepeat("q Q ", size)))
	page := f.Add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>",
		pages, font, content))
	f.Set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages))
	f.Set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", page))
	return f.Bytes(catalog)
}

// zlibRepeat returns a zlib stream of unit (4 bytes) repeated to about size
// bytes, written by hand: one block with the fixed Huffman codes, where
// unit is four literals and everything else copies of 258 bytes from 4
// bytes back, 13 bits each. (compress/flate would have to read all of it,
// which takes long under the race detector.)
func zlibRepeat(unit string, size int) []byte {
	copies := (size-len(unit))/258&^1 + 2 // even: the output ends with a whole unit
	w := &bitWriter{buf: []byte{0x78, 0x01}}
	w.bits(1, 1) // final block
	w.bits(1, 2) // fixed Huffman codes
	for _, c := range []byte(unit) {
		w.code(0x30+uint32(c), 8) // literals 0-143: 8 bits from 00110000
	}
	for range copies {
		w.code(0xc5, 8) // length 258: code 285, 8 bits from 11000000
		w.code(3, 5)    // distance 4: code 3, no extra bits
	}
	w.code(0, 7) // end of block: code 256, 7 bits
	w.flush()

	// Adler-32 of the output, which is unit repeated.
	total := len(unit) + 258*copies
	chunk := []byte(strings.Repeat(unit, 1<<18))
	sum := adler32.New()
	for n := total; n > 0; n -= min(n, len(chunk)) {
		sum.Write(chunk[:min(n, len(chunk))])
	}
	return sum.Sum(w.buf)
}

// bitWriter writes a DEFLATE bit stream.
type bitWriter struct {
	buf []byte
	acc uint64
	n   uint
}

// bits writes the n low bits of v, least significant first.
func (w *bitWriter) bits(v uint32, n uint) {
	w.acc |= uint64(v) << w.n
	w.n += n
	for w.n >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.n -= 8
	}
}

// code writes an n-bit Huffman code, most significant bit first.
func (w *bitWriter) code(c uint32, n uint) {
	w.bits(bits.Reverse32(c)>>(32-n), n)
}

func (w *bitWriter) flush() {
	if w.n > 0 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc, w.n = 0, 0
	}
}
