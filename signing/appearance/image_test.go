package appearance

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"strings"
	"testing"

	"github.com/vanthu/vanthu/assets"
)

type pngChunk struct {
	typ  string
	data []byte
}

// encodePNG writes a PNG by hand so that the tests can make every colour
// type and bit depth (the standard encoder cannot write grey+alpha, 1-bit or
// tRNS on grey). rows are the unfiltered scanlines.
func encodePNG(w, h int, colorType, depth byte, rows [][]byte, extra ...pngChunk) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(data))))
		crc := crc32.NewIEEE()
		b.WriteString(typ)
		crc.Write([]byte(typ))
		b.Write(data)
		crc.Write(data)
		b.Write(binary.BigEndian.AppendUint32(nil, crc.Sum32()))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = depth, colorType
	chunk("IHDR", ihdr)
	for _, c := range extra {
		chunk(c.typ, c.data)
	}
	var raw []byte
	for _, r := range rows {
		raw = append(raw, 0) // filter: none
		raw = append(raw, r...)
	}
	chunk("IDAT", mustDeflate(raw))
	chunk("IEND", nil)
	return b.Bytes()
}

// mustDeflate zlib-compresses b; writing to memory cannot fail.
func mustDeflate(b []byte) []byte {
	z, err := deflate(b)
	if err != nil {
		panic(err)
	}
	return z
}

func inflate(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the samples are not zlib data: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("the samples are not zlib data: %v", err)
	}
	return out
}

func TestDecodePNG(t *testing.T) {
	for _, tc := range []struct {
		name       string
		png        []byte
		colorSpace string
		samples    []byte
		alpha      []byte // nil: no SMask
	}{
		{
			name:       "RGBA 8-bit",
			png:        encodePNG(2, 1, 6, 8, [][]byte{{0, 40, 160, 255, 0, 40, 160, 64}}),
			colorSpace: "DeviceRGB", samples: []byte{0, 40, 160, 0, 40, 160}, alpha: []byte{255, 64},
		},
		{
			name:       "RGB 8-bit opaque",
			png:        encodePNG(2, 2, 2, 8, [][]byte{{1, 2, 3, 4, 5, 6}, {7, 8, 9, 10, 11, 12}}),
			colorSpace: "DeviceRGB", samples: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
		},
		{
			name:       "grey 8-bit",
			png:        encodePNG(3, 1, 0, 8, [][]byte{{0, 128, 255}}),
			colorSpace: "DeviceGray", samples: []byte{0, 128, 255},
		},
		{
			name:       "grey 1-bit",
			png:        encodePNG(3, 1, 0, 1, [][]byte{{0b1010_0000}}),
			colorSpace: "DeviceGray", samples: []byte{255, 0, 255},
		},
		{
			name:       "grey with tRNS",
			png:        encodePNG(2, 1, 0, 8, [][]byte{{7, 200}}, pngChunk{"tRNS", []byte{0, 7}}),
			colorSpace: "DeviceGray", samples: []byte{7, 200}, alpha: []byte{0, 255},
		},
		{
			name:       "grey+alpha 8-bit",
			png:        encodePNG(2, 1, 4, 8, [][]byte{{30, 255, 90, 10}}),
			colorSpace: "DeviceGray", samples: []byte{30, 90}, alpha: []byte{255, 10},
		},
		{
			name: "paletted with tRNS",
			png: encodePNG(3, 1, 3, 8, [][]byte{{0, 1, 2}},
				pngChunk{"PLTE", []byte{220, 20, 20, 0, 0, 0, 255, 255, 255}},
				pngChunk{"tRNS", []byte{255, 0, 128}}),
			colorSpace: "DeviceRGB", samples: []byte{220, 20, 20, 0, 0, 0, 255, 255, 255}, alpha: []byte{255, 0, 128},
		},
		{
			name: "paletted 2-bit opaque",
			png: encodePNG(2, 1, 3, 2, [][]byte{{0b0001_0000}},
				pngChunk{"PLTE", []byte{10, 20, 30, 40, 50, 60}}),
			colorSpace: "DeviceRGB", samples: []byte{10, 20, 30, 40, 50, 60},
		},
		{
			name:       "RGBA 16-bit",
			png:        encodePNG(1, 1, 6, 16, [][]byte{{0x12, 0x34, 0xAB, 0xCD, 0xFF, 0x00, 0x80, 0x80}}),
			colorSpace: "DeviceRGB", samples: []byte{0x12, 0xAB, 0xFF}, alpha: []byte{0x80},
		},
		{
			name:       "grey 16-bit",
			png:        encodePNG(2, 1, 0, 16, [][]byte{{0xFF, 0xFF, 0x40, 0x01}}),
			colorSpace: "DeviceGray", samples: []byte{0xFF, 0x40},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img, err := DecodePNG(tc.png)
			if err != nil {
				t.Fatal(err)
			}
			if img.ColorSpace != tc.colorSpace || img.BitsPerComponent != 8 {
				t.Errorf("got %s %d-bit, want %s 8-bit", img.ColorSpace, img.BitsPerComponent, tc.colorSpace)
			}
			if got := inflate(t, img.Data); !bytes.Equal(got, tc.samples) {
				t.Errorf("samples %v, want %v", got, tc.samples)
			}
			switch {
			case tc.alpha == nil && img.SMask != nil:
				t.Errorf("an opaque image got an SMask")
			case tc.alpha != nil && img.SMask == nil:
				t.Errorf("no SMask, want alpha %v", tc.alpha)
			case tc.alpha != nil:
				m := img.SMask
				if m.Width != img.Width || m.Height != img.Height || m.ColorSpace != "DeviceGray" || m.BitsPerComponent != 8 || m.SMask != nil {
					t.Errorf("SMask is %dx%d %s %d-bit, want %dx%d DeviceGray 8-bit", m.Width, m.Height, m.ColorSpace, m.BitsPerComponent, img.Width, img.Height)
				}
				if got := inflate(t, m.Data); !bytes.Equal(got, tc.alpha) {
					t.Errorf("alpha %v, want %v", got, tc.alpha)
				}
			}
		})
	}
}

