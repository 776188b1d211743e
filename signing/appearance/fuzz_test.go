package appearance

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/assets"
)

const fuzzText = "KT. CHỦ TỊCH Nguyễn Văn Ấn ≮ Số: 1234/UBND-VP"

// FuzzParseFont feeds damaged fonts to the parser and to everything that
// reads a parsed font: no panic, errors wrap ErrFont, and a subset of
// whatever parses parses again.
func FuzzParseFont(f *testing.F) {
	regular := regularFont(f)
	gids, err := regular.Glyphs(fuzzText)
	if err != nil {
		f.Fatal(err)
	}
	sub, err := regular.Subset(gids)
	if err != nil {
		f.Fatal(err)
	}
	for _, ttf := range [][]byte{tinyFont(f, 4), tinyFont(f, 12), sub.Program, assets.SerifRegular, assets.SerifBold} {
		f.Add(ttf)
		for _, n := range []int{0, 12, 100, 316, 1000, 20000, len(ttf) / 2, len(ttf) - 1} {
			f.Add(ttf[:min(n, len(ttf))])
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		font, err := ParseFont(data)
		if err != nil {
			if !errors.Is(err, ErrFont) {
				t.Fatalf("ParseFont error %v does not wrap ErrFont", err)
			}
			return
		}
		_ = font.Width(fuzzText, 10)
		_, _, _, _ = font.Flags(), font.BBox(), font.CapHeight(), font.StemV()
		gids, _ := font.Glyphs(fuzzText)
		probe := append(slices.Clone(gids), 0, 1, 2, 3, uint16(font.NumGlyphs()-1))
		for _, g := range probe {
			if _, err := font.Outline(g); err != nil && !errors.Is(err, ErrFont) {
				t.Fatalf("Outline(%d) error %v does not wrap ErrFont", g, err)
			}
		}
		s, err := font.Subset(probe)
		if err != nil {
			if !errors.Is(err, ErrFont) {
				t.Fatalf("Subset error %v does not wrap ErrFont", err)
			}
			return
		}
		again, err := ParseFont(s.Program)
		if err != nil {
			t.Fatalf("the subset of a font that parses does not parse: %v", err)
		}
		if again.NumGlyphs() != font.NumGlyphs() {
			t.Fatalf("the subset has %d glyphs, the font %d", again.NumGlyphs(), font.NumGlyphs())
		}
		for _, g := range s.Glyphs {
			if a, b := again.glyphData(g), font.glyphData(g); len(a) < len(b) || string(a[:len(b)]) != string(b) {
				t.Fatalf("glyph %d changed in the subset", g)
			}
		}
	})
}

// FuzzDecodePNG feeds damaged PNG files to the converter: no panic, errors
// wrap ErrImage, and a result holds exactly the samples it declares.
func FuzzDecodePNG(f *testing.F) {
	f.Add(assets.DemoSignature)
	f.Add(assets.DemoSeal)
	for _, seed := range [][]byte{
		encodePNG(2, 1, 6, 8, [][]byte{{0, 40, 160, 255, 0, 40, 160, 64}}),
		encodePNG(2, 1, 4, 8, [][]byte{{30, 255, 90, 10}}),
		encodePNG(3, 1, 3, 8, [][]byte{{0, 1, 2}},
			pngChunk{"PLTE", []byte{220, 20, 20, 0, 0, 0, 255, 255, 255}},
			pngChunk{"tRNS", []byte{255, 0, 128}}),
		encodePNG(1, 1, 6, 16, [][]byte{{0x12, 0x34, 0xAB, 0xCD, 0xFF, 0x00, 0x80, 0x80}}),
		encodePNG(3, 1, 0, 1, [][]byte{{0b1010_0000}}),
		encodePNG(2, 1, 0, 8, [][]byte{{7, 200}}, pngChunk{"tRNS", []byte{0, 7}}),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := DecodePNG(data)
		if err != nil {
			if !errors.Is(err, ErrImage) {
				t.Fatalf("DecodePNG error %v does not wrap ErrImage", err)
			}
			return
		}
		channels := map[string]int{"DeviceRGB": 3, "DeviceGray": 1}[img.ColorSpace]
		if channels == 0 || img.BitsPerComponent != 8 || img.Width <= 0 || img.Height <= 0 ||
			img.Width > MaxImageSide || img.Height > MaxImageSide {
			t.Fatalf("DecodePNG returned %dx%d %q %d-bit", img.Width, img.Height, img.ColorSpace, img.BitsPerComponent)
		}
		if got := len(inflate(t, img.Data)); got != img.Width*img.Height*channels {
			t.Fatalf("%d sample bytes for %dx%d %s", got, img.Width, img.Height, img.ColorSpace)
		}
		if m := img.SMask; m != nil {
			if m.Width != img.Width || m.Height != img.Height || m.ColorSpace != "DeviceGray" ||
				len(inflate(t, m.Data)) != img.Width*img.Height {
				t.Fatalf("the SMask does not match the %dx%d image", img.Width, img.Height)
			}
		}
	})
}

// FuzzStampText lays out arbitrary text: no panic; either an error, or
// content whose glyphs the ToUnicode map turns back into text that draws the
// very same glyphs.
func FuzzStampText(f *testing.F) {
	font := regularFont(f)
	for _, s := range append(slices.Clone(vietnameseSample), "≮", "a\u0303", "☃", "", "tab\there", strings.Repeat("Ấ", 200)) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		a, err := Stamp(StampSpec{Lines: []string{text}, Font: font, MaxWidth: 2000})
		if err != nil {
			if !errors.Is(err, ErrMissingGlyph) && !errors.Is(err, ErrDraw) && !errors.Is(err, ErrDoesNotFit) {
				t.Fatalf("Stamp error %v wraps none of the package's errors", err)
			}
			return
		}
		ops := textOps(t, a.Content)
		if len(ops) != 1 || len(a.Fonts) != 1 {
			t.Fatalf("one line drew %d text operations with %d fonts", len(ops), len(a.Fonts))
		}
		toUnicode := toUnicodeMap(t, a.Fonts[0].Font.ToUnicode)
		var back strings.Builder
		for _, g := range ops[0].gids {
			s, ok := toUnicode[g]
			if !ok {
				t.Fatalf("glyph %d is drawn but not in the ToUnicode map", g)
			}
			back.WriteString(s)
		}
		gids, err := font.Glyphs(back.String())
		if err != nil || !slices.Equal(gids, ops[0].gids) {
			t.Fatalf("the extracted text %q draws %v, the content %v (%v)", back.String(), gids, ops[0].gids, err)
		}
	})
}
