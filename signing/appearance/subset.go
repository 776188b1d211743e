package appearance

import (
	"encoding/binary"
	"hash/fnv"
	"math/bits"
	"slices"
	"sort"
)

// A Subset is a TrueType program cut down to the glyphs a document uses.
// Glyph ids are kept (unused glyphs are empty), so CIDToGIDMap /Identity
// holds and the glyph ids of the content stream address it directly.
type Subset struct {
	// Name is the subset's PostScript name: a tag of six capital letters
	// derived from the glyph set, "+", and the font's PostScript name, as
	// ISO 32000-1 §9.6.4 asks of embedded subsets.
	Name string
	// Program is the TrueType program, for a FontFile2 stream (/Length1 is
	// its length).
	Program []byte
	// Glyphs are the glyph ids kept, in order: .notdef, the requested glyphs
	// and the parts of composite glyphs.
	Glyphs []uint16
}

// Subset builds a TrueType program holding .notdef, the glyphs gids and,
// recursively, the components of composite glyphs among them. Glyph ids are
// not renumbered. It keeps the tables a PDF consumer needs for a CIDFontType2
// (head, hhea, maxp, hmtx, loca, glyf; cvt, fpgm, prep, gasp and OS/2 when
// present; post reduced to version 3) and drops the rest (cmap, name,
// kern, GSUB, GPOS, DSIG…), recomputing the checksums.
func (f *Font) Subset(gids []uint16) (*Subset, error) {
	return f.subset(gids, false)
}

// OS/2 fsType embedding bits.
const (
	fsTypeRestricted = 0x0002
	fsTypeNoSubset   = 0x0100
	fsTypeBitmapOnly = 0x0200
)

func (f *Font) subset(gids []uint16, forceLongLoca bool) (*Subset, error) {
	switch {
	case f.fsType&0x000F == fsTypeRestricted:
		return nil, fontErr("the licence of font %s forbids embedding it (OS/2 fsType %#04x); choose another font", f.psName, f.fsType)
	case f.fsType&fsTypeNoSubset != 0:
		return nil, fontErr("the licence of font %s forbids subsetting it (OS/2 fsType %#04x); choose another font", f.psName, f.fsType)
	case f.fsType&fsTypeBitmapOnly != 0:
		return nil, fontErr("the licence of font %s allows only bitmap embedding (OS/2 fsType %#04x); choose another font", f.psName, f.fsType)
	}
	set := map[uint16]bool{0: true}
	for _, g := range gids {
		if int(g) >= f.numGlyphs {
			return nil, fontErr("glyph %d does not exist in font %s (it has %d)", g, f.psName, f.numGlyphs)
		}
		set[g] = true
	}
	if err := f.closure(set); err != nil {
		return nil, err
	}
	kept := make([]uint16, 0, len(set))
	for g := range set {
		kept = append(kept, g)
	}
	slices.Sort(kept)

	// glyf and loca: kept glyphs copied, each padded to 4 bytes; the others empty.
	var glyf []byte
	offsets := make([]uint32, f.numGlyphs+1)
	for gid := range f.numGlyphs {
		offsets[gid] = uint32(len(glyf))
		if set[uint16(gid)] {
			glyf = append(glyf, f.glyphData(uint16(gid))...)
			for len(glyf)%4 != 0 {
				glyf = append(glyf, 0)
			}
		}
	}
	offsets[f.numGlyphs] = uint32(len(glyf))
	long := forceLongLoca || len(glyf) > 0x1FFFE
	var loca []byte
	if long {
		loca = make([]byte, 4*len(offsets))
		for i, o := range offsets {
			binary.BigEndian.PutUint32(loca[4*i:], o)
		}
	} else {
		loca = make([]byte, 2*len(offsets))
		for i, o := range offsets {
			binary.BigEndian.PutUint16(loca[2*i:], uint16(o/2))
		}
	}

	head := slices.Clone(f.tables["head"])
	binary.BigEndian.PutUint32(head[8:], 0) // checkSumAdjustment, set below
	if long {
		binary.BigEndian.PutUint16(head[50:], 1)
	} else {
		binary.BigEndian.PutUint16(head[50:], 0)
	}
	tables := map[string][]byte{
		"head": head,
		"hhea": f.tables["hhea"],
		"maxp": f.tables["maxp"],
		"hmtx": f.tables["hmtx"],
		"loca": loca,
		"glyf": glyf,
	}
	// The hinting programs (cvt, fpgm, prep) are kept as ISO 32000 §9.9 asks.
	for _, tag := range []string{"cvt ", "fpgm", "prep", "gasp", "OS/2"} {
		if t, ok := f.tables[tag]; ok {
			tables[tag] = t
		}
	}
	if post := f.tables["post"]; len(post) >= 32 {
		p := slices.Clone(post[:32])
		binary.BigEndian.PutUint32(p, 0x00030000) // version 3: no glyph names
		tables["post"] = p
	}
	program := buildSFNT(tables)
	return &Subset{Name: subsetTag(f.psName, kept) + "+" + f.psName, Program: program, Glyphs: kept}, nil
}

// subsetTag derives six capital letters from the font name and glyph set, so
// that different subsets of one font get different names in a document.
func subsetTag(psName string, kept []uint16) string {
	h := fnv.New64a()
	h.Write([]byte(psName))
	var b [2]byte
	for _, g := range kept {
		binary.BigEndian.PutUint16(b[:], g)
		h.Write(b[:])
	}
	v := h.Sum64()
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + byte(v%26)
		v /= 26
	}
	return string(tag)
}

// buildSFNT assembles tables into a TrueType file: directory sorted by tag,
// tables 4-byte aligned, checksums computed, and head.checkSumAdjustment set
// so that the whole file sums to 0xB1B0AFBA.
func buildSFNT(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for tag := range tables {
		tags = append(tags, tag)
	}
	sort.Strings(tags)
	n := len(tags)
	entrySelector := bits.Len(uint(n)) - 1
	searchRange := 16 << entrySelector
	size := 12 + 16*n
	for _, tag := range tags {
		size += (len(tables[tag]) + 3) &^ 3
	}
	out := make([]byte, 12+16*n, size)
	binary.BigEndian.PutUint32(out, 0x00010000)
	binary.BigEndian.PutUint16(out[4:], uint16(n))
	binary.BigEndian.PutUint16(out[6:], uint16(searchRange))
	binary.BigEndian.PutUint16(out[8:], uint16(entrySelector))
	binary.BigEndian.PutUint16(out[10:], uint16(16*n-searchRange))
	headOff := -1
	for i, tag := range tags {
		t := tables[tag]
		rec := out[12+16*i:]
		copy(rec, tag)
		binary.BigEndian.PutUint32(rec[4:], checksum(t))
		binary.BigEndian.PutUint32(rec[8:], uint32(len(out)))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(t)))
		if tag == "head" {
			headOff = len(out)
		}
		out = append(out, t...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	if headOff >= 0 && headOff+12 <= len(out) {
		binary.BigEndian.PutUint32(out[headOff+8:], 0xB1B0AFBA-checksum(out))
	}
	return out
}

// checksum is the TrueType table checksum: the sum of big-endian uint32
// words, the last one zero-padded.
func checksum(b []byte) uint32 {
	var sum uint32
	for len(b) >= 4 {
		sum += binary.BigEndian.Uint32(b)
		b = b[4:]
	}
	if len(b) > 0 {
		var w [4]byte
		copy(w[:], b)
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