func TestDecodePNGDemoImages(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		w, h int
	}{
		{"signature", assets.DemoSignature, 600, 240},
		{"seal", assets.DemoSeal, 500, 500},
	} {
		img, err := DecodePNG(tc.data)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if img.Width != tc.w || img.Height != tc.h || img.ColorSpace != "DeviceRGB" || img.SMask == nil {
			t.Errorf("%s: %dx%d %s, SMask %v; want %dx%d DeviceRGB with an SMask", tc.name, img.Width, img.Height, img.ColorSpace, img.SMask != nil, tc.w, tc.h)
		}
	}
}

func TestDecodePNGRejects(t *testing.T) {
	good := encodePNG(2, 1, 0, 8, [][]byte{{1, 2}})
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a PNG"},
		{"JPEG", []byte("\xff\xd8\xff\xe0\x00\x10JFIF"), "not a PNG"},
		{"too wide", encodePNG(5000, 1, 0, 8, nil), "5000×1 pixels; the largest accepted is 4000×4000"},
		{"too tall", encodePNG(1, 4001, 0, 8, nil), "1×4001 pixels"},
		{"promises more than it holds", encodePNG(4000, 4000, 6, 16, [][]byte{{1}}), "truncated"},
		{"cut short", good[:len(good)-20], "damaged"},
		{"bad CRC", append(bytes.Clone(good[:30]), append([]byte{0, 0, 0, 0}, good[34:]...)...), "damaged"},
		{"palette index without palette", encodePNG(1, 1, 3, 8, [][]byte{{0}}), "damaged"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img, err := DecodePNG(tc.data)
			if err == nil {
				t.Fatalf("DecodePNG succeeded (%dx%d), want an error containing %q", img.Width, img.Height, tc.want)
			}
			if !errors.Is(err, ErrImage) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("DecodePNG error = %q, want ErrImage containing %q", err, tc.want)
			}
		})
	}
}
