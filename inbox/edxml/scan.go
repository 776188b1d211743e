package edxml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file is a small streaming XML tokenizer. encoding/xml hands over an
// element's whole text as one token, which a 200 MB attachment must never
// be; it also leaves DTDs to the caller. The tokenizer below delivers text
// in bounded chunks, resolves namespaces, normalises line ends and
// attribute values as XML 1.0 requires, and refuses DOCTYPEs, entity
// references other than the five predefined ones and character references,
// and processing instructions other than the XML declaration.

const (
	nsXML   = "http://www.w3.org/XML/1998/namespace"
	nsXMLNS = "http://www.w3.org/2000/xmlns/"

	scanBufSize   = 64 << 10
	textChunkSize = 32 << 10
	maxNameLen    = 1024
	maxAttrs      = 256
)

type tokKind uint8

const (
	tokStart tokKind = iota + 1
	tokEnd
	tokText
	tokEOF
)

// qname is an element or attribute name as written (prefix, local) and
// the namespace it resolves to.
type qname struct {
	prefix, local, space string
}

func (n qname) String() string {
	if n.prefix == "" {
		return n.local
	}
	return n.prefix + ":" + n.local
}

type xattr struct {
	qname
	value string
}

// nsDecl is a namespace declaration; prefix "" is the default namespace.
type nsDecl struct{ prefix, uri string }

type token struct {
	kind  tokKind
	name  qname    // tokStart, tokEnd
	attrs []xattr  // tokStart: attributes other than namespace declarations
	decls []nsDecl // tokStart: namespace declarations, in document order
	empty bool     // tokStart: written <a/>; the matching tokEnd follows
	text  []byte   // tokText: a chunk of character data, valid until the next call
	depth int      // depth of the element the token opens, closes or sits in
	line  int      // line where the token starts
}

type scanner struct {
	rd   io.Reader
	buf  []byte
	r, w int
	eof  bool
	rerr error

	consumed int64 // bytes before buf[r]
	line     int
	lim      Limits

	stack []qname
	ns    nsStack

	pendingEnd bool
	inCDATA    bool
	// rawText delivers character data without checking its characters
	// (see textRaw).
	rawText  bool
	rootSeen bool
	done     bool
	started  bool

	tok     token
	textBuf []byte
	// elements counts the elements read into trees (readNode).
	elements int
}

func newScanner(r io.Reader, lim Limits) *scanner {
	return &scanner{rd: r, buf: make([]byte, scanBufSize), line: 1, lim: lim.withDefaults()}
}

// offset is the number of input bytes consumed so far.
func (s *scanner) offset() int64 { return s.consumed + int64(s.r) }

func (s *scanner) syntax(format string, args ...any) error {
	return errorf(ErrNotEdXML, "line %d: %s", s.line, fmt.Sprintf(format, args...))
}

func (s *scanner) unsafe(format string, args ...any) error {
	return errorf(ErrUnsafeXML, "line %d: %s", s.line, fmt.Sprintf(format, args...))
}

// eofErr is the error for input that ends where more is needed.
func (s *scanner) eofErr(where string) error {
	if s.rerr != nil {
		return fmt.Errorf("reading the packet: %w", s.rerr)
	}
	if len(s.stack) > 0 {
		return errorf(ErrNotEdXML, "line %d: the packet ends %s, inside <%s> (truncated?)", s.line, where, s.stack[len(s.stack)-1])
	}
	return errorf(ErrNotEdXML, "line %d: the packet ends %s (truncated?)", s.line, where)
}

