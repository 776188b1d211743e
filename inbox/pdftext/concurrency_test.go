package pdftext

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/vanthu/vanthu/internal/pdfwasmtest"
	"github.com/vanthu/vanthu/signing/demodoc"
)

// TestConcurrent reads documents from several goroutines with two workers,
// and checks every result against a reading done alone.
func TestConcurrent(t *testing.T) {
	e := shared(t)
	var docs [][]byte
	var want []string
	for i, kind := range demodoc.Kinds() {
		doc := pdfwasmtest.Example(t, kind, int64(20+i), 1+i%2)
		text, err := textOf(t, e, doc.PDF)
		if err != nil {
			t.Fatal(err)
		}
		docs, want = append(docs, doc.PDF), append(want, text)
	}
	docs, want = append(docs, []byte("not a pdf")), append(want, "")

	rounds := 2 * len(docs)
	if pdfwasmtest.Race {
		rounds = len(docs) - 2
	}
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			for i := range rounds {
				k := (g + i) % len(docs)
				got, err := e.Text(t.Context(), bytes.NewReader(docs[k]), int64(len(docs[k])))
				if k == len(docs)-1 {
					if !errors.Is(err, ErrNotPDF) {
						t.Errorf("goroutine %d: got %v, want ErrNotPDF", g, err)
					}
					continue
				}
				if err != nil || got != want[k] {
					t.Errorf("goroutine %d, document %d: %v, text differs: %v", g, k, err, got != want[k])
				}
			}
		})
	}
	wg.Wait()
}

// TestMemory has a new process (testdata/startup, without the race
// detector) read 100 documents with two workers, and checks that its memory
// stays bounded: every document gets a fresh PDFium instance.
func TestMemory(t *testing.T) {
	warmCache(t)
	var pdfs []string
	for i := range 10 {
		doc := pdfwasmtest.Example(t, demodoc.Kinds()[i%5], int64(40+i), 1+i%4)
		pdfs = append(pdfs, pdfwasmtest.WriteTemp(t, fmt.Sprintf("%d.pdf", i), doc.PDF))
	}
	r := startup(t, testCache.Dir(), 100, 2, pdfs...)
	t.Logf("RSS after the first document %d MiB, after 100 %d MiB, peak %d MiB",
		r.firstRSS>>20, r.rss>>20, r.peak>>20)
	if r.peak > 256<<20 {
		t.Errorf("the process reached %d MiB", r.peak>>20)
	}
}
