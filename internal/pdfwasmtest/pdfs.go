package pdfwasmtest

import (
	"fmt"
	"strings"

	"github.com/vanthu/vanthu/signing/sample"
)

// FormBombPDF returns a one-page PDF whose page draws a form that draws
// the next one fanout times, depth levels deep, above the form that leaf
// adds to f and numbers: fanout^depth drawings of that form from a file of
// a few kilobytes.
func FormBombPDF(depth, fanout int, leaf func(f *sample.Objects) int) []byte {
	f := &sample.Objects{}
	catalog := f.Reserve()
	pages := f.Reserve()
	prev := leaf(f)
	for range depth {
		draw := strings.Repeat("/X Do ", fanout)
		prev = f.Add(sample.Stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /XObject << /X %d 0 R >> >>", prev),
			[]byte(draw)))
	}
	content := f.Add(sample.Stream("", []byte("/X Do")))
	page := f.Add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /X %d 0 R >> >> /Contents %d 0 R >>",
		pages, prev, content))
	f.Set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages))
	f.Set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", page))
	return f.Bytes(catalog)
}
