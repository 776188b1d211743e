package pdftext

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// pageBreak separates the pages in Text's result.
const pageBreak = "\f"

// add keeps the text of the next page, within maxBytes.
func (d *document) add(raw string, partial bool) {
	text := clean(raw)
	sep := 0
	if len(d.texts) > 0 {
		sep = len(pageBreak)
	}
	room := d.maxBytes - d.size - sep
	if room < 0 {
		d.cut = true
		return
	}
	if len(text) > room {
		text = cutUTF8(text, room)
		partial = true
	}
	d.texts = append(d.texts, text)
	d.size += sep + len(text)
	d.cut = d.cut || partial
}

// text returns the pages read, separated by form feeds.
func (d *document) text() string { return strings.Join(d.texts, pageBreak) }

// limitErr reports the limits that cut the text.
func (d *document) limitErr() error {
	switch {
	case d.cut:
		return fmt.Errorf("%w: the text was cut at %s, on page %d of %d", ErrTooBig, byteSize(d.maxBytes), d.done, d.pages)
	case d.pages > d.maxPages:
		return fmt.Errorf("%w: only the first %d of %d pages were read", ErrTooBig, d.maxPages, d.pages)
	}
	return nil
}

// clean turns the text PDFium gives for a page into plain text: lines end
// with "\n", control characters (PDFium's markers, stray form feeds) and
// non-characters are dropped, and the text is in NFC, as a Vietnamese
// letter may come from a PDF as a base letter and combining marks.
func clean(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				continue
			}
			b.WriteByte('\n')
		case r == '\n', r == '\t':
			b.WriteRune(r)
		case r < 0x20, r >= 0x7f && r < 0xa0: // C0 and C1 controls
		case r == utf8.RuneError && n == 1: // not UTF-8
		case r == 0xfeff, r&0xfffe == 0xfffe, r >= 0xfdd0 && r <= 0xfdef: // BOM, non-characters
		default:
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

// cutUTF8 returns the longest prefix of s of at most n bytes that does not
// split a character.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// byteSize formats a number of bytes for a message.
func byteSize(n int) string {
	if n < 1<<10 || n%(1<<10) != 0 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}
