package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Limits that bound every parse.
const (
	maxDepth        = 64       // nesting of arrays and dictionaries
	maxStringLen    = 32 << 20 // one string (signature contents are a few KB)
	maxNameLen      = 4096
	maxContainerLen = 1 << 22 // elements in one array or dictionary
	maxRefChain     = 32      // references to references
	maxXrefEntries  = 8 << 20 // objects in one file
	maxDecoded      = 256 << 20
	chunkSize       = 4096
)

// ErrMalformed is wrapped by every error about broken PDF syntax.
var ErrMalformed = errors.New("malformed PDF")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

type tokKind uint8

const (
	tEOF tokKind = iota
	tInt
	tReal
	tName
	tString
	tKeyword
	tArrayOpen
	tArrayClose
	tDictOpen
	tDictClose
)

type token struct {
	kind tokKind
	i    int64
	f    float64
	s    []byte // name, string, keyword
	off  int64  // file offset of the token's first byte
}

func (t token) is(kw string) bool { return t.kind == tKeyword && string(t.s) == kw }

// lexer reads tokens from r starting at an offset, fetching chunks on
// demand so that only the bytes actually parsed are held in memory.
type lexer struct {
	r     io.ReaderAt
	limit int64 // bytes at or past limit are never read
	base  int64 // file offset of buf[0]
	buf   []byte
	pos   int
	eof   bool
	err   error
	back  []token
}

func newLexer(r io.ReaderAt, off, limit int64) *lexer {
	return &lexer{r: r, limit: limit, base: off}
}

func (l *lexer) offset() int64 { return l.base + int64(l.pos) }

// fill reads the next chunk; false at the limit or on a read error.
func (l *lexer) fill() bool {
	if l.eof {
		return false
	}
	// Drop consumed bytes to keep the buffer small.
	if l.pos > chunkSize && l.pos > len(l.buf)/2 {
		n := copy(l.buf, l.buf[l.pos:])
		l.buf = l.buf[:n]
		l.base += int64(l.pos)
		l.pos = 0
	}
	start := l.base + int64(len(l.buf))
	want := int64(chunkSize)
	if start+want > l.limit {
		want = l.limit - start
	}
	if want <= 0 {
		l.eof = true
		return false
	}
	old := len(l.buf)
	l.buf = append(l.buf, make([]byte, want)...)
	n, err := l.r.ReadAt(l.buf[old:], start)
	l.buf = l.buf[:old+n]
	if n == 0 {
		l.eof = true
		if err != nil && !errors.Is(err, io.EOF) {
			l.err = err
		}
		return false
	}
	return true
}

func (l *lexer) peekByte() (byte, bool) {
	if l.pos >= len(l.buf) && !l.fill() {
		return 0, false
	}
	return l.buf[l.pos], true
}

func (l *lexer) readByte() (byte, bool) {
	c, ok := l.peekByte()
	if ok {
		l.pos++
	}
	return c, ok
}

func isWhite(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func isRegular(c byte) bool { return !isWhite(c) && !isDelim(c) }

// skipSpace skips white space and comments.
func (l *lexer) skipSpace() {
	for {
		c, ok := l.peekByte()
		if !ok {
			return
		}
		switch {
		case isWhite(c):
			l.pos++
		case c == '%':
			for {
				c, ok := l.readByte()
				if !ok || c == '\n' || c == '\r' {
					break
				}
			}
		default:
			return
		}
	}
}

func (l *lexer) unread(t token) { l.back = append(l.back, t) }

func (l *lexer) next() (token, error) {
	if n := len(l.back); n > 0 {
		t := l.back[n-1]
		l.back = l.back[:n-1]
		return t, nil
	}
	l.skipSpace()
	off := l.offset()
	c, ok := l.readByte()
	if !ok {
		if l.err != nil {
			return token{}, fmt.Errorf("reading PDF: %w", l.err)
		}
		return token{kind: tEOF, off: off}, nil
	}
	switch c {
	case '[':
		return token{kind: tArrayOpen, off: off}, nil
	case ']':
		return token{kind: tArrayClose, off: off}, nil
	case '<':
		if d, ok := l.peekByte(); ok && d == '<' {
			l.pos++
			return token{kind: tDictOpen, off: off}, nil
		}
		s, err := l.hexString()
		return token{kind: tString, s: s, off: off}, err
	case '>':
		if d, ok := l.peekByte(); ok && d == '>' {
			l.pos++
			return token{kind: tDictClose, off: off}, nil
		}
		return token{}, malformed("stray '>' at offset %d", off)
	case '(':
		s, err := l.literalString()
		return token{kind: tString, s: s, off: off}, err
	case '/':
		s, err := l.name()
		return token{kind: tName, s: s, off: off}, err
	case ')', '{', '}':
		return token{}, malformed("unexpected %q at offset %d", c, off)
	}
	// A number or a keyword: a run of regular characters.
	word := []byte{c}
	for {
		d, ok := l.peekByte()
		if !ok || !isRegular(d) {
			break
		}
		if len(word) > 255 {
			return token{}, malformed("overlong token at offset %d", off)
		}
		word = append(word, d)
		l.pos++
	}
	if isNumberStart(word[0]) {
		return numberToken(word, off)
	}
	return token{kind: tKeyword, s: word, off: off}, nil
}

func isNumberStart(c byte) bool { return c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9') }

func numberToken(word []byte, off int64) (token, error) {
	if i, ok := shortInt(word); ok {
		return token{kind: tInt, i: i, off: off}, nil
	}
	s := string(word)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return token{kind: tInt, i: i, off: off}, nil
	}
	// PDF reals: optional sign, digits with one period. Producers also
	// write "--5" or "5-"; those are errors here.
	digits, dots := 0, 0
	for i, c := range word {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		case (c == '+' || c == '-') && i == 0:
		default:
			return token{}, malformed("bad number %q at offset %d", truncate(s), off)
		}
	}
	if digits == 0 || dots > 1 {
		return token{}, malformed("bad number %q at offset %d", truncate(s), off)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return token{}, malformed("bad number %q at offset %d", truncate(s), off)
	}
	return token{kind: tReal, f: f, off: off}, nil
}

