package appearance

// These tests put appearances into real PDF files and check them with the
// tools a reader of our documents would meet: qpdf for the file structure,
// and poppler (pdffonts, pdftotext, pdftoppm) for fonts, text and pixels.

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// checkQPDF runs qpdf --check and wants it clean: no errors, no warnings.
func checkQPDF(t *testing.T, path string) {
	t.Helper()
	out, errOut, err := tool(t, "qpdf", "--check", path)
	if err != nil || errOut != "" || !strings.Contains(out, "No syntax or stream encoding errors found") ||
		strings.Contains(strings.ToLower(out), "warning") {
		t.Errorf("qpdf --check %s: %v\n%s%s", filepath.Base(path), err, out, errOut)
	}
}

type pdfFontRow struct {
	name, kind, encoding string
	emb, sub, uni        bool
}

var pdfFontsRowRE = regexp.MustCompile(`^(\S+)\s+(.+?)\s+(Identity-H|\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$`)

// pdfFonts lists the fonts poppler finds.
func pdfFonts(t *testing.T, path string) []pdfFontRow {
	t.Helper()
	out, errOut, err := tool(t, "pdffonts", path)
	if err != nil || errOut != "" {
		t.Fatalf("pdffonts %s: %v\n%s%s", filepath.Base(path), err, out, errOut)
	}
	var rows []pdfFontRow
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, l := range lines[min(2, len(lines)):] {
		m := pdfFontsRowRE.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			t.Fatalf("pdffonts: cannot read the line %q", l)
		}
		rows = append(rows, pdfFontRow{m[1], m[2], m[3], m[4] == "yes", m[5] == "yes", m[6] == "yes"})
	}
	return rows
}

// checkFonts wants one embedded subset CID TrueType font with a ToUnicode
// map for each PostScript name.
func checkFonts(t *testing.T, path string, psNames ...string) {
	t.Helper()
	rows := pdfFonts(t, path)
	var got []string
	for _, r := range rows {
		if r.kind != "CID TrueType" || r.encoding != "Identity-H" || !r.emb || !r.sub || !r.uni {
			t.Errorf("pdffonts: %+v, want a CID TrueType Identity-H font with emb yes sub yes uni yes", r)
		}
		tag, ps, _ := strings.Cut(r.name, "+")
		if !regexp.MustCompile(`^[A-Z]{6}$`).MatchString(tag) {
			t.Errorf("pdffonts: %q is not named as a subset (ABCDEF+Name)", r.name)
		}
		got = append(got, ps)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(psNames))
	if !slices.Equal(got, want) {
		t.Errorf("pdffonts lists %v, want %v", got, want)
	}
}

// extractText runs pdftotext -layout and returns the non-blank lines,
// trimmed and NFC-normalised.
func extractText(t *testing.T, path string) []string {
	t.Helper()
	out, errOut, err := tool(t, "pdftotext", "-layout", "-enc", "UTF-8", path, "-")
	if err != nil || errOut != "" {
		t.Fatalf("pdftotext %s: %v\n%s", filepath.Base(path), err, errOut)
	}
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if l = strings.TrimSpace(strings.Trim(l, "\f")); l != "" {
			lines = append(lines, norm.NFC.String(l))
		}
	}
	return lines
}

func checkText(t *testing.T, path string, want ...string) {
	t.Helper()
	got := extractText(t, path)
	if len(got) != len(want) {
		t.Errorf("pdftotext: %d lines %q, want %d lines %q", len(got), got, len(want), want)
		return
	}
	for i := range want {
		if got[i] != norm.NFC.String(want[i]) {
			t.Errorf("pdftotext line %d: got %q, want %q", i+1, got[i], want[i])
		}
	}
}

// rendering is a page rendered by pdftoppm.
type rendering struct {
	img   image.Image
	dpi   float64
	pageH float64
}

func render(t *testing.T, path string, dpi int, pageH float64) rendering {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), "page")
	_, errOut, err := tool(t, "pdftoppm", "-png", "-r", fmt.Sprint(dpi), "-singlefile", path, prefix)
	if err != nil || errOut != "" {
		t.Fatalf("pdftoppm %s: %v\n%s", filepath.Base(path), err, errOut)
	}
	data, err := os.ReadFile(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("pdftoppm wrote an unreadable PNG: %v", err)
	}
	return rendering{img: img, dpi: float64(dpi), pageH: pageH}
}

