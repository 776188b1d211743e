package demodoc

import (
	"fmt"
	"strings"
)

// maxColumns bounds an appendix table's columns.
const maxColumns = 10

// narrowColumn is the natural width of its data cells under which a
// column's cells are centred (numbers, dates).
const narrowColumn = 80.0

// tableLayout holds an appendix table's columns.
type tableLayout struct {
	st, headSt style
	widths     []float64
	centred    []bool
	header     *item
}

// newTable sizes the columns of rows (the first is the header) to the text
// width: each column gets its natural width when all fit, else at least its
// longest word and a share of the rest.
func (l *layout) newTable(rows [][]string) (*tableLayout, error) {
	t := &tableLayout{st: l.st(false, sizeTable), headSt: l.st(true, sizeTable)}
	n := len(rows[0])
	if n == 0 || n > maxColumns {
		return nil, fmt.Errorf("%w: the table needs 1 to %d columns, its header has %d", ErrSpec, maxColumns, n)
	}
	natural := make([]float64, n)
	least := make([]float64, n)
	data := make([]float64, n) // the natural width of the data cells alone
	for r, row := range rows {
		if len(row) > n {
			return nil, fmt.Errorf("%w: row %d of the table has %d cells, its header %d", ErrSpec, r+1, len(row), n)
		}
		st := t.st
		if r == 0 {
			st = t.headSt
		}
		for c, cell := range row {
			if err := st.check(fmt.Sprintf("row %d, column %d of the table", r+1, c+1), cell); err != nil {
				return nil, err
			}
			natural[c] = max(natural[c], st.width(cell)+2*cellPad)
			if r > 0 {
				data[c] = max(data[c], st.width(cell)+2*cellPad)
			}
			for _, w := range words(cell) {
				least[c] = max(least[c], st.width(w)+2*cellPad)
			}
		}
	}
	t.widths = make([]float64, n)
	t.centred = make([]bool, n)
	sumNatural, sumLeast := 0.0, 0.0
	for c := range n {
		least[c] = min(max(least[c], 2*cellPad+10), textWidth/float64(n))
		natural[c] = max(natural[c], least[c])
		sumNatural += natural[c]
		sumLeast += least[c]
		t.centred[c] = data[c] <= narrowColumn
	}
	for c := range n {
		switch {
		case sumNatural <= textWidth:
			t.widths[c] = natural[c] + (textWidth-sumNatural)*natural[c]/sumNatural
		case sumNatural > sumLeast:
			t.widths[c] = least[c] + (textWidth-sumLeast)*(natural[c]-least[c])/(sumNatural-sumLeast)
		default:
			t.widths[c] = textWidth / float64(n)
		}
	}
	header, err := t.row("the header row of the table", rows[0], true)
	if err != nil {
		return nil, err
	}
	header.before = 10
	t.header = header
	return t, nil
}

// row sets one table row as one item.
func (t *tableLayout) row(what string, cells []string, head bool) (*item, error) {
	st := t.st
	if head {
		st = t.headSt
	}
	lead := st.leading()
	const padV = 3.0
	lines := make([][]string, len(t.widths))
	most := 1
	for c := range t.widths {
		if c < len(cells) {
			lines[c] = joinLines(wrap(st, words(cells[c]), t.widths[c]-2*cellPad, 0))
		}
		most = max(most, len(lines[c]))
	}
	height := float64(most)*lead + 2*padV
	first := -padV - st.ascent() - (lead-st.ascent()-st.descent())/2
	draw := func(p *painter, top float64) error {
		x := textLeft
		for c, w := range t.widths {
			p.box(x, top-height, w, height)
			y := top + first
			for _, ln := range lines[c] {
				var err error
				if head || t.centred[c] {
					err = p.line(st, alignCentre, x+w/2, y, ln)
				} else {
					err = p.line(st, alignLeft, x+cellPad, y, ln)
				}
				if err != nil {
					return err
				}
				y -= lead
			}
			x += w
		}
		return nil
	}
	it := &item{height: height, what: what, draw: draw}
	if !head {
		it.header = t.header
	}
	return it, nil
}

// numbered reports whether the table's first column is a running number
// ("STT"), renumbered when rows are repeated to fill pages.
func numbered(header []string) bool {
	return len(header) > 0 && strings.EqualFold(strings.TrimSpace(header[0]), "STT")
}
