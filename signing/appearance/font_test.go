package appearance

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/vanthu/vanthu/assets"
)

func regularFont(t testing.TB) *Font {
	t.Helper()
	f, err := ParseFont(assets.SerifRegular)
	if err != nil {
		t.Fatalf("ParseFont(regular): %v", err)
	}
	return f
}

func boldFont(t testing.TB) *Font {
	t.Helper()
	f, err := ParseFont(assets.SerifBold)
	if err != nil {
		t.Fatalf("ParseFont(bold): %v", err)
	}
	return f
}

func TestParseFontMetrics(t *testing.T) {
	for _, tc := range []struct {
		name      string
		ttf       []byte
		ps        string
		flags     int
		stemV     float64
		bboxRight float64
	}{
		// Serif (2) and Symbolic (4); bold also ForceBold (1<<18).
		{"regular", assets.SerifRegular, "LiberationSerif", 6, 88, 1278},
		{"bold", assets.SerifBold, "LiberationSerif-Bold", 6 | 1<<18, 166, 1344},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseFont(tc.ttf)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				what      string
				got, want float64
			}{
				{"UnitsPerEm", float64(f.UnitsPerEm()), 2048},
				{"NumGlyphs", float64(f.NumGlyphs()), 2602},
				{"Flags", float64(f.Flags()), float64(tc.flags)},
				{"StemV", f.StemV(), tc.stemV},
				{"ItalicAngle", f.ItalicAngle(), 0},
				// hhea 1825 / -443 and OS/2 capHeight 1341, scaled to 1000/em.
				{"Ascent", f.Ascent(), 1825 * 1000.0 / 2048},
				{"Descent", f.Descent(), -443 * 1000.0 / 2048},
				{"CapHeight", f.CapHeight(), 1341 * 1000.0 / 2048},
				{"BBox[0]", f.BBox()[0], -544},
				{"BBox[2]", f.BBox()[2], tc.bboxRight},
			} {
				if c.got != c.want {
					t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
				}
			}
			if got := f.PostScriptName(); got != tc.ps {
				t.Errorf("PostScriptName() = %q, want %q", got, tc.ps)
			}
		})
	}
}

// TestWidthMatchesTimes uses the published Times-Roman and Times-Bold AFM
// widths as an independent oracle: Liberation Serif is metric-compatible.
func TestWidthMatchesTimes(t *testing.T) {
	regular, bold := regularFont(t), boldFont(t)
	for _, tc := range []struct {
		font *Font
		text string
		size float64
		want float64
	}{
		{regular, "A", 1000, 722},
		{regular, "a", 1000, 444},
		{regular, "n", 1000, 500},
		{regular, " ", 1000, 250},
		{regular, "W", 1000, 944},
		{regular, "m", 1000, 778},
		{regular, "Nam", 10, 19.44},
		{regular, "", 10, 0},
		{bold, "A", 1000, 722},
		{bold, "a", 1000, 500},
		{bold, "H", 1000, 778},
		{bold, "W", 1000, 1000},
		{bold, "m", 1000, 833},
		// Diacritics do not change the advance: "Ấn" is as wide as "An".
		{regular, "Ấn", 1000, 1222},
		{bold, "Đ Ê", 1000, 722 + 250 + 667},
	} {
		got := tc.font.Width(tc.text, tc.size)
		if math.Abs(got-tc.want) > 0.5*tc.size/1000*float64(max(1, len([]rune(tc.text)))) {
			t.Errorf("%s Width(%q, %v) = %v, want %v", tc.font.PostScriptName(), tc.text, tc.size, got, tc.want)
		}
	}
}

