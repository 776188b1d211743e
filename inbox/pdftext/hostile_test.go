package pdftext

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vanthu/vanthu/internal/pdfwasmtest"
	"github.com/vanthu/vanthu/signing/demodoc"
)

func TestNotPDF(t *testing.T) {
	e := shared(t)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"text", []byte("Kính gửi: Sở Tài chính")},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")},
		{"zip", []byte("PK\x03\x04\x14\x00\x06\x00")},
		{"header only", []byte("%PDF-1.7\n")},
		{"garbage after header", append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{0xff, 0x00, 0x7b}, 3000)...)},
		{"no objects", []byte("%PDF-1.4\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := textOf(t, e, tc.data)
			if !errors.Is(err, ErrNotPDF) {
				t.Errorf("got %q, %v; want ErrNotPDF", got, err)
			}
		})
	}
}

// TestDamaged reads cut and damaged files: where pdftotext recovers the
// text, Text must find the same; where it cannot, Text fails with
// ErrNotPDF.
func TestDamaged(t *testing.T) {
	e := shared(t)
	lines := []string{"Trang so 1", "Trang so 2", "Trang so 3"}
	small := linesPDF(lines)
	xref := bytes.Index(small, []byte("xref\n0 "))
	doc := pdfwasmtest.Example(t, demodoc.ToTrinh, 11, 2)
	cases := map[string][]byte{
		"xref offsets wrong": regexp.MustCompile(`\d{10} 00000 n`).ReplaceAll(small, []byte("0000000001 00000 n")),
		"startxref wrong":    regexp.MustCompile(`startxref\n\d+`).ReplaceAll(small, []byte("startxref\n99999")),
		"no xref":            small[:xref],
		"second half":        append([]byte("%PDF-1.4\n"), small[len(small)/2:]...),
		"garbage appended":   append(bytes.Clone(small), bytes.Repeat([]byte("\x00endobj trailer <<"), 100)...),
	}
	for i := 1; i < 10; i++ {
		cases[fmt.Sprintf("cut at %d%%", 10*i)] = doc.PDF[:len(doc.PDF)*i/10]
	}
	for name, pdf := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := textOf(t, e, pdf)
			want, perr := popplerErr(t, pdf)
			if perr != nil && !errors.Is(err, ErrNotPDF) {
				t.Errorf("pdftotext fails (%v), Text: %q, %v; want ErrNotPDF", perr, got, err)
			}
			if perr == nil && (err != nil || flat(got) != flat(want)) {
				t.Errorf("got %q, %v; pdftotext finds %q", got, err, want)
			}
		})
	}
}

func TestEncrypted(t *testing.T) {
	qpdf := pdfwasmtest.Need(t, "qpdf", "qpdf")
	e := shared(t)
	doc := pdfwasmtest.Example(t, demodoc.ThongBao, 12, 0)
	in := pdfwasmtest.WriteTemp(t, "plain.pdf", doc.PDF)
	encrypt := func(user, owner string) []byte {
		out := in + "." + owner + user + ".pdf"
		cmd := exec.Command(qpdf, "--encrypt", user, owner, "256", "--", in, out)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("qpdf --encrypt: %v\n%s", err, msg)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}

	got, err := textOf(t, e, encrypt("mật-khẩu", "chủ"))
	if !errors.Is(err, ErrEncrypted) || got != "" {
		t.Errorf("with a user password: got %q, %v; want ErrEncrypted", got, err)
	}

	// With only an owner password anyone may open the file, and read it.
	data := encrypt("", "chủ")
	got, err = textOf(t, e, data)
	if err != nil {
		t.Fatalf("with only an owner password: %v", err)
	}
	checkLines(t, doc, data, got)
}

// failingReader fails after the first 1 KiB, as a disk or network share
// might.
type failingReader struct {
	data []byte
	err  error
}

func (r failingReader) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > 1024 {
		return 0, r.err
	}
	return copy(p, r.data[off:]), nil
}

// TestReadError tells a file that cannot be read from one that is not a
// PDF, and a file shorter than its size from a readable one.
func TestReadError(t *testing.T) {
	e := shared(t)
	doc := pdfwasmtest.Example(t, demodoc.CongVan, 16, 0)
	ioErr := errors.New("the network share went away")
	got, err := e.Text(t.Context(), failingReader{doc.PDF, ioErr}, int64(len(doc.PDF)))
	if !errors.Is(err, ioErr) || got != "" {
		t.Errorf("got %q, %v; want the reader's error", got, err)
	}
	// A size larger than the file.
	got, err = e.Text(t.Context(), bytes.NewReader(doc.PDF), int64(len(doc.PDF))+1000)
	if !errors.Is(err, io.ErrUnexpectedEOF) || got != "" {
		t.Errorf("size too large: got %q, %v; want io.ErrUnexpectedEOF", got, err)
	}
}

func TestZeroPages(t *testing.T) {
	e := shared(t)
	got, err := textOf(t, e, zeroPagePDF())
	if err != nil || got != "" {
		t.Errorf("got %q, %v; want no text and no error", got, err)
	}
}

