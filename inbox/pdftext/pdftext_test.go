package pdftext

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/pdfwasmtest"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/demodoc"
	"github.com/vanthu/vanthu/signing/demopki"
)

// checkLines asserts that every line printed on each page of doc appears in
// the text Text returned for that page, and that Text's words are those
// pdftotext finds in pdf (doc's PDF, or a signed copy).
func checkLines(t *testing.T, doc *demodoc.Document, pdf []byte, got string) {
	t.Helper()
	pages := strings.Split(got, pageBreak)
	if len(pages) != doc.Pages {
		t.Fatalf("got %d pages, want %d", len(pages), doc.Pages)
	}
	for p, want := range doc.Text {
		page := flat(pages[p])
		for line := range strings.SplitSeq(want, "\n") {
			if l := flat(line); l != "" && !strings.Contains(page, l) {
				t.Errorf("page %d: line %q missing from\n%s", p+1, l, pages[p])
			}
		}
	}
	ours, theirs := wordSet(got), wordSet(poppler(t, pdf))
	if missing := diffWords(theirs, ours); len(missing) > 0 {
		t.Errorf("words pdftotext finds but Text does not: %q", missing)
	}
	if extra := diffWords(ours, theirs); len(extra) > 0 {
		t.Errorf("words Text finds but pdftotext does not: %q", extra)
	}
}

func TestVietnamese(t *testing.T) {
	e := shared(t)
	for _, kind := range demodoc.Kinds() {
		for _, tc := range []struct {
			seed  int64
			pages int
		}{{1, 0}, {2, 0}, {3, 3}} {
			doc := pdfwasmtest.Example(t, kind, tc.seed, tc.pages)
			t.Run(kind.String()+"/"+string(rune('0'+tc.seed)), func(t *testing.T) {
				got, err := textOf(t, e, doc.PDF)
				if err != nil {
					t.Fatalf("Text: %v", err)
				}
				checkLines(t, doc, doc.PDF, got)
			})
		}
	}
}

func TestTextFile(t *testing.T) {
	e := shared(t)
	doc := pdfwasmtest.Example(t, demodoc.QuyetDinh, 9, 2)
	got, err := e.TextFile(t.Context(), pdfwasmtest.WriteTemp(t, "qd.pdf", doc.PDF))
	if err != nil {
		t.Fatalf("TextFile: %v", err)
	}
	checkLines(t, doc, doc.PDF, got)
	if _, err := e.TextFile(t.Context(), filepath.Join(t.TempDir(), "missing.pdf")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("TextFile of a missing file: got %v, want os.ErrNotExist", err)
	}
}

// TestSigned reads a document signed by the engine: the leader's personal
// signature and the clerk's number stamp add text (position, name, number,
// signing time) in the appearances of signature widgets.
func TestSigned(t *testing.T) {
	pki, err := demopki.New(demopki.Options{NoServers: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pki.Close)
	doc := pdfwasmtest.Example(t, demodoc.CongVan, 4, 0)
	path := pdfwasmtest.WriteTemp(t, "draft.pdf", doc.PDF)

	sign := func(in, name string, signer *demopki.Identity, app signing.Appearance) string {
		out := filepath.Join(filepath.Dir(in), name)
		_, err := signing.SignPDFFile(t.Context(), in, out, signing.PDFOptions{
			Signer:     signing.Signer{Key: signer.Key, Chain: signer.Chain},
			Appearance: app,
		})
		if err != nil {
			t.Fatalf("signing %s: %v", name, err)
		}
		return out
	}
	stamp := []string{"Số: 1234/UBND-VP", "Bản sao điện tử"}
	signed := sign(path, "personal.pdf", pki.Leader, signing.Appearance{
		Kind: signing.AppearancePersonal, Position: []string{"KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"}, Name: "Nguyễn Văn Ánh",
	})
	signed = sign(signed, "stamped.pdf", pki.Agency, signing.Appearance{Kind: signing.AppearanceStamp, Text: stamp})

	e := shared(t)
	got, err := e.TextFile(t.Context(), signed)
	if err != nil {
		t.Fatalf("TextFile: %v", err)
	}
	data, err := os.ReadFile(signed)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, doc, data, got)
	for _, want := range append(stamp, "PHÓ CHỦ TỊCH", "Nguyễn Văn Ánh") {
		if !strings.Contains(flat(got), flat(want)) {
			t.Errorf("signature text %q missing from\n%s", want, got)
		}
	}
	// The page text itself is unchanged by signing: the document's own
	// lines are still there (checked above), and the appearances only add.
	plain, err := textOf(t, e, doc.PDF)
	if err != nil {
		t.Fatal(err)
	}
	if missing := diffWords(wordSet(plain), wordSet(got)); len(missing) > 0 {
		t.Errorf("words lost by signing: %q", missing)
	}
}

// TestStartCache measures a new process reading its first PDF (New and the
// first Text) with an empty compilation cache (cold: the warm-up of the
// tests' cache) and with the cache the cold start wrote (warm), then with a
// damaged cache, which is rebuilt.
func TestStartCache(t *testing.T) {
	warmCache(t)
	cold := coldStart
	warm := startup(t, testCache.Dir(), 1, 1, warmPDF)
	t.Logf("cold: New %v, first Text %v; warm: New %v, first Text %v",
		cold.newTime.Round(time.Millisecond), cold.firstText.Round(time.Millisecond),
		warm.newTime.Round(time.Millisecond), warm.firstText.Round(time.Millisecond))
	if warm.newTime*5 > cold.newTime {
		t.Errorf("a warm start (%v) should be much faster than a cold one (%v)", warm.newTime, cold.newTime)
	}

	// Damage a copy of the cache: every file cut in half and overwritten.
	dir := t.TempDir()
	err := filepath.WalkDir(testCache.Dir(), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(testCache.Dir(), path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o700)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), bytes.Repeat([]byte{0xcc}, int(info.Size()/2)), 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	damaged := startup(t, dir, 1, 1, warmPDF).newTime
	rebuilt := startup(t, dir, 1, 1, warmPDF).newTime
	t.Logf("damaged cache: New %v, then %v", damaged.Round(time.Millisecond), rebuilt.Round(time.Millisecond))
	if rebuilt*5 > damaged {
		t.Errorf("the rebuilt cache is not used: New %v after %v", rebuilt, damaged)
	}
}