func TestGlyphsNormalisesToNFC(t *testing.T) {
	f := regularFont(t)
	for _, text := range []string{"Nguyễn Văn Ấn", "KT. CHỦ TỊCH", "ĐƯỢC ỦY QUYỀN: đ Đ ư Ư ơ Ơ ỹ Ỹ"} {
		nfc, err := f.Glyphs(norm.NFC.String(text))
		if err != nil {
			t.Fatal(err)
		}
		nfd, err := f.Glyphs(norm.NFD.String(text))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(nfc, nfd) {
			t.Errorf("Glyphs(NFD %q) = %v, want the NFC glyphs %v", text, nfd, nfc)
		}
		if got, want := len(nfc), len([]rune(norm.NFC.String(text))); got != want {
			t.Errorf("Glyphs(%q) has %d glyphs, want one per character (%d)", text, got, want)
		}
		if slices.Contains(nfc, 0) {
			t.Errorf("Glyphs(%q) = %v contains .notdef", text, nfc)
		}
	}
}

func TestGlyphsFallsBackToDecomposition(t *testing.T) {
	f := regularFont(t)
	// Liberation Serif has "<" and U+0338 COMBINING LONG SOLIDUS OVERLAY but
	// not the precomposed "≮" (U+226E).
	if f.cmap.lookup('≮') != 0 {
		t.Fatal("the font now has ≮; pick another character without a glyph of its own")
	}
	got, err := f.Glyphs("a≮b")
	if err != nil {
		t.Fatal(err)
	}
	want := []uint16{f.cmap.lookup('a'), f.cmap.lookup('<'), f.cmap.lookup('\u0338'), f.cmap.lookup('b')}
	if !slices.Equal(got, want) {
		t.Errorf("Glyphs(a≮b) = %v, want %v", got, want)
	}
}

func TestGlyphsNamesMissingCharacter(t *testing.T) {
	f := regularFont(t)
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"Chữ ký ☃", []string{"“☃” (U+2603)", "LiberationSerif"}},
		{"Số 1 ✓ và ✗", []string{"“✓” (U+2713)", "“✗” (U+2717)"}},
		{"tab\there", []string{"U+0009"}},
	} {
		_, err := f.Glyphs(tc.text)
		if !errors.Is(err, ErrMissingGlyph) {
			t.Errorf("Glyphs(%q) error = %v, want ErrMissingGlyph", tc.text, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Glyphs(%q) error %q does not name %s", tc.text, err, w)
			}
		}
	}
}

func TestOutline(t *testing.T) {
	f := regularFont(t)
	for _, tc := range []struct {
		char     rune
		contours int
	}{
		{'H', 1}, // one closed outline
		{'o', 2}, // outer and counter
		{'Ấ', 4}, // composite: A (2), circumflex, acute
		{'đ', 2}, // d with bar: outer and counter
		{' ', 0}, // empty
		{'i', 2}, // stem and dot
		{'8', 3}, // two counters
		{'%', 5}, // two rings and the bar
		{'—', 1}, // em dash
		{'ỹ', 2}, // y and tilde
		{'ệ', 4}, // e (2), circumflex, dot below
		{'Đ', 2}, // D with bar
		{'Ỹ', 2}, // Y and tilde
	} {
		gid := f.cmap.lookup(tc.char)
		got, err := f.Outline(gid)
		if err != nil {
			t.Fatalf("Outline(%c): %v", tc.char, err)
		}
		if len(got) != tc.contours {
			t.Errorf("Outline(%c) has %d contours, want %d", tc.char, len(got), tc.contours)
		}
		// Every point lies inside the glyph's recorded bounding box.
		b, _ := f.glyphBounds(gid)
		for _, c := range got {
			for _, p := range c {
				if p.X < float64(b[0])-1 || p.X > float64(b[2])+1 || p.Y < float64(b[1])-1 || p.Y > float64(b[3])+1 {
					t.Errorf("Outline(%c) point %v lies outside the glyph box %v", tc.char, p, b)
				}
			}
		}
	}
	if _, err := f.Outline(uint16(f.NumGlyphs())); !errors.Is(err, ErrFont) {
		t.Errorf("Outline(past the last glyph) error = %v, want ErrFont", err)
	}
}

// tableRecord returns the offset of tag's record in the table directory.
func tableRecord(t *testing.T, ttf []byte, tag string) int {
	t.Helper()
	n := int(binary.BigEndian.Uint16(ttf[4:]))
	for i := range n {
		if string(ttf[12+16*i:16+16*i]) == tag {
			return 12 + 16*i
		}
	}
	t.Fatalf("no %q table", tag)
	return 0
}

