package pdf

// Op is one operator of a content stream with its operands.
type Op struct {
	Operator string
	Operands []Object
}

const maxOps = 1 << 20

// ContentOps splits a decoded content stream into operators. Inline images
// (BI … ID … EI) become one "BI" operator whose operands are the image
// dictionary's keys and values; their data is skipped.
func ContentOps(data []byte) ([]Op, error) {
	p := newBytesParser(data, 0)
	var ops []Op
	var operands []Object
	for {
		t, err := p.lex.next()
		if err != nil {
			return nil, err
		}
		switch t.kind {
		case tEOF:
			return ops, nil
		case tKeyword:
			kw := string(t.s)
			switch kw {
			case "true", "false", "null":
				p.lex.unread(t)
				o, err := p.object(0)
				if err != nil {
					return nil, err
				}
				operands = append(operands, o)
				continue
			case "BI":
				if err := skipInlineImage(p); err != nil {
					return nil, err
				}
			}
			if len(ops) >= maxOps {
				return nil, malformed("content stream with more than %d operators", maxOps)
			}
			ops = append(ops, Op{Operator: kw, Operands: operands})
			operands = nil
		default:
			p.lex.unread(t)
			o, err := p.object(0)
			if err != nil {
				return nil, err
			}
			if len(operands) > 64 {
				return nil, malformed("too many operands in a content stream")
			}
			operands = append(operands, o)
		}
	}
}

// skipInlineImage moves past "… ID <data> EI".
func skipInlineImage(p *parser) error {
	for {
		t, err := p.lex.next()
		if err != nil {
			return err
		}
		if t.kind == tEOF {
			return malformed("inline image without ID")
		}
		if t.is("ID") {
			break
		}
	}
	// Data runs until whitespace + "EI" + whitespace/end.
	l := p.lex
	for {
		c, ok := l.readByte()
		if !ok {
			return malformed("inline image without EI")
		}
		if !isWhite(c) {
			continue
		}
		e, ok1 := l.peekByte()
		if !ok1 || e != 'E' {
			continue
		}
		save := l.pos
		l.pos++
		i, ok2 := l.readByte()
		n, ok3 := l.peekByte()
		if ok2 && i == 'I' && (!ok3 || isWhite(n) || isDelim(n)) {
			return nil
		}
		l.pos = save
	}
}
