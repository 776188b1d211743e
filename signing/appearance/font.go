package appearance

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf16"
)

// ErrFont is wrapped by every error about a damaged or unusable font program.
var ErrFont = errors.New("unusable font")

// maxTables bounds the table directory; real fonts have fewer than 40 tables.
const maxTables = 256

// A Font is a parsed TrueType font program (glyf outlines). It is read-only
// after [ParseFont] and safe for concurrent use.
type Font struct {
	data   []byte
	tables map[string][]byte

	psName    string
	upem      int
	numGlyphs int
	loca      []uint32 // numGlyphs+1 offsets into glyf
	glyf      []byte
	advances  []uint16 // one per glyph, font units
	cmap      cmapTable

	bbox        [4]int16 // head xMin yMin xMax yMax
	macStyle    uint16
	ascent      int16 // hhea
	descent     int16 // hhea, negative
	lineGap     int16 // hhea
	capHeight   int16
	italicAngle float64
	fixedPitch  bool
	weightClass uint16
	familyClass int16
	fsType      uint16
}

// ParseFont parses a TrueType font program (.ttf). A font without a cmap
// table (such as an embedded subset) parses, but has no glyph for any
// character. Collections (.ttc) and
// CFF-flavoured OpenType fonts (.otf) are refused. Everything is bounds-checked:
// a damaged file returns an error wrapping [ErrFont], never a panic.
func ParseFont(ttf []byte) (*Font, error) {
	f := &Font{data: ttf, tables: map[string][]byte{}}
	if err := f.readDirectory(); err != nil {
		return nil, err
	}
	for _, step := range []func() error{
		f.readHead, f.readHhea, f.readMaxp, f.readHmtx, f.readLoca,
		f.readCmap, f.readPost, f.readOS2, f.readName,
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func fontErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFont}, args...)...)
}

func (f *Font) readDirectory() error {
	b := f.data
	if len(b) < 12 {
		return fontErr("the file is too short to be a TrueType font (%d bytes)", len(b))
	}
	switch v := binary.BigEndian.Uint32(b); v {
	case 0x00010000, 0x74727565: // 1.0, 'true'
	case 0x4F54544F: // 'OTTO'
		return fontErr("the font has PostScript (CFF) outlines; use a TrueType (.ttf) font")
	case 0x74746366: // 'ttcf'
		return fontErr("the file is a font collection (.ttc); extract one TrueType font first")
	default:
		return fontErr("the file is not a TrueType font (signature %08x)", v)
	}
	n := int(binary.BigEndian.Uint16(b[4:]))
	if n > maxTables {
		return fontErr("the table directory claims %d tables", n)
	}
	if len(b) < 12+16*n {
		return fontErr("the table directory is truncated")
	}
	for i := range n {
		rec := b[12+16*i:]
		tag := string(rec[:4])
		off := uint64(binary.BigEndian.Uint32(rec[8:]))
		length := uint64(binary.BigEndian.Uint32(rec[12:]))
		if off+length > uint64(len(b)) {
			return fontErr("table %q lies outside the file", tag)
		}
		if _, dup := f.tables[tag]; !dup {
			f.tables[tag] = b[off : off+length : off+length]
		}
	}
	for _, tag := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf"} {
		if _, ok := f.tables[tag]; !ok {
			return fontErr("the required %q table is missing", tag)
		}
	}
	f.glyf = f.tables["glyf"]
	return nil
}

func (f *Font) readHead() error {
	t := f.tables["head"]
	if len(t) < 54 {
		return fontErr("the head table is truncated")
	}
	if binary.BigEndian.Uint32(t[12:]) != 0x5F0F3CF5 {
		return fontErr("the head table has a wrong magic number")
	}
	f.upem = int(binary.BigEndian.Uint16(t[18:]))
	if f.upem < 16 || f.upem > 16384 {
		return fontErr("unitsPerEm %d is outside 16…16384", f.upem)
	}
	for i := range 4 {
		f.bbox[i] = int16(binary.BigEndian.Uint16(t[36+2*i:]))
	}
	f.macStyle = binary.BigEndian.Uint16(t[44:])
	if format := binary.BigEndian.Uint16(t[50:]); format > 1 {
		return fontErr("indexToLocFormat %d is neither 0 nor 1", format)
	}
	return nil
}

