package appearance

import (
	"encoding/binary"
	"sort"
)

// cmapTable maps Unicode code points to glyph ids through one cmap subtable,
// format 4 (BMP) or format 12 (full Unicode). Lookups read the subtable in
// place, bounds-checked.
type cmapTable struct {
	numGlyphs int

	// format 4
	segs      []cmap4Segment
	glyphData []byte // the subtable, for idRangeOffset indirection

	// format 12
	groups []cmap12Group
}

type cmap4Segment struct {
	start, end, delta uint16
	rangeOffset       uint16
	rangeOffsetPos    int // position of this segment's idRangeOffset in glyphData
}

type cmap12Group struct {
	start, end, glyph uint32
}

// maxCmapGroups bounds format 12; a full Unicode font needs a few thousand.
const maxCmapGroups = 1 << 17

func (f *Font) readCmap() error {
	f.cmap.numGlyphs = f.numGlyphs
	t, ok := f.tables["cmap"]
	if !ok {
		// Embedded subsets have none; every character is then missing.
		return nil
	}
	if len(t) < 4 {
		return fontErr("the cmap table is truncated")
	}
	n := int(binary.BigEndian.Uint16(t[2:]))
	if len(t) < 4+8*n {
		return fontErr("the cmap table is truncated")
	}
	// Rank the Unicode subtables: full-repertoire format 12 first, then BMP
	// format 4.
	bestRank, bestOff := 0, 0
	for i := range n {
		rec := t[4+8*i:]
		platform, encoding := binary.BigEndian.Uint16(rec), binary.BigEndian.Uint16(rec[2:])
		off := int(binary.BigEndian.Uint32(rec[4:]))
		if off < 0 || off+2 > len(t) {
			continue
		}
		unicode := platform == 0 || (platform == 3 && (encoding == 1 || encoding == 10))
		if !unicode {
			continue
		}
		rank := 0
		switch binary.BigEndian.Uint16(t[off:]) {
		case 12:
			rank = 4
		case 4:
			rank = 2
			if platform == 3 {
				rank = 3
			}
		}
		if rank > bestRank {
			bestRank, bestOff = rank, off
		}
	}
	if bestRank == 0 {
		return fontErr("the font has no Unicode character map (cmap format 4 or 12)")
	}
	sub := t[bestOff:]
	if binary.BigEndian.Uint16(sub) == 12 {
		return f.cmap.parse12(sub)
	}
	return f.cmap.parse4(sub)
}

func (c *cmapTable) parse4(sub []byte) error {
	if len(sub) < 14 {
		return fontErr("the cmap format 4 subtable is truncated")
	}
	// The declared length is often wrong in large fonts; the table end bounds it.
	segX2 := int(binary.BigEndian.Uint16(sub[6:]))
	if segX2%2 != 0 {
		return fontErr("the cmap format 4 subtable has an odd segment count")
	}
	seg := segX2 / 2
	endPos, startPos := 14, 16+segX2
	deltaPos, rangePos := 16+2*segX2, 16+3*segX2
	if len(sub) < 16+4*segX2 {
		return fontErr("the cmap format 4 subtable is truncated")
	}
	c.glyphData = sub
	c.segs = make([]cmap4Segment, seg)
	prevEnd := -1
	for i := range seg {
		s := cmap4Segment{
			end:            binary.BigEndian.Uint16(sub[endPos+2*i:]),
			start:          binary.BigEndian.Uint16(sub[startPos+2*i:]),
			delta:          binary.BigEndian.Uint16(sub[deltaPos+2*i:]),
			rangeOffset:    binary.BigEndian.Uint16(sub[rangePos+2*i:]),
			rangeOffsetPos: rangePos + 2*i,
		}
		if int(s.end) <= prevEnd || s.start > s.end {
			return fontErr("the cmap format 4 segments are out of order")
		}
		prevEnd = int(s.end)
		c.segs[i] = s
	}
	return nil
}

func (c *cmapTable) parse12(sub []byte) error {
	if len(sub) < 16 {
		return fontErr("the cmap format 12 subtable is truncated")
	}
	n := binary.BigEndian.Uint32(sub[12:])
	if n > maxCmapGroups || uint64(len(sub)) < 16+12*uint64(n) {
		return fontErr("the cmap format 12 subtable is truncated")
	}
	c.groups = make([]cmap12Group, n)
	var prevEnd int64 = -1
	for i := range c.groups {
		g := sub[16+12*i:]
		gr := cmap12Group{
			start: binary.BigEndian.Uint32(g),
			end:   binary.BigEndian.Uint32(g[4:]),
			glyph: binary.BigEndian.Uint32(g[8:]),
		}
		if int64(gr.start) <= prevEnd || gr.start > gr.end {
			return fontErr("the cmap format 12 groups are out of order")
		}
		prevEnd = int64(gr.end)
		c.groups[i] = gr
	}
	return nil
}

// lookup returns the glyph id of r, or 0 (.notdef) when the font has none.
func (c *cmapTable) lookup(r rune) uint16 {
	if r < 0 || r > 0x10FFFF {
		return 0
	}
	var gid uint32
	if c.groups != nil {
		u := uint32(r)
		i := sort.Search(len(c.groups), func(i int) bool { return c.groups[i].end >= u })
		if i == len(c.groups) || c.groups[i].start > u {
			return 0
		}
		gid = c.groups[i].glyph + (u - c.groups[i].start)
	} else {
		if r > 0xFFFF {
			return 0
		}
		u := uint16(r)
		i := sort.Search(len(c.segs), func(i int) bool { return c.segs[i].end >= u })
		if i == len(c.segs) || c.segs[i].start > u {
			return 0
		}
		s := c.segs[i]
		if s.rangeOffset == 0 {
			gid = uint32(u + s.delta) // modulo 65536
		} else {
			pos := s.rangeOffsetPos + int(s.rangeOffset) + 2*int(u-s.start)
			if pos+2 > len(c.glyphData) {
				return 0
			}
			g := binary.BigEndian.Uint16(c.glyphData[pos:])
			if g == 0 {
				return 0
			}
			gid = uint32(g + s.delta)
		}
	}
	if gid >= uint32(c.numGlyphs) {
		return 0
	}
	return uint16(gid)
}
