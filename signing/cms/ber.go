package cms

import (
	"errors"
	"fmt"
)

// Limits for BER input. A CMS signature in a PDF is usually a few kilobytes;
// with embedded revocation data it may reach a few megabytes.
const (
	maxInputSize = 32 << 20 // bytes of BER accepted by Parse
	maxDepth     = 64       // nesting of constructed values
)

var errTruncated = errors.New("the data ends in the middle of a value")

// convertTop converts the first BER value of data into the equivalent
// encoding that strict DER parsers accept: indefinite lengths become definite
// ones and constructed OCTET STRINGs and character strings become primitive
// ones. Values that need no conversion are copied byte for byte, so DER comes
// back unchanged (and signed attributes keep the exact bytes that were
// signed). It returns the converted value and how many input bytes it used.
func convertTop(data []byte) ([]byte, int, error) {
	if len(data) > maxInputSize {
		return nil, 0, fmt.Errorf("the data is larger than %d MiB", maxInputSize>>20)
	}
	out, used, _, err := convertBER(data, 0)
	return out, used, err
}

// berHeader is a parsed identifier and length.
type berHeader struct {
	ident       []byte // identifier octets as found
	class       byte   // top two bits of the first identifier octet
	constructed bool
	tag         uint32
	length      int // -1 for the indefinite form
	headerLen   int
}

func readBERHeader(in []byte) (berHeader, error) {
	var h berHeader
	if len(in) < 2 {
		return h, errTruncated
	}
	b0 := in[0]
	h.class = b0 & 0xc0
	h.constructed = b0&0x20 != 0
	i := 1
	if b0&0x1f != 0x1f {
		h.tag = uint32(b0 & 0x1f)
	} else {
		// High-tag-number form: base-128, at most four octets, no leading 0x80.
		for {
			if i >= len(in) {
				return h, errTruncated
			}
			c := in[i]
			if i == 1 && c == 0x80 {
				return h, errors.New("invalid tag encoding")
			}
			if i > 4 {
				return h, errors.New("tag number too large")
			}
			h.tag = h.tag<<7 | uint32(c&0x7f)
			i++
			if c&0x80 == 0 {
				break
			}
		}
	}
	h.ident = in[:i]
	if i >= len(in) {
		return h, errTruncated
	}
	l0 := in[i]
	i++
	switch {
	case l0 < 0x80:
		h.length = int(l0)
	case l0 == 0x80:
		if !h.constructed {
			return h, errors.New("indefinite length on a primitive value")
		}
		h.length = -1
	case l0 == 0xff:
		return h, errors.New("invalid length encoding")
	default:
		n := int(l0 & 0x7f)
		if n > 4 {
			return h, errors.New("length too large")
		}
		if i+n > len(in) {
			return h, errTruncated
		}
		length := 0
		for _, c := range in[i : i+n] {
			length = length<<8 | int(c)
		}
		i += n
		h.length = length
	}
	h.headerLen = i
	if h.length > len(in)-i {
		return h, errTruncated
	}
	return h, nil
}

// isStringTag reports whether a universal tag may use the constructed form
// for a string that DER requires to be primitive.
func isStringTag(tag uint32) bool {
	switch tag {
	case 4, // OCTET STRING
		12,         // UTF8String
		18, 19, 20, // NumericString, PrintableString, T61String
		21, 22, // VideotexString, IA5String
		23, 24, // UTCTime, GeneralizedTime
		25, 26, 27, 28, // GraphicString, VisibleString, GeneralString, UniversalString
		30: // BMPString
		return true
	}
	return false
}

// convertBER converts the value at the start of in. It returns the converted
// bytes, how many input bytes the value used and whether the output differs
// from the input.
func convertBER(in []byte, depth int) (out []byte, used int, changed bool, err error) {
	if depth > maxDepth {
		return nil, 0, false, fmt.Errorf("values nested deeper than %d levels", maxDepth)
	}
	h, err := readBERHeader(in)
	if err != nil {
		return nil, 0, false, err
	}
	if !h.constructed {
		end := h.headerLen + h.length
		return in[:end], end, false, nil
	}
	if h.class == 0 && h.tag == 3 {
		return nil, 0, false, errors.New("constructed BIT STRING is not supported")
	}
	flatten := h.class == 0 && isStringTag(h.tag)

	content := in[h.headerLen:]
	if h.length >= 0 {
		content = content[:h.length]
	}
	var (
		children [][]byte
		pos      int
		anyDiff  = h.length < 0 || flatten
	)
	for h.length < 0 || pos < len(content) {
		if h.length < 0 {
			if len(content)-pos < 2 {
				return nil, 0, false, errTruncated
			}
			if content[pos] == 0 && content[pos+1] == 0 {
				pos += 2
				break
			}
		}
		child, n, diff, err := convertBER(content[pos:], depth+1)
		if err != nil {
			return nil, 0, false, err
		}
		if flatten {
			// After conversion every segment is a primitive of the same type.
			ch, err := readBERHeader(child)
			if err != nil {
				return nil, 0, false, err
			}
			if ch.class != 0 || ch.tag != h.tag {
				return nil, 0, false, errors.New("a constructed string holds a segment of another type")
			}
			child = child[ch.headerLen:]
		}
		children = append(children, child)
		anyDiff = anyDiff || diff
		pos += n
	}
	used = h.headerLen + pos
	if !anyDiff {
		return in[:used], used, false, nil
	}

	total := 0
	for _, c := range children {
		total += len(c)
	}
	ident := h.ident
	if flatten {
		// The primitive form, in the one-octet identifier DER wants: the
		// string tags are all below 31, though BER may have written them
		// in the high-tag-number form.
		ident = []byte{h.class | byte(h.tag)}
	}
	out = make([]byte, 0, len(ident)+5+total)
	out = append(out, ident...)
	out = appendLength(out, total)
	for _, c := range children {
		out = append(out, c...)
	}
	return out, used, true, nil
}

// appendLength appends a DER length.
func appendLength(b []byte, n int) []byte {
	if n < 0x80 {
		return append(b, byte(n))
	}
	var tmp [8]byte
	i := len(tmp)
	for n > 0 {
		i--
		tmp[i] = byte(n)
		n >>= 8
	}
	b = append(b, 0x80|byte(len(tmp)-i))
	return append(b, tmp[i:]...)
}

// ToDER converts one BER value, with nothing after it, into the encoding
// strict DER parsers accept (see Parse for what is converted and the
// limits). DER input comes back unchanged.
func ToDER(data []byte) ([]byte, error) {
	out, used, err := convertTop(data)
	if err != nil {
		return nil, fmt.Errorf("the data is not valid BER: %w", err)
	}
	if used != len(data) {
		return nil, errors.New("the data is not valid BER: unexpected data after the value")
	}
	return out, nil
}
