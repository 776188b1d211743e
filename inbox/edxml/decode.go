package edxml

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// DecodeEdoc reads a document packet. The header is checked and held in
// memory (bounded by Limits.MaxHeaderSize); each attachment streams from r
// to sink without being held in memory. ZIP-wrapped attachments are spooled
// to a temporary file in opts.TempDir and unwrapped. sink may be nil to
// check a packet without keeping its files.
//
// A failed decode stores nothing: every file already handed to the sink is
// discarded. Errors caused by the packet match ErrBadPacket and a more
// precise sentinel; other errors (the sink, the temporary folder, reading
// r, ctx) do not.
func DecodeEdoc(ctx context.Context, r io.Reader, sink Sink, opts DecodeOptions) (*Edoc, error) {
	d := &decoder{ctx: ctx, sink: sink, opts: opts, lim: opts.Limits.withDefaults()}
	e, err := d.edoc(r)
	if err != nil {
		return nil, d.abort(err)
	}
	return e, nil
}

// DecodeStatus reads a status packet.
func DecodeStatus(ctx context.Context, r io.Reader, opts DecodeOptions) (*Status, error) {
	lim := opts.Limits.withDefaults()
	s := newScanner(r, lim)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	root, err := readRoot(s)
	if err != nil {
		return nil, err
	}
	var st *Status
	for {
		t, err := s.next()
		if err != nil {
			return nil, err
		}
		switch t.kind {
		case tokText:
			if err := onlySpace(t, "edXML"); err != nil {
				return nil, err
			}
			continue
		case tokEnd:
			if st == nil {
				return nil, errorf(ErrNotEdXML, "line %d: the packet has no edXMLEnvelope", t.line)
			}
			if err := expectEOF(s); err != nil {
				return nil, err
			}
			return st, nil
		}
		switch {
		case isEd(t.name, "edXMLEnvelope") && st == nil:
			env, err := readNode(s, t, s.offset()+lim.MaxHeaderSize, "edXMLEnvelope")
			if err != nil {
				return nil, err
			}
			st, err = decodeStatusEnvelope(env)
			if err != nil {
				return nil, err
			}
		case isEd(t.name, "AttachmentEncoded"):
			return nil, errorf(ErrNotEdXML, "line %d: a status packet carries no attachments", t.line)
		default:
			return nil, errorf(ErrNotEdXML, "line %d: unexpected <%s> in <%s>", t.line, t.name, root)
		}
	}
}

// Detect reads the start of a packet and tells a document from a status.
// It consumes r; a dispatcher then decodes the packet from its start.
func Detect(r io.Reader) (Kind, error) {
	s := newScanner(r, Limits{})
	if _, err := readRoot(s); err != nil {
		return 0, err
	}
	path := []string{"edXMLEnvelope", "edXMLHeader"}
	for level := 0; ; {
		t, err := s.next()
		if err != nil {
			return 0, err
		}
		switch t.kind {
		case tokText:
			continue
		case tokEnd, tokEOF:
			return 0, errorf(ErrNotEdXML, "line %d: no MessageHeader or Status in edXMLHeader", t.line)
		}
		if level < len(path) {
			if !isEd(t.name, path[level]) {
				return 0, errorf(ErrNotEdXML, "line %d: expected <%s>, found <%s>", t.line, path[level], t.name)
			}
			level++
			continue
		}
		switch {
		case isEd(t.name, "MessageHeader"):
			return KindEdoc, nil
		case isEd(t.name, "Status"):
			return KindStatus, nil
		}
		if err := s.skipElement(t.depth); err != nil {
			return 0, err
		}
	}
}

// readRoot reads up to the root start tag and checks it.
func readRoot(s *scanner) (qname, error) {
	t, err := s.next()
	if err != nil {
		return qname{}, err
	}
	if t.kind != tokStart {
		return qname{}, errorf(ErrNotEdXML, "the packet holds no XML element")
	}
	switch {
	case t.name.local != "edXML":
		return qname{}, errorf(ErrNotEdXML, "line %d: the root element is <%s>, not <edXML>", t.line, t.name)
	case t.name.space != Namespace:
		ns := t.name.space
		if ns == "" {
			ns = "none"
		}
		return qname{}, errorf(ErrNotEdXML, "line %d: the root element's namespace is %s, not %s (QCVN 102:2016)", t.line, ns, Namespace)
	}
	return t.name, nil
}

func onlySpace(t *token, where string) error {
	if len(strings.Trim(string(t.text), " \t\n\r")) > 0 {
		return errorf(ErrNotEdXML, "line %d: text inside <%s> where elements were expected", t.line, where)
	}
	return nil
}

func expectEOF(s *scanner) error {
	t, err := s.next()
	if err != nil {
		return err
	}
	if t.kind != tokEOF {
		return errorf(ErrNotEdXML, "line %d: content after the root element", t.line)
	}
	return nil
}