// more reads more input into the buffer; it reports false at the end of
// the input or on a read error.
func (s *scanner) more() bool {
	if s.eof {
		return false
	}
	if s.r > 0 {
		n := copy(s.buf, s.buf[s.r:s.w])
		s.consumed += int64(s.r)
		s.r, s.w = 0, n
	}
	if s.w == len(s.buf) {
		return true // full: the caller has what it asked for
	}
	for range 100 {
		n, err := s.rd.Read(s.buf[s.w:])
		s.w += n
		if s.consumed+int64(s.w) > s.lim.MaxPacketSize {
			s.eof = true
			s.rerr = errorf(ErrLimit, "the packet is larger than %s", sizeString(s.lim.MaxPacketSize))
			return false
		}
		if err != nil {
			s.eof = true
			if !errors.Is(err, io.EOF) {
				s.rerr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	s.eof = true
	s.rerr = io.ErrNoProgress
	return false
}

// ensure makes n bytes available after r if the input has them.
func (s *scanner) ensure(n int) bool {
	for s.w-s.r < n {
		before := s.w - s.r
		if !s.more() && s.w-s.r == before {
			return false
		}
	}
	return true
}

// limitErr returns the size-limit error if reading stopped because of it.
func (s *scanner) limitErr() error {
	var e *Error
	if errors.As(s.rerr, &e) {
		return s.rerr
	}
	return nil
}

func (s *scanner) peekByte() (byte, bool) {
	if s.r == s.w && !s.ensure(1) {
		return 0, false
	}
	return s.buf[s.r], true
}

func (s *scanner) hasPrefix(p string) bool {
	if !s.ensure(len(p)) {
		return false
	}
	return string(s.buf[s.r:s.r+len(p)]) == p
}

func (s *scanner) skip(n int) {
	s.line += bytes.Count(s.buf[s.r:s.r+n], []byte{'\n'})
	s.r += n
}

// readRune consumes one UTF-8 character of markup.
func (s *scanner) readRune(where string) (rune, error) {
	if !s.ensure(1) {
		if err := s.limitErr(); err != nil {
			return 0, err
		}
		return 0, s.eofErr(where)
	}
	c := s.buf[s.r]
	if c < utf8.RuneSelf {
		s.r++
		if c == '\n' {
			s.line++
		}
		return rune(c), nil
	}
	s.ensure(utf8.UTFMax)
	r, size := utf8.DecodeRune(s.buf[s.r:s.w])
	if r == utf8.RuneError && size <= 1 {
		return 0, s.syntax("invalid UTF-8")
	}
	s.r += size
	return r, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (s *scanner) skipSpace() bool {
	skipped := false
	for {
		if s.r == s.w && !s.ensure(1) {
			return skipped
		}
		c := s.buf[s.r]
		if !isSpace(c) {
			return skipped
		}
		if c == '\n' {
			s.line++
		}
		s.r++
		skipped = true
	}
}

func isXMLChar(r rune) bool {
	switch {
	case r == 0x9 || r == 0xA || r == 0xD:
		return true
	case r < 0x20:
		return false
	case r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

func isNameStart(r rune) bool {
	switch {
	case r == ':' || r == '_' || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z'):
		return true
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x2FF,
		r >= 0x370 && r <= 0x37D, r >= 0x37F && r <= 0x1FFF, r >= 0x200C && r <= 0x200D,
		r >= 0x2070 && r <= 0x218F, r >= 0x2C00 && r <= 0x2FEF, r >= 0x3001 && r <= 0xD7FF,
		r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD, r >= 0x10000 && r <= 0xEFFFF:
		return true
	}
	return false
}

func isNameChar(r rune) bool {
	return isNameStart(r) || r == '-' || r == '.' || (r >= '0' && r <= '9') || r == 0xB7 ||
		(r >= 0x300 && r <= 0x36F) || (r >= 0x203F && r <= 0x2040)
}

// isNCName reports whether s is a name without a colon.
func isNCName(s string) bool {
	if s == "" || len(s) > maxNameLen {
		return false
	}
	for i, r := range s {
		if r == ':' || r == utf8.RuneError {
			return false
		}
		if i == 0 && !isNameStart(r) || !isNameChar(r) {
			return false
		}
	}
	return true
}

// readName reads an XML name and splits it at its colon.
func (s *scanner) readName() (prefix, local string, err error) {
	var b strings.Builder
	for {
		c, ok := s.peekByte()
		if !ok {
			if err := s.limitErr(); err != nil {
				return "", "", err
			}
			return "", "", s.eofErr("in a name")
		}
		if c < utf8.RuneSelf && !isNameChar(rune(c)) {
			break
		}
		r, err := s.readRune("in a name")
		if err != nil {
			return "", "", err
		}
		if b.Len() == 0 && !isNameStart(r) || !isNameChar(r) {
			return "", "", s.syntax("invalid character %q in a name", r)
		}
		b.WriteRune(r)
		if b.Len() > maxNameLen {
			return "", "", errorf(ErrLimit, "line %d: a name is longer than %d bytes", s.line, maxNameLen)
		}
	}
	name := b.String()
	if name == "" {
		c, _ := s.peekByte()
		return "", "", s.syntax("expected a name, found %q", c)
	}
	prefix, local, found := strings.Cut(name, ":")
	if !found {
		return "", name, nil
	}
	if !isNCName(prefix) || !isNCName(local) {
		return "", "", s.syntax("invalid qualified name %q", name)
	}
	return prefix, local, nil
}

func (s *scanner) expect(c byte, where string) error {
	got, ok := s.peekByte()
	if !ok {
		if err := s.limitErr(); err != nil {
			return err
		}
		return s.eofErr(where)
	}
	if got != c {
		return s.syntax("expected %q %s, found %q", c, where, got)
	}
	s.r++
	return nil
}

// lookup resolves a prefix ("" for the default namespace).
func (s *scanner) lookup(prefix string) (string, bool) {
	switch prefix {
	case "xml":
		return nsXML, true
	case "xmlns":
		return nsXMLNS, true
	}
	if uri, ok := s.ns.lookup(prefix); ok {
		return uri, true
	}
	if prefix == "" {
		return "", true
	}
	return "", false
}

// next returns the next token. Comments are skipped; character data may
// arrive in several chunks.
func (s *scanner) next() (*token, error) {
	t := &s.tok
	*t = token{attrs: t.attrs[:0], decls: t.decls[:0]}
	if s.pendingEnd {
		s.pendingEnd = false
		return s.popEnd(t), nil
	}
	if s.inCDATA {
		return s.cdata(t)
	}
	if !s.started {
		s.started = true
		if err := s.prolog(); err != nil {
			return nil, err
		}
	}
	for {
		if len(s.stack) == 0 {
			if err := s.misc(); err != nil {
				return nil, err
			}
			if s.done {
				t.kind = tokEOF
				return t, nil
			}
		}
		c, ok := s.peekByte()
		if !ok {
			if err := s.limitErr(); err != nil {
				return nil, err
			}
			return nil, s.eofErr("early")
		}
		if c != '<' {
			if s.rawText {
				return s.textRaw(t)
			}
			return s.text(t)
		}
		if !s.ensure(2) {
			return nil, s.eofErr("after '<'")
		}
		t.line = s.line
		switch s.buf[s.r+1] {
		case '/':
			return s.endTag(t)
		case '?':
			return nil, s.pi()
		case '!':
			switch {
			case s.hasPrefix("<!--"):
				if err := s.comment(); err != nil {
					return nil, err
				}
				continue
			case s.hasPrefix("<![CDATA["):
				s.skip(len("<![CDATA["))
				s.inCDATA = true
				return s.cdata(t)
			case s.hasPrefix("<!DOCTYPE"):
				return nil, s.unsafe("a DOCTYPE (DTD) is not allowed in edXML")
			default:
				return nil, s.syntax("unexpected markup '<!'")
			}
		default:
			return s.startTag(t)
		}
	}
}

// prolog handles what may precede the root: a byte order mark and the
// XML declaration.
func (s *scanner) prolog() error {
	if s.ensure(2) && (s.buf[s.r] == 0xFE && s.buf[s.r+1] == 0xFF || s.buf[s.r] == 0xFF && s.buf[s.r+1] == 0xFE) {
		return errorf(ErrNotEdXML, "the packet is UTF-16; edXML packets are UTF-8")
	}
	if s.hasPrefix("\xEF\xBB\xBF") {
		s.r += 3
	}
	if s.hasPrefix("<?xml") && s.ensure(6) && isSpace(s.buf[s.r+5]) {
		return s.xmlDecl()
	}
	return nil
}

func (s *scanner) xmlDecl() error {
	s.skip(5)
	seen := map[string]bool{}
	for {
		s.skipSpace()
		if s.hasPrefix("?>") {
			s.skip(2)
			if !seen["version"] {
				return s.syntax("the XML declaration has no version")
			}
			return nil
		}
		_, name, err := s.readName()
		if err != nil {
			return err
		}
		s.skipSpace()
		if err := s.expect('=', "in the XML declaration"); err != nil {
			return err
		}
		s.skipSpace()
		q, ok := s.peekByte()
		if !ok || q != '"' && q != '\'' {
			return s.syntax("expected a quoted value in the XML declaration")
		}
		s.r++
		var v []byte
		for {
			c, ok := s.peekByte()
			if !ok {
				return s.eofErr("in the XML declaration")
			}
			s.r++
			if c == q {
				break
			}
			if len(v) > 64 {
				return s.syntax("XML declaration value too long")
			}
			v = append(v, c)
		}
		val := string(v)
		if seen[name] {
			return s.syntax("repeated %q in the XML declaration", name)
		}
		seen[name] = true
		switch name {
		case "version":
			if val != "1.0" {
				return s.syntax("XML version %q is not supported; edXML uses 1.0", val)
			}
		case "encoding":
			if !acceptedEncoding(val) {
				return errorf(ErrNotEdXML, "line %d: encoding %q is not supported; edXML packets are UTF-8", s.line, val)
			}
		case "standalone":
			if val != "yes" && val != "no" {
				return s.syntax("standalone must be yes or no")
			}
		default:
			return s.syntax("unknown %q in the XML declaration", name)
		}
	}
}

// misc skips what may surround the root element: white space and
// comments. After the root it also detects the end of the input.
func (s *scanner) misc() error {
	for {
		s.skipSpace()
		c, ok := s.peekByte()
		if !ok {
			if err := s.limitErr(); err != nil {
				return err
			}
			if s.rerr != nil {
				return fmt.Errorf("reading the packet: %w", s.rerr)
			}
			if !s.rootSeen {
				return errorf(ErrNotEdXML, "the packet is empty or holds no XML element")
			}
			s.done = true
			return nil
		}
		if c != '<' {
			if s.rootSeen {
				return s.syntax("text after the root element")
			}
			return s.syntax("text before the root element (not an XML file?)")
		}
		switch {
		case s.hasPrefix("<!--"):
			if err := s.comment(); err != nil {
				return err
			}
		case s.hasPrefix("<?"):
			return s.pi()
		case s.hasPrefix("<!DOCTYPE"):
			return s.unsafe("a DOCTYPE (DTD) is not allowed in edXML")
		case s.hasPrefix("<!"):
			return s.syntax("unexpected markup '<!'")
		case s.rootSeen:
			return s.syntax("a second root element")
		default:
			return nil
		}
	}
}

func (s *scanner) pi() error {
	s.skip(2)
	_, target, err := s.readName()
	if err != nil {
		target = "?"
	}
	if strings.EqualFold(target, "xml") {
		return s.syntax("the XML declaration must come first")
	}
	return s.unsafe("processing instruction <?%s?> is not allowed in edXML", target)
}

func (s *scanner) comment() error {
	s.skip(4)
	for {
		if !s.ensure(3) {
			if err := s.limitErr(); err != nil {
				return err
			}
			return s.eofErr("in a comment")
		}
		i := bytes.Index(s.buf[s.r:s.w], []byte("--"))
		if i < 0 {
			n := s.w - s.r - 2
			for n > 0 && !utf8.RuneStart(s.buf[s.r+n]) {
				n--
			}
			if err := s.checkChars(s.buf[s.r : s.r+n]); err != nil {
				return err
			}
			s.skip(n)
			if !s.more() {
				return s.eofErr("in a comment")
			}
			continue
		}
		if err := s.checkChars(s.buf[s.r : s.r+i]); err != nil {
			return err
		}
		s.skip(i)
		if !s.ensure(3) {
			return s.eofErr("in a comment")
		}
		if s.buf[s.r+2] != '>' {
			return s.syntax("'--' inside a comment")
		}
		s.skip(3)
		return nil
	}
}

// checkChars validates raw markup bytes (comments) as UTF-8 XML
// characters; b holds whole characters.
func (s *scanner) checkChars(b []byte) error {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return s.syntax("control character U+%04X", c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return s.syntax("invalid UTF-8")
		}
		if !isXMLChar(r) {
			return s.syntax("character U+%04X is not allowed in XML", r)
		}
		i += size
	}
	return nil
}

func (s *scanner) startTag(t *token) (*token, error) {
	s.r++ // '<'
	prefix, local, err := s.readName()
	if err != nil {
		return nil, err
	}
	type rawAttr struct{ prefix, local, value string }
	var raws []rawAttr
	total := 0
	for {
		sp := s.skipSpace()
		c, ok := s.peekByte()
		if !ok {
			if err := s.limitErr(); err != nil {
				return nil, err
			}
			return nil, s.eofErr("in a start tag")
		}
		if c == '>' {
			s.r++
			break
		}
		if c == '/' {
			s.r++
			if err := s.expect('>', "after '/'"); err != nil {
				return nil, err
			}
			t.empty = true
			break
		}
		if !sp {
			return nil, s.syntax("expected a space before attribute in <%s>", joinName(prefix, local))
		}
		ap, al, err := s.readName()
		if err != nil {
			return nil, err
		}
		s.skipSpace()
		if err := s.expect('=', "after attribute name "+joinName(ap, al)); err != nil {
			return nil, err
		}
		s.skipSpace()
		v, err := s.attrValue()
		if err != nil {
			return nil, err
		}
		total += len(v)
		if len(raws) >= maxAttrs || total > s.lim.MaxTextSize {
			return nil, errorf(ErrLimit, "line %d: <%s> has too many or too large attributes", s.line, joinName(prefix, local))
		}
		raws = append(raws, rawAttr{ap, al, v})
	}
	if len(s.stack) >= s.lim.MaxDepth {
		return nil, errorf(ErrLimit, "line %d: elements nest deeper than %d levels", s.line, s.lim.MaxDepth)
	}
	// Namespace declarations first, then resolve names.
	for _, a := range raws {
		var d nsDecl
		switch {
		case a.prefix == "" && a.local == "xmlns":
			d = nsDecl{"", a.value}
		case a.prefix == "xmlns":
			d = nsDecl{a.local, a.value}
			if a.value == "" {
				return nil, s.syntax("namespace prefix %q declared empty", a.local)
			}
			if a.local == "xmlns" || (a.local == "xml") != (a.value == nsXML) {
				return nil, s.syntax("reserved namespace prefix %q misused", a.local)
			}
		default:
			continue
		}
		if d.uri == nsXMLNS || d.uri == nsXML && d.prefix != "xml" {
			return nil, s.syntax("reserved namespace %q bound to a prefix", d.uri)
		}
		for _, o := range t.decls {
			if o.prefix == d.prefix {
				return nil, s.syntax("namespace prefix %q declared twice", d.prefix)
			}
		}
		t.decls = append(t.decls, d)
	}
	s.ns.push(t.decls)
	space, ok := s.lookup(prefix)
	if !ok || prefix == "xmlns" {
		return nil, s.syntax("namespace prefix %q of <%s> is not declared", prefix, joinName(prefix, local))
	}
	t.name = qname{prefix, local, space}
	for _, a := range raws {
		if a.prefix == "" && a.local == "xmlns" || a.prefix == "xmlns" {
			continue
		}
		as := ""
		if a.prefix != "" {
			as, ok = s.lookup(a.prefix)
			if !ok {
				return nil, s.syntax("namespace prefix %q of attribute %s is not declared", a.prefix, joinName(a.prefix, a.local))
			}
		}
		for _, o := range t.attrs {
			if o.space == as && o.local == a.local {
				return nil, s.syntax("attribute %s repeated in <%s>", a.local, t.name)
			}
		}
		t.attrs = append(t.attrs, xattr{qname{a.prefix, a.local, as}, a.value})
	}
	s.stack = append(s.stack, t.name)
	s.rootSeen = true
	t.kind = tokStart
	t.depth = len(s.stack)
	if t.empty {
		s.pendingEnd = true
	}
	return t, nil
}

func joinName(prefix, local string) string {
	if prefix == "" {
		return local
	}
	return prefix + ":" + local
}

// attrValue reads a quoted attribute value, decoding references and
// normalising white space as XML 1.0 §3.3.3 requires.
func (s *scanner) attrValue() (string, error) {
	q, ok := s.peekByte()
	if !ok {
		return "", s.eofErr("before an attribute value")
	}
	if q != '"' && q != '\'' {
		return "", s.syntax("attribute value must be quoted")
	}
	s.r++
	var b []byte
	for {
		c, ok := s.peekByte()
		if !ok {
			if err := s.limitErr(); err != nil {
				return "", err
			}
			return "", s.eofErr("in an attribute value")
		}
		switch c {
		case q:
			s.r++
			return string(b), nil
		case '<':
			return "", s.syntax("'<' in an attribute value")
		case '&':
			r, err := s.reference()
			if err != nil {
				return "", err
			}
			b = utf8.AppendRune(b, r)
		case '\r':
			s.r++
			if n, ok := s.peekByte(); ok && n == '\n' {
				s.r++
				s.line++
			}
			b = append(b, ' ')
		case '\n', '\t':
			if c == '\n' {
				s.line++
			}
			s.r++
			b = append(b, ' ')
		default:
			r, err := s.readRune("in an attribute value")
			if err != nil {
				return "", err
			}
			if !isXMLChar(r) {
				return "", s.syntax("character U+%04X is not allowed in XML", r)
			}
			b = utf8.AppendRune(b, r)
		}
		if len(b) > s.lim.MaxTextSize {
			return "", errorf(ErrLimit, "line %d: an attribute value is larger than %s", s.line, sizeString(int64(s.lim.MaxTextSize)))
		}
	}
}

// reference decodes &name; or &#N; at the current position.
func (s *scanner) reference() (rune, error) {
	s.r++ // '&'
	var name []byte
	for {
		c, ok := s.peekByte()
		if !ok {
			return 0, s.eofErr("in a reference")
		}
		s.r++
		if c == ';' {
			break
		}
		if len(name) >= 32 || isSpace(c) || c == '<' || c == '&' {
			return 0, s.syntax("'&' not followed by a reference (write &amp;)")
		}
		name = append(name, c)
	}
	n := string(name)
	switch n {
	case "lt":
		return '<', nil
	case "gt":
		return '>', nil
	case "amp":
		return '&', nil
	case "apos":
		return '\'', nil
	case "quot":
		return '"', nil
	}
	if num, ok := strings.CutPrefix(n, "#"); ok {
		base := 10
		if hex, ok := strings.CutPrefix(num, "x"); ok {
			num, base = hex, 16
		}
		v, err := strconv.ParseUint(num, base, 32)
		if err != nil || num == "" || num[0] == '+' || num[0] == '-' || !isXMLChar(rune(v)) {
			return 0, s.syntax("character reference &%s; is not an XML character", n)
		}
		return rune(v), nil
	}
	return 0, s.unsafe("entity reference &%s; is not allowed (edXML has no DTD)", n)
}

func (s *scanner) endTag(t *token) (*token, error) {
	s.skip(2)
	prefix, local, err := s.readName()
	if err != nil {
		return nil, err
	}
	s.skipSpace()
	if err := s.expect('>', "to close an end tag"); err != nil {
		return nil, err
	}
	if len(s.stack) == 0 {
		return nil, s.syntax("end tag </%s> without a start", joinName(prefix, local))
	}
	top := s.stack[len(s.stack)-1]
	if top.prefix != prefix || top.local != local {
		return nil, s.syntax("<%s> closed by </%s>", top, joinName(prefix, local))
	}
	return s.popEnd(t), nil
}

func (s *scanner) popEnd(t *token) *token {
	t.kind = tokEnd
	t.depth = len(s.stack)
	t.name = s.stack[len(s.stack)-1]
	t.line = s.line
	s.stack = s.stack[:len(s.stack)-1]
	s.ns.pop()
	return t
}

// textClass marks the bytes the text loop must look at.
var textClass = func() (c [256]bool) {
	for i := range 0x20 {
		c[i] = true
	}
	for i := 0x80; i < 0x100; i++ {
		c[i] = true
	}
	c['<'], c['&'], c[']'] = true, true, true
	return c
}()

// text delivers up to textChunkSize bytes of character data.
func (s *scanner) text(t *token) (*token, error) {
	t.kind = tokText
	t.depth = len(s.stack)
	t.line = s.line
	b := s.textBuf[:0]
	for len(b) < textChunkSize {
		if s.r == s.w && !s.ensure(1) {
			if err := s.limitErr(); err != nil {
				return nil, err
			}
			return nil, s.eofErr("in text")
		}
		avail := s.buf[s.r:s.w]
		if room := textChunkSize - len(b); len(avail) > room {
			avail = avail[:room]
		}
		i := 0
		for i < len(avail) && !textClass[avail[i]] {
			i++
		}
		if i > 0 {
			b = append(b, avail[:i]...)
			s.r += i
			continue
		}
		c := avail[0]
		switch {
		case c == '<':
			s.textBuf = b
			t.text = b
			return t, nil
		case c == '\n' || c == '\t':
			if c == '\n' {
				s.line++
			}
			b = append(b, c)
			s.r++
		case c == '\r':
			s.r++
			s.line++
			if n, ok := s.peekByte(); ok && n == '\n' {
				s.r++
			}
			b = append(b, '\n')
		case c == '&':
			r, err := s.reference()
			if err != nil {
				return nil, err
			}
			b = utf8.AppendRune(b, r)
		case c == ']':
			if s.hasPrefix("]]>") {
				return nil, s.syntax("']]>' in text")
			}
			b = append(b, c)
			s.r++
		case c < 0x20:
			return nil, s.syntax("control character U+%04X in text", c)
		default:
			r, err := s.readRune("in text")
			if err != nil {
				return nil, err
			}
			if !isXMLChar(r) {
				return nil, s.syntax("character U+%04X is not allowed in XML", r)
			}
			b = utf8.AppendRune(b, r)
		}
	}
	s.textBuf = b
	t.text = b
	return t, nil
}

// textRaw delivers character data straight from the buffer, without
// decoding or checking it, up to the next '<' or '&' (a reference goes
// through text). It serves base64 content, whose decoder refuses every
// byte that is not base64 or white space, so nothing unchecked gets
// through; carriage returns are left for that decoder to skip.
func (s *scanner) textRaw(t *token) (*token, error) {
	avail := s.buf[s.r:s.w]
	if len(avail) > textChunkSize {
		avail = avail[:textChunkSize]
	}
	i := bytes.IndexByte(avail, '<')
	if i < 0 {
		i = len(avail)
	}
	if j := bytes.IndexByte(avail[:i], '&'); j >= 0 {
		i = j
	}
	if i == 0 {
		return s.text(t)
	}
	t.kind = tokText
	t.depth = len(s.stack)
	t.line = s.line
	t.text = avail[:i]
	s.line += bytes.Count(t.text, []byte{'\n'})
	s.r += i
	return t, nil
}

// cdata delivers the content of a CDATA section as text chunks.
func (s *scanner) cdata(t *token) (*token, error) {
	t.kind = tokText
	t.depth = len(s.stack)
	t.line = s.line
	b := s.textBuf[:0]
	for len(b) < textChunkSize {
		if !s.ensure(3) {
			if err := s.limitErr(); err != nil {
				return nil, err
			}
			return nil, s.eofErr("in a CDATA section")
		}
		c := s.buf[s.r]
		switch {
		case c == ']' && s.buf[s.r+1] == ']' && s.buf[s.r+2] == '>':
			s.r += 3
			s.inCDATA = false
			s.textBuf = b
			t.text = b
			return t, nil
		case c == '\r':
			s.r++
			s.line++
			if n, ok := s.peekByte(); ok && n == '\n' {
				s.r++
			}
			b = append(b, '\n')
		case c < utf8.RuneSelf:
			if c < 0x20 && c != '\t' && c != '\n' {
				return nil, s.syntax("control character U+%04X in text", c)
			}
			if c == '\n' {
				s.line++
			}
			b = append(b, c)
			s.r++
		default:
			r, err := s.readRune("in a CDATA section")
			if err != nil {
				return nil, err
			}
			if !isXMLChar(r) {
				return nil, s.syntax("character U+%04X is not allowed in XML", r)
			}
			b = utf8.AppendRune(b, r)
		}
	}
	s.textBuf = b
	t.text = b
	return t, nil
}

// skipElement consumes the rest of the element whose start was just read.
func (s *scanner) skipElement(depth int) error {
	for {
		t, err := s.next()
		if err != nil {
			return err
		}
		if t.kind == tokEnd && t.depth == depth {
			return nil
		}
	}
}

func sizeString(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + " GiB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
