package demodoc

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/signing/appearance"
)

// FuzzGenerate feeds arbitrary text into every field: Generate returns a
// document or an error, never panics, and a document has the pages it says.
func FuzzGenerate(f *testing.F) {
	for _, kind := range Kinds() {
		s := Example(kind, int64(kind))
		f.Add(uint8(kind), s.Agency, s.Subject, strings.Join(s.Body, "\n\n"), s.SignerName, "STT\tNội dung", uint8(0))
	}
	f.Add(uint8(PhuLuc), "A\nB", "", "", "", "", uint8(2))
	f.Fuzz(func(t *testing.T, kind uint8, agency, subject, body, name, table string, pages uint8) {
		const most = 2000
		agency, subject, body, name, table = cut(agency, most), cut(subject, most), cut(body, 4*most), cut(name, most), cut(table, most)
		s := haNam()
		s.Kind = Kind(kind % 6)
		s.Agency, s.ParentAgency, s.Subject, s.SignerName = agency, agency, subject, name
		s.Body = strings.Split(body, "\n\n")
		s.Recipients = strings.Split(subject, ",")
		s.Pages = int(pages % 4)
		for row := range strings.SplitSeq(table, "\n") {
			s.Table = append(s.Table, strings.Split(row, "\t"))
		}
		doc, err := Generate(s)
		if err != nil {
			if !errors.Is(err, ErrSpec) && !errors.Is(err, appearance.ErrMissingGlyph) {
				t.Fatalf("an error that is neither about the spec nor a glyph: %v", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("a multi-line error: %q", err)
			}
			return
		}
		if !bytes.HasPrefix(doc.PDF, []byte("%PDF-1.7")) || doc.Pages < max(1, s.Pages) || len(doc.Text) != doc.Pages {
			t.Fatalf("a broken document: %d pages (want at least %d), %d texts", doc.Pages, s.Pages, len(doc.Text))
		}
		if doc.SignaturePage < 1 || doc.SignaturePage > doc.Pages {
			t.Fatalf("the signature is on page %d of %d", doc.SignaturePage, doc.Pages)
		}
	})
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