// decoder carries the state of one DecodeEdoc.
type decoder struct {
	ctx  context.Context
	sink Sink
	opts DecodeOptions
	lim  Limits

	e      *Edoc
	refs   map[string]int // normalised content id → manifest index
	used   map[string]bool
	stored []AttachmentRef
	total  int64
	// metaBytes counts the attachments' metadata held in memory.
	metaBytes int64
}

// abort discards what was stored and returns err, joined with any
// discard failure.
func (d *decoder) abort(err error) error {
	if d.sink == nil {
		return err
	}
	ctx := context.WithoutCancel(d.ctx)
	errs := []error{err}
	for _, ref := range d.stored {
		if derr := d.sink.Discard(ctx, ref); derr != nil {
			errs = append(errs, fmt.Errorf("discarding a stored attachment: %w", derr))
		}
	}
	d.stored = nil
	if len(errs) == 1 {
		return err
	}
	return errors.Join(errs...)
}

func (d *decoder) edoc(r io.Reader) (*Edoc, error) {
	if err := d.ctx.Err(); err != nil {
		return nil, err
	}
	s := newScanner(r, d.lim)
	root, err := readRoot(s)
	if err != nil {
		return nil, err
	}
	for {
		t, err := s.next()
		if err != nil {
			return nil, err
		}
		switch t.kind {
		case tokText:
			if err := onlySpace(t, "edXML"); err != nil {
				return nil, err
			}
			continue
		case tokEnd:
			if d.e == nil {
				return nil, errorf(ErrNotEdXML, "line %d: the packet has no edXMLEnvelope", t.line)
			}
			if err := expectEOF(s); err != nil {
				return nil, err
			}
			if err := d.checkAllAttached(); err != nil {
				return nil, err
			}
			return d.e, nil
		}
		switch {
		case isEd(t.name, "edXMLEnvelope") && d.e == nil:
			env, err := readNode(s, t, s.offset()+d.lim.MaxHeaderSize, "edXMLEnvelope")
			if err != nil {
				return nil, err
			}
			if err := d.envelope(env); err != nil {
				return nil, err
			}
		case isEd(t.name, "AttachmentEncoded"):
			if d.e == nil {
				return nil, errorf(ErrNotEdXML, "line %d: AttachmentEncoded comes before edXMLEnvelope", t.line)
			}
			if err := d.attachmentEncoded(s, t); err != nil {
				return nil, err
			}
		default:
			return nil, errorf(ErrNotEdXML, "line %d: unexpected <%s> in <%s>", t.line, t.name, root)
		}
	}
}

// splitEnvelope returns the header and body of edXMLEnvelope.
func splitEnvelope(env *node) (header, body *node, err error) {
	if env.hasText() {
		return nil, nil, errorf(ErrNotEdXML, "line %d: edXMLEnvelope holds text", env.line)
	}
	for _, c := range env.elems() {
		switch {
		case isEd(c.name, "edXMLHeader") && header == nil:
			header = c
		case isEd(c.name, "edXMLBody") && body == nil:
			body = c
		default:
			return nil, nil, errorf(ErrNotEdXML, "line %d: unexpected <%s> in edXMLEnvelope", c.line, c.name)
		}
	}
	if header == nil {
		return nil, nil, errorf(ErrNotEdXML, "line %d: edXMLEnvelope has no edXMLHeader", env.line)
	}
	if header.hasText() {
		return nil, nil, errorf(ErrNotEdXML, "line %d: edXMLHeader holds text", header.line)
	}
	return header, body, nil
}

func (d *decoder) envelope(env *node) error {
	header, body, err := splitEnvelope(env)
	if err != nil {
		return err
	}
	e := &Edoc{}
	e.HeaderExtra.Attrs = attrsOf(header.attrs)
	var seenMH, seenTrace, seenSig bool
	last := ""
	for _, c := range header.elems() {
		switch {
		case isEd(c.name, "MessageHeader"):
			if seenMH {
				return errorf(ErrNotEdXML, "line %d: edXMLHeader has a second MessageHeader", c.line)
			}
			seenMH = true
			if e.Header, err = decodeMessageHeader(c); err != nil {
				return err
			}
			last = "MessageHeader"
		case isEd(c.name, "TraceHeaderList"):
			if seenTrace {
				return errorf(ErrNotEdXML, "line %d: edXMLHeader has a second TraceHeaderList", c.line)
			}
			seenTrace = true
			if e.Trace, err = decodeTrace(c); err != nil {
				return err
			}
			last = "TraceHeaderList"
		case isSignatureName(c.name):
			if seenSig {
				return errorf(ErrNotEdXML, "line %d: edXMLHeader has a second Signature", c.line)
			}
			seenSig = true
			e.Signature = rawXML(c)
			last = "Signature"
		case isEd(c.name, "Status"):
			return errorf(ErrNotEdXML, "line %d: this is a status packet, not a document", c.line)
		default:
			e.HeaderExtra.Elems = append(e.HeaderExtra.Elems, RawElement{After: last, XML: rawXML(c)})
		}
	}
	if !seenMH {
		return errorf(ErrNotEdXML, "line %d: edXMLHeader has no MessageHeader", header.line)
	}
	if err := d.manifest(e, body); err != nil {
		return err
	}
	d.e = e
	return nil
}

