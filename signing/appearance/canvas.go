package appearance

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode"
)

// ErrDraw is wrapped by the errors of drawing calls given unusable arguments.
var ErrDraw = errors.New("cannot draw")

// RGB is a DeviceRGB colour, each component from 0 to 1.
type RGB struct{ R, G, B float64 }

// Black is the colour of stamped text.
var Black = RGB{}

// Rect is a rectangle in points: lower-left corner X, Y and size W, H.
type Rect struct{ X, Y, W, H float64 }

// A FontResource is a font a content stream uses under /ResName in the
// /Font resource dictionary.
type FontResource struct {
	ResName string // "F1", without the slash
	Font    EmbeddedFont
}

// A Canvas builds the content stream of a form XObject whose BBox is
// [0 0 width height], recording the fonts and images it uses. The zero value
// is not usable; call [NewCanvas].
type Canvas struct {
	width, height float64
	content       bytes.Buffer
	fonts         []*canvasFont
	images        map[string]*Image
}

type canvasFont struct {
	font    *Font
	resName string
	used    map[uint16]usedGlyph
}

// NewCanvas starts an empty content stream for a box of width × height points.
func NewCanvas(width, height float64) *Canvas {
	return &Canvas{width: width, height: height, images: map[string]*Image{}}
}

// Width is the width of the canvas box in points.
func (c *Canvas) Width() float64 { return c.width }

// Height is the height of the canvas box in points.
func (c *Canvas) Height() float64 { return c.height }

// DrawImage paints img into the rectangle x, y, w, h (points, lower-left
// origin) under the resource name name (letters and digits, without the
// slash): "q w 0 0 h x y cm /name Do Q".
func (c *Canvas) DrawImage(name string, img *Image, x, y, w, h float64) error {
	if img == nil {
		return fmt.Errorf("%w: image %q is missing", ErrDraw, name)
	}
	if !validResName(name) {
		return fmt.Errorf("%w: image name %q must be 1–32 ASCII letters and digits", ErrDraw, name)
	}
	if old, ok := c.images[name]; ok && old != img {
		return fmt.Errorf("%w: the name %q is already used by another image", ErrDraw, name)
	}
	if !usable(x, y, w, h) || w <= 0 || h <= 0 {
		return fmt.Errorf("%w: image %q needs a positive size within ±%g pt, got %v×%v at %v,%v", ErrDraw, name, maxCoord, w, h, x, y)
	}
	c.images[name] = img
	fmt.Fprintf(&c.content, "q %s 0 0 %s %s %s cm /%s Do Q\n", num(w), num(h), num(x), num(y), name)
	return nil
}

// Text draws text with its baseline starting at x, y, at size points, in
// color, using glyph ids of font (NFC-normalised; see [Font.Glyphs]).
func (c *Canvas) Text(font *Font, size, x, y float64, text string, color RGB) error {
	shaped, err := c.checkText(font, size, text, color, x, y)
	if err != nil {
		return err
	}
	c.drawShaped(font, size, x, y, shaped, color)
	return nil
}

// TextCentered draws text centred horizontally on cx, baseline at y.
func (c *Canvas) TextCentered(font *Font, size, cx, y float64, text string, color RGB) error {
	shaped, err := c.checkText(font, size, text, color, cx, y)
	if err != nil {
		return err
	}
	c.drawShaped(font, size, cx-font.widthOf(shaped, size)/2, y, shaped, color)
	return nil
}

// TextRight draws text ending at right, baseline at y.
func (c *Canvas) TextRight(font *Font, size, right, y float64, text string, color RGB) error {
	shaped, err := c.checkText(font, size, text, color, right, y)
	if err != nil {
		return err
	}
	c.drawShaped(font, size, right-font.widthOf(shaped, size), y, shaped, color)
	return nil
}

func (c *Canvas) checkText(font *Font, size float64, text string, color RGB, x, y float64) ([]shapedGlyph, error) {
	if font == nil {
		return nil, fmt.Errorf("%w: no font given for %q", ErrDraw, text)
	}
	if !usable(size, x, y) || size <= 0 {
		return nil, fmt.Errorf("%w: text %q needs a positive size and a position within ±%g pt, got %v pt at %v,%v", ErrDraw, text, maxCoord, size, x, y)
	}
	if !usable(color.R, color.G, color.B) ||
		min(color.R, color.G, color.B) < 0 || max(color.R, color.G, color.B) > 1 {
		return nil, fmt.Errorf("%w: colour components must lie between 0 and 1, got %v", ErrDraw, color)
	}
	for _, r := range text {
		if unicode.IsControl(r) {
			return nil, fmt.Errorf("%w: the text %q contains the control character U+%04X; draw each line separately", ErrDraw, text, r)
		}
	}
	return font.shape(text)
}

func (c *Canvas) drawShaped(font *Font, size, x, y float64, shaped []shapedGlyph, color RGB) {
	cf := c.fontFor(font)
	record(cf.used, shaped)
	fmt.Fprintf(&c.content, "q %s %s %s rg BT /%s %s Tf %s %s Td <",
		num(color.R), num(color.G), num(color.B), cf.resName, num(size), num(x), num(y))
	for _, g := range shaped {
		fmt.Fprintf(&c.content, "%04X", g.gid)
	}
	c.content.WriteString("> Tj ET Q\n")
}

func (c *Canvas) fontFor(font *Font) *canvasFont {
	for _, cf := range c.fonts {
		if cf.font == font {
			return cf
		}
	}
	cf := &canvasFont{font: font, resName: "F" + strconv.Itoa(len(c.fonts)+1), used: map[uint16]usedGlyph{}}
	c.fonts = append(c.fonts, cf)
	return cf
}

// Content is the content stream drawn so far.
func (c *Canvas) Content() []byte { return bytes.Clone(c.content.Bytes()) }

// Fonts returns the fonts the content uses, in order of first use, each
// subset to the glyphs drawn with it.
func (c *Canvas) Fonts() ([]FontResource, error) {
	out := make([]FontResource, 0, len(c.fonts))
	for _, cf := range c.fonts {
		ef, err := cf.font.embed(cf.used)
		if err != nil {
			return nil, err
		}
		out = append(out, FontResource{ResName: cf.resName, Font: *ef})
	}
	return out, nil
}

// Appearance finishes the canvas: the content, the subset fonts and the
// images, for a form XObject with BBox [0 0 Width Height].
func (c *Canvas) Appearance() (*Appearance, error) {
	fonts, err := c.Fonts()
	if err != nil {
		return nil, err
	}
	return &Appearance{
		Width:   c.width,
		Height:  c.height,
		Content: c.Content(),
		Fonts:   fonts,
		Images:  c.Images(),
	}, nil
}

// Images returns the images the content draws, by resource name.
func (c *Canvas) Images() map[string]*Image {
	out := make(map[string]*Image, len(c.images))
	for k, v := range c.images {
		out[k] = v
	}
	return out
}

func validResName(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// maxCoord bounds coordinates and sizes, well inside what viewers accept.
const maxCoord = 1e5

// usable reports whether every value is a number within ±maxCoord.
func usable(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.Abs(v) > maxCoord {
			return false
		}
	}
	return true
}

// num formats a coordinate for a content stream: at most 4 decimals, no
// exponent, no negative zero.
func num(v float64) string {
	v = math.Round(v*1e4) / 1e4
	if v == 0 {
		return "0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
