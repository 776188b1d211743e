package pdfrender

import (
	"context"
	"testing"

	"github.com/vanthu/vanthu/internal/pdfwasmtest"
	"github.com/vanthu/vanthu/signing/demodoc"
)

// The first page of a signed one-page dispatch, as the viewer shows it at
// 100% (96 dpi): New (compiling PDFium or loading it from the compilation
// cache), opening the file and drawing the page.

// firstPage opens the file at path with r and draws its first page.
func firstPage(b *testing.B, ctx context.Context, r *Renderer, path string) {
	d, err := r.OpenFile(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := d.Render(ctx, 0, 96.0/72); err != nil {
		b.Fatal(err)
	}
	if err := d.Close(); err != nil {
		b.Fatal(err)
	}
}

func benchDoc(b *testing.B) string {
	s := signDoc(b, pdfwasmtest.Example(b, demodoc.CongVan, 1, 1))
	return pdfwasmtest.WriteTemp(b, "signed.pdf", s.pdf)
}

// BenchmarkFirstPageColdNoCache compiles PDFium from scratch.
func BenchmarkFirstPageColdNoCache(b *testing.B) {
	path := benchDoc(b)
	for b.Loop() {
		r, err := New(b.Context(), Options{MemoryCacheOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		firstPage(b, b.Context(), r, path)
		if err := r.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFirstPageColdCache loads the compiled code from a filled
// compilation cache (filled by this binary: wazero keys it by its version).
func BenchmarkFirstPageColdCache(b *testing.B) {
	path := benchDoc(b)
	testCache.Warm(b)
	for b.Loop() {
		r, err := New(b.Context(), Options{CacheDir: testCache.Dir()})
		if err != nil {
			b.Fatal(err)
		}
		firstPage(b, b.Context(), r, path)
		if err := r.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFirstPageWarm opens a document and draws its first page with a
// running Renderer (the document is loaded into a fresh PDFium instance).
func BenchmarkFirstPageWarm(b *testing.B) {
	path := benchDoc(b)
	r := newRenderer(b, Options{})
	for b.Loop() {
		firstPage(b, b.Context(), r, path)
	}
}

// BenchmarkRenderPage draws a page of an open document at 100% and 200%.
func BenchmarkRenderPage(b *testing.B) {
	s := signDoc(b, pdfwasmtest.Example(b, demodoc.CongVan, 1, 1))
	d := open(b, newRenderer(b, Options{}), s.pdf)
	for _, zoom := range []float64{1, 2} {
		b.Run(map[float64]string{1: "100%", 2: "200%"}[zoom], func(b *testing.B) {
			for b.Loop() {
				if _, err := d.Render(b.Context(), 0, zoom*96/72); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
