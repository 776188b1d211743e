package demodoc

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/vanthu/vanthu/signing/appearance"
)

// painter draws all pages on one canvas, so that every page shares the same
// subset fonts, and remembers which part of the content stream belongs to
// which page, the rules drawn on it and the lines printed.
type painter struct {
	canvas *appearance.Canvas
	pages  []*pageOut
	cur    *pageOut
}

type pageOut struct {
	start, end int          // the page's part of the canvas content
	paths      bytes.Buffer // rules and table borders
	lines      []string
}

func newPainter() *painter {
	return &painter{canvas: appearance.NewCanvas(pageWidth, pageHeight)}
}

func (p *painter) beginPage() {
	p.cur = &pageOut{start: len(p.canvas.Content())}
	p.pages = append(p.pages, p.cur)
}

func (p *painter) endPage() { p.cur.end = len(p.canvas.Content()) }

type align int

const (
	alignLeft align = iota
	alignCentre
	alignRight
)

// draw prints s with its baseline at y: starting at x, centred on x or
// ending at x.
func (p *painter) draw(st style, a align, x, y float64, s string) error {
	switch a {
	case alignCentre:
		return p.canvas.TextCentered(st.font, st.size, x, y, s, appearance.Black)
	case alignRight:
		return p.canvas.TextRight(st.font, st.size, x, y, s, appearance.Black)
	}
	return p.canvas.Text(st.font, st.size, x, y, s, appearance.Black)
}

// line draws s like draw and records it as a printed line.
func (p *painter) line(st style, a align, x, y float64, s string) error {
	if err := p.draw(st, a, x, y, s); err != nil {
		return err
	}
	p.record(s)
	return nil
}

func (p *painter) record(s string) { p.cur.lines = append(p.cur.lines, s) }

// justified prints the words ws from x so that the line fills width exactly,
// spreading the extra space over the gaps between words.
func (p *painter) justified(st style, x, y, width float64, ws []string) error {
	if len(ws) < 2 {
		return p.line(st, alignLeft, x, y, strings.Join(ws, " "))
	}
	total := 0.0
	for _, w := range ws {
		total += st.width(w)
	}
	gap := (width - total) / float64(len(ws)-1)
	pos := x
	for i, w := range ws {
		s := w
		if i < len(ws)-1 {
			s += " " // the space glyph keeps the words apart for naive text extraction
		}
		if err := p.draw(st, alignLeft, pos, y, s); err != nil {
			return err
		}
		pos += st.width(w) + gap
	}
	p.record(strings.Join(ws, " "))
	return nil
}

// ruleWidth is the stroke width of rules and table borders, in points.
const ruleWidth = 0.6

// hline draws a horizontal rule from x1 to x2 at height y.
func (p *painter) hline(x1, x2, y float64) {
	fmt.Fprintf(&p.cur.paths, "q 0 G %s w %s %s m %s %s l S Q\n", num(ruleWidth), num(x1), num(y), num(x2), num(y))
}

// box strokes the rectangle with lower-left corner x, y and size w × h.
func (p *painter) box(x, y, w, h float64) {
	fmt.Fprintf(&p.cur.paths, "q 0 G %s w %s %s %s %s re S Q\n", num(ruleWidth), num(x), num(y), num(w), num(h))
}

// num formats a coordinate for a content stream: at most 3 decimals, no
// exponent, no negative zero.
func num(v float64) string {
	v = math.Round(v*1000) / 1000
	if v == 0 {
		return "0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
