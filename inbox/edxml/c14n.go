package edxml

import (
	"bufio"
	"bytes"
	"io"
	"math"
	"slices"
	"strings"
)

// Canonical XML 1.0 (inclusive) and Exclusive XML Canonicalization 1.0,
// both without comments, computed token by token so that a packet of any
// size is hashed without building a tree. The scanner has already applied
// what the XML parser must (line ends, attribute value normalisation,
// references, CDATA); this writes the canonical form.

const (
	algC14N            = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
	algC14NComments    = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"
	algExcC14N         = "http://www.w3.org/2001/10/xml-exc-c14n#"
	algExcC14NComments = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
)

type c14nMode struct {
	exclusive bool
	// prefixes is the exclusive InclusiveNamespaces PrefixList ("" for
	// #default).
	prefixes []string
}

// canon writes the canonical form of the events it is given.
type canon struct {
	w    bufSink
	mode c14nMode

	inScope  nsStack // the bindings of the input ancestors
	rendered nsStack // the bindings rendered by output ancestors
	// apexXML holds xml:* attributes of the ancestors of a subset's apex,
	// which inclusive C14N carries onto the apex.
	apexXML []xattr
	depth   int
}

// nsStack maps each prefix to its bindings, innermost last, so that a
// look-up costs the same however many namespaces hostile input declares.
type nsStack struct {
	m   map[string][]string
	log [][]string // the prefixes bound at each level
}

func (s *nsStack) push(decls []nsDecl) {
	if s.m == nil {
		s.m = map[string][]string{}
	}
	var level []string
	for _, d := range decls {
		s.m[d.prefix] = append(s.m[d.prefix], d.uri)
		level = append(level, d.prefix)
	}
	s.log = append(s.log, level)
}

func (s *nsStack) pop() {
	for _, p := range s.log[len(s.log)-1] {
		l := s.m[p][:len(s.m[p])-1]
		if len(l) == 0 {
			delete(s.m, p)
		} else {
			s.m[p] = l
		}
	}
	s.log = s.log[:len(s.log)-1]
}

func (s *nsStack) lookup(prefix string) (string, bool) {
	l := s.m[prefix]
	if len(l) == 0 {
		return "", false
	}
	return l[len(l)-1], true
}

func newCanon(w io.Writer, mode c14nMode) *canon {
	return &canon{w: bufSink{bufio.NewWriterSize(w, 32<<10)}, mode: mode}
}

// inherit declares bindings of ancestors that are not output (the
// context of a subset).
func (c *canon) inherit(decls []nsDecl) { c.inScope.push(decls) }

func (c *canon) start(name qname, decls []nsDecl, attrs []xattr) {
	c.inScope.push(decls)

	var out []nsDecl
	consider := func(prefix string) {
		if prefix == "xml" {
			return // the xml namespace is never declared
		}
		uri, bound := c.inScope.lookup(prefix)
		if !bound && prefix != "" {
			return
		}
		prev, had := c.rendered.lookup(prefix)
		if prefix == "" && !had {
			prev, had = "", true // an absent default namespace is the empty one
		}
		if had && prev == uri {
			return
		}
		for _, o := range out {
			if o.prefix == prefix {
				return
			}
		}
		out = append(out, nsDecl{prefix, uri})
	}
	switch {
	case c.mode.exclusive:
		consider(name.prefix)
		for _, a := range attrs {
			if a.prefix != "" {
				consider(a.prefix)
			}
		}
		for _, p := range c.mode.prefixes {
			consider(p)
		}
	case c.depth == 0:
		// The apex renders every binding in scope; below it, everything
		// rendered equals what is in scope, so only an element's own
		// declarations can differ.
		for p := range c.inScope.m {
			consider(p)
		}
	default:
		for _, d := range decls {
			consider(d.prefix)
		}
	}
	c.rendered.push(out)
	slices.SortFunc(out, func(a, b nsDecl) int { return strings.Compare(a.prefix, b.prefix) })

	if c.depth == 0 && !c.mode.exclusive && len(c.apexXML) > 0 {
		for _, x := range c.apexXML {
			if !slices.ContainsFunc(attrs, func(a xattr) bool { return a.space == nsXML && a.local == x.local }) {
				attrs = append(slices.Clone(attrs), x)
			}
		}
	}
	sorted := slices.Clone(attrs)
	slices.SortFunc(sorted, func(a, b xattr) int {
		if r := strings.Compare(a.space, b.space); r != 0 {
			return r
		}
		return strings.Compare(a.local, b.local)
	})

	w := c.w
	w.str("<" + name.String())
	for _, d := range out {
		if d.prefix == "" {
			w.str(` xmlns="`)
		} else {
			w.str(" xmlns:" + d.prefix + `="`)
		}
		escapeAttr(w, d.uri)
		w.str(`"`)
	}
	for _, a := range sorted {
		w.str(" " + a.String() + `="`)
		escapeAttr(w, a.value)
		w.str(`"`)
	}
	w.str(">")
	c.depth++
}

