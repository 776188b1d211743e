package demodoc

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vanthu/vanthu/assets"
	"github.com/vanthu/vanthu/signing/appearance"
)

// ErrSpec is wrapped by the errors about a spec that cannot be laid out: a
// missing field, a table that does not fit, too many pages. Text with a
// character the font lacks gives an error wrapping
// [appearance.ErrMissingGlyph] instead.
var ErrSpec = errors.New("invalid document")

// MaxPages is the largest Spec.Pages accepted.
const MaxPages = 100

// Generate lays spec out as an A4 PDF. The result is deterministic except for
// the file identifier in the trailer.
func Generate(spec Spec) (*Document, error) {
	s, err := normalise(spec)
	if err != nil {
		return nil, err
	}
	regular, err := appearance.ParseFont(assets.SerifRegular)
	if err != nil {
		return nil, fmt.Errorf("loading the regular font: %w", err)
	}
	bold, err := appearance.ParseFont(assets.SerifBold)
	if err != nil {
		return nil, fmt.Errorf("loading the bold font: %w", err)
	}
	doc := &Document{}
	l := &layout{spec: s, regular: regular, bold: bold, doc: doc}
	f, err := l.flow()
	if err != nil {
		return nil, err
	}
	pages, err := f.paginate()
	if err != nil {
		return nil, err
	}
	for len(pages) < s.Pages {
		batch := 1
		if short := s.Pages - len(pages); short > 1 {
			batch = (short - 1) * 6 // fewer paragraphs or rows than fill short-1 pages
		}
		for range batch {
			if err := f.extend(); err != nil {
				return nil, err
			}
		}
		if pages, err = f.paginate(); err != nil {
			return nil, err
		}
	}
	p := newPainter()
	pageNumber := l.st(false, sizePageNumber)
	for i, page := range pages {
		p.beginPage()
		if i > 0 {
			if err := p.line(pageNumber, alignCentre, textCentre, pageNumberBaseline, strconv.Itoa(i+1)); err != nil {
				return nil, err
			}
		}
		for _, pl := range page {
			if err := pl.it.draw(p, pl.top); err != nil {
				return nil, fmt.Errorf("drawing %s: %w", pl.it.what, err)
			}
			if pl.it.placed != nil {
				pl.it.placed(i+1, pl.top)
			}
		}
		p.endPage()
	}
	doc.Pages = len(pages)
	for _, pg := range p.pages {
		doc.Text = append(doc.Text, strings.Join(pg.lines, "\n"))
	}
	if doc.PDF, err = writePDF(p, s); err != nil {
		return nil, err
	}
	return doc, nil
}

// flow is the sequence of items of a document, with room to add
// paragraphs (or table rows) before the end to fill the pages asked for.
type flow struct {
	l        *layout
	head     []*item
	paras    [][]*item
	insertAt int // where added paragraphs go: before the closing paragraph
	added    [][]*item
	table    *tableLayout
	rows     []*item
	addedRow int
	closing  *item
}

func (l *layout) flow() (*flow, error) {
	s := l.spec
	f := &flow{l: l}
	if s.Kind == PhuLuc {
		f.head = append(f.head, l.stampSpace())
	} else {
		h, err := l.header()
		if err != nil {
			return nil, err
		}
		f.head = append(f.head, h)
	}
	if s.Kind != CongVan {
		t, err := l.title()
		if err != nil {
			return nil, err
		}
		f.head = append(f.head, t)
	}
	if len(s.Recipients) > 0 && s.Kind != PhuLuc {
		r, err := l.recipients()
		if err != nil {
			return nil, err
		}
		f.head = append(f.head, r)
	}
	for _, it := range f.head {
		it.pinned = true
	}
	heading := 0 // lines of the heading just set
	for i, text := range s.Body {
		items, err := l.paragraph(fmt.Sprintf("paragraph %d of the body", i+1), text)
		if err != nil {
			return nil, err
		}
		if len(items) > 0 {
			items[0].keep = heading // a heading never ends a page
			heading = 0
			if !hasLower(text) {
				heading = len(items)
			}
		}
		f.paras = append(f.paras, items)
	}
	f.insertAt = len(f.paras)
	if len(f.paras) >= 2 {
		f.insertAt--
	}
	if s.Kind == PhuLuc && len(s.Table) > 0 {
		t, err := l.newTable(s.Table)
		if err != nil {
			return nil, err
		}
		f.table = t
		f.rows = append(f.rows, t.header)
		for r, cells := range s.Table[1:] {
			it, err := t.row(fmt.Sprintf("row %d of the table", r+2), cells, false)
			if err != nil {
				return nil, err
			}
			f.rows = append(f.rows, it)
		}
	}
	if s.Kind != PhuLuc {
		c, err := l.closing()
		if err != nil {
			return nil, err
		}
		f.closing = c
	}
	return f, nil
}

