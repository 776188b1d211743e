package appearance

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"
)

// tinyChars are the characters of the small test font: simple glyphs of
// Liberation Serif, renumbered 1…n in this order.
const tinyChars = " -./0123456789:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// astral is a character outside the BMP that the format 12 tiny font maps to
// the glyph of "A" (MATHEMATICAL BOLD CAPITAL A).
const astral = '\U0001D400'

// tinyFont builds a real, small TrueType font from Liberation Serif's glyphs
// for tinyChars, with a cmap of format 4 (every segment through
// glyphIdArray) or format 12 (ranges, plus the astral character).
func tinyFont(t testing.TB, cmapFormat int) []byte {
	t.Helper()
	src := regularFont(t)
	runes := []rune(tinyChars)
	srcGids := []uint16{0}
	for _, r := range runes {
		g := src.cmap.lookup(r)
		if comps, _ := src.components(g); g == 0 || comps != nil {
			t.Fatalf("%q has no simple glyph in the source font", r)
		}
		srcGids = append(srcGids, g)
	}
	n := len(srcGids)
	var glyf, loca, hmtx []byte
	for _, g := range srcGids {
		loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))
		glyf = append(glyf, src.glyphData(g)...)
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
		b, _ := src.glyphBounds(g)
		hmtx = binary.BigEndian.AppendUint16(hmtx, src.advances[g])
		hmtx = binary.BigEndian.AppendUint16(hmtx, uint16(b[0]))
	}
	loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))
	head := slices.Clone(src.tables["head"])
	binary.BigEndian.PutUint16(head[50:], 1)
	hhea := slices.Clone(src.tables["hhea"])
	binary.BigEndian.PutUint16(hhea[34:], uint16(n))
	maxp := slices.Clone(src.tables["maxp"])
	binary.BigEndian.PutUint16(maxp[4:], uint16(n))
	post := slices.Clone(src.tables["post"][:32])
	binary.BigEndian.PutUint32(post, 0x00030000)

	var cmap []byte
	if cmapFormat == 12 {
		cmap = cmap12(runes)
	} else {
		cmap = cmap4(runes)
	}
	return buildSFNT(map[string][]byte{
		"head": head, "hhea": hhea, "maxp": maxp, "hmtx": hmtx, "loca": loca, "glyf": glyf,
		"cmap": cmap, "post": post, "OS/2": src.tables["OS/2"], "name": src.tables["name"],
		"cvt ": src.tables["cvt "], "fpgm": src.tables["fpgm"], "prep": src.tables["prep"],
	})
}

// cmap4 maps runes[i] to glyph i+1 with one segment per run of consecutive
// code points, each through glyphIdArray (idRangeOffset ≠ 0).
func cmap4(runes []rune) []byte {
	type seg struct{ start, end rune }
	var segs []seg
	for _, r := range runes {
		if len(segs) > 0 && segs[len(segs)-1].end == r-1 {
			segs[len(segs)-1].end = r
		} else {
			segs = append(segs, seg{r, r})
		}
	}
	segs = append(segs, seg{0xFFFF, 0xFFFF})
	sc := len(segs)
	var ends, starts, deltas, offsets, ids []byte
	gid := uint16(1)
	for i, s := range segs {
		ends = binary.BigEndian.AppendUint16(ends, uint16(s.end))
		starts = binary.BigEndian.AppendUint16(starts, uint16(s.start))
		if s.start == 0xFFFF {
			deltas = binary.BigEndian.AppendUint16(deltas, 1)
			offsets = binary.BigEndian.AppendUint16(offsets, 0)
			continue
		}
		deltas = binary.BigEndian.AppendUint16(deltas, 0)
		offsets = binary.BigEndian.AppendUint16(offsets, uint16(2*(sc-i)+len(ids)))
		for range s.end - s.start + 1 {
			ids = binary.BigEndian.AppendUint16(ids, gid)
			gid++
		}
	}
	sub := []byte{0, 4, 0, 0, 0, 0}
	sub = binary.BigEndian.AppendUint16(sub, uint16(2*sc))
	sub = append(sub, 0, 0, 0, 0, 0, 0) // search hints, unused by readers here
	sub = append(sub, ends...)
	sub = append(sub, 0, 0)
	sub = append(sub, starts...)
	sub = append(sub, deltas...)
	sub = append(sub, offsets...)
	sub = append(sub, ids...)
	binary.BigEndian.PutUint16(sub[2:], uint16(len(sub)))
	return cmapHeader(3, 1, sub)
}

