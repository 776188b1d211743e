package appearance

import (
	"bytes"
	"fmt"
	"slices"
	"unicode/utf16"
)

// An EmbeddedFont is everything the PDF writer needs to embed a font subset
// for text drawn with 2-byte glyph ids. The conversion is mechanical:
//
//	Type0 font:      << /Type /Font /Subtype /Type0 /BaseFont /‹BaseFont›
//	                    /Encoding /‹Encoding› /DescendantFonts [‹CIDFont›]
//	                    /ToUnicode ‹stream of ToUnicode› >>
//	CIDFont:         << /Type /Font /Subtype /‹CIDFontType› /BaseFont /‹BaseFont›
//	                    /CIDSystemInfo << /Registry (‹Registry›) /Ordering (‹Ordering›)
//	                    /Supplement ‹Supplement› >>
//	                    /FontDescriptor ‹descriptor› /DW ‹DW› /W ‹W›
//	                    /CIDToGIDMap /‹CIDToGIDMap› >>
//	FontDescriptor:  << /Type /FontDescriptor /FontName /‹FontName› /Flags ‹Flags›
//	                    /FontBBox [‹BBox›] /ItalicAngle ‹ItalicAngle› /Ascent ‹Ascent›
//	                    /Descent ‹Descent› /CapHeight ‹CapHeight› /StemV ‹StemV›
//	                    /FontFile2 ‹stream of FontFile2, /Length1 len(FontFile2)› >>
//
// /W is written from the runs as [First [w w …] First [w …] …].
type EmbeddedFont struct {
	BaseFont      string // subset name, "ABCDEF+LiberationSerif"
	Encoding      string // "Identity-H"
	CIDFontType   string // "CIDFontType2"
	CIDSystemInfo CIDSystemInfo
	CIDToGIDMap   string  // "Identity"
	DW            float64 // default width, 1000 units per em (1000 is also the PDF default)
	W             []WidthRun
	Descriptor    FontDescriptor
	FontFile2     []byte // the subset TrueType program, uncompressed
	ToUnicode     []byte // the ToUnicode CMap program, uncompressed
}

// CIDSystemInfo identifies the character collection of a CIDFont; with
// Identity-H it is always Adobe-Identity-0.
type CIDSystemInfo struct {
	Registry   string // "Adobe"
	Ordering   string // "Identity"
	Supplement int    // 0
}

// A WidthRun gives the widths of consecutive glyph ids starting at First, in
// PDF glyph space (1000 units per em): "First [Widths...]" in the /W array.
type WidthRun struct {
	First  uint16
	Widths []float64
}

// FontDescriptor holds the metrics of ISO 32000-1 §9.8, in PDF glyph space
// (1000 units per em).
type FontDescriptor struct {
	FontName    string // the same as BaseFont
	Flags       int
	BBox        [4]float64 // /FontBBox: llx lly urx ury
	ItalicAngle float64
	Ascent      float64
	Descent     float64
	CapHeight   float64
	StemV       float64
}

// usedGlyph records what a drawn glyph stands for, for the ToUnicode CMap.
type usedGlyph struct {
	text   string
	direct bool
}

// record adds shaped glyphs to used: a glyph keeps the first text recorded
// for it, except that a character mapped by the cmap itself replaces text
// that was only reached through a decomposition.
func record(used map[uint16]usedGlyph, shaped []shapedGlyph) {
	for _, g := range shaped {
		if old, ok := used[g.gid]; ok && (old.direct || !g.direct) {
			continue
		}
		used[g.gid] = usedGlyph{text: g.text, direct: g.direct}
	}
}

// Embed returns the embedded subset font holding the glyphs that draw texts,
// with a ToUnicode CMap that maps each glyph back to its characters.
func (f *Font) Embed(texts ...string) (*EmbeddedFont, error) {
	used := map[uint16]usedGlyph{}
	for _, t := range texts {
		shaped, err := f.shape(t)
		if err != nil {
			return nil, err
		}
		record(used, shaped)
	}
	return f.embed(used)
}

func (f *Font) embed(used map[uint16]usedGlyph) (*EmbeddedFont, error) {
	gids := make([]uint16, 0, len(used))
	for g := range used {
		gids = append(gids, g)
	}
	slices.Sort(gids)
	sub, err := f.Subset(gids)
	if err != nil {
		return nil, err
	}
	var runs []WidthRun
	for i, g := range gids {
		if i == 0 || g != gids[i-1]+1 {
			runs = append(runs, WidthRun{First: g})
		}
		r := &runs[len(runs)-1]
		r.Widths = append(r.Widths, f.advance(g))
	}
	return &EmbeddedFont{
		BaseFont:      sub.Name,
		Encoding:      "Identity-H",
		CIDFontType:   "CIDFontType2",
		CIDSystemInfo: CIDSystemInfo{Registry: "Adobe", Ordering: "Identity", Supplement: 0},
		CIDToGIDMap:   "Identity",
		DW:            1000,
		W:             runs,
		Descriptor: FontDescriptor{
			FontName:    sub.Name,
			Flags:       f.Flags(),
			BBox:        f.BBox(),
			ItalicAngle: f.ItalicAngle(),
			Ascent:      f.Ascent(),
			Descent:     f.Descent(),
			CapHeight:   f.CapHeight(),
			StemV:       f.StemV(),
		},
		FontFile2: sub.Program,
		ToUnicode: toUnicodeCMap(gids, used),
	}, nil
}

// toUnicodeCMap writes the ToUnicode CMap (ISO 32000-1 §9.10.3) mapping each
// 2-byte glyph id to the UTF-16BE text it stands for.
func toUnicodeCMap(gids []uint16, used map[uint16]usedGlyph) []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n" +
		"12 dict begin\n" +
		"begincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n" +
		"/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	const perBlock = 100 // the most a bfchar block may hold
	for start := 0; start < len(gids); start += perBlock {
		block := gids[start:min(start+perBlock, len(gids))]
		fmt.Fprintf(&b, "%d beginbfchar\n", len(block))
		for _, g := range block {
			fmt.Fprintf(&b, "<%04X> <", g)
			for _, u := range utf16.Encode([]rune(used[g].text)) {
				fmt.Fprintf(&b, "%04X", u)
			}
			b.WriteString(">\n")
		}
		b.WriteString("endbfchar\n")
	}
	b.WriteString("endcmap\n" +
		"CMapName currentdict /CMap defineresource pop\n" +
		"end\nend\n")
	return b.Bytes()
}
