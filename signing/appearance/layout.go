package appearance

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// ErrDoesNotFit is wrapped by the error returned when text does not fit its
// box even at the smallest font size.
var ErrDoesNotFit = errors.New("text does not fit")

// Layout defaults, in points.
const (
	DefaultPersonalSize   = 13.0  // position and name (Decree 30: 13–14 pt bold)
	DefaultPersonalWidth  = 200.0 // signature box
	DefaultPersonalHeight = 130.0
	DefaultSealSize       = 100.0 // seal diameter, about 35 mm
	DefaultStampSize      = 10.0  // number/notation and signing time
	DefaultMinSize        = 7.0   // the smallest size text shrinks to
	personalPadding       = 2.0
	textImageGap          = 2.0
	shrinkStep            = 0.5
)

// An Appearance is a finished form XObject: BBox [0 0 Width Height], the
// content stream, and the /Font and /XObject resources it names.
type Appearance struct {
	Width, Height float64
	Content       []byte
	Fonts         []FontResource
	Images        map[string]*Image
	// ImageRect is where [Personal] placed the signature image (or, without
	// one, the free space between position and name), and where [Agency]
	// placed the seal, in the appearance's coordinates; see [SealRect].
	ImageRect Rect
}

// BBox is the form XObject's /BBox.
func (a *Appearance) BBox() [4]float64 { return [4]float64{0, 0, a.Width, a.Height} }

// PersonalSpec describes the competent person's signature (Decree 30,
// Appendix I): the position lines at the top, the handwritten signature image
// in the middle, the full name at the bottom, all centred.
type PersonalSpec struct {
	// Position lines, e.g. "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"; drawn bold and
	// upper case (converted if needed).
	Position []string
	// Name is the signer's full name, drawn bold as written.
	Name string
	// Signature is the blue signature image with a transparent background;
	// optional.
	Signature *Image
	// Width and Height of the box in points; default 200 × 130.
	Width, Height float64
	// Bold draws the text; Regular is used when Bold is nil.
	Regular, Bold *Font
	// Size of the text in points; default 13. It shrinks down to MinSize
	// (default 7) when the text does not fit.
	Size, MinSize float64
}

// sealImageName and signatureImageName are the XObject resource names the
// layouts use.
const (
	signatureImageName = "Sig"
	sealImageName      = "Seal"
)

// Personal lays out the competent person's signature appearance.
func Personal(spec PersonalSpec) (*Appearance, error) {
	font := spec.Bold
	if font == nil {
		font = spec.Regular
	}
	if font == nil {
		return nil, fmt.Errorf("%w: no font given for the signature text", ErrDraw)
	}
	w, h := orDefault(spec.Width, DefaultPersonalWidth), orDefault(spec.Height, DefaultPersonalHeight)
	if !usable(w, h) || w <= 2*personalPadding || h <= 2*personalPadding {
		return nil, fmt.Errorf("%w: the signature box %v×%v pt is too small", ErrDraw, w, h)
	}
	position := make([]string, len(spec.Position))
	for i, p := range spec.Position {
		position[i] = norm.NFC.String(strings.ToUpper(norm.NFC.String(p)))
	}
	name := norm.NFC.String(spec.Name)
	lines := append(append([]string(nil), position...), name)
	shaped := make([][]shapedGlyph, len(lines))
	for i, l := range lines {
		var err error
		if shaped[i], err = font.shape(l); err != nil {
			return nil, err
		}
	}
	minImage := 0.0
	if spec.Signature != nil {
		minImage = 0.3 * h
	}
	size, minSize, err := textSizes(spec.Size, DefaultPersonalSize, spec.MinSize)
	if err != nil {
		return nil, err
	}
	for ; size >= minSize; size -= shrinkStep {
		l, ok := personalLayout(font, size, w, h, shaped, minImage)
		if !ok {
			continue
		}
		c := NewCanvas(w, h)
		for i, line := range position {
			if err := c.TextCentered(font, size, w/2, l.positionBaselines[i], line, Black); err != nil {
				return nil, err
			}
		}
		if name != "" {
			if err := c.TextCentered(font, size, w/2, l.nameBaseline, name, Black); err != nil {
				return nil, err
			}
		}
		rect := l.area
		if img := spec.Signature; img != nil {
			rect = fitImage(img, l.area)
			if err := c.DrawImage(signatureImageName, img, rect.X, rect.Y, rect.W, rect.H); err != nil {
				return nil, err
			}
		}
		a, err := c.Appearance()
		if err != nil {
			return nil, err
		}
		a.ImageRect = rect
		return a, nil
	}
	return nil, fmt.Errorf("%w: the position and name do not fit in a %v×%v pt signature box even at %v pt; widen the box or shorten the text",
		ErrDoesNotFit, w, h, minSize)
}