// tableAt returns the offset of tag's data.
func tableAt(t *testing.T, ttf []byte, tag string) int {
	return int(binary.BigEndian.Uint32(ttf[tableRecord(t, ttf, tag)+8:]))
}

func TestParseFontRejectsDamage(t *testing.T) {
	good := assets.SerifRegular
	patch := func(edit func(b []byte)) []byte {
		b := slices.Clone(good)
		edit(b)
		return b
	}
	for _, tc := range []struct {
		name string
		ttf  []byte
		want string
	}{
		{"empty", nil, "too short"},
		{"PNG", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), "not a TrueType font"},
		{"CFF", patch(func(b []byte) { copy(b, "OTTO") }), "PostScript (CFF)"},
		{"collection", patch(func(b []byte) { copy(b, "ttcf") }), "collection"},
		{"directory cut", good[:100], "table directory is truncated"},
		{"tables cut", good[:2000], "outside the file"},
		{"huge directory", patch(func(b []byte) { binary.BigEndian.PutUint16(b[4:], 0xFFFF) }), "claims 65535 tables"},
		{"no glyf", patch(func(b []byte) { copy(b[tableRecord(t, b, "glyf"):], "xxxx") }), `"glyf" table is missing`},
		{"head magic", patch(func(b []byte) { b[tableAt(t, b, "head")+12] = 0 }), "magic"},
		{"unitsPerEm 0", patch(func(b []byte) { binary.BigEndian.PutUint16(b[tableAt(t, b, "head")+18:], 0) }), "unitsPerEm 0"},
		{"loca format 7", patch(func(b []byte) { binary.BigEndian.PutUint16(b[tableAt(t, b, "head")+50:], 7) }), "indexToLocFormat 7"},
		{"no glyphs", patch(func(b []byte) { binary.BigEndian.PutUint16(b[tableAt(t, b, "maxp")+4:], 0) }), "no glyphs"},
		{"no metrics", patch(func(b []byte) { binary.BigEndian.PutUint16(b[tableAt(t, b, "hhea")+34:], 0) }), "numberOfHMetrics 0"},
		{"loca out of order", patch(func(b []byte) { binary.BigEndian.PutUint32(b[tableAt(t, b, "loca")+40:], 0xFFFFFF) }), "out of order"},
		{"loca past glyf", patch(func(b []byte) {
			loca := tableAt(t, b, "loca")
			binary.BigEndian.PutUint32(b[loca+4*2602:], 0x7FFFFFFF)
		}), "past the end"},
		{"cmap segments", patch(func(b []byte) {
			// Swap the first two endCodes of the format 4 subtable.
			cmap := tableAt(t, b, "cmap")
			n := int(binary.BigEndian.Uint16(b[cmap+2:]))
			for i := range n {
				off := cmap + int(binary.BigEndian.Uint32(b[cmap+4+8*i+4:]))
				if binary.BigEndian.Uint16(b[off:]) == 4 {
					binary.BigEndian.PutUint16(b[off+14:], 0xFFF0)
				}
			}
		}), "out of order"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseFont(tc.ttf)
			if err == nil {
				t.Fatalf("ParseFont succeeded (%s), want an error containing %q", f.PostScriptName(), tc.want)
			}
			if !errors.Is(err, ErrFont) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseFont error = %q, want ErrFont containing %q", err, tc.want)
			}
		})
	}
}

// TestParseFontWithoutCmap parses a font with no cmap (as embedded subsets
// are): it has no glyph for any character.
func TestParseFontWithoutCmap(t *testing.T) {
	b := slices.Clone(assets.SerifRegular)
	copy(b[tableRecord(t, b, "cmap"):], "xmap")
	f, err := ParseFont(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Glyphs("A"); !errors.Is(err, ErrMissingGlyph) {
		t.Errorf("Glyphs(A) error = %v, want ErrMissingGlyph", err)
	}
}
