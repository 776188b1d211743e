package pdftext

import (
	"bytes"
	"errors"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/internal/pdfwasmtest"
	"github.com/vanthu/vanthu/signing/demodoc"
)

// FuzzText feeds Text arbitrary files, seeded with the odd and hostile
// documents of the other tests. It must not panic, must return valid NFC
// text within MaxBytes, and its errors must wrap the package's.
func FuzzText(f *testing.F) {
	doc := pdfwasmtest.Example(f, demodoc.ThongBao, 30, 0)
	f.Add(doc.PDF)
	f.Add(doc.PDF[:len(doc.PDF)/2])
	f.Add(linesPDF([]string{"Trang so 1", "Trang so 2"}))
	f.Add(zeroPagePDF())
	f.Add(formBombPDF(3, 3))
	f.Add(inflateBombPDF(1 << 20))
	f.Add([]byte("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj trailer << /Root 1 0 R >>"))
	f.Add([]byte("not a PDF"))
	e := newExtractor(f, Options{MaxBytes: 4096, MaxPages: 5, Timeout: 2 * time.Second})
	f.Fuzz(func(t *testing.T, data []byte) {
		text, err := e.Text(t.Context(), bytes.NewReader(data), int64(len(data)))
		if err != nil && !errors.Is(err, ErrNotPDF) && !errors.Is(err, ErrEncrypted) &&
			!errors.Is(err, ErrTooBig) && !errors.Is(err, ErrTimeout) {
			t.Errorf("error %v wraps none of the package's", err)
		}
		if len(text) > 4096 || !utf8.ValidString(text) || !norm.NFC.IsNormalString(text) {
			t.Errorf("text of %d bytes, valid UTF-8 %v, NFC %v", len(text), utf8.ValidString(text), norm.NFC.IsNormalString(text))
		}
	})
}
