package appearance

import (
	"encoding/binary"
)

// maxComponentDepth bounds the nesting of composite glyphs; real fonts use
// one or two levels.
const maxComponentDepth = 8

// Composite glyph flags (TrueType 'glyf').
const (
	compArgsAreWords   = 0x0001
	compArgsAreXY      = 0x0002
	compHaveScale      = 0x0008
	compMoreComps      = 0x0020
	compHaveXYScale    = 0x0040
	compHaveTwoByTwo   = 0x0080
	compScaledOffset   = 0x0800
	compUnscaledOffset = 0x1000
)

// glyphData returns the glyf bytes of gid (empty for glyphs without outline).
func (f *Font) glyphData(gid uint16) []byte {
	if int(gid) >= f.numGlyphs {
		return nil
	}
	return f.glyf[f.loca[gid]:f.loca[int(gid)+1]]
}

// glyphBounds returns the bounding box (xMin yMin xMax yMax) recorded in the
// glyph header, in font units; ok is false for empty glyphs.
func (f *Font) glyphBounds(gid uint16) (b [4]int16, ok bool) {
	d := f.glyphData(gid)
	if len(d) < 10 {
		return b, false
	}
	for i := range 4 {
		b[i] = int16(binary.BigEndian.Uint16(d[2+2*i:]))
	}
	return b, true
}

// component is one part of a composite glyph.
type component struct {
	gid        uint16
	dx, dy     float64
	xx, xy     float64 // transform: x' = xx*x + yx*y + dx
	yx, yy     float64 //            y' = xy*x + yy*y + dy
	xyOffsets  bool    // false: the arguments are point numbers to match
	scaledOffs bool
}

// components parses the component records of a composite glyph; it returns
// nil for simple and empty glyphs.
func (f *Font) components(gid uint16) ([]component, error) {
	d := f.glyphData(gid)
	if len(d) < 10 || int16(binary.BigEndian.Uint16(d)) >= 0 {
		return nil, nil
	}
	var comps []component
	p := 10
	for {
		if p+4 > len(d) {
			return nil, fontErr("composite glyph %d is truncated", gid)
		}
		flags := binary.BigEndian.Uint16(d[p:])
		c := component{
			gid: binary.BigEndian.Uint16(d[p+2:]),
			xx:  1, yy: 1,
			xyOffsets:  flags&compArgsAreXY != 0,
			scaledOffs: flags&compScaledOffset != 0 && flags&compUnscaledOffset == 0,
		}
		if int(c.gid) >= f.numGlyphs {
			return nil, fontErr("composite glyph %d refers to glyph %d, which does not exist", gid, c.gid)
		}
		p += 4
		if flags&compArgsAreWords != 0 {
			if p+4 > len(d) {
				return nil, fontErr("composite glyph %d is truncated", gid)
			}
			c.dx = float64(int16(binary.BigEndian.Uint16(d[p:])))
			c.dy = float64(int16(binary.BigEndian.Uint16(d[p+2:])))
			p += 4
		} else {
			if p+2 > len(d) {
				return nil, fontErr("composite glyph %d is truncated", gid)
			}
			c.dx, c.dy = float64(int8(d[p])), float64(int8(d[p+1]))
			p += 2
		}
		f2 := func(n int) ([]float64, bool) {
			if p+2*n > len(d) {
				return nil, false
			}
			v := make([]float64, n)
			for i := range v {
				v[i] = float64(int16(binary.BigEndian.Uint16(d[p+2*i:]))) / 16384
			}
			p += 2 * n
			return v, true
		}
		var ok = true
		var v []float64
		switch {
		case flags&compHaveScale != 0:
			if v, ok = f2(1); ok {
				c.xx, c.yy = v[0], v[0]
			}
		case flags&compHaveXYScale != 0:
			if v, ok = f2(2); ok {
				c.xx, c.yy = v[0], v[1]
			}
		case flags&compHaveTwoByTwo != 0:
			if v, ok = f2(4); ok {
				c.xx, c.xy, c.yx, c.yy = v[0], v[1], v[2], v[3]
			}
		}
		if !ok {
			return nil, fontErr("composite glyph %d is truncated", gid)
		}
		comps = append(comps, c)
		if flags&compMoreComps == 0 {
			return comps, nil
		}
	}
}