type personalPlan struct {
	positionBaselines []float64
	nameBaseline      float64
	area              Rect
}

// personalLayout places the position lines (all lines but the last) from the
// top and the name (the last line) at the bottom; ok is false when a line is
// too wide or the space left for the image is smaller than minImage.
func personalLayout(font *Font, size, w, h float64, lines [][]shapedGlyph, minImage float64) (personalPlan, bool) {
	var p personalPlan
	for _, l := range lines {
		adv := font.widthOf(l, size)
		x0 := w/2 - adv/2
		left, right := x0, x0+adv
		if ink := font.ink(l, size); ink.ok {
			left, right = min(left, x0+ink.minX), max(right, x0+ink.maxX)
		}
		if left < personalPadding || right > w-personalPadding {
			return p, false
		}
	}
	lineH := lineHeight(font, size)
	top := h - personalPadding
	position, name := lines[:len(lines)-1], lines[len(lines)-1]
	for i, l := range position {
		if i == 0 {
			top -= above(font, l, size)
		} else {
			top -= lineH
		}
		p.positionBaselines = append(p.positionBaselines, top)
	}
	if len(position) > 0 {
		top += below(font, position[len(position)-1], size) - textImageGap
	}
	bottom := personalPadding
	if len(name) > 0 {
		p.nameBaseline = personalPadding - below(font, name, size)
		bottom = p.nameBaseline + above(font, name, size) + textImageGap
	}
	p.area = Rect{X: personalPadding, Y: bottom, W: w - 2*personalPadding, H: top - bottom}
	return p, p.area.H >= minImage && p.area.H >= 0
}

// above is how far a line reaches above its baseline: the font's ascent, or
// more when stacked diacritics (Ấ, Ủ) rise higher. In points.
func above(font *Font, l []shapedGlyph, size float64) float64 {
	a := font.Ascent() * size / 1000
	if ink := font.ink(l, size); ink.ok {
		a = max(a, ink.maxY)
	}
	return a
}

// below is the (negative) reach of a line under its baseline.
func below(font *Font, l []shapedGlyph, size float64) float64 {
	d := font.Descent() * size / 1000
	if ink := font.ink(l, size); ink.ok {
		d = min(d, ink.minY)
	}
	return d
}

// lineHeight is the distance between baselines: ascent, descent and line gap.
func lineHeight(font *Font, size float64) float64 {
	return (font.Ascent() - font.Descent() + font.LineGap()) * size / 1000
}

// fitImage scales img to fit area keeping its aspect ratio, centred.
func fitImage(img *Image, area Rect) Rect {
	iw, ih := float64(max(img.Width, 1)), float64(max(img.Height, 1))
	s := min(area.W/iw, area.H/ih)
	w, h := iw*s, ih*s
	return Rect{X: area.X + (area.W-w)/2, Y: area.Y + (area.H-h)/2, W: w, H: h}
}

// SealRect is where the agency's seal of the given diameter goes so that it
// covers the left third of the signature image at signature (Decree 30,
// Appendix I): its right edge a third of the way into the image, centred
// vertically on it. The result is in the same coordinates as signature.
func SealRect(signature Rect, diameter float64) Rect {
	return Rect{
		X: signature.X + signature.W/3 - diameter,
		Y: signature.Y + signature.H/2 - diameter/2,
		W: diameter,
		H: diameter,
	}
}

// AgencySpec describes the agency's signature: the seal image alone.
type AgencySpec struct {
	// Seal is the red seal image with a transparent background.
	Seal *Image
	// Size is the seal's diameter (its larger side) in points; default 100,
	// about the 35 mm of a real seal.
	Size float64
}

// Agency lays out the agency's signature appearance: the seal at real size.
func Agency(spec AgencySpec) (*Appearance, error) {
	if spec.Seal == nil {
		return nil, fmt.Errorf("%w: the agency signature needs the seal image", ErrDraw)
	}
	size := orDefault(spec.Size, DefaultSealSize)
	if !usable(size) || size <= 0 {
		return nil, fmt.Errorf("%w: the seal size %v pt is not usable", ErrDraw, size)
	}
	r := fitImage(spec.Seal, Rect{W: size, H: size})
	c := NewCanvas(r.W, r.H)
	if err := c.DrawImage(sealImageName, spec.Seal, 0, 0, r.W, r.H); err != nil {
		return nil, err
	}
	a, err := c.Appearance()
	if err != nil {
		return nil, err
	}
	a.ImageRect = Rect{W: r.W, H: r.H}
	return a, nil
}

