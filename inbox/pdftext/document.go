package pdftext

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/klippa-app/go-pdfium"
	pdfiumerrors "github.com/klippa-app/go-pdfium/errors"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/responses"

	"github.com/vanthu/vanthu/inbox/internal/pdfwasm"
)

// charsPerCall bounds the text fetched from PDFium in one call, so that a
// page with millions of characters is read in pieces and only as far as
// MaxBytes.
const charsPerCall = 1 << 16

// document is the reading of one PDF: its limits and what was read so far.
type document struct {
	maxPages, maxBytes int

	pages int      // in the document
	done  int      // pages read
	texts []string // of the pages read
	size  int      // bytes of texts with their separators
	cut   bool     // MaxBytes was reached
}

// read reads the document in src with inst into d. It stops at the first
// error, at ctx's end or when a limit is reached. Errors are one line: those
// of wazero may span several, and mean nothing to a clerk anyway.
func (d *document) read(ctx context.Context, inst pdfium.Pdfium, src *pdfwasm.Source) error {
	doc, err := inst.OpenDocument(&requests.OpenDocument{
		FileReader:     src,
		FileReaderSize: src.Size(),
	})
	if err != nil {
		return pdfwasm.OpenError(err)
	}
	defer func() { _, _ = inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc.Document}) }()

	count, err := inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: doc.Document})
	if err != nil {
		return fmt.Errorf("%w: its pages cannot be counted", ErrNotPDF)
	}
	d.pages = max(count.PageCount, 0)
	for i := range min(d.pages, d.maxPages) {
		if err := ctx.Err(); err != nil {
			return err
		}
		text, partial, err := d.page(inst, doc.Document, i)
		if err != nil {
			return fmt.Errorf("%w: page %d cannot be read", ErrNotPDF, i+1)
		}
		d.add(text, partial)
		d.done++
		if d.cut {
			break
		}
	}
	return nil
}

// page returns the text of page i. A page PDFium cannot load (a broken
// page object) has no text; any other failure is an error. partial reports
// that the text was not read to its end because it exceeds what MaxBytes
// leaves. Annotations (signature appearances, stamps, form fields) are
// first flattened into the page content, as they are displayed, so that
// their text is found too.
func (d *document) page(inst pdfium.Pdfium, doc references.FPDF_DOCUMENT, i int) (text string, partial bool, err error) {
	page := requests.Page{ByIndex: &requests.PageByIndex{Document: doc, Index: i}}
	// go-pdfium loads the page for this first call, and keeps it loaded
	// for the next calls on the same index.
	annots, err := inst.FPDFPage_GetAnnotCount(&requests.FPDFPage_GetAnnotCount{Page: page})
	if errors.Is(err, pdfiumerrors.ErrPage) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if annots.Count > 0 {
		// A failed flattening leaves the page as it was.
		_, _ = inst.FPDFPage_Flatten(&requests.FPDFPage_Flatten{
			Page:  page,
			Usage: requests.FPDFPage_FlattenUsageNormalDisplay,
		})
	}
	tp, err := inst.FPDFText_LoadPage(&requests.FPDFText_LoadPage{Page: page})
	if err != nil {
		return "", false, err
	}
	defer func() { _, _ = inst.FPDFText_ClosePage(&requests.FPDFText_ClosePage{TextPage: tp.TextPage}) }()
	n, err := inst.FPDFText_CountChars(&requests.FPDFText_CountChars{TextPage: tp.TextPage})
	if err != nil {
		return "", false, err
	}
	var b strings.Builder
	for start := 0; start < n.Count; start += charsPerCall {
		var t *responses.FPDFText_GetText
		t, err = inst.FPDFText_GetText(&requests.FPDFText_GetText{
			TextPage:   tp.TextPage,
			StartIndex: start,
			Count:      min(charsPerCall, n.Count-start),
		})
		if err != nil {
			return "", false, err
		}
		b.WriteString(t.Text)
		// Cleaning may shorten the text, but not to a quarter.
		if b.Len() > 4*(d.maxBytes-d.size)+charsPerCall {
			return b.String(), start+charsPerCall < n.Count, nil
		}
	}
	return b.String(), false, nil
}
