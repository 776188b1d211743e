package pdfrender

import (
	"image"
	"math"
	"os/exec"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/internal/pdfwasmtest"
	"github.com/vanthu/vanthu/signing/demodoc"
)

func abs(n int) int { return max(n, -n) }

// near reports whether a and b differ by at most tol.
func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// TestSignatureAppearanceIsDrawn draws the signature page of a document
// before and after the leader signs it: the space kept for the signature is
// blank before, and shows the blue signature image (the widget's
// appearance) after.
func TestSignatureAppearanceIsDrawn(t *testing.T) {
	r := shared(t)
	doc := pdfwasmtest.Example(t, demodoc.CongVan, 2, 1)
	s := signDoc(t, doc)
	if s.result.Page != doc.SignaturePage {
		t.Fatalf("signature on page %d, want %d", s.result.Page, doc.SignaturePage)
	}
	const scale = 2.0
	for _, tc := range []struct {
		name     string
		pdf      []byte
		wantBlue bool
	}{
		{"unsigned", doc.PDF, false},
		{"signed", s.pdf, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := open(t, r, tc.pdf)
			if got, want := d.PageCount(), doc.Pages; got != want {
				t.Fatalf("PageCount = %d, want %d", got, want)
			}
			i := doc.SignaturePage - 1
			p, err := d.Page(t.Context(), i)
			if err != nil {
				t.Fatal(err)
			}
			img, err := d.Render(t.Context(), i, scale)
			if err != nil {
				t.Fatal(err)
			}
			box := pixelRect(p, img, s.result.Rect, 2)
			if box.Empty() {
				t.Fatalf("signature rectangle %v maps to no pixels", s.result.Rect)
			}
			nonWhite, blue := counts(img, box)
			area := box.Dx() * box.Dy()
			t.Logf("%s: %d of %d pixels not white, %d blue in %v", tc.name, nonWhite, area, blue, box)
			if tc.wantBlue {
				if blue < area/50 {
					t.Errorf("%d blue pixels of %d in the signature's rectangle, want at least 2%%", blue, area)
				}
			} else if nonWhite > area/100 {
				t.Errorf("%d pixels not white of %d in the empty signature space, want at most 1%%", nonWhite, area)
			}
		})
	}
}

// TestPageGeometry checks page sizes, rotation and the mapping to user
// space on pages drawn by hand: a black box at a known user-space place
// must come out where Page.FromPDF says, and Page.ToPDF must invert it.
func TestPageGeometry(t *testing.T) {
	r := shared(t)
	// A black box at user space [20 30 120 80] on each page.
	const box = "0 g 20 30 100 50 re f"
	pdf := pagesPDF(
		testPage{content: box},
		testPage{extra: "/Rotate 90", content: box},
		testPage{extra: "/Rotate 180", content: box},
		testPage{extra: "/Rotate 270", content: box},
		testPage{mediaBox: "-50 100 250 500", extra: "/CropBox [0 150 200 450]", content: "0 g 20 180 100 50 re f"},
	)
	d := open(t, r, pdf)
	if got := d.PageCount(); got != 5 {
		t.Fatalf("PageCount = %d, want 5", got)
	}
	tests := []struct {
		w, h   float64
		rot    int
		user   [4]float64 // the black box
		origin [2]float64 // the user-space point shown at the top left
	}{
		{595, 842, 0, [4]float64{20, 30, 120, 80}, [2]float64{0, 842}},
		{842, 595, 90, [4]float64{20, 30, 120, 80}, [2]float64{0, 0}},
		{595, 842, 180, [4]float64{20, 30, 120, 80}, [2]float64{595, 0}},
		{842, 595, 270, [4]float64{20, 30, 120, 80}, [2]float64{595, 842}},
		{200, 300, 0, [4]float64{20, 180, 120, 230}, [2]float64{0, 450}},
	}
	for i, tc := range tests {
		p, err := d.Page(t.Context(), i)
		if err != nil {
			t.Fatal(err)
		}
		if !near(p.Width, tc.w, 0.01) || !near(p.Height, tc.h, 0.01) || p.Rotation != tc.rot {
			t.Errorf("page %d: %gx%g rotated %d, want %gx%g rotated %d", i+1, p.Width, p.Height, p.Rotation, tc.w, tc.h, tc.rot)
		}
		if ux, uy := p.ToPDF(0, 0); !near(ux, tc.origin[0], 0.01) || !near(uy, tc.origin[1], 0.01) {
			t.Errorf("page %d: ToPDF(0, 0) = %g, %g, want %g, %g", i+1, ux, uy, tc.origin[0], tc.origin[1])
		}
		for _, pt := range [][2]float64{{0, 0}, {10, 20}, {p.Width, p.Height}, {p.Width / 3, p.Height / 2}} {
			ux, uy := p.ToPDF(pt[0], pt[1])
			if x, y := p.FromPDF(ux, uy); !near(x, pt[0], 1e-6) || !near(y, pt[1], 1e-6) {
				t.Errorf("page %d: FromPDF(ToPDF(%v)) = %g, %g", i+1, pt, x, y)
			}
		}
		const scale = 1.5
		img, err := d.Render(t.Context(), i, scale)
		if err != nil {
			t.Fatal(err)
		}
		if w, h := p.PixelSize(scale); img.Rect != image.Rect(0, 0, w, h) {
			t.Errorf("page %d: image %v, want %dx%d", i+1, img.Rect, w, h)
		}
		in := pixelRect(p, img, tc.user, 3)
		if nonWhite, _ := counts(img, in); nonWhite != in.Dx()*in.Dy() {
			t.Errorf("page %d: %d of %d pixels of the box %v black", i+1, nonWhite, in.Dx()*in.Dy(), in)
		}
		nonWhite, _ := counts(img, img.Rect)
		out := pixelRect(p, img, tc.user, -3)
		if nonWhite > out.Dx()*out.Dy() {
			t.Errorf("page %d: %d pixels not white, more than the box's %d", i+1, nonWhite, out.Dx()*out.Dy())
		}
		// A click in the middle of the box lands in it.
		c := in.Min.Add(in.Max).Div(2)
		ux, uy := p.PixelToPDF(float64(c.X), float64(c.Y), img.Rect)
		if ux < tc.user[0] || ux > tc.user[2] || uy < tc.user[1] || uy > tc.user[3] {
			t.Errorf("page %d: pixel %v maps to %g, %g, outside the box %v", i+1, c, ux, uy, tc.user)
		}
	}
}

