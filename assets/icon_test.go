package assets_test

import (
	"image"
	"image/color"
	"math"
)

// makeIcon draws the app icon: a white document with a red seal on a deep
// red rounded square, supersampled 4×4 for smooth edges.
func makeIcon() *image.NRGBA {
	const n, ss = 512, 4
	bg := color.NRGBA{R: 168, G: 22, B: 30, A: 255}
	paper := color.NRGBA{R: 255, G: 250, B: 240, A: 255}
	line := color.NRGBA{R: 120, G: 120, B: 130, A: 255}
	seal := color.NRGBA{R: 220, G: 20, B: 20, A: 255}
	inRounded := func(x, y, x0, y0, x1, y1, r float64) bool {
		if x < x0 || x > x1 || y < y0 || y > y1 {
			return false
		}
		cx, cy := math.Max(x0+r, math.Min(x, x1-r)), math.Max(y0+r, math.Min(y, y1-r))
		return math.Hypot(x-cx, y-cy) <= r
	}
	// sample returns the colour at a point, transparent outside the icon.
	sample := func(x, y float64) color.NRGBA {
		if !inRounded(x, y, 16, 16, 496, 496, 96) {
			return color.NRGBA{}
		}
		c := bg
		if inRounded(x, y, 128, 88, 384, 424, 18) {
			c = paper
			for _, ly := range []float64{150, 190, 230, 270} {
				if y >= ly && y <= ly+14 && x >= 164 && x <= 348-float64(int(ly)%80) {
					c = line
				}
			}
		}
		d := math.Hypot(x-330, y-350)
		switch {
		case d <= 82 && d >= 62 || d <= 30:
			c = seal
		case d <= 92:
			c = paper
		}
		return c
	}
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	for py := range n {
		for px := range n {
			var r, g, b, a float64
			for sy := range ss {
				for sx := range ss {
					c := sample(float64(px)+(float64(sx)+0.5)/ss, float64(py)+(float64(sy)+0.5)/ss)
					fa := float64(c.A) / 255
					r, g, b, a = r+float64(c.R)*fa, g+float64(c.G)*fa, b+float64(c.B)*fa, a+fa
				}
			}
			if a == 0 {
				continue
			}
			i := img.PixOffset(px, py)
			img.Pix[i] = uint8(math.Round(r / a))
			img.Pix[i+1] = uint8(math.Round(g / a))
			img.Pix[i+2] = uint8(math.Round(b / a))
			img.Pix[i+3] = uint8(math.Round(255 * a / ss / ss))
		}
	}
	return img
}