func TestMaxPages(t *testing.T) {
	lines := make([]string, 2000)
	for i := range lines {
		lines[i] = fmt.Sprintf("Trang so %d", i+1)
	}
	pdf := linesPDF(lines)
	for _, tc := range []struct {
		e   *Extractor
		max int
	}{
		{shared(t), DefaultMaxPages},
		{newExtractor(t, Options{MaxPages: 37}), 37},
	} {
		t.Run(fmt.Sprint(tc.max), func(t *testing.T) {
			t0 := time.Now()
			got, err := textOf(t, tc.e, pdf)
			t.Logf("%d of 2000 pages in %v", tc.max, time.Since(t0))
			if !errors.Is(err, ErrTooBig) {
				t.Errorf("error %v, want ErrTooBig", err)
			}
			pages := strings.Split(got, pageBreak)
			if len(pages) != tc.max {
				t.Fatalf("got %d pages, want %d", len(pages), tc.max)
			}
			for i, p := range pages {
				if p != lines[i] {
					t.Errorf("page %d: got %q, want %q", i+1, p, lines[i])
				}
			}
			oracle := poppler(t, pdf, "-l", fmt.Sprint(tc.max))
			if flat(oracle) != flat(got) {
				t.Errorf("pdftotext -l %d differs", tc.max)
			}
		})
	}
}

// TestMaxBytes cuts a document's text in the middle of a Vietnamese
// letter; TestAdd covers the limit in detail.
func TestMaxBytes(t *testing.T) {
	doc := pdfwasmtest.Example(t, demodoc.QuyetDinh, 13, 3)
	full, err := textOf(t, shared(t), doc.PDF)
	if err != nil {
		t.Fatal(err)
	}
	// A limit that falls inside a letter of 2 or 3 bytes.
	limit := len(full) / 2
	for utf8.RuneStart(full[limit]) {
		limit++
	}
	e := newExtractor(t, Options{MaxBytes: limit})
	got, err := textOf(t, e, doc.PDF)
	if !errors.Is(err, ErrTooBig) {
		t.Errorf("error %v, want ErrTooBig", err)
	}
	if len(got) > limit || len(got) < limit-3 || !utf8.ValidString(got) || !strings.HasPrefix(full, got) {
		t.Errorf("MaxBytes %d: got %d bytes, not the start of the text cut before a letter", limit, len(got))
	}
}

// TestTimeout reads a document that would keep PDFium busy for hours: Text
// returns by the deadline, and the worker is replaced.
func TestTimeout(t *testing.T) {
	e := newExtractor(t, Options{Timeout: 300 * time.Millisecond})
	bomb := formBombPDF(12, 8)
	doc := pdfwasmtest.Example(t, demodoc.CongVan, 14, 0)
	goroutines := runtime.NumGoroutine()
	for range 2 {
		t0 := time.Now()
		got, err := textOf(t, e, bomb)
		elapsed := time.Since(t0)
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("got %q, %v; want ErrTimeout", got, err)
		}
		t.Logf("returned after %v: %v", elapsed, err)
		if elapsed > 1500*time.Millisecond {
			t.Errorf("returned after %v, the timeout is 300ms", elapsed)
		}
		// The one worker is usable again.
		got, err = textOf(t, e, doc.PDF)
		if err != nil || !strings.Contains(flat(got), flat(doc.Text[0][:40])) {
			t.Fatalf("after a timeout: %v", err)
		}
	}
	runtime.GC()
	time.Sleep(100 * time.Millisecond)
	if n := runtime.NumGoroutine(); n > goroutines+2 {
		t.Errorf("%d goroutines after the timeouts, %d before", n, goroutines)
	}
}

// TestMaxMemory reads a page whose content inflates to 100 MiB.
func TestMaxMemory(t *testing.T) {
	e := newExtractor(t, Options{MaxMemory: 64 << 20})
	bomb := inflateBombPDF(100 << 20)
	t.Logf("inflate bomb: %d bytes", len(bomb))
	got, err := textOf(t, e, bomb)
	t.Logf("got %q, %v", got, err)
	if !errors.Is(err, ErrTooBig) {
		t.Errorf("got %v, want ErrTooBig", err)
	}
	doc := pdfwasmtest.Example(t, demodoc.CongVan, 15, 0)
	if _, err := textOf(t, e, doc.PDF); err != nil {
		t.Fatalf("after running out of memory: %v", err)
	}
}

func TestCancel(t *testing.T) {
	e := newExtractor(t, Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	_, err := e.Text(ctx, bytes.NewReader(formBombPDF(12, 8)), int64(len(formBombPDF(12, 8))))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(t0); d > 1500*time.Millisecond {
		t.Errorf("returned after %v", d)
	}
}

func TestClose(t *testing.T) {
	warmCache(t)
	e, err := New(t.Context(), Options{CacheDir: testCache.Dir()})
	if err != nil {
		t.Fatal(err)
	}
	bomb := formBombPDF(12, 8)
	done := make(chan error, 1)
	go func() {
		_, err := textOf(t, e, bomb)
		done <- err
	}()
	time.Sleep(200 * time.Millisecond)
	t0 := time.Now()
	if err := e.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Errorf("Text during Close: %v, want ErrClosed", err)
	}
	if d := time.Since(t0); d > time.Second {
		t.Errorf("Close took %v", d)
	}
	if _, err := textOf(t, e, bomb); !errors.Is(err, ErrClosed) {
		t.Errorf("Text after Close: %v, want ErrClosed", err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
