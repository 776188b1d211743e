package pdfrender

import (
	"context"
	"fmt"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"

	"github.com/vanthu/vanthu/inbox/internal/pdfwasm"
)

// A worker is a slot with the document it has loaded, if any: an instance
// started for that document, the document's handle in it and the source
// PDFium reads it through. A worker is used by one goroutine at a time.
type worker struct {
	slot *pdfwasm.Slot
	used uint64 // Renderer.tick when last acquired

	doc  *Doc
	inst pdfium.Pdfium
	ref  references.FPDF_DOCUMENT
	src  *pdfwasm.Source
}

// load makes d the worker's document, in a fresh instance unless it is
// loaded already.
func (w *worker) load(ctx context.Context, d *Doc) error {
	if w.doc == d && w.inst != nil {
		return nil
	}
	w.unload()
	inst, err := w.slot.Instance(ctx)
	if err != nil {
		return fmt.Errorf("could not start PDFium: %s", pdfwasm.FirstLine(err))
	}
	src := pdfwasm.NewSource(d.ra, d.size)
	doc, err := inst.OpenDocument(&requests.OpenDocument{FileReader: src, FileReaderSize: d.size})
	if err != nil {
		src.Detach()
		_ = inst.Close()
		if src.Err() != nil {
			return fmt.Errorf("could not read the file: %w", src.Err())
		}
		return pdfwasm.OpenError(err)
	}
	w.doc, w.inst, w.ref, w.src = d, inst, doc.Document, src
	return nil
}

// unload closes the worker's document and its instance.
func (w *worker) unload() {
	if w.inst == nil {
		return
	}
	_, _ = w.inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: w.ref})
	w.src.Detach()
	// With workers not reused, Close also discards the instance.
	_ = w.inst.Close()
	w.doc, w.inst, w.ref, w.src = nil, nil, "", nil
}

// discard drops the worker's instance, whose code was stopped or is not
// worth keeping, and the slot's runtime.
func (w *worker) discard() {
	if w.inst != nil {
		w.src.Detach()
		_ = w.inst.Close()
	}
	w.doc, w.inst, w.ref, w.src = nil, nil, "", nil
	w.slot.Discard()
}

// readErr is the error of the loaded document's reader, if any.
func (w *worker) readErr() error {
	if w.src == nil {
		return nil
	}
	return w.src.Err()
}

func (w *worker) pageCount() (int, error) {
	n, err := w.inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: w.ref})
	if err != nil {
		return 0, fmt.Errorf("%w: its pages cannot be counted", ErrNotPDF)
	}
	return max(n.PageCount, 0), nil
}

// pageRef names page i of the loaded document; go-pdfium loads the page
// for the first call on it and keeps it loaded for the next calls on the
// same index.
func (w *worker) pageRef(i int) requests.Page {
	return requests.Page{ByIndex: &requests.PageByIndex{Document: w.ref, Index: i}}
}