// StampSpec describes the text stamped at the top right of the first page of
// an appendix signed by the agency (Decree 30, Appendix I): number/notation
// and signing time, upright, black, left-aligned lines.
type StampSpec struct {
	// Lines, e.g. "Số: 1234/UBND-VP", "Thời gian ký: 2026-11-26T09:41:05+07:00".
	Lines []string
	// Font is the regular (upright) font.
	Font *Font
	// Size in points; default 10. It shrinks down to MinSize (default 7)
	// when MaxWidth or MaxHeight is set and the text would exceed it.
	Size, MinSize float64
	// Padding around the text in points.
	Padding float64
	// MaxWidth and MaxHeight bound the box in points; 0 means no bound.
	MaxWidth, MaxHeight float64
}

// Stamp lays out the text stamp; the box is sized to the text, and the
// caller places it at the top right of page 1.
func Stamp(spec StampSpec) (*Appearance, error) {
	if spec.Font == nil {
		return nil, fmt.Errorf("%w: no font given for the stamp text", ErrDraw)
	}
	if len(spec.Lines) == 0 {
		return nil, fmt.Errorf("%w: the stamp has no text", ErrDraw)
	}
	if !usable(spec.Padding, spec.MaxWidth, spec.MaxHeight) || spec.Padding < 0 {
		return nil, fmt.Errorf("%w: the stamp padding and bounds must be non-negative sizes in points", ErrDraw)
	}
	font := spec.Font
	lines := make([]string, len(spec.Lines))
	shaped := make([][]shapedGlyph, len(spec.Lines))
	for i, l := range spec.Lines {
		lines[i] = norm.NFC.String(l)
		var err error
		if shaped[i], err = font.shape(lines[i]); err != nil {
			return nil, err
		}
	}
	size, minSize, err := textSizes(spec.Size, DefaultStampSize, spec.MinSize)
	if err != nil {
		return nil, err
	}
	pad := spec.Padding
	for ; size >= minSize; size -= shrinkStep {
		left, right := 0.0, 0.0 // horizontal reach of the lines from x = 0
		for _, l := range shaped {
			right = max(right, font.widthOf(l, size))
			if ink := font.ink(l, size); ink.ok {
				left, right = min(left, ink.minX), max(right, ink.maxX)
			}
		}
		lineH := lineHeight(font, size)
		top := above(font, shaped[0], size)
		depth := -below(font, shaped[len(shaped)-1], size)
		w := 2*pad + right - left
		h := 2*pad + top + float64(len(lines)-1)*lineH + depth
		if (spec.MaxWidth > 0 && w > spec.MaxWidth) || (spec.MaxHeight > 0 && h > spec.MaxHeight) {
			continue
		}
		c := NewCanvas(w, h)
		y := h - pad - top
		for _, l := range lines {
			if err := c.Text(font, size, pad-left, y, l, Black); err != nil {
				return nil, err
			}
			y -= lineH
		}
		return c.Appearance()
	}
	var bounds []string
	if spec.MaxWidth > 0 {
		bounds = append(bounds, fmt.Sprintf("%v pt wide", spec.MaxWidth))
	}
	if spec.MaxHeight > 0 {
		bounds = append(bounds, fmt.Sprintf("%v pt high", spec.MaxHeight))
	}
	return nil, fmt.Errorf("%w: the stamp text does not fit in a box %s even at %v pt; allow a larger box or shorten the text",
		ErrDoesNotFit, strings.Join(bounds, " and "), minSize)
}

// TextSpec describes the text of an electronic copy's agency signature (copy
// type, copying agency, signing time): the same layout as [StampSpec].
type TextSpec StampSpec

// Text lays out the signature text of an electronic copy (sao y, sao lục,
// trích sao), placed like the stamp at the top right of page 1.
func Text(spec TextSpec) (*Appearance, error) { return Stamp(StampSpec(spec)) }

// textSizes applies the defaults to a text size and the smallest size it may
// shrink to; a size below the minimum lowers the minimum.
func textSizes(size, def, minSize float64) (float64, float64, error) {
	size, minSize = orDefault(size, def), orDefault(minSize, DefaultMinSize)
	if !usable(size, minSize) || size <= 0 || minSize <= 0 {
		return 0, 0, fmt.Errorf("%w: the text size %v pt (at least %v pt) is not usable", ErrDraw, size, minSize)
	}
	return size, min(size, minSize), nil
}

func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}
