package pdf

import (
	"bytes"
	"fmt"
	"io"
)

// parser turns tokens into objects.
type parser struct {
	lex *lexer
}

func newParser(r io.ReaderAt, off, limit int64) *parser {
	return &parser{lex: newLexer(r, off, limit)}
}

// newBytesParser parses data held in memory, starting at off.
func newBytesParser(data []byte, off int) *parser {
	l := &lexer{buf: data, pos: off, limit: int64(len(data)), eof: true}
	return &parser{lex: l}
}

// object parses one direct object (an indirect reference counts as one).
func (p *parser) object(depth int) (Object, error) {
	if depth > maxDepth {
		return nil, malformed("objects nested deeper than %d levels", maxDepth)
	}
	t, err := p.lex.next()
	if err != nil {
		return nil, err
	}
	switch t.kind {
	case tEOF:
		return nil, malformed("unexpected end of file")
	case tInt:
		return p.intOrRef(t)
	case tReal:
		return t.f, nil
	case tName:
		return Name(t.s), nil
	case tString:
		return String(t.s), nil
	case tArrayOpen:
		return p.array(depth)
	case tDictOpen:
		return p.dict(depth)
	case tKeyword:
		switch string(t.s) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
		return nil, malformed("unexpected %q at offset %d", truncate(string(t.s)), t.off)
	}
	return nil, malformed("unexpected token at offset %d", t.off)
}

func (p *parser) intOrRef(t token) (Object, error) {
	t2, err := p.lex.next()
	if err != nil {
		return nil, err
	}
	if t2.kind != tInt {
		p.lex.unread(t2)
		return t.i, nil
	}
	t3, err := p.lex.next()
	if err != nil {
		return nil, err
	}
	if !t3.is("R") {
		p.lex.unread(t3)
		p.lex.unread(t2)
		return t.i, nil
	}
	if t.i < 0 || t.i > 1<<31 || t2.i < 0 || t2.i > 65535 {
		return nil, malformed("bad reference %d %d R at offset %d", t.i, t2.i, t.off)
	}
	return Ref{Num: uint32(t.i), Gen: uint16(t2.i)}, nil
}

func (p *parser) array(depth int) (Object, error) {
	var a Array
	for {
		t, err := p.lex.next()
		if err != nil {
			return nil, err
		}
		if t.kind == tArrayClose {
			if a == nil {
				a = Array{}
			}
			return a, nil
		}
		if t.kind == tEOF {
			return nil, malformed("unterminated array")
		}
		p.lex.unread(t)
		o, err := p.object(depth + 1)
		if err != nil {
			return nil, err
		}
		if len(a) >= maxContainerLen {
			return nil, malformed("array with more than %d elements", maxContainerLen)
		}
		a = append(a, o)
	}
}

func (p *parser) dict(depth int) (Object, error) {
	d := Dict{}
	for {
		t, err := p.lex.next()
		if err != nil {
			return nil, err
		}
		switch t.kind {
		case tDictClose:
			return d, nil
		case tEOF:
			return nil, malformed("unterminated dictionary")
		case tName:
		default:
			return nil, malformed("dictionary key is not a name at offset %d", t.off)
		}
		v, err := p.object(depth + 1)
		if err != nil {
			return nil, err
		}
		if len(d) >= maxContainerLen {
			return nil, malformed("dictionary with more than %d entries", maxContainerLen)
		}
		// A null value is the same as an absent key.
		if v != nil {
			d[Name(t.s)] = v
		}
	}
}

// indirectHeader reads "num gen obj" and returns num and gen.
func (p *parser) indirectHeader() (uint32, uint16, error) {
	t1, err := p.lex.next()
	if err != nil {
		return 0, 0, err
	}
	t2, err := p.lex.next()
	if err != nil {
		return 0, 0, err
	}
	t3, err := p.lex.next()
	if err != nil {
		return 0, 0, err
	}
	if t1.kind != tInt || t2.kind != tInt || !t3.is("obj") || t1.i < 0 || t1.i > 1<<31 || t2.i < 0 || t2.i > 65535 {
		return 0, 0, malformed("no object header at offset %d", t1.off)
	}
	return uint32(t1.i), uint16(t2.i), nil
}

// streamStart consumes the end of line after the "stream" keyword and returns
// the offset of the first data byte.
func (p *parser) streamStart() int64 {
	l := p.lex
	c, ok := l.peekByte()
	if ok && c == '\r' {
		l.pos++
		c, ok = l.peekByte()
	}
	if ok && c == '\n' {
		l.pos++
	}
	return l.offset()
}

// findKeyword scans forward from off for kw (up to limit) and returns its offset or -1.
func findKeyword(r io.ReaderAt, off, limit int64, kw []byte, within int64) (int64, error) {
	end := off + within
	if end > limit {
		end = limit
	}
	buf := make([]byte, 64<<10)
	for pos := off; pos < end; {
		n := int64(len(buf))
		if pos+n > end {
			n = end - pos
		}
		m, err := r.ReadAt(buf[:n], pos)
		if m <= 0 {
			if err != nil {
				return -1, fmt.Errorf("reading PDF: %w", err)
			}
			return -1, nil
		}
		if i := bytes.Index(buf[:m], kw); i >= 0 {
			return pos + int64(i), nil
		}
		if int64(m) < n || pos+int64(m) >= end {
			return -1, nil
		}
		pos += int64(m) - int64(len(kw)) + 1
	}
	return -1, nil
}
