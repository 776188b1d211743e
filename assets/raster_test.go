package assets_test

// A small anti-aliased scanline rasteriser for the demo images: polygons are
// filled with the nonzero winding rule, sampled on 16 sub-scanlines per pixel
// row with exact horizontal coverage.

import (
	"math"
	"slices"

	"github.com/vanthu/vanthu/signing/appearance"
)

type pt struct{ x, y float64 }

const subScanlines = 16

// coverage is an alpha mask of w × h pixels, 0 to 1.
type coverage struct {
	w, h int
	a    []float64
}

func newCoverage(w, h int) *coverage { return &coverage{w: w, h: h, a: make([]float64, w*h)} }

// union adds o into c (the larger coverage wins).
func (c *coverage) union(o *coverage) {
	for i, v := range o.a {
		c.a[i] = max(c.a[i], v)
	}
}

type crossing struct {
	x   float64
	dir int
}

// fill rasterises closed polygons with the nonzero rule.
func fill(w, h int, polys [][]pt) *coverage {
	c := newCoverage(w, h)
	rows := make([][]crossing, h*subScanlines)
	for _, poly := range polys {
		for i := range poly {
			a, b := poly[i], poly[(i+1)%len(poly)]
			dir := 1
			if a.y > b.y {
				a, b, dir = b, a, -1
			}
			// sub-scanline k samples y = (k+0.5)/subScanlines
			k0 := max(0, int(math.Ceil(a.y*subScanlines-0.5)))
			k1 := min(len(rows)-1, int(math.Ceil(b.y*subScanlines-0.5))-1)
			for k := k0; k <= k1; k++ {
				y := (float64(k) + 0.5) / subScanlines
				x := a.x + (y-a.y)*(b.x-a.x)/(b.y-a.y)
				rows[k] = append(rows[k], crossing{x: x, dir: dir})
			}
		}
	}
	for k, xs := range rows {
		if len(xs) == 0 {
			continue
		}
		slices.SortFunc(xs, func(p, q crossing) int {
			switch {
			case p.x < q.x:
				return -1
			case p.x > q.x:
				return 1
			}
			return 0
		})
		row := c.a[(k/subScanlines)*w : (k/subScanlines+1)*w]
		wind := 0
		for i, cr := range xs {
			wind += cr.dir
			if wind != 0 && i+1 < len(xs) {
				addSpan(row, cr.x, xs[i+1].x)
			}
		}
	}
	for i, v := range c.a {
		c.a[i] = min(v, 1)
	}
	return c
}

// addSpan adds 1/subScanlines of coverage to row between x0 and x1.
func addSpan(row []float64, x0, x1 float64) {
	x0, x1 = max(x0, 0), min(x1, float64(len(row)))
	if x1 <= x0 {
		return
	}
	const unit = 1.0 / subScanlines
	p0, p1 := int(x0), int(x1)
	if p0 == p1 {
		row[p0] += (x1 - x0) * unit
		return
	}
	row[p0] += (float64(p0+1) - x0) * unit
	for p := p0 + 1; p < p1 && p < len(row); p++ {
		row[p] += unit
	}
	if p1 < len(row) {
		row[p1] += (x1 - float64(p1)) * unit
	}
}

// circle is a polygon approximating a circle, clockwise (on screen) when cw.
func circle(c pt, r float64, cw bool) []pt {
	n := max(16, int(2*math.Pi*r/1.5))
	poly := make([]pt, n)
	for i := range poly {
		a := 2 * math.Pi * float64(i) / float64(n)
		if !cw {
			a = -a
		}
		poly[i] = pt{c.x + r*math.Cos(a), c.y + r*math.Sin(a)}
	}
	return poly
}

// ring is the band between radii r0 < r1.
func ring(c pt, r0, r1 float64) [][]pt {
	return [][]pt{circle(c, r1, true), circle(c, r0, false)}
}

// star is a five-pointed star pointing up.
func star(c pt, r float64) []pt {
	inner := r * math.Sin(math.Pi/10) / math.Sin(7*math.Pi/10)
	poly := make([]pt, 10)
	for i := range poly {
		rr := r
		if i%2 == 1 {
			rr = inner
		}
		a := -math.Pi/2 + float64(i)*math.Pi/5
		poly[i] = pt{c.x + rr*math.Cos(a), c.y + rr*math.Sin(a)}
	}
	return poly
}

// flatten turns glyph contours (quadratic B-splines) into polygons in font
// units.
func flatten(contours []appearance.Contour) [][]pt {
	var out [][]pt
	for _, con := range contours {
		n := len(con)
		if n < 2 {
			continue
		}
		// Start from an on-curve point, or the midpoint of two off-curve ones.
		at := func(i int) appearance.OutlinePoint { return con[(i%n+n)%n] }
		start := -1
		for i, p := range con {
			if p.OnCurve {
				start = i
				break
			}
		}
		var cur pt
		if start >= 0 {
			cur = pt{at(start).X, at(start).Y}
		} else {
			// The walk below visits points 1…n-1, 0 and closes on this midpoint.
			start = 0
			cur = pt{(con[0].X + con[1].X) / 2, (con[0].Y + con[1].Y) / 2}
		}
		poly := []pt{cur}
		var ctrl *pt
		for k := 1; k <= n; k++ {
			p := at(start + k)
			q := pt{p.X, p.Y}
			if p.OnCurve {
				if ctrl == nil {
					poly = append(poly, q)
				} else {
					poly = appendQuad(poly, cur, *ctrl, q)
					ctrl = nil
				}
				cur = q
				continue
			}
			if ctrl != nil {
				mid := pt{(ctrl.x + q.x) / 2, (ctrl.y + q.y) / 2}
				poly = appendQuad(poly, cur, *ctrl, mid)
				cur = mid
			}
			c := q
			ctrl = &c
		}
		if ctrl != nil {
			poly = appendQuad(poly, cur, *ctrl, poly[0])
		}
		out = append(out, poly)
	}
	return out
}

func appendQuad(poly []pt, a, c, b pt) []pt {
	const steps = 8
	for i := 1; i <= steps; i++ {
		t := float64(i) / steps
		u := 1 - t
		poly = append(poly, pt{u*u*a.x + 2*u*t*c.x + t*t*b.x, u*u*a.y + 2*u*t*c.y + t*t*b.y})
	}
	return poly
}