// cmap12 maps runes[i] to glyph i+1 in ranges, and the astral character to
// the glyph of "A".
func cmap12(runes []rune) []byte {
	type group struct{ start, end, gid uint32 }
	var groups []group
	for i, r := range runes {
		gid := uint32(i + 1)
		if last := len(groups) - 1; last >= 0 && groups[last].end == uint32(r)-1 && groups[last].gid+(groups[last].end-groups[last].start) == gid-1 {
			groups[last].end = uint32(r)
		} else {
			groups = append(groups, group{uint32(r), uint32(r), gid})
		}
	}
	groups = append(groups, group{astral, astral, uint32(strings.IndexRune(tinyChars, 'A') + 1)})
	sub := []byte{0, 12, 0, 0}
	sub = binary.BigEndian.AppendUint32(sub, uint32(16+12*len(groups)))
	sub = binary.BigEndian.AppendUint32(sub, 0)
	sub = binary.BigEndian.AppendUint32(sub, uint32(len(groups)))
	for _, g := range groups {
		sub = binary.BigEndian.AppendUint32(sub, g.start)
		sub = binary.BigEndian.AppendUint32(sub, g.end)
		sub = binary.BigEndian.AppendUint32(sub, g.gid)
	}
	return cmapHeader(3, 10, sub)
}

func cmapHeader(platform, encoding uint16, sub []byte) []byte {
	b := []byte{0, 0, 0, 1}
	b = binary.BigEndian.AppendUint16(b, platform)
	b = binary.BigEndian.AppendUint16(b, encoding)
	b = binary.BigEndian.AppendUint32(b, 12)
	return append(b, sub...)
}

func TestCmapFormats(t *testing.T) {
	src := regularFont(t)
	for _, format := range []int{4, 12} {
		f, err := ParseFont(tinyFont(t, format))
		if err != nil {
			t.Fatalf("format %d: %v", format, err)
		}
		if (format == 12) != (f.cmap.groups != nil) {
			t.Fatalf("format %d: the parser chose the wrong subtable", format)
		}
		for i, r := range tinyChars {
			gids, err := f.Glyphs(string(r))
			if err != nil || len(gids) != 1 || gids[0] != uint16(i+1) {
				t.Errorf("format %d: Glyphs(%q) = %v, %v; want [%d]", format, r, gids, err, i+1)
			}
		}
		if got, want := f.Width("Ha Nam 2026", 10), src.Width("Ha Nam 2026", 10); got != want {
			t.Errorf("format %d: Width = %v, want the source font's %v", format, got, want)
		}
		if _, err := f.Glyphs("ă"); !errors.Is(err, ErrMissingGlyph) {
			t.Errorf("format %d: Glyphs(ă) error = %v, want ErrMissingGlyph", format, err)
		}
		gids, err := f.Glyphs(string(astral))
		if format == 12 {
			if err != nil || len(gids) != 1 || gids[0] != uint16(strings.IndexRune(tinyChars, 'A')+1) {
				t.Errorf("format 12: Glyphs(U+1D400) = %v, %v; want the glyph of A", gids, err)
			}
		} else if !errors.Is(err, ErrMissingGlyph) {
			t.Errorf("format 4: Glyphs(U+1D400) error = %v, want ErrMissingGlyph", err)
		}
	}
}

// TestToUnicodeSurrogates checks that a character outside the BMP is
// written as a UTF-16 surrogate pair, and that a glyph shared by two
// characters keeps the first one drawn.
func TestToUnicodeSurrogates(t *testing.T) {
	f, err := ParseFont(tinyFont(t, 12))
	if err != nil {
		t.Fatal(err)
	}
	c := NewCanvas(100, 20)
	if err := c.Text(f, 10, 0, 0, string(astral)+"A", Black); err != nil {
		t.Fatal(err)
	}
	fonts, err := c.Fonts()
	if err != nil {
		t.Fatal(err)
	}
	gidA := strings.IndexRune(tinyChars, 'A') + 1
	want := "<" + strings.ToUpper(hex4(gidA)) + "> <D835DC00>\n"
	if cmap := string(fonts[0].Font.ToUnicode); !strings.Contains(cmap, want) {
		t.Errorf("ToUnicode %q lacks %q", cmap, want)
	}
}

func hex4(v int) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[v>>12&15], digits[v>>8&15], digits[v>>4&15], digits[v&15]})
}