func (f *Font) readHhea() error {
	t := f.tables["hhea"]
	if len(t) < 36 {
		return fontErr("the hhea table is truncated")
	}
	f.ascent = int16(binary.BigEndian.Uint16(t[4:]))
	f.descent = int16(binary.BigEndian.Uint16(t[6:]))
	f.lineGap = int16(binary.BigEndian.Uint16(t[8:]))
	if f.descent > 0 {
		f.descent = -f.descent
	}
	return nil
}

func (f *Font) readMaxp() error {
	t := f.tables["maxp"]
	if len(t) < 6 {
		return fontErr("the maxp table is truncated")
	}
	f.numGlyphs = int(binary.BigEndian.Uint16(t[4:]))
	if f.numGlyphs == 0 {
		return fontErr("the font has no glyphs")
	}
	return nil
}

func (f *Font) readHmtx() error {
	nhm := int(binary.BigEndian.Uint16(f.tables["hhea"][34:]))
	if nhm == 0 || nhm > f.numGlyphs {
		return fontErr("numberOfHMetrics %d does not fit %d glyphs", nhm, f.numGlyphs)
	}
	t := f.tables["hmtx"]
	if len(t) < 4*nhm {
		return fontErr("the hmtx table is truncated")
	}
	f.advances = make([]uint16, f.numGlyphs)
	for i := range f.numGlyphs {
		if i < nhm {
			f.advances[i] = binary.BigEndian.Uint16(t[4*i:])
		} else {
			f.advances[i] = f.advances[nhm-1]
		}
	}
	return nil
}

func (f *Font) readLoca() error {
	t := f.tables["loca"]
	long := binary.BigEndian.Uint16(f.tables["head"][50:]) == 1
	n := f.numGlyphs + 1
	f.loca = make([]uint32, n)
	if long {
		if len(t) < 4*n {
			return fontErr("the loca table is truncated")
		}
		for i := range n {
			f.loca[i] = binary.BigEndian.Uint32(t[4*i:])
		}
	} else {
		if len(t) < 2*n {
			return fontErr("the loca table is truncated")
		}
		for i := range n {
			f.loca[i] = 2 * uint32(binary.BigEndian.Uint16(t[2*i:]))
		}
	}
	for i := range f.numGlyphs {
		if f.loca[i] > f.loca[i+1] {
			return fontErr("the loca table is out of order at glyph %d", i)
		}
	}
	if uint64(f.loca[f.numGlyphs]) > uint64(len(f.glyf)) {
		return fontErr("the loca table points past the end of the glyf table")
	}
	return nil
}

func (f *Font) readPost() error {
	t, ok := f.tables["post"]
	if !ok {
		return nil
	}
	if len(t) < 16 {
		return fontErr("the post table is truncated")
	}
	f.italicAngle = float64(int32(binary.BigEndian.Uint32(t[4:]))) / 65536
	f.fixedPitch = binary.BigEndian.Uint32(t[12:]) != 0
	return nil
}

func (f *Font) readOS2() error {
	t, ok := f.tables["OS/2"]
	if !ok {
		f.weightClass = 400
		return nil
	}
	if len(t) < 68 { // the shortest, Apple's version 0
		return fontErr("the OS/2 table is truncated")
	}
	f.weightClass = binary.BigEndian.Uint16(t[4:])
	f.fsType = binary.BigEndian.Uint16(t[8:])
	f.familyClass = int16(binary.BigEndian.Uint16(t[30:]))
	if binary.BigEndian.Uint16(t) >= 2 && len(t) >= 90 {
		f.capHeight = int16(binary.BigEndian.Uint16(t[88:]))
	}
	return nil
}

// readName finds the PostScript name (name ID 6), preferring the Windows
// Unicode record, and keeps only the characters a PDF name may carry unescaped.
func (f *Font) readName() error {
	f.psName = "Font"
	t, ok := f.tables["name"]
	if !ok {
		return nil
	}
	if len(t) < 6 {
		return fontErr("the name table is truncated")
	}
	count := int(binary.BigEndian.Uint16(t[2:]))
	storage := int(binary.BigEndian.Uint16(t[4:]))
	if len(t) < 6+12*count {
		return fontErr("the name table is truncated")
	}
	best, bestRank := "", 0
	for i := range count {
		rec := t[6+12*i:]
		platform, encoding := binary.BigEndian.Uint16(rec), binary.BigEndian.Uint16(rec[2:])
		if binary.BigEndian.Uint16(rec[6:]) != 6 {
			continue
		}
		length, off := int(binary.BigEndian.Uint16(rec[8:])), storage+int(binary.BigEndian.Uint16(rec[10:]))
		if off+length > len(t) {
			continue
		}
		raw := t[off : off+length]
		var s string
		rank := 0
		switch {
		case platform == 3 && (encoding == 1 || encoding == 10), platform == 0:
			s, rank = decodeUTF16BE(raw), 3
		case platform == 1 && encoding == 0:
			s, rank = string(raw), 2
		default:
			continue
		}
		if rank > bestRank {
			best, bestRank = s, rank
		}
	}
	if name := pdfNameChars(best); name != "" {
		f.psName = name
	}
	return nil
}