// pixels returns the pixel rectangle covering r (page coordinates, points).
func (r rendering) pixels(rect Rect) image.Rectangle {
	s := r.dpi / 72
	return image.Rect(
		int(math.Floor(rect.X*s)), int(math.Floor((r.pageH-rect.Y-rect.H)*s)),
		int(math.Ceil((rect.X+rect.W)*s)), int(math.Ceil((r.pageH-rect.Y)*s)),
	).Intersect(r.img.Bounds())
}

// count returns how many pixels inside rect match.
func (r rendering) count(rect Rect, match func(c color.RGBA) bool) int {
	n := 0
	p := r.pixels(rect)
	for y := p.Min.Y; y < p.Max.Y; y++ {
		for x := p.Min.X; x < p.Max.X; x++ {
			if match(color.RGBAModel.Convert(r.img.At(x, y)).(color.RGBA)) {
				n++
			}
		}
	}
	return n
}

// inkExtent returns the leftmost and rightmost columns (in points) with a
// dark pixel inside rect.
func (r rendering) inkExtent(rect Rect) (left, right float64, ok bool) {
	p := r.pixels(rect)
	lo, hi := math.MaxInt, -1
	for y := p.Min.Y; y < p.Max.Y; y++ {
		for x := p.Min.X; x < p.Max.X; x++ {
			if isDark(color.RGBAModel.Convert(r.img.At(x, y)).(color.RGBA)) {
				lo, hi = min(lo, x), max(hi, x)
			}
		}
	}
	s := r.dpi / 72
	return float64(lo) / s, float64(hi+1) / s, hi >= 0
}

// outside returns the pixels not white outside the given rectangles (grown by
// a pixel for anti-aliasing).
func (r rendering) outside(boxes ...Rect) []image.Point {
	var inside []image.Rectangle
	for _, b := range boxes {
		inside = append(inside, r.pixels(b).Inset(-1))
	}
	var bad []image.Point
	bounds := r.img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
	pixel:
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			for _, in := range inside {
				if (image.Point{x, y}).In(in) {
					continue pixel
				}
			}
			if c := color.RGBAModel.Convert(r.img.At(x, y)).(color.RGBA); !isWhite(c) {
				bad = append(bad, image.Point{x, y})
			}
		}
	}
	return bad
}

func isWhite(c color.RGBA) bool { return c.R >= 250 && c.G >= 250 && c.B >= 250 }
func isDark(c color.RGBA) bool  { return c.R < 100 && c.G < 100 && c.B < 100 }

// isBlue matches the signature ink (0, 40, 160) and its darker blends.
func isBlue(c color.RGBA) bool { return c.B >= 120 && c.R < 90 && c.G < 120 && int(c.B)-int(c.R) > 60 }

// isRed matches the seal ink (220, 20, 20).
func isRed(c color.RGBA) bool { return c.R >= 150 && c.G < 110 && c.B < 110 && int(c.R)-int(c.G) > 60 }

func offset(r Rect, x, y float64) Rect { return Rect{X: r.X + x, Y: r.Y + y, W: r.W, H: r.H} }

// wholePage is a form BBox that covers the page, so that anything drawn
// outside the appearance's own box would show.
func wholePage(x, y, pageW, pageH float64) *[4]float64 {
	return &[4]float64{-x, -y, pageW - x, pageH - y}
}