func (c *canon) text(b []byte) {
	for len(b) > 0 {
		i := bytes.IndexAny(b, "&<>\r")
		if i < 0 {
			c.w.bytes(b)
			return
		}
		c.w.bytes(b[:i])
		switch b[i] {
		case '&':
			c.w.str("&amp;")
		case '<':
			c.w.str("&lt;")
		case '>':
			c.w.str("&gt;")
		case '\r':
			c.w.str("&#xD;")
		}
		b = b[i+1:]
	}
}

func (c *canon) end(name qname) {
	c.w.str("</" + name.String() + ">")
	c.inScope.pop()
	c.rendered.pop()
	c.depth--
}

func (c *canon) flush() error { return c.w.Flush() }

// bufSink is a bufio.Writer that is a textSink; its first error sticks
// and comes back from Flush.
type bufSink struct{ *bufio.Writer }

func (b bufSink) str(s string)   { _, _ = b.WriteString(s) }
func (b bufSink) bytes(p []byte) { _, _ = b.Write(p) }

// node writes a subtree of the header tree.
func (c *canon) node(n *node) {
	c.start(n.name, n.decls, n.attrs)
	for _, k := range n.kids {
		if k.elem != nil {
			c.node(k.elem)
		} else {
			c.text([]byte(k.text))
		}
	}
	c.end(n.name)
}

// canonicalizeDocument writes the canonical form of the document read
// from r to w. With dropSignature, the Signature element of edXMLHeader is
// left out (the enveloped-signature transform).
func canonicalizeDocument(r io.Reader, w io.Writer, mode c14nMode, dropSignature bool) error {
	lim := DefaultLimits()
	lim.MaxPacketSize = math.MaxInt64
	s := newScanner(r, lim)
	c := newCanon(w, mode)
	path := make([]bool, 0, 8) // whether each open element is on edXML/edXMLEnvelope/edXMLHeader
	dropped := false
	for {
		t, err := s.next()
		if err != nil {
			return err
		}
		switch t.kind {
		case tokEOF:
			return c.flush()
		case tokText:
			if t.depth > 0 {
				c.text(t.text)
			}
		case tokEnd:
			path = path[:len(path)-1]
			c.end(t.name)
		case tokStart:
			onPath := false
			switch len(path) {
			case 0:
				onPath = t.name.local == "edXML" && t.name.space == Namespace
			case 1, 2:
				onPath = path[len(path)-1] && isEd(t.name, []string{"edXMLEnvelope", "edXMLHeader"}[len(path)-1])
			case 3:
				if dropSignature && !dropped && path[2] && t.name.local == "Signature" && t.name.space == nsDSig {
					dropped = true
					if err := s.skipElement(t.depth); err != nil {
						return err
					}
					continue
				}
			}
			path = append(path, onPath)
			c.start(t.name, t.decls, t.attrs)
		}
	}
}
