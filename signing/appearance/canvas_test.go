package appearance

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/vanthu/vanthu/assets"
)

// textOp is one "BT /F size Tf x y Td <gids> Tj ET" of a content stream.
type textOp struct {
	font       string
	size, x, y float64
	gids       []uint16
}

var textOpRE = regexp.MustCompile(`q ([\d.]+) ([\d.]+) ([\d.]+) rg BT /(\w+) ([\d.]+) Tf (-?[\d.]+) (-?[\d.]+) Td <([0-9A-F]*)> Tj ET Q`)

func textOps(t *testing.T, content []byte) []textOp {
	t.Helper()
	var ops []textOp
	for _, m := range textOpRE.FindAllStringSubmatch(string(content), -1) {
		op := textOp{font: m[4]}
		op.size, _ = strconv.ParseFloat(m[5], 64)
		op.x, _ = strconv.ParseFloat(m[6], 64)
		op.y, _ = strconv.ParseFloat(m[7], 64)
		for i := 0; i+4 <= len(m[8]); i += 4 {
			g, _ := strconv.ParseUint(m[8][i:i+4], 16, 16)
			op.gids = append(op.gids, uint16(g))
		}
		ops = append(ops, op)
	}
	if got, want := len(ops), strings.Count(string(content), " Tj "); got != want {
		t.Fatalf("parsed %d text operations of %d in %q", got, want, content)
	}
	return ops
}

// toUnicodeMap reads the bfchar entries of a ToUnicode CMap.
func toUnicodeMap(t *testing.T, cmap []byte) map[uint16]string {
	t.Helper()
	out := map[uint16]string{}
	var entries strings.Builder
	for _, block := range regexp.MustCompile(`(?s)beginbfchar\n(.*?)endbfchar`).FindAllStringSubmatch(string(cmap), -1) {
		entries.WriteString(block[1])
	}
	for _, m := range regexp.MustCompile(`(?m)^<([0-9A-F]{4})> <([0-9A-F]+)>$`).FindAllStringSubmatch(entries.String(), -1) {
		g, _ := strconv.ParseUint(m[1], 16, 16)
		var u []uint16
		for i := 0; i+4 <= len(m[2]); i += 4 {
			v, _ := strconv.ParseUint(m[2][i:i+4], 16, 16)
			u = append(u, uint16(v))
		}
		out[uint16(g)] = string(utf16.Decode(u))
	}
	return out
}

func gidHex(t *testing.T, f *Font, text string) string {
	t.Helper()
	gids, err := f.Glyphs(text)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, g := range gids {
		fmt.Fprintf(&b, "%04X", g)
	}
	return b.String()
}