// TestPDFLeaderAndAgencySignature draws the leader's signature and the
// agency's seal over its left third, as an issued document carries them.
func TestPDFLeaderAndAgencySignature(t *testing.T) {
	t.Parallel()
	regular, bold := regularFont(t), boldFont(t)
	sig, seal := demoImages(t)
	leader, err := Personal(PersonalSpec{
		Position:  []string{"KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"},
		Name:      "Nguyễn Văn Ấn",
		Signature: sig,
		Regular:   regular, Bold: bold,
	})
	if err != nil {
		t.Fatal(err)
	}
	agency, err := Agency(AgencySpec{Seal: seal})
	if err != nil {
		t.Fatal(err)
	}
	const pageW, pageH, lx, ly = 360.0, 260.0, 120.0, 60.0
	sigRect := offset(leader.ImageRect, lx, ly)
	sealRect := SealRect(sigRect, agency.Width)
	leaderBox := Rect{X: lx, Y: ly, W: leader.Width, H: leader.Height}
	path := writePDF(t, "leader-agency.pdf", buildPDF(pageW, pageH,
		placed{ap: leader, x: lx, y: ly, bbox: wholePage(lx, ly, pageW, pageH)},
		placed{ap: agency, x: sealRect.X, y: sealRect.Y, bbox: wholePage(sealRect.X, sealRect.Y, pageW, pageH)},
	))

	checkQPDF(t, path)
	checkFonts(t, path, "LiberationSerif-Bold")
	checkText(t, path, "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn Ấn")

	page := render(t, path, 72, pageH)
	rightTwoThirds := Rect{X: sigRect.X + sigRect.W/3, Y: sigRect.Y, W: sigRect.W * 2 / 3, H: sigRect.H}
	if n := page.count(rightTwoThirds, isBlue); n < 100 {
		t.Errorf("%d blue pixels in the signature's right two thirds %v, want the signature there", n, rightTwoThirds)
	}
	if n := page.count(sealRect, isRed); n < 1000 {
		t.Errorf("%d red pixels in the seal's place %v, want the seal there", n, sealRect)
	}
	// The seal covers the left third of the signature image.
	leftThird := Rect{X: sigRect.X, Y: sigRect.Y, W: sigRect.W / 3, H: sigRect.H}
	if n := page.count(leftThird, isRed); n < 100 {
		t.Errorf("%d red pixels over the signature's left third %v, want the seal to overlap it", n, leftThird)
	}
	if n := page.count(Rect{X: sealRect.X + sealRect.W, Y: 0, W: pageW, H: pageH}, isRed); n > 0 {
		t.Errorf("%d red pixels right of the seal", n)
	}
	for _, l := range textOps(t, leader.Content) {
		band := Rect{X: lx + 2, Y: ly + l.y - 3, W: leader.Width - 4, H: 12}
		if n := page.count(band, isDark); n < 30 {
			t.Errorf("%d dark pixels on the text line at y=%v, want the text there", n, l.y)
		}
		if n := page.count(band, isBlue); n > 0 {
			t.Errorf("%d blue pixels on the text line at y=%v: the signature overlaps the text", n, l.y)
		}
	}
	if bad := page.outside(leaderBox, sealRect); len(bad) > 0 {
		t.Errorf("%d pixels drawn outside the signature boxes, first at %v", len(bad), bad[0])
	}
}

// TestPDFStamp draws the number/notation and signing time of an appendix,
// and a line with every kind of Vietnamese letter.
func TestPDFStamp(t *testing.T) {
	t.Parallel()
	f := regularFont(t)
	lines := []string{
		"Số: 1234/UBND-VP",
		"Thời gian ký: 2026-11-26T09:41:05+07:00",
		"Ủy ban nhân dân tỉnh Hà Nam — Sở Tài chính; ĐƯỢC ỦY QUYỀN: đ Đ ư Ư ơ Ơ ỹ Ỹ",
	}
	stamp, err := Stamp(StampSpec{Lines: lines, Font: f, Padding: 2})
	if err != nil {
		t.Fatal(err)
	}
	const margin = 30.0
	pageW, pageH := stamp.Width+2*margin, stamp.Height+2*margin
	box := Rect{X: margin, Y: margin, W: stamp.Width, H: stamp.Height}
	path := writePDF(t, "stamp.pdf", buildPDF(pageW, pageH, placed{ap: stamp, x: margin, y: margin, bbox: wholePage(margin, margin, pageW, pageH)}))

	checkQPDF(t, path)
	checkFonts(t, path, "LiberationSerif")
	checkText(t, path, lines...)

	page := render(t, path, 72, pageH)
	if bad := page.outside(box); len(bad) > 0 {
		t.Errorf("%d pixels drawn outside the stamp box %v, first at %v", len(bad), box, bad[0])
	}
	if n := page.count(box, func(c color.RGBA) bool { return !isWhite(c) && (isBlue(c) || isRed(c)) }); n > 0 {
		t.Errorf("%d coloured pixels in the stamp, want black text only", n)
	}
	// At 288 dpi each line's ink spans what the font says, to a pixel: the
	// glyphs, their widths (/W) and positions agree.
	fine := render(t, path, 288, pageH)
	for i, op := range textOps(t, stamp.Content) {
		shaped, _ := f.shape(lines[i])
		ink := f.ink(shaped, op.size)
		// From just under the baseline to above the capitals: clear of the
		// diacritics of the line below.
		band := Rect{X: 0, Y: margin + op.y - 1, W: pageW, H: 8.5}
		left, right, ok := fine.inkExtent(band)
		wantLeft, wantRight := margin+op.x+ink.minX, margin+op.x+ink.maxX
		if !ok || math.Abs(left-wantLeft) > 0.5 || math.Abs(right-wantRight) > 0.5 {
			t.Errorf("line %d %q: ink from %.2f to %.2f pt, want %.2f to %.2f", i+1, lines[i], left, right, wantLeft, wantRight)
		}
	}
}

