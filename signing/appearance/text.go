package appearance

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// ErrMissingGlyph is wrapped by the error returned when a font has no glyph
// for a character of the text.
var ErrMissingGlyph = errors.New("character not in font")

// shapedGlyph is one glyph of shaped text and the Unicode text it stands for.
type shapedGlyph struct {
	gid    uint16
	text   string
	direct bool // reached through the cmap by the NFC character itself
}

// shape maps text (after NFC normalisation) to glyphs, one per character; a
// character the font lacks is replaced by its canonical decomposition (base
// letter and combining marks) when the font has all of those. Characters
// still missing become .notdef and are named in the error.
func (f *Font) shape(text string) ([]shapedGlyph, error) {
	text = norm.NFC.String(text)
	out := make([]shapedGlyph, 0, len(text))
	var missing []string
	for _, r := range text {
		if gid := f.cmap.lookup(r); gid != 0 {
			out = append(out, shapedGlyph{gid: gid, text: string(r), direct: true})
			continue
		}
		var parts []shapedGlyph
		for _, d := range norm.NFD.String(string(r)) {
			gid := f.cmap.lookup(d)
			if gid == 0 {
				parts = nil
				break
			}
			parts = append(parts, shapedGlyph{gid: gid, text: string(d)})
		}
		if len(parts) > 1 {
			out = append(out, parts...)
			continue
		}
		out = append(out, shapedGlyph{gid: 0, text: string(r)})
		missing = append(missing, describeRune(r))
	}
	if missing != nil {
		const most = 5
		more := ""
		if len(missing) > most {
			more = fmt.Sprintf(" and %d more", len(missing)-most)
			missing = missing[:most]
		}
		return out, fmt.Errorf("%w: the font %s has no glyph for %s%s",
			ErrMissingGlyph, f.psName, strings.Join(missing, ", "), more)
	}
	return out, nil
}

// describeRune names a character for an error message: “Ꙃ” (U+A642).
func describeRune(r rune) string {
	if unicode.IsGraphic(r) && !unicode.Is(unicode.Mn, r) {
		return fmt.Sprintf("“%c” (U+%04X)", r, r)
	}
	return fmt.Sprintf("U+%04X", r)
}

// Glyphs returns the glyph ids that draw text after NFC normalisation. A
// character without a glyph of its own is drawn from its canonical
// decomposition (base letter and combining marks) when the font has those;
// otherwise the error names the character and wraps [ErrMissingGlyph].
func (f *Font) Glyphs(text string) ([]uint16, error) {
	shaped, err := f.shape(text)
	if err != nil {
		return nil, err
	}
	gids := make([]uint16, len(shaped))
	for i, g := range shaped {
		gids[i] = g.gid
	}
	return gids, nil
}

// advance is the advance width of gid in PDF glyph space (1000 units per em).
func (f *Font) advance(gid uint16) float64 {
	if int(gid) >= f.numGlyphs {
		return 0
	}
	return f.toPDF(float64(f.advances[gid]))
}

// Width is the advance width of text set at size points, in points, as
// drawn by [Canvas.Text] (no kerning). Characters the font lacks count with
// the width of .notdef.
func (f *Font) Width(text string, size float64) float64 {
	shaped, _ := f.shape(text) // missing characters are measured as .notdef
	return f.widthOf(shaped, size)
}

func (f *Font) widthOf(shaped []shapedGlyph, size float64) float64 {
	var w float64
	for _, g := range shaped {
		w += f.advance(g.gid)
	}
	return w * size / 1000
}

// inkBox is the extent of the ink of a line of glyphs, in points, relative to
// the start of its baseline; ok is false when nothing is inked.
type inkBox struct {
	minX, minY, maxX, maxY float64
	ok                     bool
}

func (f *Font) ink(shaped []shapedGlyph, size float64) inkBox {
	var b inkBox
	pen := 0.0
	scale := size / float64(f.upem)
	for _, g := range shaped {
		if gb, ok := f.glyphBounds(g.gid); ok && gb[0] <= gb[2] && gb[1] <= gb[3] {
			x0, x1 := pen+float64(gb[0])*scale, pen+float64(gb[2])*scale
			y0, y1 := float64(gb[1])*scale, float64(gb[3])*scale
			if !b.ok {
				b = inkBox{minX: x0, minY: y0, maxX: x1, maxY: y1, ok: true}
			} else {
				b.minX, b.minY = min(b.minX, x0), min(b.minY, y0)
				b.maxX, b.maxY = max(b.maxX, x1), max(b.maxY, y1)
			}
		}
		pen += f.advance(g.gid) * size / 1000
	}
	return b
}
