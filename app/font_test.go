package app

import (
	"encoding/binary"
	"errors"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// cmapRunes returns the characters a TrueType/OpenType font maps to
// glyphs, read from its Unicode cmap subtables (formats 4 and 12).
func cmapRunes(font []byte) (map[rune]bool, error) {
	be := binary.BigEndian
	if len(font) < 12 {
		return nil, errors.New("not a font")
	}
	var cmap []byte
	n := int(be.Uint16(font[4:]))
	for i := range n {
		rec := font[12+16*i:]
		if string(rec[:4]) == "cmap" {
			off, ln := be.Uint32(rec[8:]), be.Uint32(rec[12:])
			cmap = font[off : off+ln]
		}
	}
	if cmap == nil {
		return nil, errors.New("no cmap table")
	}
	out := map[rune]bool{}
	for i := range int(be.Uint16(cmap[2:])) {
		rec := cmap[4+8*i:]
		platform, encoding := be.Uint16(rec), be.Uint16(rec[2:])
		if platform != 0 && (platform != 3 || (encoding != 1 && encoding != 10)) {
			continue
		}
		sub := cmap[be.Uint32(rec[4:]):]
		switch be.Uint16(sub) {
		case 4:
			segs := int(be.Uint16(sub[6:])) / 2
			ends, starts := sub[14:], sub[16+2*segs:]
			deltas, ranges := sub[16+4*segs:], sub[16+6*segs:]
			for s := range segs {
				end, start := rune(be.Uint16(ends[2*s:])), rune(be.Uint16(starts[2*s:]))
				delta, ro := be.Uint16(deltas[2*s:]), int(be.Uint16(ranges[2*s:]))
				for c := start; c <= end && c != 0xFFFF; c++ {
					glyph := uint16(c) + delta
					if ro != 0 {
						at := 16 + 6*segs + 2*s + ro + 2*int(c-start)
						glyph = be.Uint16(sub[at:])
						if glyph != 0 {
							glyph += delta
						}
					}
					if glyph != 0 {
						out[c] = true
					}
				}
			}
		case 12:
			groups := int(be.Uint32(sub[12:]))
			for g := range groups {
				rec := sub[16+12*g:]
				start, end, glyph := be.Uint32(rec), be.Uint32(rec[4:]), be.Uint32(rec[8:])
				for c := start; c <= end; c++ {
					if glyph+(c-start) != 0 {
						out[rune(c)] = true
					}
				}
			}
		}
	}
	return out, nil
}

// vietnameseSample holds every Vietnamese letter with every tone, in both
// cases, plus the phrase from a real dispatch header.
const vietnameseSample = "Công văn khẩn: ỦY BAN NHÂN DÂN " +
	"aàáảãạ ăằắẳẵặ âầấẩẫậ eèéẻẽẹ êềếểễệ iìíỉĩị oòóỏõọ ôồốổỗộ ơờớởỡợ uùúủũụ ưừứửữự yỳýỷỹỵ đ " +
	"AÀÁẢÃẠ ĂẰẮẲẴẶ ÂẦẤẨẪẬ EÈÉẺẼẸ ÊỀẾỂỄỆ IÌÍỈĨỊ OÒÓỎÕỌ ÔỒỐỔỖỘ ƠỜỚỞỠỢ UÙÚỦŨỤ ƯỪỨỬỮỰ YỲÝỶỸỴ Đ “”…—›•"

// The theme's fonts (regular and bold, as unread rows are bold) have a
// glyph for every Vietnamese letter the UI shows.
func TestFontCoversVietnamese(t *testing.T) {
	a := test.NewTempApp(t)
	th := a.Settings().Theme()
	for _, style := range []fyne.TextStyle{{}, {Bold: true}} {
		res := th.Font(style)
		have, err := cmapRunes(res.Content())
		if err != nil {
			t.Fatalf("%s: %v", res.Name(), err)
		}
		if len(have) < 200 {
			t.Fatalf("%s: only %d characters read from the cmap; the parser is broken", res.Name(), len(have))
		}
		for _, r := range vietnameseSample {
			if r != ' ' && !have[r] {
				t.Errorf("%s has no glyph for %q (U+%04X)", res.Name(), r, r)
			}
		}
		// The parser is not merely saying yes: a Devanagari letter is not
		// in the default font.
		if have['क'] {
			t.Errorf("%s claims a Devanagari glyph; the cmap reading is wrong", res.Name())
		}
	}
	// And a label with the text lays out with a real width.
	l := widget.NewLabel("Công văn khẩn: ỦY BAN NHÂN DÂN")
	w := test.NewTempWindow(t, l)
	if l.MinSize().Width < 150 {
		t.Errorf("label width %v: the text did not lay out", l.MinSize().Width)
	}
	_ = w
	_ = theme.DefaultTheme()
}
