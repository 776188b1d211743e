package assets_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"testing"

	"github.com/vanthu/vanthu/assets"
	"github.com/vanthu/vanthu/signing/appearance"
)

func TestFSHoldsEveryAsset(t *testing.T) {
	for _, tc := range []struct {
		path string
		want []byte
	}{
		{"fonts/LiberationSerif-Regular.ttf", assets.SerifRegular},
		{"fonts/LiberationSerif-Bold.ttf", assets.SerifBold},
		{"fonts/OFL.txt", assets.FontLicence},
		{"images/demo-signature.png", assets.DemoSignature},
		{"images/demo-seal.png", assets.DemoSeal},
	} {
		got, err := fs.ReadFile(assets.FS(), tc.path)
		if err != nil {
			t.Errorf("FS has no %s: %v", tc.path, err)
			continue
		}
		if len(tc.want) == 0 || !bytes.Equal(got, tc.want) {
			t.Errorf("%s: FS holds %d bytes, the variable %d bytes; want the same non-empty file", tc.path, len(got), len(tc.want))
		}
	}
}

func TestFontsCoverVietnamese(t *testing.T) {
	for _, tc := range []struct {
		name string
		ttf  []byte
		ps   string
	}{
		{"regular", assets.SerifRegular, "LiberationSerif"},
		{"bold", assets.SerifBold, "LiberationSerif-Bold"},
	} {
		f, err := appearance.ParseFont(tc.ttf)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := f.PostScriptName(); got != tc.ps {
			t.Errorf("%s: PostScript name %q, want %q", tc.name, got, tc.ps)
		}
		var all []rune
		for r := rune(0x1EA0); r <= 0x1EF9; r++ {
			all = append(all, r)
		}
		all = append(all, []rune("ĂăÂâĐđÊêÔôƠơƯưĨĩŨũ\u0300\u0301\u0303\u0309\u0323")...)
		if _, err := f.Glyphs(string(all)); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// TestDemoImages checks what the signing code relies on: sizes, a transparent
// background, and the ink colours.
func TestDemoImages(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		w, h int
		ink  color.NRGBA
	}{
		{"signature", assets.DemoSignature, 600, 240, signatureBlue},
		{"seal", assets.DemoSeal, 500, 500, sealRed},
	} {
		img, err := png.Decode(bytes.NewReader(tc.data))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := img.Bounds().Size(); got != (image.Point{X: tc.w, Y: tc.h}) {
			t.Errorf("%s: size %v, want %dx%d", tc.name, got, tc.w, tc.h)
		}
		inked, transparent := 0, 0
		for y := range tc.h {
			for x := range tc.w {
				c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
				switch {
				case c.A == 0:
					transparent++
				case c.R != tc.ink.R || c.G != tc.ink.G || c.B != tc.ink.B:
					t.Fatalf("%s: pixel %d,%d is %v, want the ink colour %v", tc.name, x, y, c, tc.ink)
				case c.A == 0xFF:
					inked++
				}
			}
		}
		if corner := color.NRGBAModel.Convert(img.At(0, 0)).(color.NRGBA); corner.A != 0 {
			t.Errorf("%s: the corner is not transparent: %v", tc.name, corner)
		}
		total := tc.w * tc.h
		if inked < total/50 || transparent < total/2 {
			t.Errorf("%s: %d solid and %d transparent pixels of %d; want a drawing on a transparent background", tc.name, inked, transparent, total)
		}
	}
}
