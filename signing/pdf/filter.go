package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/vanthu/vanthu/internal/zpool"
)

// Decode returns the decoded bytes of a stream, refusing results larger
// than limit bytes (0: the package limit).
func (f *File) Decode(s *Stream, limit int64) ([]byte, error) {
	if limit <= 0 || limit > maxDecoded {
		limit = maxDecoded
	}
	filters, params, err := f.streamFilters(s)
	if err != nil {
		return nil, err
	}
	raw, err := s.Raw(limit)
	if err != nil {
		return nil, err
	}
	data := raw
	for i, name := range filters {
		var p Dict
		if i < len(params) {
			p = params[i]
		}
		data, err = applyFilter(name, p, data, limit)
		if err != nil {
			return nil, err
		}
	}
	return data, nil
}

// Raw returns the stream's raw bytes, refusing streams longer than limit.
func (s *Stream) Raw(limit int64) ([]byte, error) {
	if s.Len() > limit {
		return nil, malformed("stream of %d bytes exceeds the %d-byte limit", s.Len(), limit)
	}
	if s.src == nil {
		return s.Data, nil
	}
	buf := make([]byte, s.length)
	if _, err := readFull(s.RawReader(), buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// RawReader returns a reader over the stream's raw bytes.
func (s *Stream) RawReader() io.Reader {
	if s.src == nil {
		return bytes.NewReader(s.Data)
	}
	return io.NewSectionReader(s.src.r, s.offset, s.length)
}

func (f *File) streamFilters(s *Stream) ([]Name, []Dict, error) {
	fo, err := f.Resolve(s.Dict["Filter"])
	if err != nil {
		return nil, nil, err
	}
	var names []Name
	switch v := fo.(type) {
	case nil:
	case Name:
		names = []Name{v}
	case Array:
		for _, e := range v {
			e, err := f.Resolve(e)
			if err != nil {
				return nil, nil, err
			}
			n, ok := e.(Name)
			if !ok {
				return nil, nil, malformed("stream filter is not a name")
			}
			names = append(names, n)
		}
	default:
		return nil, nil, malformed("stream /Filter has type %T", fo)
	}
	po, err := f.Resolve(s.Dict["DecodeParms"])
	if err != nil {
		return nil, nil, err
	}
	var params []Dict
	switch v := po.(type) {
	case nil:
	case Dict:
		params = []Dict{v}
	case Array:
		for _, e := range v {
			e, err := f.Resolve(e)
			if err != nil {
				return nil, nil, err
			}
			d, _ := e.(Dict)
			params = append(params, d)
		}
	}
	return names, params, nil
}

func applyFilter(name Name, params Dict, data []byte, limit int64) ([]byte, error) {
	switch name {
	case "FlateDecode", "Fl":
		out, err := inflate(data, limit)
		if err != nil {
			return nil, err
		}
		return predict(out, params)
	case "ASCIIHexDecode", "AHx":
		return asciiHex(data)
	case "ASCII85Decode", "A85":
		return ascii85(data)
	}
	return nil, fmt.Errorf("%w: unsupported stream filter /%s", ErrMalformed, name)
}

func inflate(data []byte, limit int64) ([]byte, error) {
	zr, err := zpool.NewZlib(bytes.NewReader(data))
	if err != nil {
		return nil, malformed("bad Flate data: %v", err)
	}
	defer zr.Close()
	var out bytes.Buffer
	n, err := io.Copy(&out, io.LimitReader(zr, limit+1))
	if n > limit {
		return nil, malformed("stream decodes to more than %d bytes", limit)
	}
	// Truncated Flate data is common in the wild; what decoded is kept
	// only when nothing decoded at all would otherwise be an error.
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, malformed("bad Flate data: %v", err)
	}
	if err != nil && n == 0 {
		return nil, malformed("truncated Flate data")
	}
	return out.Bytes(), nil
}

// predict undoes a PNG or TIFF predictor.
func predict(data []byte, params Dict) ([]byte, error) {
	if params == nil {
		return data, nil
	}
	pred, _ := AsInt(params["Predictor"])
	if pred <= 1 {
		return data, nil
	}
	colors, bpc, columns := int64(1), int64(8), int64(1)
	if v, ok := AsInt(params["Colors"]); ok {
		colors = v
	}
	if v, ok := AsInt(params["BitsPerComponent"]); ok {
		bpc = v
	}
	if v, ok := AsInt(params["Columns"]); ok {
		columns = v
	}
	if colors < 1 || colors > 32 || columns < 1 || columns > 1<<20 {
		return nil, malformed("bad predictor parameters (Colors %d, Columns %d)", colors, columns)
	}
	switch bpc {
	case 1, 2, 4, 8, 16:
	default:
		return nil, malformed("bad predictor BitsPerComponent %d", bpc)
	}
	bpp := int((colors*bpc + 7) / 8)
	rowLen := int((colors*bpc*columns + 7) / 8)
	switch {
	case pred == 2:
		if bpc != 8 {
			return nil, malformed("TIFF predictor with %d bits per component is not supported", bpc)
		}
		out := append([]byte(nil), data...)
		for r := 0; r+rowLen <= len(out); r += rowLen {
			row := out[r : r+rowLen]
			for i := bpp; i < len(row); i++ {
				row[i] += row[i-bpp]
			}
		}
		return out, nil
	case pred >= 10 && pred <= 15:
		out := make([]byte, 0, len(data)/(rowLen+1)*rowLen)
		prev := make([]byte, rowLen)
		for r := 0; r < len(data); r += rowLen + 1 {
			if r+rowLen+1 > len(data) {
				return nil, malformed("PNG predictor data is not a whole number of rows")
			}
			typ := data[r]
			row := append([]byte(nil), data[r+1:r+1+rowLen]...)
			for i := range row {
				var left, up, upLeft byte
				if i >= bpp {
					left = row[i-bpp]
					upLeft = prev[i-bpp]
				}
				up = prev[i]
				switch typ {
				case 0:
				case 1:
					row[i] += left
				case 2:
					row[i] += up
				case 3:
					row[i] += byte((int(left) + int(up)) / 2)
				case 4:
					row[i] += paeth(left, up, upLeft)
				default:
					return nil, malformed("bad PNG predictor row type %d", typ)
				}
			}
			out = append(out, row...)
			prev = row
		}
		return out, nil
	}
	return nil, malformed("unsupported predictor %d", pred)
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	if pa <= pb && pa <= pc {
		return a
	}
	if pb <= pc {
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func asciiHex(data []byte) ([]byte, error) {
	out := make([]byte, 0, len(data)/2)
	var hi byte
	half := false
	for _, c := range data {
		if c == '>' {
			break
		}
		if isWhite(c) {
			continue
		}
		v, ok := unhex(c)
		if !ok {
			return nil, malformed("bad ASCIIHex data")
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	if half {
		out = append(out, hi<<4)
	}
	return out, nil
}

func ascii85(data []byte) ([]byte, error) {
	out := make([]byte, 0, len(data)*4/5)
	var group [5]byte
	n := 0
	flush := func(count int) {
		var v uint32
		for i := range 5 {
			v = v*85 + uint32(group[i])
		}
		b := [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
		out = append(out, b[:count]...)
	}
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case isWhite(c):
			continue
		case c == '~':
			i = len(data)
			continue
		case c == 'z' && n == 0:
			out = append(out, 0, 0, 0, 0)
			continue
		case c < '!' || c > 'u':
			return nil, malformed("bad ASCII85 data")
		}
		group[n] = c - '!'
		n++
		if n == 5 {
			flush(4)
			n = 0
		}
	}
	if n == 1 {
		return nil, malformed("bad ASCII85 final group")
	}
	if n > 1 {
		for i := n; i < 5; i++ {
			group[i] = 84
		}
		flush(n - 1)
	}
	return out, nil
}
