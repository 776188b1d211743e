package appearance

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
)

// ErrImage is wrapped by every error about an image that cannot be used.
var ErrImage = errors.New("unusable image")

// MaxImageSide is the largest width or height accepted, in pixels: a
// signature or seal needs a few hundred.
const MaxImageSide = 4000

// An Image is a raster image ready for a PDF image XObject:
//
//	<< /Type /XObject /Subtype /Image /Width ‹Width› /Height ‹Height›
//	   /ColorSpace /‹ColorSpace› /BitsPerComponent ‹BitsPerComponent›
//	   /Filter /FlateDecode [/SMask ‹the SMask image XObject›] >> stream ‹Data›
//
// The samples run left to right, top to bottom, without predictor.
type Image struct {
	Width, Height    int
	ColorSpace       string // "DeviceRGB" or "DeviceGray"
	BitsPerComponent int    // always 8
	Data             []byte // zlib (FlateDecode) compressed samples
	// SMask is the alpha channel as a DeviceGray image, nil when the image
	// is fully opaque.
	SMask *Image
}

// DecodePNG converts a PNG file into an [Image]: any PNG colour type and bit
// depth (palette, grey, RGB, with alpha or tRNS, 1–16 bits) becomes 8-bit
// DeviceGray (when every pixel is grey) or DeviceRGB samples, and the
// transparency becomes a soft mask.
func DecodePNG(data []byte) (*Image, error) {
	if err := checkPNG(data); err != nil {
		return nil, err
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: the PNG file is damaged: %w", ErrImage, err)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	rgb := make([]byte, 0, 3*w*h)
	alpha := make([]byte, 0, w*h)
	gray, opaque := true, true
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := nrgbaAt(img, x, y)
			rgb = append(rgb, c.R, c.G, c.B)
			alpha = append(alpha, c.A)
			gray = gray && c.R == c.G && c.G == c.B
			opaque = opaque && c.A == 0xFF
		}
	}
	out := &Image{Width: w, Height: h, ColorSpace: "DeviceRGB", BitsPerComponent: 8}
	if gray {
		out.ColorSpace = "DeviceGray"
		for i := range w * h {
			rgb[i] = rgb[3*i]
		}
		rgb = rgb[:w*h]
	}
	if out.Data, err = deflate(rgb); err != nil {
		return nil, err
	}
	if !opaque {
		out.SMask = &Image{Width: w, Height: h, ColorSpace: "DeviceGray", BitsPerComponent: 8}
		if out.SMask.Data, err = deflate(alpha); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// nrgbaAt reads one pixel as non-premultiplied 8-bit RGBA, with fast paths
// for the types image/png returns most.
func nrgbaAt(img image.Image, x, y int) color.NRGBA {
	switch m := img.(type) {
	case *image.NRGBA:
		i := m.PixOffset(x, y)
		return color.NRGBA{R: m.Pix[i], G: m.Pix[i+1], B: m.Pix[i+2], A: m.Pix[i+3]}
	case *image.RGBA: // truecolor without alpha: opaque, so not premultiplied
		i := m.PixOffset(x, y)
		if m.Pix[i+3] == 0xFF {
			return color.NRGBA{R: m.Pix[i], G: m.Pix[i+1], B: m.Pix[i+2], A: 0xFF}
		}
	case *image.Gray:
		v := m.Pix[m.PixOffset(x, y)]
		return color.NRGBA{R: v, G: v, B: v, A: 0xFF}
	case *image.Paletted:
		if i := int(m.ColorIndexAt(x, y)); i < len(m.Palette) {
			return color.NRGBAModel.Convert(m.Palette[i]).(color.NRGBA)
		}
		return color.NRGBA{A: 0xFF}
	}
	return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
}

func deflate(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	if err != nil {
		return nil, fmt.Errorf("compressing image samples: %w", err)
	}
	if _, err := zw.Write(b); err != nil {
		return nil, fmt.Errorf("compressing image samples: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compressing image samples: %w", err)
	}
	return buf.Bytes(), nil
}

// checkPNG reads the chunk layout before decoding so that an image too large,
// or one whose header promises far more pixels than its data can hold, is
// refused before memory is allocated for it.
func checkPNG(data []byte) error {
	const sig = "\x89PNG\r\n\x1a\n"
	if len(data) < len(sig) || string(data[:len(sig)]) != sig {
		return fmt.Errorf("%w: the file is not a PNG image", ErrImage)
	}
	var width, height, bitsPerPixel uint64
	var idat uint64
	p := len(sig)
	for p+8 <= len(data) {
		n := uint64(binary.BigEndian.Uint32(data[p:]))
		typ := string(data[p+4 : p+8])
		if uint64(p)+12+n > uint64(len(data)) {
			break // truncated: png.Decode says what is wrong
		}
		body := data[p+8 : p+8+int(n)]
		switch typ {
		case "IHDR":
			if len(body) < 13 {
				return fmt.Errorf("%w: the PNG header is damaged", ErrImage)
			}
			width = uint64(binary.BigEndian.Uint32(body))
			height = uint64(binary.BigEndian.Uint32(body[4:]))
			if width > MaxImageSide || height > MaxImageSide {
				return fmt.Errorf("%w: the image is %d×%d pixels; the largest accepted is %d×%d, scale it down",
					ErrImage, width, height, MaxImageSide, MaxImageSide)
			}
			depth := uint64(body[8])
			channels := map[byte]uint64{0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[body[9]]
			bitsPerPixel = depth * channels
		case "IDAT":
			idat += n
		case "IEND":
			p = len(data)
			continue
		}
		p += 12 + int(n)
	}
	// Deflate cannot expand data more than about 1032 times.
	raw := height * (1 + (width*bitsPerPixel+7)/8)
	if raw > 1100*idat+4096 {
		return fmt.Errorf("%w: the PNG image data is truncated (%d bytes for %d×%d pixels)", ErrImage, idat, width, height)
	}
	return nil
}