// TestPDFElectronicCopy uses both fonts and a colour on one canvas, and the
// Text layout for an electronic copy.
func TestPDFElectronicCopy(t *testing.T) {
	t.Parallel()
	regular, bold := regularFont(t), boldFont(t)
	copyText, err := Text(TextSpec{Lines: []string{"SAO Y", "Sở Tài chính tỉnh Hà Nam", "Thời gian ký: 2026-11-26T09:41:05+07:00"}, Font: regular, Padding: 2})
	if err != nil {
		t.Fatal(err)
	}
	c := NewCanvas(220, 40)
	if err := c.TextCentered(bold, 12, 110, 24, "QUYẾT ĐỊNH", Black); err != nil {
		t.Fatal(err)
	}
	if err := c.TextRight(regular, 11, 218, 6, "Hà Nam, ngày 26 tháng 11 năm 2026", RGB{0, 40.0 / 255, 160.0 / 255}); err != nil {
		t.Fatal(err)
	}
	custom, err := c.Appearance()
	if err != nil {
		t.Fatal(err)
	}
	const pageW, pageH = 300.0, 160.0
	path := writePDF(t, "copy.pdf", buildPDF(pageW, pageH,
		placed{ap: copyText, x: 20, y: 100},
		placed{ap: custom, x: 20, y: 20},
	))
	checkQPDF(t, path)
	checkFonts(t, path, "LiberationSerif", "LiberationSerif", "LiberationSerif-Bold")
	checkText(t, path, "SAO Y", "Sở Tài chính tỉnh Hà Nam", "Thời gian ký: 2026-11-26T09:41:05+07:00",
		"QUYẾT ĐỊNH", "Hà Nam, ngày 26 tháng 11 năm 2026")
	page := render(t, path, 72, pageH)
	if n := page.count(Rect{X: 20, Y: 20, W: 220, H: 14}, isBlue); n < 20 {
		t.Errorf("%d blue pixels in the blue line, want blue text", n)
	}
	if n := page.count(Rect{X: 20, Y: 40, W: 220, H: 20}, isDark); n < 20 {
		t.Errorf("%d dark pixels in the bold title, want black text", n)
	}
}

// TestPDFLongLoca checks that a subset with a long loca table renders the
// same pixels and text as the usual short one.
func TestPDFLongLoca(t *testing.T) {
	t.Parallel()
	f := regularFont(t)
	lines := []string{"Nguyễn Văn Ấn", "ĐƯỢC ỦY QUYỀN: đ Đ ư Ư ơ Ơ ỹ Ỹ"}
	stamp, err := Stamp(StampSpec{Lines: lines, Font: f})
	if err != nil {
		t.Fatal(err)
	}
	var gids []uint16
	for _, l := range lines {
		g, _ := f.Glyphs(l)
		gids = append(gids, g...)
	}
	long, err := f.subset(gids, true)
	if err != nil {
		t.Fatal(err)
	}
	longStamp := *stamp
	longStamp.Fonts = slices.Clone(stamp.Fonts)
	longStamp.Fonts[0].Font.FontFile2 = long.Program

	pageW, pageH := stamp.Width+20, stamp.Height+20
	var pages []image.Image
	for _, tc := range []struct {
		name string
		ap   *Appearance
	}{{"short", stamp}, {"long", &longStamp}} {
		path := writePDF(t, "loca-"+tc.name+".pdf", buildPDF(pageW, pageH, placed{ap: tc.ap, x: 10, y: 10}))
		checkQPDF(t, path)
		checkFonts(t, path, "LiberationSerif")
		checkText(t, path, lines...)
		pages = append(pages, render(t, path, 144, pageH).img)
	}
	if !slices.Equal(pixelsOf(pages[0]), pixelsOf(pages[1])) {
		t.Errorf("the long-loca subset renders differently from the short-loca one")
	}
}

func pixelsOf(img image.Image) []color.RGBA {
	var out []color.RGBA
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out = append(out, color.RGBAModel.Convert(img.At(x, y)).(color.RGBA))
		}
	}
	return out
}

// TestPDFDecomposedCharacter draws a character the font has only as base
// and combining mark; the text extracts back to it.
func TestPDFDecomposedCharacter(t *testing.T) {
	t.Parallel()
	f := regularFont(t)
	stamp, err := Stamp(StampSpec{Lines: []string{"a ≮ b ≯ c"}, Font: f})
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, "decomposed.pdf", buildPDF(stamp.Width+20, stamp.Height+20, placed{ap: stamp, x: 10, y: 10}))
	checkQPDF(t, path)
	checkFonts(t, path, "LiberationSerif")
	checkText(t, path, "a ≮ b ≯ c")
}
