package edxml

import (
	"slices"
	"strings"
)

// node is an element of the (small, bounded) header tree.
type node struct {
	name  qname
	decls []nsDecl
	attrs []xattr
	kids  []item
	line  int
	text  int // bytes of text directly inside
}

// item is a piece of mixed content: text or an element.
type item struct {
	text string
	elem *node
}

func newNode(t *token) *node {
	return &node{
		name:  t.name,
		decls: slices.Clone(t.decls),
		attrs: slices.Clone(t.attrs),
		line:  t.line,
	}
}

// readNode reads the element whose start token t was just returned into a
// tree. Reading stops with ErrLimit once the input passes maxOffset.
func readNode(s *scanner, t *token, maxOffset int64, what string) (*node, error) {
	root := newNode(t)
	stack := []*node{root}
	s.elements++
	for {
		if s.offset() > maxOffset {
			return nil, errorf(ErrLimit, "line %d: %s is larger than %s", s.line, what, sizeString(s.lim.MaxHeaderSize))
		}
		t, err := s.next()
		if err != nil {
			return nil, err
		}
		top := stack[len(stack)-1]
		switch t.kind {
		case tokStart:
			s.elements++
			if s.elements > s.lim.MaxElements {
				return nil, errorf(ErrLimit, "line %d: the packet's header and metadata hold more than %d elements", t.line, s.lim.MaxElements)
			}
			n := newNode(t)
			top.kids = append(top.kids, item{elem: n})
			stack = append(stack, n)
		case tokText:
			if len(t.text) == 0 {
				continue
			}
			top.text += len(t.text)
			if top.text > s.lim.MaxTextSize {
				return nil, errorf(ErrLimit, "line %d: the text of <%s> is larger than %s", t.line, top.name, sizeString(int64(s.lim.MaxTextSize)))
			}
			if k := len(top.kids); k > 0 && top.kids[k-1].elem == nil {
				top.kids[k-1].text += string(t.text)
			} else {
				top.kids = append(top.kids, item{text: string(t.text)})
			}
		case tokEnd:
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return root, nil
			}
		case tokEOF:
			return nil, s.eofErr("early")
		}
	}
}

// elems returns the child elements.
func (n *node) elems() []*node {
	var out []*node
	for _, k := range n.kids {
		if k.elem != nil {
			out = append(out, k.elem)
		}
	}
	return out
}

// hasText reports whether n holds non-white-space text directly.
func (n *node) hasText() bool {
	for _, k := range n.kids {
		if k.elem == nil && strings.TrimLeft(k.text, " \t\n\r") != "" {
			return true
		}
	}
	return false
}

// rawXML writes the element as self-contained XML: its own namespace
// declarations, then those of the namespaces it uses that were declared
// outside it (sorted by prefix; an unprefixed element always states its
// default namespace, even when that is none), then its attributes. The
// result is stable: reading it back inside any document and writing it
// again gives the same string.
func rawXML(n *node) string {
	var body sb
	needed := map[string]string{}
	var scope []nsDecl
	declared := func(prefix string) bool {
		for _, d := range scope {
			if d.prefix == prefix {
				return true
			}
		}
		return false
	}
	use := func(prefix, space string) {
		if prefix == "xml" || declared(prefix) {
			return
		}
		needed[prefix] = space
	}
	var walk func(n *node, root bool)
	walk = func(n *node, root bool) {
		mark := len(scope)
		scope = append(scope, n.decls...)
		use(n.name.prefix, n.name.space)
		for _, a := range n.attrs {
			if a.prefix != "" {
				use(a.prefix, a.space)
			}
		}
		if !root {
			body.WriteByte('<')
			body.WriteString(n.name.String())
			writeDeclsAttrs(&body, n.decls, nil, n.attrs)
		}
		if len(n.kids) == 0 {
			if !root {
				body.WriteString("/>")
			}
		} else {
			if !root {
				body.WriteByte('>')
			}
			for _, k := range n.kids {
				if k.elem != nil {
					walk(k.elem, false)
				} else {
					escapeText(&body, k.text)
				}
			}
			if !root {
				body.WriteString("</")
				body.WriteString(n.name.String())
				body.WriteByte('>')
			}
		}
		scope = scope[:mark]
	}
	walk(n, true)

	var extra []nsDecl
	for p, u := range needed {
		extra = append(extra, nsDecl{p, u})
	}
	slices.SortFunc(extra, func(a, b nsDecl) int { return strings.Compare(a.prefix, b.prefix) })

	var out sb
	out.WriteByte('<')
	out.WriteString(n.name.String())
	writeDeclsAttrs(&out, n.decls, extra, n.attrs)
	if len(n.kids) == 0 {
		out.WriteString("/>")
		return out.String()
	}
	out.WriteByte('>')
	out.WriteString(body.String())
	out.WriteString("</")
	out.WriteString(n.name.String())
	out.WriteByte('>')
	return out.String()
}

func writeDeclsAttrs(b *sb, decls, extra []nsDecl, attrs []xattr) {
	for _, list := range [][]nsDecl{decls, extra} {
		for _, d := range list {
			if d.prefix == "" {
				b.WriteString(` xmlns="`)
			} else {
				b.WriteString(" xmlns:")
				b.WriteString(d.prefix)
				b.WriteString(`="`)
			}
			escapeAttr(b, d.uri)
			b.WriteByte('"')
		}
	}
	for _, a := range attrs {
		b.WriteByte(' ')
		b.WriteString(a.String())
		b.WriteString(`="`)
		escapeAttr(b, a.value)
		b.WriteByte('"')
	}
}

// textSink takes escaped text. The writers behind it keep their first
// error (strings.Builder has none; bufio.Writer and xw report theirs when
// flushed or at the end), so str has nothing to return.
type textSink interface {
	str(s string)
}

// sb is a strings.Builder that is a textSink.
type sb struct{ strings.Builder }

func (b *sb) str(s string) { b.WriteString(s) }

// escapeText escapes character data so that an XML parser reads s back.
func escapeText(w textSink, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\r':
			esc = "&#xD;"
		default:
			continue
		}
		w.str(s[last:i])
		w.str(esc)
		last = i + 1
	}
	w.str(s[last:])
}

// escapeAttr escapes an attribute value (quoted with ").
func escapeAttr(w textSink, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '"':
			esc = "&quot;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			continue
		}
		w.str(s[last:i])
		w.str(esc)
		last = i + 1
	}
	w.str(s[last:])
}