func TestCanvasContent(t *testing.T) {
	f := regularFont(t)
	sig, err := DecodePNG(assets.DemoSignature)
	if err != nil {
		t.Fatal(err)
	}
	w := f.Width("Ấn", 10)
	for _, tc := range []struct {
		name string
		draw func(c *Canvas) error
		want string
	}{
		{"image", func(c *Canvas) error { return c.DrawImage("Sig", sig, 10, 20, 60, 24) },
			"q 60 0 0 24 10 20 cm /Sig Do Q\n"},
		{"text", func(c *Canvas) error { return c.Text(f, 10, 5, 6.25, "Ấn", Black) },
			"q 0 0 0 rg BT /F1 10 Tf 5 6.25 Td <" + gidHex(t, f, "Ấn") + "> Tj ET Q\n"},
		{"blue text", func(c *Canvas) error { return c.Text(f, 12.5, 0, 0, "Ấn", RGB{0, 0.157, 0.627}) },
			"q 0 0.157 0.627 rg BT /F1 12.5 Tf 0 0 Td <" + gidHex(t, f, "Ấn") + "> Tj ET Q\n"},
		{"centred", func(c *Canvas) error { return c.TextCentered(f, 10, 100, 50, "Ấn", Black) },
			"q 0 0 0 rg BT /F1 10 Tf " + num(100-w/2) + " 50 Td <" + gidHex(t, f, "Ấn") + "> Tj ET Q\n"},
		{"right", func(c *Canvas) error { return c.TextRight(f, 10, 100, 50, "Ấn", Black) },
			"q 0 0 0 rg BT /F1 10 Tf " + num(100-w) + " 50 Td <" + gidHex(t, f, "Ấn") + "> Tj ET Q\n"},
	} {
		c := NewCanvas(200, 100)
		if err := tc.draw(c); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := string(c.Content()); got != tc.want {
			t.Errorf("%s: content %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestCanvasFonts(t *testing.T) {
	regular, bold := regularFont(t), boldFont(t)
	c := NewCanvas(300, 100)
	for _, d := range []struct {
		f    *Font
		text string
	}{
		{regular, "Số: 1234/UBND-VP"},
		{bold, "PHÓ CHỦ TỊCH"},
		{regular, "Nguyễn Văn Ấn"},
	} {
		if err := c.Text(d.f, 10, 0, 0, d.text, Black); err != nil {
			t.Fatal(err)
		}
	}
	fonts, err := c.Fonts()
	if err != nil {
		t.Fatal(err)
	}
	if len(fonts) != 2 || fonts[0].ResName != "F1" || fonts[1].ResName != "F2" {
		t.Fatalf("fonts %v, want F1 (regular) and F2 (bold)", fonts)
	}
	for i, tc := range []struct {
		font  *Font
		texts []string
		ps    string
	}{
		{regular, []string{"Số: 1234/UBND-VP", "Nguyễn Văn Ấn"}, "LiberationSerif"},
		{bold, []string{"PHÓ CHỦ TỊCH"}, "LiberationSerif-Bold"},
	} {
		ef := fonts[i].Font
		if !strings.HasSuffix(ef.BaseFont, "+"+tc.ps) || ef.Descriptor.FontName != ef.BaseFont {
			t.Errorf("%s: BaseFont %q FontName %q, want one subset name of %s", fonts[i].ResName, ef.BaseFont, ef.Descriptor.FontName, tc.ps)
		}
		if ef.Encoding != "Identity-H" || ef.CIDFontType != "CIDFontType2" || ef.CIDToGIDMap != "Identity" ||
			ef.CIDSystemInfo != (CIDSystemInfo{"Adobe", "Identity", 0}) {
			t.Errorf("%s: %s %s %s %v, want Identity-H CIDFontType2 Identity Adobe-Identity-0", fonts[i].ResName,
				ef.Encoding, ef.CIDFontType, ef.CIDToGIDMap, ef.CIDSystemInfo)
		}
		want := map[uint16]bool{}
		for _, s := range tc.texts {
			gids, _ := tc.font.Glyphs(s)
			for _, g := range gids {
				want[g] = true
			}
		}
		got := map[uint16]float64{}
		for _, r := range ef.W {
			for j, w := range r.Widths {
				got[r.First+uint16(j)] = w
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: /W has %d glyphs, want the %d drawn", fonts[i].ResName, len(got), len(want))
		}
		for g := range want {
			if w, ok := got[g]; !ok || w != tc.font.advance(g) {
				t.Errorf("%s: /W width of glyph %d = %v (present %v), want %v", fonts[i].ResName, g, w, ok, tc.font.advance(g))
			}
		}
		for j := 1; j < len(ef.W); j++ {
			prev := ef.W[j-1]
			if int(prev.First)+len(prev.Widths) >= int(ef.W[j].First) {
				t.Errorf("%s: /W runs %v and %v overlap or touch", fonts[i].ResName, prev, ef.W[j])
			}
		}
		if d := ef.Descriptor; d.Flags != tc.font.Flags() || d.BBox != tc.font.BBox() || d.Ascent != tc.font.Ascent() ||
			d.Descent != tc.font.Descent() || d.CapHeight != tc.font.CapHeight() || d.StemV != tc.font.StemV() {
			t.Errorf("%s: descriptor %+v does not carry the font's metrics", fonts[i].ResName, d)
		}
	}
}

func TestToUnicode(t *testing.T) {
	f := regularFont(t)
	gid := func(r rune) uint16 { return f.cmap.lookup(r) }
	for _, tc := range []struct {
		name  string
		texts []string
		want  map[uint16]string
	}{
		{"Vietnamese", []string{"Nguyễn Văn Ấn"}, map[uint16]string{
			gid('N'): "N", gid('g'): "g", gid('u'): "u", gid('y'): "y", gid('ễ'): "ễ", gid('n'): "n",
			gid(' '): " ", gid('V'): "V", gid('ă'): "ă", gid('Ấ'): "Ấ",
		}},
		{"decomposed input", []string{"Nguye\u0302\u0303n"}, map[uint16]string{
			gid('N'): "N", gid('g'): "g", gid('u'): "u", gid('y'): "y", gid('ễ'): "ễ", gid('n'): "n",
		}},
		// ≮ has no glyph of its own: "<" and the overlay stand for it.
		{"fallback", []string{"≮"}, map[uint16]string{gid('<'): "<", gid('\u0338'): "\u0338"}},
		// A glyph drawn directly keeps its own character.
		{"fallback then direct", []string{"≮", "<"}, map[uint16]string{gid('<'): "<", gid('\u0338'): "\u0338"}},
		{"em dash", []string{"—"}, map[uint16]string{gid('—'): "—"}},
	} {
		c := NewCanvas(100, 100)
		for _, s := range tc.texts {
			if err := c.Text(f, 10, 0, 0, s, Black); err != nil {
				t.Fatal(err)
			}
		}
		fonts, err := c.Fonts()
		if err != nil {
			t.Fatal(err)
		}
		got := toUnicodeMap(t, fonts[0].Font.ToUnicode)
		if len(got) != len(tc.want) {
			t.Errorf("%s: ToUnicode has %d entries %v, want %d", tc.name, len(got), got, len(tc.want))
		}
		for g, s := range tc.want {
			if got[g] != s {
				t.Errorf("%s: ToUnicode maps glyph %d to %q, want %q", tc.name, g, got[g], s)
			}
		}
	}
}

func TestToUnicodeBlocks(t *testing.T) {
	f := regularFont(t)
	var all []rune
	for r := rune(0x1EA0); r <= 0x1EF9; r++ { // 90 Vietnamese letters
		all = append(all, r)
	}
	all = append(all, []rune("abcdefghijklmnopqrstuvwxyz")...)
	c := NewCanvas(100, 100)
	if err := c.Text(f, 10, 0, 0, string(all), Black); err != nil {
		t.Fatal(err)
	}
	fonts, err := c.Fonts()
	if err != nil {
		t.Fatal(err)
	}
	cmap := string(fonts[0].Font.ToUnicode)
	counts := regexp.MustCompile(`(\d+) beginbfchar`).FindAllStringSubmatch(cmap, -1)
	total := 0
	for _, m := range counts {
		n, _ := strconv.Atoi(m[1])
		if n > 100 {
			t.Errorf("a bfchar block holds %d entries; the limit is 100", n)
		}
		total += n
	}
	if total != len(all) || len(toUnicodeMap(t, []byte(cmap))) != len(all) {
		t.Errorf("ToUnicode declares %d entries, want %d", total, len(all))
	}
}

func TestCanvasRejects(t *testing.T) {
	f := regularFont(t)
	sig, err := DecodePNG(assets.DemoSignature)
	if err != nil {
		t.Fatal(err)
	}
	seal, err := DecodePNG(assets.DemoSeal)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		draw func(c *Canvas) error
		is   error
		want string
	}{
		{"no font", func(c *Canvas) error { return c.Text(nil, 10, 0, 0, "a", Black) }, ErrDraw, "no font"},
		{"newline", func(c *Canvas) error { return c.Text(f, 10, 0, 0, "Số:\n1", Black) }, ErrDraw, "U+000A"},
		{"NaN size", func(c *Canvas) error { return c.Text(f, math.NaN(), 0, 0, "a", Black) }, ErrDraw, "positive size"},
		{"zero size", func(c *Canvas) error { return c.TextCentered(f, 0, 0, 0, "a", Black) }, ErrDraw, "positive size"},
		{"far away", func(c *Canvas) error { return c.TextRight(f, 10, 1e9, 0, "a", Black) }, ErrDraw, "within"},
		{"colour", func(c *Canvas) error { return c.Text(f, 10, 0, 0, "a", RGB{0, 40, 160}) }, ErrDraw, "between 0 and 1"},
		{"missing glyph", func(c *Canvas) error { return c.Text(f, 10, 0, 0, "Ký ☃", Black) }, ErrMissingGlyph, "U+2603"},
		{"no image", func(c *Canvas) error { return c.DrawImage("Sig", nil, 0, 0, 1, 1) }, ErrDraw, "missing"},
		{"image name", func(c *Canvas) error { return c.DrawImage("Sig /Evil", sig, 0, 0, 1, 1) }, ErrDraw, "letters and digits"},
		{"image size", func(c *Canvas) error { return c.DrawImage("Sig", sig, 0, 0, -1, 1) }, ErrDraw, "positive size"},
		{"name reused", func(c *Canvas) error {
			if err := c.DrawImage("Im", sig, 0, 0, 1, 1); err != nil {
				return err
			}
			return c.DrawImage("Im", seal, 0, 0, 1, 1)
		}, ErrDraw, "already used"},
	} {
		c := NewCanvas(100, 100)
		err := tc.draw(c)
		if !errors.Is(err, tc.is) || !strings.Contains(fmt.Sprint(err), tc.want) {
			t.Errorf("%s: error = %v, want %v containing %q", tc.name, err, tc.is, tc.want)
		}
	}
	// Drawing the same image twice under one name is fine.
	c := NewCanvas(100, 100)
	for range 2 {
		if err := c.DrawImage("Sig", sig, 0, 0, 10, 10); err != nil {
			t.Errorf("drawing the same image twice: %v", err)
		}
	}
	if got := len(c.Images()); got != 1 {
		t.Errorf("Images() has %d entries, want 1", got)
	}
}
