package pdfview

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/vanthu/vanthu/inbox/pdfrender"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/demodoc"
	"github.com/vanthu/vanthu/signing/demopki"
)

// The first page of a signed one-page dispatch shown by the viewer widget,
// fit to a 700-unit-wide pane: from Load to the page's image set on
// screen. Warm: the Renderer is running (each Load opens the file in
// PDFium afresh). Cold: a new Renderer first, loading PDFium's compiled
// code from a filled compilation cache, or compiling it (no cache).

// benchSigned writes a signed one-page dispatch and returns its path.
func benchSigned(b *testing.B) string {
	b.Helper()
	doc, err := demodoc.Generate(demodoc.Example(demodoc.CongVan, 7))
	if err != nil {
		b.Fatal(err)
	}
	pki, err := demopki.New(demopki.Options{NoServers: true})
	if err != nil {
		b.Fatal(err)
	}
	defer pki.Close()
	dir := b.TempDir()
	in, out := filepath.Join(dir, "unsigned.pdf"), filepath.Join(dir, "signed.pdf")
	if err := os.WriteFile(in, doc.PDF, 0o600); err != nil {
		b.Fatal(err)
	}
	rect := doc.SignatureRect
	if _, err := signing.SignPDFFile(b.Context(), in, out, signing.PDFOptions{
		Signer: signing.Signer{Key: pki.Leader.Key, Chain: pki.Leader.Chain},
		Appearance: signing.Appearance{
			Kind: signing.AppearancePersonal, Page: doc.SignaturePage, Rect: &rect, ImageOnly: true,
		},
	}); err != nil {
		b.Fatal(err)
	}
	return out
}

// showFirstPage loads path into a new viewer in a test window and waits
// until its first page is on screen.
func showFirstPage(b *testing.B, r *pdfrender.Renderer, path string) {
	b.Helper()
	settled := make(chan struct{}, 16)
	v := New(r)
	v.settled = func() { settled <- struct{}{} }
	w := test.NewWindow(v)
	w.Resize(fyne.NewSize(700, 900))
	v.Load(path)
	<-settled
	if v.page.img.Image == nil {
		b.Fatalf("no page shown: %q", v.status.Text)
	}
	v.Close()
	w.Close()
}

func BenchmarkViewerFirstPageWarm(b *testing.B) {
	test.NewTempApp(b)
	path := benchSigned(b)
	r := renderer(b)
	showFirstPage(b, r, path) // the first Load also starts PDFium's instance
	for b.Loop() {
		showFirstPage(b, r, path)
	}
}

func BenchmarkViewerFirstPageColdCache(b *testing.B) {
	test.NewTempApp(b)
	path := benchSigned(b)
	testCache.Warm(b)
	for b.Loop() {
		r, err := pdfrender.New(context.Background(), pdfrender.Options{CacheDir: testCache.Dir()})
		if err != nil {
			b.Fatal(err)
		}
		showFirstPage(b, r, path)
		if err := r.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkViewerFirstPageColdNoCache(b *testing.B) {
	test.NewTempApp(b)
	path := benchSigned(b)
	for b.Loop() {
		r, err := pdfrender.New(context.Background(), pdfrender.Options{MemoryCacheOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		showFirstPage(b, r, path)
		if err := r.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
