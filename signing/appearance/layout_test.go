package appearance

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/assets"
)

func demoImages(t testing.TB) (sig, seal *Image) {
	t.Helper()
	sig, err := DecodePNG(assets.DemoSignature)
	if err != nil {
		t.Fatal(err)
	}
	seal, err = DecodePNG(assets.DemoSeal)
	if err != nil {
		t.Fatal(err)
	}
	return sig, seal
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func TestPersonal(t *testing.T) {
	regular, bold := regularFont(t), boldFont(t)
	sig, _ := demoImages(t)
	a, err := Personal(PersonalSpec{
		Position:  []string{"KT. CHỦ TỊCH", "Phó chủ tịch"},
		Name:      "Nguyễn Văn Ấn",
		Signature: sig,
		Regular:   regular, Bold: bold,
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.Width != DefaultPersonalWidth || a.Height != DefaultPersonalHeight || a.BBox() != [4]float64{0, 0, 200, 130} {
		t.Errorf("box %v×%v BBox %v, want the default 200×130", a.Width, a.Height, a.BBox())
	}
	ops := textOps(t, a.Content)
	if len(ops) != 3 {
		t.Fatalf("%d text lines, want 3", len(ops))
	}
	for i, want := range []string{"KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn Ấn"} {
		op := ops[i]
		gids, _ := bold.Glyphs(want)
		if !slices.Equal(op.gids, gids) || op.font != "F1" || op.size != DefaultPersonalSize {
			t.Errorf("line %d: %s %v pt %v, want %q in bold (F1) at 13 pt", i, op.font, op.size, op.gids, want)
		}
		// Centred: the line's advance is split evenly around the middle.
		if w := bold.Width(want, op.size); math.Abs(op.x+w/2-a.Width/2) > 1e-3 {
			t.Errorf("line %d %q spans %v…%v, want it centred on %v", i, want, op.x, op.x+w, a.Width/2)
		}
	}
	if len(a.Fonts) != 1 || !strings.HasSuffix(a.Fonts[0].Font.BaseFont, "+LiberationSerif-Bold") {
		t.Errorf("fonts %v, want the bold subset alone", a.Fonts)
	}
	r := a.ImageRect
	if a.Images["Sig"] != sig || len(a.Images) != 1 {
		t.Errorf("images %v, want the signature as /Sig", a.Images)
	}
	if !strings.Contains(string(a.Content), "q "+num(r.W)+" 0 0 "+num(r.H)+" "+num(r.X)+" "+num(r.Y)+" cm /Sig Do Q") {
		t.Errorf("content %q does not draw /Sig at %v", a.Content, r)
	}
	if !near(r.W/r.H, 600.0/240) {
		t.Errorf("the image is drawn %v×%v, want the 600×240 aspect ratio", r.W, r.H)
	}
	if !near(r.X+r.W/2, a.Width/2) || r.X < 0 || r.X+r.W > a.Width {
		t.Errorf("the image spans x %v…%v, want it centred inside 0…%v", r.X, r.X+r.W, a.Width)
	}
	// Between the lines: below the lowest position line's descent, above the
	// name's ascent.
	if top, bottom := ops[1].y+bold.Descent()*13/1000, ops[2].y+bold.Ascent()*13/1000; r.Y+r.H > top || r.Y < bottom {
		t.Errorf("the image spans y %v…%v, want it between the name (top %v) and the position (bottom %v)", r.Y, r.Y+r.H, bottom, top)
	}
	if r.H < 0.3*a.Height {
		t.Errorf("the image is %v pt high, want at least 30%% of the box", r.H)
	}
}

func TestPersonalWithoutImage(t *testing.T) {
	bold := boldFont(t)
	a, err := Personal(PersonalSpec{Position: []string{"CHỦ TỊCH"}, Name: "Trần Thị Bình", Bold: bold, Width: 180, Height: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Images) != 0 || strings.Contains(string(a.Content), " Do ") {
		t.Errorf("an appearance without a signature draws images: %q", a.Content)
	}
	r := a.ImageRect
	if r.W != 180-2*personalPadding || r.H <= 0 || r.Y <= 0 || r.Y+r.H >= 100 {
		t.Errorf("ImageRect %v, want the free band between the lines", r)
	}
}

func TestPersonalShrinksThenFails(t *testing.T) {
	bold := boldFont(t)
	sig, _ := demoImages(t)
	long := "TM. ỦY BAN NHÂN DÂN TỈNH HÀ NAM"
	a, err := Personal(PersonalSpec{Position: []string{long}, Name: "Nguyễn Văn Ấn", Signature: sig, Bold: bold, Width: 180})
	if err != nil {
		t.Fatal(err)
	}
	ops := textOps(t, a.Content)
	size := ops[0].size
	if size >= DefaultPersonalSize || size < DefaultMinSize {
		t.Errorf("the long position is set at %v pt, want it shrunk below 13 but not under 7", size)
	}
	if w := bold.Width(long, size); w > 180-2*personalPadding {
		t.Errorf("the position is %v pt wide in a 180 pt box", w)
	}
	if w := bold.Width(long, size+shrinkStep); w <= 180-2*personalPadding-2 {
		t.Errorf("at %v pt the line (%v pt) would fit too; want the largest size that fits", size+shrinkStep, w)
	}
	for _, o := range ops {
		if o.size != size {
			t.Errorf("lines at %v and %v pt, want one size", size, o.size)
		}
	}

	_, err = Personal(PersonalSpec{Position: []string{strings.Repeat(long+" ", 3)}, Name: "Nguyễn Văn Ấn", Bold: bold, Width: 180})
	if !errors.Is(err, ErrDoesNotFit) || !strings.Contains(err.Error(), "180×130 pt") || !strings.Contains(err.Error(), "7 pt") {
		t.Errorf("error = %v, want ErrDoesNotFit naming the 180×130 pt box and 7 pt", err)
	}
	// Too many lines for the height: the image would get too little room.
	_, err = Personal(PersonalSpec{Position: []string{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L"}, Name: "N", Signature: sig, Bold: bold, Height: 60})
	if !errors.Is(err, ErrDoesNotFit) {
		t.Errorf("twelve lines in 60 pt: error = %v, want ErrDoesNotFit", err)
	}
}

func TestPersonalRejects(t *testing.T) {
	bold := boldFont(t)
	for _, tc := range []struct {
		name string
		spec PersonalSpec
		is   error
	}{
		{"no font", PersonalSpec{Name: "A"}, ErrDraw},
		{"tiny box", PersonalSpec{Name: "A", Bold: bold, Width: 3, Height: 3}, ErrDraw},
		{"NaN box", PersonalSpec{Name: "A", Bold: bold, Width: math.NaN()}, ErrDraw},
		{"missing glyph", PersonalSpec{Name: "Ký ☃", Bold: bold}, ErrMissingGlyph},
	} {
		if _, err := Personal(tc.spec); !errors.Is(err, tc.is) {
			t.Errorf("%s: error = %v, want %v", tc.name, err, tc.is)
		}
	}
}

func TestAgency(t *testing.T) {
	_, seal := demoImages(t)
	wide := &Image{Width: 400, Height: 200, ColorSpace: "DeviceGray", BitsPerComponent: 8, Data: seal.Data}
	for _, tc := range []struct {
		name string
		spec AgencySpec
		w, h float64
	}{
		{"default size", AgencySpec{Seal: seal}, 100, 100},
		{"40 mm", AgencySpec{Seal: seal, Size: 113.4}, 113.4, 113.4},
		{"not square", AgencySpec{Seal: wide, Size: 100}, 100, 50},
	} {
		a, err := Agency(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		want := "q " + num(tc.w) + " 0 0 " + num(tc.h) + " 0 0 cm /Seal Do Q\n"
		if !near(a.Width, tc.w) || !near(a.Height, tc.h) || string(a.Content) != want || a.Images["Seal"] != tc.spec.Seal || len(a.Fonts) != 0 {
			t.Errorf("%s: %v×%v %q, want %v×%v %q with the seal alone", tc.name, a.Width, a.Height, a.Content, tc.w, tc.h, want)
		}
	}
	for _, spec := range []AgencySpec{{}, {Seal: seal, Size: -1}, {Seal: seal, Size: math.Inf(1)}} {
		if _, err := Agency(spec); !errors.Is(err, ErrDraw) {
			t.Errorf("Agency(%+v) error = %v, want ErrDraw", spec, err)
		}
	}
}

func TestSealRect(t *testing.T) {
	for _, tc := range []struct {
		sig  Rect
		d    float64
		want Rect
	}{
		{Rect{X: 10, Y: 40, W: 150, H: 60}, 100, Rect{X: -40, Y: 20, W: 100, H: 100}},
		{Rect{X: 0, Y: 0, W: 300, H: 120}, 90, Rect{X: 10, Y: 15, W: 90, H: 90}},
	} {
		got := SealRect(tc.sig, tc.d)
		if got != tc.want {
			t.Errorf("SealRect(%v, %v) = %v, want %v", tc.sig, tc.d, got, tc.want)
		}
		// The seal covers the left third of the signature, no more.
		if right := got.X + got.W; !near(right-tc.sig.X, tc.sig.W/3) {
			t.Errorf("SealRect(%v, %v) covers %v pt of the image, want a third (%v)", tc.sig, tc.d, right-tc.sig.X, tc.sig.W/3)
		}
	}
}

func TestStamp(t *testing.T) {
	f := regularFont(t)
	lines := []string{"Số: 1234/UBND-VP", "Thời gian ký: 2026-11-26T09:41:05+07:00"}
	a, err := Stamp(StampSpec{Lines: lines, Font: f, Padding: 3})
	if err != nil {
		t.Fatal(err)
	}
	ops := textOps(t, a.Content)
	if len(ops) != 2 {
		t.Fatalf("%d lines drawn, want 2", len(ops))
	}
	widest := max(f.Width(lines[0], 10), f.Width(lines[1], 10))
	if a.Width < widest+6 || a.Width > widest+6+1 {
		t.Errorf("box width %v, want the widest line %v plus padding", a.Width, widest)
	}
	if ops[0].x != ops[1].x || ops[0].x < 3 || ops[0].x > 3.5 {
		t.Errorf("lines start at x %v and %v, want both left-aligned at the padding", ops[0].x, ops[1].x)
	}
	if step := ops[0].y - ops[1].y; math.Abs(step-lineHeight(f, 10)) > 1e-3 {
		t.Errorf("baselines %v apart, want the line height %v", step, lineHeight(f, 10))
	}
	if top := ops[0].y + f.Ascent()*10/1000; top > a.Height-3+1e-9 {
		t.Errorf("the first line reaches %v, above the padding of the %v pt box", top, a.Height)
	}
	if bottom := ops[1].y + f.Descent()*10/1000; bottom < 3-1e-9 {
		t.Errorf("the last line reaches down to %v, below the padding", bottom)
	}
	for i, op := range ops {
		gids, _ := f.Glyphs(lines[i])
		if op.size != 10 || !slices.Equal(op.gids, gids) {
			t.Errorf("line %d: %v pt %v, want %q at 10 pt", i, op.size, op.gids, lines[i])
		}
	}
	if !strings.Contains(string(a.Content), "q 0 0 0 rg BT") {
		t.Errorf("the stamp is not black: %q", a.Content)
	}

	text, err := Text(TextSpec{Lines: lines, Font: f, Padding: 3})
	if err != nil || string(text.Content) != string(a.Content) || text.Width != a.Width || text.Height != a.Height {
		t.Errorf("Text() differs from Stamp() with the same lines (%v)", err)
	}
}

func TestStampShrinksThenFails(t *testing.T) {
	f := regularFont(t)
	lines := []string{"Số: 1234/UBND-VP", "Thời gian ký: 2026-11-26T09:41:05+07:00"}
	full := f.Width(lines[1], 10)
	a, err := Stamp(StampSpec{Lines: lines, Font: f, MaxWidth: full * 0.8})
	if err != nil {
		t.Fatal(err)
	}
	size := textOps(t, a.Content)[0].size
	if size >= 10 || size < 7 || a.Width > full*0.8 {
		t.Errorf("in %v pt the stamp is %v pt wide at %v pt, want it shrunk to fit", full*0.8, a.Width, size)
	}
	_, err = Stamp(StampSpec{Lines: lines, Font: f, MaxWidth: full * 0.5})
	if !errors.Is(err, ErrDoesNotFit) || !strings.Contains(err.Error(), "7 pt") {
		t.Errorf("half the width: error = %v, want ErrDoesNotFit at 7 pt", err)
	}
	_, err = Stamp(StampSpec{Lines: []string{"a", "b", "c", "d"}, Font: f, MaxHeight: 20})
	if !errors.Is(err, ErrDoesNotFit) {
		t.Errorf("four lines in 20 pt: error = %v, want ErrDoesNotFit", err)
	}
	for _, spec := range []StampSpec{{Font: f}, {Lines: lines}, {Lines: lines, Font: f, Padding: -1}, {Lines: lines, Font: f, Size: -10}} {
		if _, err := Stamp(spec); !errors.Is(err, ErrDraw) {
			t.Errorf("Stamp(%+v) error = %v, want ErrDraw", spec, err)
		}
	}
}