func decodeUTF16BE(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.BigEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// pdfNameChars keeps the printable ASCII characters that need no escaping in
// a PDF name and are allowed in a PostScript font name, at most 63 of them.
func pdfNameChars(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r > 32 && r < 127 && !strings.ContainsRune("[](){}<>/%#", r) && b.Len() < 63 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// PostScriptName is the font's PostScript name (name ID 6), reduced to the
// characters a PDF name carries unescaped; "Font" when the font has none.
func (f *Font) PostScriptName() string { return f.psName }

// UnitsPerEm is the size of the em square in font units.
func (f *Font) UnitsPerEm() int { return f.upem }

// NumGlyphs is the number of glyphs in the font.
func (f *Font) NumGlyphs() int { return f.numGlyphs }

// toPDF converts font units to PDF glyph space (1000 units per em).
func (f *Font) toPDF(v float64) float64 { return v * 1000 / float64(f.upem) }

// Ascent is the height above the baseline of the font's tallest ordinary
// letters (hhea ascender), in PDF glyph space (1000 units per em).
func (f *Font) Ascent() float64 { return f.toPDF(float64(f.ascent)) }

// Descent is the depth below the baseline (hhea descender, negative), in
// PDF glyph space (1000 units per em).
func (f *Font) Descent() float64 { return f.toPDF(float64(f.descent)) }

// LineGap is the extra space between lines the font asks for (hhea lineGap),
// in PDF glyph space (1000 units per em).
func (f *Font) LineGap() float64 { return f.toPDF(float64(f.lineGap)) }

// CapHeight is the height of flat capital letters, in PDF glyph space. Fonts
// without OS/2 version 2 get the height of "H", or 70% of the ascent.
func (f *Font) CapHeight() float64 {
	if f.capHeight > 0 {
		return f.toPDF(float64(f.capHeight))
	}
	if gid := f.cmap.lookup('H'); gid != 0 {
		if b, ok := f.glyphBounds(gid); ok {
			return f.toPDF(float64(b[3]))
		}
	}
	return math.Round(f.Ascent() * 0.7)
}

// ItalicAngle is the angle of the dominant vertical strokes in degrees,
// counter-clockwise from vertical (negative for fonts that lean right).
func (f *Font) ItalicAngle() float64 { return f.italicAngle }

// BBox is the union of all glyph bounding boxes (llx lly urx ury), in PDF
// glyph space (1000 units per em).
func (f *Font) BBox() [4]float64 {
	var b [4]float64
	for i, v := range f.bbox {
		b[i] = math.Round(f.toPDF(float64(v)))
	}
	return b
}

// Font descriptor flags, ISO 32000-1 Table 123.
const (
	flagFixedPitch = 1 << 0
	flagSerif      = 1 << 1
	flagSymbolic   = 1 << 2
	flagItalic     = 1 << 6
	flagForceBold  = 1 << 18
)

// Flags is the /Flags value of the font descriptor. The Symbolic flag is set
// (and Nonsymbolic clear) because Vietnamese text uses glyphs outside the
// Adobe standard Latin character set.
func (f *Font) Flags() int {
	flags := flagSymbolic
	if f.fixedPitch {
		flags |= flagFixedPitch
	}
	// sFamilyClass 1–5 and 7 are the serif classes (oldstyle, transitional,
	// modern, clarendon, slab, freeform).
	if c := f.familyClass >> 8; (c >= 1 && c <= 5) || c == 7 {
		flags |= flagSerif
	}
	if f.italicAngle != 0 || f.macStyle&2 != 0 {
		flags |= flagItalic
	}
	if f.weightClass >= 600 {
		flags |= flagForceBold
	}
	return flags
}

// StemV estimates the thickness of the dominant vertical stems from the
// OS/2 weight class (TrueType fonts do not record it): 88 for regular, 166
// for bold, in PDF glyph space.
func (f *Font) StemV() float64 {
	w := float64(f.weightClass) / 65
	return math.Round(50 + w*w)
}
