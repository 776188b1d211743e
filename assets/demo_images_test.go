package assets_test

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/vanthu/vanthu/assets"
	"github.com/vanthu/vanthu/signing/appearance"
)

var update = flag.Bool("update", false, "rewrite the demo images and the icon in images/")

// Colours of the demo images.
var (
	signatureBlue = color.NRGBA{R: 0, G: 40, B: 160}
	sealRed       = color.NRGBA{R: 220, G: 20, B: 20}
)

const sealAgency = "ỦY BAN NHÂN DÂN TỈNH HÀ NAM"

// paint makes an image of one colour whose alpha is the coverage.
func paint(c *coverage, col color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, c.w, c.h))
	for i, v := range c.a {
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2] = col.R, col.G, col.B
		img.Pix[4*i+3] = uint8(math.Round(255 * v))
	}
	return img
}

// catmullRom samples a smooth curve through the points, about every half pixel.
func catmullRom(ps []pt) []pt {
	var out []pt
	at := func(i int) pt { return ps[max(0, min(len(ps)-1, i))] }
	for i := 0; i+1 < len(ps); i++ {
		p0, p1, p2, p3 := at(i-1), at(i), at(i+1), at(i+2)
		n := max(2, int(math.Hypot(p2.x-p1.x, p2.y-p1.y)*2))
		for s := range n {
			t := float64(s) / float64(n)
			t2, t3 := t*t, t*t*t
			f := func(a, b, c, d float64) float64 {
				return 0.5 * (2*b + (-a+c)*t + (2*a-5*b+4*c-d)*t2 + (-a+3*b-3*c+d)*t3)
			}
			out = append(out, pt{f(p0.x, p1.x, p2.x, p3.x), f(p0.y, p1.y, p2.y, p3.y)})
		}
	}
	return append(out, ps[len(ps)-1])
}

// pen strokes a curve with a round nib whose width follows the pen's speed
// (slower is thicker) and tapers at both ends, as ink from a pen would.
func pen(w, h int, curve []pt, width float64) *coverage {
	var dabs [][]pt
	n := len(curve)
	for i, p := range curve {
		taper := math.Min(1, math.Min(float64(i), float64(n-1-i))/40)
		speed := 0.0
		if i > 0 {
			speed = math.Hypot(p.x-curve[i-1].x, p.y-curve[i-1].y)
		}
		r := width / 2 * (0.35 + 0.65*taper) * (1.15 - 0.5*math.Min(speed, 0.6))
		dabs = append(dabs, circle(p, r, true))
	}
	return fill(w, h, dabs)
}

// makeSignature draws the demo leader's signature: a looping cursive
// name and an underline flourish, in blue on a transparent background.
func makeSignature() *image.NRGBA {
	const w, h = 600, 240
	name := []pt{
		{48, 178}, {62, 120}, {84, 52}, {104, 34}, {116, 56}, {104, 128}, {92, 186},
		{104, 150}, {132, 92}, {160, 70}, {172, 88}, {160, 140}, {156, 172},
		{176, 136}, {202, 112}, {222, 120}, {220, 150}, {200, 166}, {188, 148},
		{214, 124}, {246, 116}, {262, 136}, {252, 166}, {270, 140}, {296, 112},
		{314, 118}, {312, 150}, {302, 170}, {330, 130}, {356, 104}, {380, 100},
		{390, 122}, {374, 160}, {398, 130}, {430, 98}, {462, 72}, {488, 60},
		{500, 74}, {486, 110}, {470, 150}, {490, 128}, {520, 102}, {548, 92},
	}
	flourish := []pt{{70, 206}, {150, 196}, {260, 188}, {380, 182}, {480, 170}, {552, 150}, {572, 132}}
	accent := []pt{{338, 58}, {352, 46}, {366, 40}}
	c := pen(w, h, catmullRom(name), 6)
	c.union(pen(w, h, catmullRom(flourish), 5))
	c.union(pen(w, h, catmullRom(accent), 4.5))
	return paint(c, signatureBlue)
}