// closure adds to set the glyphs that the glyphs already in it are built
// from, recursively. Each glyph is expanded once, so the work is bounded by
// the size of the glyf table.
func (f *Font) closure(set map[uint16]bool) error {
	expanded := map[uint16]bool{}
	var visit func(gid uint16, depth int) error
	visit = func(gid uint16, depth int) error {
		if expanded[gid] {
			return nil
		}
		expanded[gid] = true
		if depth > maxComponentDepth {
			return fontErr("composite glyph %d nests deeper than %d levels", gid, maxComponentDepth)
		}
		comps, err := f.components(gid)
		if err != nil {
			return err
		}
		for _, c := range comps {
			set[c.gid] = true
			if err := visit(c.gid, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	roots := make([]uint16, 0, len(set))
	for gid := range set {
		roots = append(roots, gid)
	}
	for _, gid := range roots {
		if err := visit(gid, 0); err != nil {
			return err
		}
	}
	return nil
}

// An OutlinePoint is a point of a glyph contour in font units (y up). Two
// consecutive off-curve points have an implied on-curve point midway.
type OutlinePoint struct {
	X, Y    float64
	OnCurve bool
}

// A Contour is one closed contour of quadratic B-spline points.
type Contour []OutlinePoint

// Outline returns the contours of glyph gid in font units, composite glyphs
// resolved. Outer contours run clockwise and holes counter-clockwise, so the
// nonzero winding rule fills them correctly.
func (f *Font) Outline(gid uint16) ([]Contour, error) {
	if int(gid) >= f.numGlyphs {
		return nil, fontErr("glyph %d does not exist (the font has %d)", gid, f.numGlyphs)
	}
	budget := maxOutlinePoints
	return f.outline(gid, 0, &budget)
}

// maxOutlinePoints bounds the points of one resolved glyph, so that composite
// glyphs that reuse heavy parts many times cannot exhaust memory.
const maxOutlinePoints = 1 << 16

func (f *Font) outline(gid uint16, depth int, budget *int) ([]Contour, error) {
	if depth > maxComponentDepth {
		return nil, fontErr("composite glyph %d nests deeper than %d levels", gid, maxComponentDepth)
	}
	d := f.glyphData(gid)
	if len(d) == 0 {
		return nil, nil
	}
	if len(d) < 10 {
		return nil, fontErr("glyph %d is truncated", gid)
	}
	if int16(binary.BigEndian.Uint16(d)) >= 0 {
		out, err := simpleOutline(gid, d)
		for _, c := range out {
			*budget -= len(c)
		}
		if *budget < 0 {
			return nil, fontErr("glyph %d has more than %d points", gid, maxOutlinePoints)
		}
		return out, err
	}
	comps, err := f.components(gid)
	if err != nil {
		return nil, err
	}
	var out []Contour
	for _, c := range comps {
		sub, err := f.outline(c.gid, depth+1, budget)
		if err != nil {
			return nil, err
		}
		dx, dy := c.dx, c.dy
		if !c.xyOffsets {
			// Point matching is used by no font we ship; place the part unmoved.
			dx, dy = 0, 0
		} else if c.scaledOffs {
			dx, dy = c.xx*dx+c.yx*dy, c.xy*dx+c.yy*dy
		}
		for _, con := range sub {
			t := make(Contour, len(con))
			for i, p := range con {
				t[i] = OutlinePoint{
					X:       c.xx*p.X + c.yx*p.Y + dx,
					Y:       c.xy*p.X + c.yy*p.Y + dy,
					OnCurve: p.OnCurve,
				}
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// Simple glyph point flags.
const (
	ptOnCurve = 0x01
	ptXShort  = 0x02
	ptYShort  = 0x04
	ptRepeat  = 0x08
	ptXSame   = 0x10
	ptYSame   = 0x20
)

func simpleOutline(gid uint16, d []byte) ([]Contour, error) {
	truncated := fontErr("glyph %d is truncated", gid)
	nc := int(binary.BigEndian.Uint16(d))
	p := 10
	if p+2*nc+2 > len(d) {
		return nil, truncated
	}
	ends := make([]int, nc)
	prev := -1
	for i := range ends {
		ends[i] = int(binary.BigEndian.Uint16(d[p+2*i:]))
		if ends[i] <= prev {
			return nil, fontErr("glyph %d has contours out of order", gid)
		}
		prev = ends[i]
	}
	p += 2 * nc
	np := 0
	if nc > 0 {
		np = ends[nc-1] + 1
	}
	p += 2 + int(binary.BigEndian.Uint16(d[p:])) // instructions
	if p > len(d) {
		return nil, truncated
	}
	flags := make([]byte, 0, np)
	for len(flags) < np {
		if p >= len(d) {
			return nil, truncated
		}
		fl := d[p]
		p++
		flags = append(flags, fl)
		if fl&ptRepeat != 0 {
			if p >= len(d) {
				return nil, truncated
			}
			for n := int(d[p]); n > 0 && len(flags) < np; n-- {
				flags = append(flags, fl)
			}
			p++
		}
	}
	coords := func(short, same byte) ([]float64, error) {
		v := make([]float64, np)
		var c int
		for i, fl := range flags {
			switch {
			case fl&short != 0:
				if p >= len(d) {
					return nil, truncated
				}
				if fl&same != 0 {
					c += int(d[p])
				} else {
					c -= int(d[p])
				}
				p++
			case fl&same == 0:
				if p+2 > len(d) {
					return nil, truncated
				}
				c += int(int16(binary.BigEndian.Uint16(d[p:])))
				p += 2
			}
			v[i] = float64(c)
		}
		return v, nil
	}
	xs, err := coords(ptXShort, ptXSame)
	if err != nil {
		return nil, err
	}
	ys, err := coords(ptYShort, ptYSame)
	if err != nil {
		return nil, err
	}
	out := make([]Contour, 0, nc)
	start := 0
	for _, end := range ends {
		c := make(Contour, 0, end-start+1)
		for i := start; i <= end; i++ {
			c = append(c, OutlinePoint{X: xs[i], Y: ys[i], OnCurve: flags[i]&ptOnCurve != 0})
		}
		out = append(out, c)
		start = end + 1
	}
	return out, nil
}
