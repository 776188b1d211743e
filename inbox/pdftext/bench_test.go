package pdftext

import (
	"bytes"
	"testing"

	"github.com/vanthu/vanthu/internal/pdfwasmtest"
	"github.com/vanthu/vanthu/signing/demodoc"
)

// BenchmarkText reads a Vietnamese document of 1 and of 20 pages with one
// worker, reporting pages per second.
func BenchmarkText(b *testing.B) {
	e := newExtractor(b, Options{})
	for _, pages := range []int{1, 20} {
		doc := pdfwasmtest.Example(b, demodoc.CongVan, 1, pages)
		b.Run(map[int]string{1: "1page", 20: "20pages"}[pages], func(b *testing.B) {
			b.SetBytes(int64(len(doc.PDF)))
			r := bytes.NewReader(doc.PDF)
			for b.Loop() {
				if _, err := e.Text(b.Context(), r, int64(len(doc.PDF))); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(doc.Pages*b.N)/b.Elapsed().Seconds(), "pages/s")
		})
	}
}

// BenchmarkTextParallel reads the 20-page document with two workers.
func BenchmarkTextParallel(b *testing.B) {
	e := newExtractor(b, Options{Workers: 2})
	doc := pdfwasmtest.Example(b, demodoc.CongVan, 1, 20)
	b.SetBytes(int64(len(doc.PDF)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.Text(b.Context(), bytes.NewReader(doc.PDF), int64(len(doc.PDF))); err != nil {
				b.Error(err)
			}
		}
	})
	b.ReportMetric(float64(doc.Pages*b.N)/b.Elapsed().Seconds(), "pages/s")
}