// makeSeal draws the demo agency's seal: two concentric rings, the agency's
// name along the ring in Liberation Serif Bold, and a star in the centre.
func makeSeal() (*image.NRGBA, error) {
	const size = 500
	centre := pt{size / 2, size / 2}
	c := fill(size, size, ring(centre, 226, 240))
	c.union(fill(size, size, ring(centre, 164, 170)))
	c.union(fill(size, size, [][]pt{star(centre, 70)}))
	c.union(fill(size, size, [][]pt{star(pt{centre.x, centre.y + 198}, 13)}))

	font, err := appearance.ParseFont(assets.SerifBold)
	if err != nil {
		return nil, err
	}
	gids, err := font.Glyphs(sealAgency)
	if err != nil {
		return nil, err
	}
	const (
		em       = 46.0  // pixels per em
		baseline = 180.0 // radius of the text baseline
		arc      = 290.0 // degrees the text spans, centred on the top
	)
	scale := em / float64(font.UnitsPerEm())
	runes := []rune(sealAgency)
	if len(runes) != len(gids) {
		return nil, fmt.Errorf("the seal text maps to %d glyphs for %d characters", len(gids), len(runes))
	}
	advances := make([]float64, len(gids))
	natural := 0.0
	for i, r := range runes {
		advances[i] = font.Width(string(r), em)
		natural += advances[i]
	}
	// Letter-space the text so that it spans the arc.
	span := arc * math.Pi / 180 * baseline
	extra := (span - natural) / float64(len(gids)-1)
	var polys [][]pt
	pos := -span / 2 // arc length from the top, clockwise
	for i, gid := range gids {
		contours, err := font.Outline(gid)
		if err != nil {
			return nil, err
		}
		for _, poly := range flatten(contours) {
			bent := make([]pt, len(poly))
			for j, p := range poly {
				// Bend the glyph around the circle: x runs along the arc,
				// y outwards from the baseline.
				theta := (pos + p.x*scale) / baseline
				r := baseline + p.y*scale
				bent[j] = pt{centre.x + r*math.Sin(theta), centre.y - r*math.Cos(theta)}
			}
			polys = append(polys, bent)
		}
		pos += advances[i] + extra
	}
	c.union(fill(size, size, polys))
	return paint(c, sealRed), nil
}

func encodePNG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// TestGenerateDemoImages checks that the committed demo images are what the
// generator draws; with -update it rewrites them.
func TestGenerateDemoImages(t *testing.T) {
	seal, err := makeSeal()
	if err != nil {
		t.Fatalf("drawing the seal: %v", err)
	}
	for _, tc := range []struct {
		file string
		img  *image.NRGBA
	}{
		{"demo-signature.png", makeSignature()},
		{"demo-seal.png", seal},
		{"icon.png", makeIcon()},
	} {
		path := filepath.Join("images", tc.file)
		if *update {
			data, err := encodePNG(tc.img)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		committed, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := png.Decode(bytes.NewReader(committed))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if d := diffImages(got, tc.img); d != "" {
			t.Errorf("%s differs from what the generator draws (%s); run go test ./assets -run TestGenerateDemoImages -update", path, d)
		}
	}
}

// diffImages compares two images, allowing ±2 per channel for floating
// point differences between platforms.
func diffImages(got image.Image, want *image.NRGBA) string {
	if got.Bounds() != want.Bounds() {
		return fmt.Sprintf("size %v, want %v", got.Bounds().Size(), want.Bounds().Size())
	}
	bad := 0
	var first string
	for y := range want.Rect.Dy() {
		for x := range want.Rect.Dx() {
			g := color.NRGBAModel.Convert(got.At(x, y)).(color.NRGBA)
			w := want.NRGBAAt(x, y)
			if g.A == 0 && w.A == 0 {
				continue
			}
			if absDiff(g.R, w.R) > 2 || absDiff(g.G, w.G) > 2 || absDiff(g.B, w.B) > 2 || absDiff(g.A, w.A) > 2 {
				if bad == 0 {
					first = fmt.Sprintf("pixel %d,%d is %v, want %v", x, y, g, w)
				}
				bad++
			}
		}
	}
	if bad > 0 {
		return fmt.Sprintf("%d pixels differ; %s", bad, first)
	}
	return ""
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}
