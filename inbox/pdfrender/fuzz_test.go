package pdfrender

import (
	"bytes"
	"errors"
	"image"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vanthu/vanthu/signing/demodoc"
)

// FuzzRender opens arbitrary bytes and draws their first page: the result
// is an image of the page's size or an error of a known kind, never a
// panic or a hang.
func FuzzRender(f *testing.F) {
	f.Add(pagesPDF(testPage{content: "0 g 20 30 100 50 re f"}))
	f.Add(pagesPDF(testPage{extra: "/Rotate 90 /CropBox [10 10 300 300]", content: "BT ET"}))
	f.Add(formBombPDF(3, 4))
	if doc, err := demodoc.Generate(demodoc.Example(demodoc.CongVan, 1)); err == nil {
		f.Add(doc.PDF)
	}
	// The fuzzing processes share a compilation cache that outlives them,
	// instead of compiling PDFium each.
	cache := filepath.Join(os.TempDir(), "vanthu-pdfrender-fuzz-cache")
	r := newRenderer(f, Options{CacheDir: cache, Timeout: 5 * time.Second, MaxPixels: 1 << 20})
	f.Fuzz(func(t *testing.T, data []byte) {
		known := func(err error) bool {
			return errors.Is(err, ErrNotPDF) || errors.Is(err, ErrEncrypted) || errors.Is(err, ErrTooBig) || errors.Is(err, ErrTimeout)
		}
		d, err := r.Open(t.Context(), bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if !known(err) {
				t.Fatalf("Open: unexpected error %v", err)
			}
			return
		}
		defer d.Close()
		const scale = 0.25
		img, err := d.Render(t.Context(), 0, scale)
		if err != nil {
			if !known(err) {
				t.Fatalf("Render: unexpected error %v", err)
			}
			return
		}
		p, err := d.Page(t.Context(), 0)
		if err != nil {
			t.Fatalf("Page after Render: %v", err)
		}
		if w, h := p.PixelSize(scale); img.Rect != image.Rect(0, 0, w, h) {
			t.Fatalf("image %v, want %dx%d", img.Rect, w, h)
		}
	})
}