// TestBlankPageIsWhite draws an empty page: every pixel is opaque white.
func TestBlankPageIsWhite(t *testing.T) {
	d := open(t, shared(t), pagesPDF(testPage{}))
	img, err := d.Render(t.Context(), 0, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range img.Pix {
		if v != 255 {
			t.Fatalf("byte %d of the blank page is %d, want 255", i, v)
		}
	}
}

// TestMatchesPoppler compares a page of a Vietnamese document with what
// pdftoppm draws at the same resolution: same size, and nearly the same
// pixels (the two differ in anti-aliasing only).
func TestMatchesPoppler(t *testing.T) {
	doc := signDoc(t, pdfwasmtest.Example(t, demodoc.QuyetDinh, 3, 1))
	d := open(t, shared(t), doc.pdf)
	const scale = 1.0
	i := doc.doc.SignaturePage - 1
	got, err := d.Render(t.Context(), i, scale)
	if err != nil {
		t.Fatal(err)
	}
	want := poppler(t, doc.pdf, i+1, scale)
	// pdftoppm rounds the size up, Render to the nearest pixel.
	if abs(got.Rect.Dx()-want.Bounds().Dx()) > 1 || abs(got.Rect.Dy()-want.Bounds().Dy()) > 1 {
		t.Fatalf("image %v, pdftoppm's %v", got.Rect, want.Bounds())
	}
	// Compared in blocks of 8×8 pixels, relative to the ink on the page:
	// anti-aliasing moves ink within a block, shifted or missing text moves
	// it across blocks.
	const blk = 8
	w, h := min(got.Rect.Dx(), want.Bounds().Dx()), min(got.Rect.Dy(), want.Bounds().Dy())
	var diff, ink float64
	for by := 0; by+blk <= h; by += blk {
		for bx := 0; bx+blk <= w; bx += blk {
			var a, b float64 // ink in the block
			for y := by; y < by+blk; y++ {
				for x := bx; x < bx+blk; x++ {
					c := got.RGBAAt(x, y)
					a += 3*255 - float64(c.R) - float64(c.G) - float64(c.B)
					r, g, bl, _ := want.At(x+want.Bounds().Min.X, y+want.Bounds().Min.Y).RGBA()
					b += 3*255 - float64(r>>8+g>>8+bl>>8)
				}
			}
			diff += math.Abs(a - b)
			ink += b
		}
	}
	if ink == 0 {
		t.Fatal("pdftoppm drew an empty page")
	}
	if ratio := diff / ink; ratio > 0.25 {
		t.Errorf("differs from pdftoppm by %.0f%% of the ink on the page", 100*ratio)
	} else {
		t.Logf("differs from pdftoppm by %.1f%% of the ink on the page", 100*ratio)
	}
}

// TestDefaultCacheDir checks that without Options.CacheDir the compiled
// code goes to the user's cache directory, private to the user.
func TestDefaultCacheDir(t *testing.T) {
	home := t.TempDir()
	env := []string{"XDG_CACHE_HOME=" + home, "HOME=" + home}
	pdf := pdfwasmtest.WriteTemp(t, "doc.pdf", pagesPDF(testPage{}))
	firstpage(t, env, pdf)
	dir := home + "/vanthu/wazero"
	out, err := exec.Command("find", dir, "-maxdepth", "1", "-name", "wazero-*").Output()
	if err != nil || !strings.Contains(string(out), "wazero-") {
		t.Fatalf("no compilation cache in %s: %v %s", dir, err, out)
	}
	st, err := exec.Command("stat", "-c", "%a", dir).Output()
	if err != nil || strings.TrimSpace(string(st)) != "700" {
		t.Errorf("mode of %s is %s, want 700 (%v)", dir, st, err)
	}
}