func (d *decoder) manifest(e *Edoc, body *node) error {
	e.Manifest.Version = "1.0"
	d.refs = map[string]int{}
	d.used = map[string]bool{}
	if body == nil {
		return nil
	}
	if body.hasText() {
		return errorf(ErrNotEdXML, "line %d: edXMLBody holds text", body.line)
	}
	var mf *node
	for _, c := range body.elems() {
		if !isEd(c.name, "edXMLManifest") || mf != nil {
			return errorf(ErrNotEdXML, "line %d: unexpected <%s> in edXMLBody", c.line, c.name)
		}
		mf = c
	}
	if mf == nil {
		return nil
	}
	m := &e.Manifest
	n := 0
	err := decodeFields(mf, "edXMLManifest", &m.Extra, map[string]fieldFunc{
		"Reference": func(c *node) error {
			n++
			if n > d.lim.MaxAttachments {
				return errorf(ErrLimit, "line %d: the manifest lists more attachments than the %d allowed", c.line, d.lim.MaxAttachments)
			}
			ref, err := decodeReference(c, "edXMLManifest/Reference")
			if err != nil {
				return err
			}
			where := fmt.Sprintf("manifest reference %d", n)
			id := normalizeContentID(ref.ContentID)
			if id == "" {
				return errorf(ErrManifest, "line %d: %s has no ContentId", c.line, where)
			}
			if _, dup := d.refs[id]; dup {
				return errorf(ErrManifest, "line %d: %s repeats ContentId %q", c.line, where, ref.ContentID)
			}
			if ref.AttachmentName != "" {
				name, err := checkName(ref.AttachmentName)
				if err != nil {
					return prefixError(fmt.Sprintf("%s %q", where, ref.AttachmentName), err)
				}
				ref.AttachmentName = name
			}
			d.refs[id] = len(m.References)
			m.References = append(m.References, ref)
			return nil
		},
	}, "Reference")
	if err != nil {
		return err
	}
	// The version attribute is modelled; the rest stays in Extra.
	attrs := m.Extra.Attrs[:0]
	for _, a := range m.Extra.Attrs {
		if a.Name == "version" && (a.Space == "" || a.Space == Namespace) {
			if a.Value != "" {
				m.Version = a.Value
			}
			continue
		}
		attrs = append(attrs, a)
	}
	m.Extra.Attrs = attrs
	if len(attrs) == 0 {
		m.Extra.Attrs = nil
	}
	return nil
}

// checkAllAttached reports manifest references without an attachment.
func (d *decoder) checkAllAttached() error {
	for i, ref := range d.e.Manifest.References {
		if !d.used[normalizeContentID(ref.ContentID)] {
			name := ref.AttachmentName
			if name == "" {
				name = ref.ContentID
			}
			return errorf(ErrManifest, "manifest reference %d %q has no attachment in the packet", i+1, name)
		}
	}
	return nil
}

func decodeStatusEnvelope(env *node) (*Status, error) {
	header, body, err := splitEnvelope(env)
	if err != nil {
		return nil, err
	}
	if body != nil && (len(body.elems()) > 0 || body.hasText()) {
		return nil, errorf(ErrNotEdXML, "line %d: a status packet has an empty edXMLBody or none", body.line)
	}
	var st *Status
	extra := Extra{Attrs: attrsOf(header.attrs)}
	last := ""
	for _, c := range header.elems() {
		switch {
		case isEd(c.name, "Status"):
			if st != nil {
				return nil, errorf(ErrNotEdXML, "line %d: edXMLHeader has a second Status", c.line)
			}
			s, err := decodeStatusNode(c)
			if err != nil {
				return nil, err
			}
			st = &s
			last = "Status"
		case isEd(c.name, "MessageHeader"):
			return nil, errorf(ErrNotEdXML, "line %d: this is a document packet, not a status", c.line)
		default:
			extra.Elems = append(extra.Elems, RawElement{After: last, XML: rawXML(c)})
		}
	}
	if st == nil {
		return nil, errorf(ErrNotEdXML, "line %d: edXMLHeader has no Status", header.line)
	}
	st.HeaderExtra = extra
	return st, nil
}