// shortInt reads an integer of at most 18 digits (which cannot overflow)
// with an optional sign, as strconv.ParseInt would, without allocating:
// PDF files are mostly such numbers.
func shortInt(w []byte) (int64, bool) {
	neg := false
	if len(w) > 0 && (w[0] == '+' || w[0] == '-') {
		neg, w = w[0] == '-', w[1:]
	}
	if len(w) == 0 || len(w) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range w {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

func truncate(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}

func (l *lexer) name() ([]byte, error) {
	var out []byte
	for {
		c, ok := l.peekByte()
		if !ok || !isRegular(c) {
			return out, nil
		}
		l.pos++
		if c == '#' {
			h1, ok1 := l.readByte()
			h2, ok2 := l.readByte()
			v1, g1 := unhex(h1)
			v2, g2 := unhex(h2)
			if !ok1 || !ok2 || !g1 || !g2 {
				return nil, malformed("bad #-escape in name at offset %d", l.offset())
			}
			c = v1<<4 | v2
		}
		if len(out) >= maxNameLen {
			return nil, malformed("overlong name at offset %d", l.offset())
		}
		out = append(out, c)
	}
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func (l *lexer) hexString() ([]byte, error) {
	var out []byte
	var hi byte
	half := false
	// The digits are read from the buffer a chunk at a time: a signature's
	// /Contents is tens of thousands of them.
	for {
		if l.pos >= len(l.buf) && !l.fill() {
			return nil, malformed("unterminated hex string")
		}
		chunk := l.buf[l.pos:]
		if out == nil {
			if j := bytes.IndexByte(chunk, '>'); j >= 0 {
				out = make([]byte, 0, min(j/2+1, maxStringLen+1))
			}
		}
		for i, c := range chunk {
			if c == '>' {
				l.pos += i + 1
				if half {
					out = append(out, hi<<4)
				}
				return out, nil
			}
			if isWhite(c) {
				continue
			}
			v, good := unhex(c)
			if !good {
				l.pos += i + 1
				return nil, malformed("bad character %q in hex string at offset %d", c, l.offset()-1)
			}
			if half {
				out = append(out, hi<<4|v)
				if len(out) > maxStringLen {
					return nil, malformed("string longer than %d bytes", maxStringLen)
				}
			} else {
				hi = v
			}
			half = !half
		}
		l.pos = len(l.buf)
	}
}

func (l *lexer) literalString() ([]byte, error) {
	var out []byte
	depth := 1
	for {
		c, ok := l.readByte()
		if !ok {
			return nil, malformed("unterminated string")
		}
		if len(out) > maxStringLen {
			return nil, malformed("string longer than %d bytes", maxStringLen)
		}
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return out, nil
			}
		case '\r':
			// An unescaped EOL is read as \n.
			if d, ok := l.peekByte(); ok && d == '\n' {
				l.pos++
			}
			c = '\n'
		case '\\':
			e, ok := l.readByte()
			if !ok {
				return nil, malformed("unterminated string")
			}
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if d, ok := l.peekByte(); ok && d == '\n' {
					l.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for range 2 {
						d, ok := l.peekByte()
						if !ok || d < '0' || d > '7' {
							break
						}
						l.pos++
						v = v*8 + int(d-'0')
					}
					c = byte(v)
				} else {
					c = e // \( \) \\ and unknown escapes
				}
			}
		}
		out = append(out, c)
	}
}

// readFull reads exactly len(p) bytes.
func readFull(r io.Reader, p []byte) (int, error) {
	n, err := io.ReadFull(r, p)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		err = malformed("unexpected end of data")
	}
	return n, err
}
