package appearance

import (
	"bytes"
	"encoding/binary"
	"errors"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/assets"
)

// vietnameseSample is the text the tests draw: the Decree 30 signature block,
// the stamp and a line with every kind of Vietnamese letter.
var vietnameseSample = []string{
	"KT. CHỦ TỊCH",
	"PHÓ CHỦ TỊCH",
	"Nguyễn Văn Ấn",
	"Số: 1234/UBND-VP",
	"Thời gian ký: 2026-11-26T09:41:05+07:00",
	"Ủy ban nhân dân tỉnh Hà Nam — Sở Tài chính; ĐƯỢC ỦY QUYỀN: đ Đ ư Ư ơ Ơ ỹ Ỹ",
}

func sampleGlyphs(t *testing.T, f *Font) []uint16 {
	t.Helper()
	set := map[uint16]bool{}
	for _, s := range vietnameseSample {
		gids, err := f.Glyphs(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gids {
			set[g] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// sfntTables reads a TrueType file's directory and checks its structure:
// sorted tags, 4-byte aligned offsets, searchRange fields, each table's
// checksum, and the whole-file checksum that head.checkSumAdjustment sets.
func sfntTables(t *testing.T, ttf []byte) map[string][]byte {
	t.Helper()
	n := int(binary.BigEndian.Uint16(ttf[4:]))
	sr, es, rs := binary.BigEndian.Uint16(ttf[6:]), binary.BigEndian.Uint16(ttf[8:]), binary.BigEndian.Uint16(ttf[10:])
	wantES := 0
	for 2<<wantES <= n {
		wantES++
	}
	if int(sr) != 16<<wantES || int(es) != wantES || int(rs) != 16*n-int(sr) {
		t.Errorf("searchRange %d entrySelector %d rangeShift %d for %d tables, want %d %d %d",
			sr, es, rs, n, 16<<wantES, wantES, 16*n-(16<<wantES))
	}
	tables := map[string][]byte{}
	prev := ""
	for i := range n {
		rec := ttf[12+16*i:]
		tag := string(rec[:4])
		sum, off, length := binary.BigEndian.Uint32(rec[4:]), binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if tag <= prev {
			t.Errorf("table %q follows %q: the directory must be sorted", tag, prev)
		}
		prev = tag
		if off%4 != 0 {
			t.Errorf("table %q at offset %d is not 4-byte aligned", tag, off)
		}
		data := ttf[off : off+length]
		want := data
		if tag == "head" {
			want = slices.Clone(data)
			binary.BigEndian.PutUint32(want[8:], 0)
		}
		if got := checksum(want); got != sum {
			t.Errorf("table %q checksum %08x, directory says %08x", tag, got, sum)
		}
		tables[tag] = data
	}
	if got := checksum(ttf); got != 0xB1B0AFBA {
		t.Errorf("the whole file sums to %08x, want B1B0AFBA (head.checkSumAdjustment)", got)
	}
	return tables
}

func TestSubset(t *testing.T) {
	full := regularFont(t)
	gids := sampleGlyphs(t, full)
	for _, tc := range []struct {
		name       string
		long       bool
		wantFormat uint16
	}{
		{"short loca", false, 0},
		{"long loca", true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub, err := full.subset(gids, tc.long)
			if err != nil {
				t.Fatal(err)
			}
			if len(sub.Program) >= 60_000 || len(sub.Program) > len(assets.SerifRegular)/6 {
				t.Errorf("the subset of %d glyphs is %d bytes (the full font %d); want under 60 KB",
					len(gids), len(sub.Program), len(assets.SerifRegular))
			}
			tables := sfntTables(t, sub.Program)
			for _, tag := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "cvt ", "fpgm", "prep", "gasp", "OS/2", "post"} {
				if _, ok := tables[tag]; !ok {
					t.Errorf("the subset lacks the %q table", tag)
				}
			}
			for _, tag := range []string{"cmap", "name", "kern", "GSUB", "GPOS", "GDEF", "FFTM"} {
				if _, ok := tables[tag]; ok {
					t.Errorf("the subset keeps the %q table, which a CIDFontType2 does not use", tag)
				}
			}
			if got := binary.BigEndian.Uint16(tables["head"][50:]); got != tc.wantFormat {
				t.Errorf("head.indexToLocFormat = %d, want %d", got, tc.wantFormat)
			}
			if got := binary.BigEndian.Uint32(tables["post"]); got != 0x00030000 {
				t.Errorf("post version %08x, want 00030000", got)
			}
			for _, tag := range []string{"hhea", "maxp", "hmtx", "cvt ", "fpgm", "prep"} {
				if !bytes.Equal(tables[tag], full.tables[tag]) {
					t.Errorf("the %q table changed in the subset", tag)
				}
			}

			s, err := ParseFont(sub.Program)
			if err != nil {
				t.Fatalf("the subset does not parse: %v", err)
			}
			if s.NumGlyphs() != full.NumGlyphs() {
				t.Fatalf("the subset has %d glyphs, want %d (ids kept)", s.NumGlyphs(), full.NumGlyphs())
			}
			kept := map[uint16]bool{}
			for _, g := range sub.Glyphs {
				kept[g] = true
			}
			for _, g := range append(gids, 0) {
				if !kept[g] {
					t.Errorf("glyph %d was asked for but not kept", g)
				}
			}
			for gid := range full.NumGlyphs() {
				g := uint16(gid)
				got, want := s.glyphData(g), full.glyphData(g)
				if !kept[g] {
					if len(got) != 0 {
						t.Errorf("unused glyph %d has %d bytes, want none", g, len(got))
					}
					continue
				}
				if len(got) < len(want) || !bytes.Equal(got[:len(want)], want) || strings.Trim(string(got[len(want):]), "\x00") != "" {
					t.Errorf("glyph %d: the subset holds %d bytes that are not the original %d bytes plus padding", g, len(got), len(want))
				}
				comps, err := full.components(g)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range comps {
					if !kept[c.gid] {
						t.Errorf("composite glyph %d uses glyph %d, which the subset dropped", g, c.gid)
					}
				}
			}
		})
	}
}

func TestSubsetKeepsCompositeParts(t *testing.T) {
	f := regularFont(t)
	gids, err := f.Glyphs("Ấ")
	if err != nil {
		t.Fatal(err)
	}
	comps, err := f.components(gids[0])
	if err != nil || len(comps) < 2 {
		t.Fatalf("Ấ should be a composite glyph, got components %v, %v", comps, err)
	}
	sub, err := f.Subset(gids)
	if err != nil {
		t.Fatal(err)
	}
	want := []uint16{0, gids[0]}
	for _, c := range comps {
		want = append(want, c.gid)
	}
	slices.Sort(want)
	want = slices.Compact(want)
	if !slices.Equal(sub.Glyphs, want) {
		t.Errorf("Subset(Ấ).Glyphs = %v, want .notdef, Ấ and its parts %v", sub.Glyphs, want)
	}
}

func TestSubsetName(t *testing.T) {
	f := regularFont(t)
	name := func(text string) string {
		gids, err := f.Glyphs(text)
		if err != nil {
			t.Fatal(err)
		}
		sub, err := f.Subset(gids)
		if err != nil {
			t.Fatal(err)
		}
		return sub.Name
	}
	a, again, b := name("Nguyễn Văn Ấn"), name("Ấn Văn Nguyễn"), name("Số: 1234/UBND-VP")
	if !regexp.MustCompile(`^[A-Z]{6}\+LiberationSerif$`).MatchString(a) {
		t.Errorf("subset name %q, want six capital letters, +, LiberationSerif", a)
	}
	if a != again {
		t.Errorf("the same glyph set got names %q and %q, want one", a, again)
	}
	if a == b {
		t.Errorf("different glyph sets share the name %q", a)
	}
}

func TestSubsetRefusesBadRequests(t *testing.T) {
	f := regularFont(t)
	if _, err := f.Subset([]uint16{uint16(f.NumGlyphs())}); !errors.Is(err, ErrFont) || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("Subset(glyph past the end) error = %v, want one saying it does not exist", err)
	}
	for _, tc := range []struct {
		fsType uint16
		want   string
	}{
		{0x0002, "forbids embedding"},
		{0x0100, "forbids subsetting"},
		{0x0200, "only bitmap"},
	} {
		b := slices.Clone(assets.SerifRegular)
		binary.BigEndian.PutUint16(b[tableAt(t, b, "OS/2")+8:], tc.fsType)
		r, err := ParseFont(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Subset([]uint16{3}); !errors.Is(err, ErrFont) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("fsType %#04x: Subset error = %v, want one containing %q", tc.fsType, err, tc.want)
		}
	}
}
