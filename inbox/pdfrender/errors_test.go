package pdfrender

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/pdfwasmtest"
	"github.com/vanthu/vanthu/signing/demodoc"
)

// TestBrokenInput opens files that are no PDF, or PDFs that PDFium cannot
// use: each gives an error of the right kind, none a panic.
func TestBrokenInput(t *testing.T) {
	r := shared(t)
	good := pdfwasmtest.Example(t, demodoc.CongVan, 4, 1).PDF
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrNotPDF},
		{"text", []byte("Kính gửi: Sở Tài chính\n"), ErrNotPDF},
		{"header only", []byte("%PDF-1.7\n"), ErrNotPDF},
		{"garbage after the header", append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 4096)...), ErrNotPDF},
		{"truncated", good[:len(good)/3], nil}, // PDFium may repair it: any outcome but a panic or a hang
		{"no pages", pagesPDF(), ErrNotPDF},
		{"encrypted", encrypt(t, good), ErrEncrypted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := r.Open(t.Context(), bytes.NewReader(tc.data), int64(len(tc.data)))
			if tc.want == nil {
				if err == nil {
					_, err = d.Render(t.Context(), 0, 0.5)
					t.Logf("opened; first page: %v", err)
					_ = d.Close()
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open = %v, want %v", err, tc.want)
			}
		})
	}
}

// encrypt returns pdf protected by a user password, made by qpdf.
func encrypt(t *testing.T, pdf []byte) []byte {
	t.Helper()
	tool := pdfwasmtest.Need(t, "qpdf", "qpdf")
	in := pdfwasmtest.WriteTemp(t, "plain.pdf", pdf)
	out := filepath.Join(t.TempDir(), "encrypted.pdf")
	if msg, err := exec.Command(tool, "--encrypt", "mật-khẩu", "owner", "256", "--", in, out).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v\n%s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestLimits: pages out of range, images too large, a page that draws for
// ever, and a cancelled context each give their error, and the renderer
// still works afterwards.
func TestLimits(t *testing.T) {
	r := newRenderer(t, Options{Timeout: 2 * time.Second, MaxPixels: 4 << 20})
	good := open(t, r, pagesPDF(testPage{content: "0 g 0 0 10 10 re f"}))

	if _, err := good.Render(t.Context(), 1, 1); !errors.Is(err, ErrNoPage) {
		t.Errorf("page 2 of 1: %v, want ErrNoPage", err)
	}
	if _, err := good.Page(t.Context(), -1); !errors.Is(err, ErrNoPage) {
		t.Errorf("page 0 of 1: %v, want ErrNoPage", err)
	}
	if _, err := good.Render(t.Context(), 0, 10); !errors.Is(err, ErrTooBig) {
		t.Errorf("5950x8420 pixels: %v, want ErrTooBig", err)
	}
	for _, scale := range []float64{0, -1} {
		if _, err := good.Render(t.Context(), 0, scale); err == nil {
			t.Errorf("scale %v: no error", scale)
		}
	}

	// 8^9 = 134 million paths: far more than 2 s of work.
	bomb := open(t, r, formBombPDF(9, 8))
	start := time.Now()
	_, err := bomb.Render(t.Context(), 0, 1)
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("form bomb: %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("form bomb stopped after %v", d)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if _, err := bomb.Render(ctx, 0, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("form bomb with a cancelled context: %v, want context.DeadlineExceeded", err)
	}

	// Both documents are loaded again in fresh instances.
	if _, err := good.Render(t.Context(), 0, 1); err != nil {
		t.Errorf("after the bomb: %v", err)
	}
}

// TestClose: a closed document or renderer refuses work with ErrClosed.
func TestClose(t *testing.T) {
	r := newRenderer(t, Options{})
	pdf := pagesPDF(testPage{})
	d := open(t, r, pdf)
	path := pdfwasmtest.WriteTemp(t, "doc.pdf", pdf)
	f, err := r.OpenFile(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Render(t.Context(), 0, 0.2); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Render(t.Context(), 0, 0.2); !errors.Is(err, ErrClosed) {
		t.Errorf("closed Doc: %v, want ErrClosed", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Render(t.Context(), 0, 0.2); !errors.Is(err, ErrClosed) {
		t.Errorf("closed Renderer: %v, want ErrClosed", err)
	}
	if _, err := r.Open(t.Context(), bytes.NewReader(pdf), int64(len(pdf))); !errors.Is(err, ErrClosed) {
		t.Errorf("Open on a closed Renderer: %v, want ErrClosed", err)
	}
	if _, err := r.OpenFile(t.Context(), filepath.Join(t.TempDir(), "missing.pdf")); err == nil {
		t.Error("OpenFile of a missing file: no error")
	}
}

// TestConcurrent draws pages of three documents from several goroutines
// on two workers (documents move between workers): every image is the
// one drawn alone.
func TestConcurrent(t *testing.T) {
	r := shared(t)
	docs := []*Doc{
		open(t, r, pdfwasmtest.Example(t, demodoc.CongVan, 5, 2).PDF),
		open(t, r, pdfwasmtest.Example(t, demodoc.QuyetDinh, 6, 1).PDF),
		open(t, r, pagesPDF(testPage{content: "0 g 100 100 200 200 re f"}, testPage{extra: "/Rotate 90", content: "0 g 0 0 50 50 re f"})),
	}
	const scale = 0.5
	var want [][][]byte
	for _, d := range docs {
		var pages [][]byte
		for i := range d.PageCount() {
			img, err := d.Render(t.Context(), i, scale)
			if err != nil {
				t.Fatal(err)
			}
			pages = append(pages, img.Pix)
		}
		want = append(want, pages)
	}
	rounds := 3
	if pdfwasmtest.Race {
		rounds = 1
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for k := range rounds * 6 {
				n := (g + k) % len(docs)
				d := docs[n]
				i := k % d.PageCount()
				img, err := d.Render(t.Context(), i, scale)
				if err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(img.Pix, want[n][i]) {
					t.Errorf("document %d page %d differs when drawn concurrently", n, i+1)
				}
			}
		})
	}
	wg.Wait()
}