func (f *flow) items() []*item {
	out := slices.Clone(f.head)
	for i, p := range f.paras {
		if i == f.insertAt {
			for _, a := range f.added {
				out = append(out, a...)
			}
		}
		out = append(out, p...)
	}
	if f.insertAt == len(f.paras) {
		for _, a := range f.added {
			out = append(out, a...)
		}
	}
	out = append(out, f.rows...)
	if f.closing != nil {
		out = append(out, f.closing)
	}
	return out
}

func (f *flow) paginate() ([][]placement, error) {
	return paginate(f.items(), firstTop, nextTop, bottomLimit)
}

// extend adds one more row to an appendix table, repeating its rows (and
// renumbering them), or one more paragraph from the phrase bank.
func (f *flow) extend() error {
	s := f.l.spec
	if f.table != nil && len(s.Table) > 1 {
		data := s.Table[1:]
		cells := slices.Clone(data[f.addedRow%len(data)])
		n := len(s.Table) + f.addedRow
		if numbered(s.Table[0]) && len(cells) > 0 {
			cells[0] = strconv.Itoa(n)
		}
		it, err := f.table.row(fmt.Sprintf("row %d of the table", n+1), cells, false)
		if err != nil {
			return err
		}
		f.rows = append(f.rows, it)
		f.addedRow++
		return nil
	}
	bank := fillerParagraphs()
	text := bank[len(f.added)%len(bank)]
	items, err := f.l.paragraph("an added paragraph", text)
	if err != nil {
		return err
	}
	f.added = append(f.added, items)
	return nil
}

// normalise puts every text of spec in NFC with single spaces and checks
// that the fields a document needs are there.
func normalise(in Spec) (Spec, error) {
	s := in
	s.Agency = lines(in.Agency)
	s.ParentAgency = lines(in.ParentAgency)
	s.SignerPrefix = lines(in.SignerPrefix)
	s.AgencyCode = oneLine(nfc(in.AgencyCode))
	s.Number = oneLine(nfc(in.Number))
	s.Notation = oneLine(nfc(in.Notation))
	s.Place = oneLine(nfc(in.Place))
	s.Subject = oneLine(nfc(in.Subject))
	s.SignerTitle = oneLine(nfc(in.SignerTitle))
	s.SignerName = oneLine(nfc(in.SignerName))
	s.Recipients = entries(in.Recipients)
	s.Distribution = entries(in.Distribution)
	s.Body = make([]string, 0, len(in.Body))
	for _, p := range in.Body {
		s.Body = append(s.Body, nfc(p))
	}
	s.Table = nil
	for _, row := range in.Table {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = oneLine(nfc(c))
		}
		s.Table = append(s.Table, cells)
	}

	switch {
	case !s.Kind.valid():
		return s, fmt.Errorf("%w: unknown document kind %d", ErrSpec, int(s.Kind))
	case s.Pages < 0 || s.Pages > MaxPages:
		return s, fmt.Errorf("%w: the number of pages must be from 0 (as many as needed) to %d, not %d", ErrSpec, MaxPages, s.Pages)
	case s.Agency == "":
		return s, fmt.Errorf("%w: the issuing agency is missing", ErrSpec)
	case s.Notation == "":
		return s, fmt.Errorf("%w: the notation (such as UBND-VP) is missing", ErrSpec)
	case s.Subject == "":
		return s, fmt.Errorf("%w: the summary line (trích yếu) is missing", ErrSpec)
	case s.Kind == PhuLuc:
		return s, nil
	case s.Place == "":
		return s, fmt.Errorf("%w: the place before the date is missing", ErrSpec)
	case s.SignerTitle == "":
		return s, fmt.Errorf("%w: the signer's title (such as PHÓ CHỦ TỊCH) is missing", ErrSpec)
	case s.SignerName == "":
		return s, fmt.Errorf("%w: the signer's name is missing", ErrSpec)
	}
	return s, nil
}

// lines normalises text whose "\n" separate lines: NFC, single spaces,
// no empty lines.
func lines(text string) string {
	var out []string
	for part := range strings.SplitSeq(nfc(text), "\n") {
		if p := oneLine(part); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n")
}

// entries normalises list entries, dropping empty ones.
func entries(in []string) []string {
	var out []string
	for _, e := range in {
		if e = oneLine(nfc(e)); e != "" {
			out = append(out, e)
		}
	}
	return out
}
