package edxml

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// EncodeOptions tune EncodeEdoc.
type EncodeOptions struct {
	// Raw sends every attachment without a ZIP wrapper. Otherwise each file
	// is wrapped in a ZIP with one entry unless its Attachment.Raw is set.
	Raw bool
	// SingleLineBase64 writes attachment content as one base64 line
	// instead of 76-column lines (some Java receivers decode with a basic
	// base64 decoder that refuses line breaks).
	SingleLineBase64 bool
	// Signer, when set, signs the packet: an enveloped XMLDSig signature
	// (exclusive C14N, SHA-256, RSA-SHA256 or ECDSA-SHA256) in edXMLHeader.
	// Certificates holds the signer's certificate first, then the chain
	// to include in KeyInfo.
	Signer       crypto.Signer
	Certificates []*x509.Certificate
	// TempDir holds the spool of a packet being signed ("" = os.TempDir).
	TempDir string
}

// EncodeEdoc writes a document packet to w, streaming each attachment from
// src (base64, ZIP-wrapped unless raw). The manifest is derived from the
// attachments when e has none, and must otherwise list exactly the
// attachments. The output is deterministic for equal input (an ECDSA
// signature aside). Organisation codes are not checked here: see
// ValidateOrganID. On error, w may hold part of a packet.
func EncodeEdoc(ctx context.Context, w io.Writer, e *Edoc, src Source, opts EncodeOptions) error {
	atts, refs, err := prepareEdoc(e)
	if err != nil {
		return err
	}
	enc := &encoder{ctx: ctx, src: src, opts: opts}
	if opts.Signer != nil {
		return enc.signed(w, e, atts, refs)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := enc.edoc(bw, e, atts, refs, false); err != nil {
		return err
	}
	return bw.Flush()
}

// EncodeStatus writes a status packet.
func EncodeStatus(w io.Writer, s *Status) error {
	if err := checkStatus(s); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	x := &xw{w: bw}
	root := x.document()
	env := root.child("edXMLEnvelope", Extra{})
	hdr := env.child("edXMLHeader", s.HeaderExtra)
	st := hdr.child("Status", s.Extra)
	writeResponseFor(st, "ResponseFor", s.ResponseFor)
	writeOrganization(st, "From", s.From)
	st.leaf("StatusCode", string(s.StatusCode))
	st.leaf("Description", s.Description)
	st.leaf("Timestamp", s.Timestamp.String())
	writeStaffInfo(st, s.StaffInfo)
	st.close()
	hdr.close()
	env.close()
	root.close()
	x.raw("\n")
	if x.err != nil {
		return x.err
	}
	return bw.Flush()
}

func invalidf(format string, args ...any) error {
	return &Error{Kind: ErrInvalid, Msg: fmt.Sprintf(format, args...)}
}

func checkStatus(s *Status) error {
	switch {
	case s.ResponseFor.DocumentID == "":
		return invalidf("the status names no document (ResponseFor.DocumentID)")
	case s.From.OrganID == "":
		return invalidf("the status has no sender (From.OrganID)")
	case s.StatusCode == "":
		return invalidf("the status has no StatusCode")
	}
	return nil
}

// prepareEdoc checks e and returns the attachments (with content ids
// filled in) and the manifest references to write.
func prepareEdoc(e *Edoc) ([]Attachment, []Reference, error) {
	switch {
	case e.Header.From.OrganID == "":
		return nil, nil, invalidf("the document has no sender (Header.From.OrganID)")
	case e.Header.DocumentID == "":
		return nil, nil, invalidf("the document has no DocumentID")
	}
	atts := make([]Attachment, len(e.Attachments))
	copy(atts, e.Attachments)
	refs := e.Manifest.References
	derive := len(refs) == 0
	if derive {
		refs = make([]Reference, len(atts))
	}
	byID := map[string]int{}
	for i := range refs {
		if derive {
			continue
		}
		id := normalizeContentID(refs[i].ContentID)
		if id == "" {
			return nil, nil, invalidf("manifest reference %d has no ContentID", i+1)
		}
		if _, dup := byID[id]; dup {
			return nil, nil, invalidf("manifest reference %d repeats ContentID %q", i+1, refs[i].ContentID)
		}
		byID[id] = i
		if refs[i].AttachmentName != "" {
			n, err := checkName(refs[i].AttachmentName)
			if err != nil {
				return nil, nil, invalidf("manifest reference %d: %v", i+1, err)
			}
			refs[i].AttachmentName = n
		}
	}
	if !derive && len(refs) != len(atts) {
		return nil, nil, invalidf("the manifest lists %d attachments but the document has %d", len(refs), len(atts))
	}
	seen := map[string]bool{}
	for i := range atts {
		a := &atts[i]
		n, err := checkName(a.Name)
		if err != nil {
			return nil, nil, invalidf("attachment %d %q: %v", i+1, a.Name, err)
		}
		a.Name = n
		if a.ContentID == "" && derive {
			a.ContentID = deriveContentID(e.Header.DocumentID, i)
		}
		id := normalizeContentID(a.ContentID)
		if id == "" {
			return nil, nil, invalidf("attachment %d '%s' has no ContentID", i+1, a.Name)
		}
		if seen[id] {
			return nil, nil, invalidf("attachment %d '%s' repeats ContentID %q", i+1, a.Name, a.ContentID)
		}
		seen[id] = true
		if derive {
			refs[i] = Reference{ContentID: "cid:" + id, ContentType: a.ContentType, Description: a.Description, AttachmentName: a.Name}
		} else if _, ok := byID[id]; !ok {
			return nil, nil, invalidf("attachment %d '%s' (ContentID %q) is not in the manifest", i+1, a.Name, a.ContentID)
		}
	}
	if derive {
		refs = refs[:len(atts)]
	} else {
		refs = append([]Reference(nil), refs...)
	}
	return atts, refs, nil
}

// deriveContentID makes a stable content id for the i-th attachment.
func deriveContentID(docID string, i int) string {
	h := sha256.Sum256([]byte(docID + "\x00" + strconv.Itoa(i)))
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

type encoder struct {
	ctx  context.Context
	src  Source
	opts EncodeOptions
}

// edoc writes the packet; without a signature slot it writes e.Signature.
// It returns the offset where the Signature element goes.
func (enc *encoder) edoc(w io.Writer, e *Edoc, atts []Attachment, refs []Reference, slot bool) (int64, error) {
	x := &xw{w: w}
	root := x.document()
	env := root.child("edXMLEnvelope", Extra{})
	hdr := env.child("edXMLHeader", e.HeaderExtra)
	writeMessageHeader(hdr, &e.Header)
	writeTrace(hdr, &e.Trace)
	hdr.mark("Signature")
	x.flushPending()
	sigAt := x.n
	if !slot && e.Signature != "" {
		if err := checkRawXML(e.Signature); err != nil {
			return 0, invalidf("Signature: %v", err)
		}
		x.raw(e.Signature)
	}
	hdr.close()
	body := env.child("edXMLBody", Extra{})
	version := e.Manifest.Version
	if version == "" {
		version = "1.0"
	}
	mf := body.child("edXMLManifest", e.Manifest.Extra, Attr{Name: "version", Value: version})
	for _, r := range refs {
		rc := mf.child("Reference", r.Extra)
		rc.leaf("ContentId", r.ContentID)
		rc.leaf("ContentType", r.ContentType)
		rc.leaf("Description", r.Description)
		rc.leaf("AttachmentName", r.AttachmentName)
		rc.close()
	}
	mf.close()
	body.close()
	env.close()
	if x.err != nil {
		return 0, x.err
	}
	if len(atts) > 0 {
		root.prefix = "" // the field writes the attachments unprefixed
		ae := root.child("AttachmentEncoded", Extra{})
		for i := range atts {
			if err := enc.attachment(ae, &atts[i], i+1); err != nil {
				return 0, err
			}
		}
		ae.close()
	}
	root.close()
	x.raw("\n")
	return sigAt, x.err
}

func (enc *encoder) attachment(ae *kids, a *Attachment, idx int) error {
	if err := enc.ctx.Err(); err != nil {
		return err
	}
	ac := ae.child("Attachment", a.Extra)
	ac.leaf("ContentId", a.ContentID)
	ac.leaf("AttachmentName", a.Name)
	ac.leaf("Description", a.Description)
	ac.leaf("ContentType", a.ContentType)
	ac.mark("ContentTransferEncoded")
	x := ac.x
	x.nl(ac.depth)
	x.raw("<edXML:ContentTransferEncoded>")
	if x.err != nil {
		return x.err
	}
	if enc.src == nil {
		return invalidf("attachment %d '%s': no Source to read it from", idx, a.Name)
	}
	rc, err := enc.src.Open(enc.ctx, a)
	if err != nil {
		return fmt.Errorf("attachment %d '%s': %w", idx, a.Name, err)
	}
	defer rc.Close()
	var lw io.Writer = x
	if !enc.opts.SingleLineBase64 {
		lw = &lineWriter{w: x, width: 76}
	}
	b64 := base64.NewEncoder(base64.StdEncoding, lw)
	if enc.opts.Raw || a.Raw {
		_, err = io.Copy(b64, &ctxReader{ctx: enc.ctx, r: rc})
	} else {
		err = writeZip(b64, &ctxReader{ctx: enc.ctx, r: rc}, a.Name)
	}
	if err == nil {
		err = b64.Close()
	}
	if err != nil {
		if x.err != nil {
			return x.err
		}
		return fmt.Errorf("attachment %d '%s': %w", idx, a.Name, err)
	}
	x.raw("</edXML:ContentTransferEncoded>")
	ac.close()
	return x.err
}

// zipTime is the modification time of every ZIP wrapper, so that equal
// input gives equal output.
var zipTime = time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)

func writeZip(w io.Writer, r io.Reader, name string) error {
	zw := zip.NewWriter(w)
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: zipTime})
	if err != nil {
		return err
	}
	if _, err := io.Copy(fw, r); err != nil {
		return err
	}
	return zw.Close()
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// lineWriter breaks its output into lines of width bytes.
type lineWriter struct {
	w     io.Writer
	width int
	col   int
}

func (l *lineWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if l.col == l.width {
			if _, err := l.w.Write([]byte{'\n'}); err != nil {
				return n, err
			}
			l.col = 0
		}
		k := min(len(p), l.width-l.col)
		m, err := l.w.Write(p[:k])
		n += m
		l.col += m
		if err != nil {
			return n, err
		}
		p = p[k:]
	}
	return n, nil
}

func writeOrganization(k *kids, name string, o Organization) {
	c := k.child(name, o.Extra)
	c.leaf("OrganId", o.OrganID)
	c.leaf("OrganizationInCharge", o.OrganizationInCharge)
	c.leaf("OrganName", o.OrganName)
	c.leaf("OrganAdd", o.OrganAdd)
	c.leaf("Email", o.Email)
	c.leaf("Telephone", o.Telephone)
	c.leaf("Fax", o.Fax)
	c.leaf("Website", o.Website)
	c.close()
}

func writeResponseFor(k *kids, name string, r ResponseFor) {
	c := k.child(name, r.Extra)
	c.leaf("OrganId", r.OrganID)
	c.leaf("Code", r.Code)
	c.leaf("PromulgationDate", r.PromulgationDate.String())
	c.leaf("DocumentId", r.DocumentID)
	c.close()
}

func writeStaffInfo(k *kids, s StaffInfo) {
	c := k.child("StaffInfo", s.Extra)
	c.leaf("Department", s.Department)
	c.leaf("Staff", s.Staff)
	c.leaf("Email", s.Email)
	c.leaf("Mobile", s.Mobile)
	c.close()
}

func itoa(i int) string { return strconv.Itoa(i) }

func writeMessageHeader(k *kids, h *MessageHeader) {
	m := k.child("MessageHeader", h.Extra)
	writeOrganization(m, "From", h.From)
	for _, to := range h.To {
		writeOrganization(m, "To", to)
	}
	m.leaf("DocumentId", h.DocumentID)
	c := m.child("Code", h.Code.Extra)
	c.leaf("CodeNumber", h.Code.CodeNumber)
	c.leaf("CodeNotation", h.Code.CodeNotation)
	c.close()
	c = m.child("PromulgationInfo", h.PromulgationInfo.Extra)
	c.leaf("Place", h.PromulgationInfo.Place)
	c.leaf("PromulgationDate", h.PromulgationInfo.PromulgationDate.String())
	c.close()
	c = m.child("DocumentType", h.DocumentType.Extra)
	c.leaf("Type", itoa(h.DocumentType.Type))
	c.leaf("TypeDetail", itoa(h.DocumentType.TypeDetail))
	c.leaf("TypeName", h.DocumentType.TypeName)
	c.close()
	m.leaf("Subject", h.Subject)
	m.leaf("Content", h.Content)
	c = m.child("SignerInfo", h.SignerInfo.Extra)
	c.leaf("Competence", h.SignerInfo.Competence)
	c.leaf("Position", h.SignerInfo.Position)
	c.leaf("FullName", h.SignerInfo.FullName)
	c.close()
	m.leaf("DueDate", h.DueDate.String())
	oi := &h.OtherInfo
	c = m.child("OtherInfo", oi.Extra)
	c.leaf("Priority", itoa(int(oi.Priority)))
	c.leaf("SphereOfPromulgation", oi.SphereOfPromulgation)
	c.leaf("TyperNotation", oi.TyperNotation)
	c.leaf("PromulgationAmount", itoa(oi.PromulgationAmount))
	c.leaf("PageAmount", itoa(oi.PageAmount))
	a := c.child("Appendixes", oi.Appendixes.Extra)
	for _, s := range oi.Appendixes.Appendix {
		a.leaf("Appendix", s)
	}
	a.close()
	c.close()
	m.leaf("SteeringType", h.SteeringType)
	c = m.child("ToPlaces", h.ToPlaces.Extra)
	for _, p := range h.ToPlaces.Place {
		c.leaf("Place", p)
	}
	c.close()
	for _, r := range h.ResponseFor {
		writeResponseFor(m, "ResponseFor", r)
	}
	m.close()
}

func writeTrace(k *kids, t *TraceHeaderList) {
	tl := k.child("TraceHeaderList", t.Extra)
	for _, th := range t.TraceHeader {
		c := tl.child("TraceHeader", th.Extra)
		c.leaf("OrganId", th.OrganID)
		c.leaf("Timestamp", th.Timestamp.String())
		c.close()
	}
	if b := t.Business; b != nil {
		c := tl.child(elBusiness, b.Extra)
		c.leaf(elBusinessDocType, itoa(int(b.BusinessDocType)))
		c.leaf(elBusinessDocReason, b.BusinessDocReason)
		c.leaf("DocumentId", b.DocumentID)
		c.leaf("Paper", itoa(b.Paper))
		writeStaffInfo(c, b.StaffInfo)
		if bi := b.BusinessDocumentInfo; bi != nil {
			d := c.child(elBusinessDocumentInfo, bi.Extra)
			d.leaf("DocumentInfo", bi.DocumentInfo)
			d.leaf("DocumentReceiver", bi.DocumentReceiver)
			rl := d.child("ReceiverList", bi.ReceiverList.Extra)
			for _, r := range bi.ReceiverList.Receiver {
				rc := rl.child("Receiver", r.Extra)
				rc.leaf("ReceiverType", itoa(r.ReceiverType))
				rc.leaf("OrganId", r.OrganID)
				rc.close()
			}
			rl.close()
			d.close()
		}
		if rl := b.ReplacementInfoList; rl != nil {
			d := c.child("ReplacementInfoList", rl.Extra)
			for _, ri := range rl.ReplacementInfo {
				rc := d.child("ReplacementInfo", ri.Extra)
				rc.leaf("DocumentId", ri.DocumentID)
				ol := rc.child("OrganIdList", ri.OrganIDList.Extra)
				for _, id := range ri.OrganIDList.OrganID {
					ol.leaf("OrganId", id)
				}
				ol.close()
				rc.close()
			}
			d.close()
		}
		c.close()
	}
	tl.close()
}

// xw writes indented XML and counts the bytes it wrote.
type xw struct {
	w       io.Writer
	n       int64
	err     error
	pending bool // a start tag waits for its '>' or '/>'
}

func (x *xw) Write(p []byte) (int, error) {
	if x.err != nil {
		return 0, x.err
	}
	n, err := x.w.Write(p)
	x.n += int64(n)
	x.err = err
	return n, err
}

func (x *xw) str(s string) {
	if x.err != nil {
		return
	}
	n, err := io.WriteString(x.w, s)
	x.n += int64(n)
	x.err = err
}

func (x *xw) flushPending() {
	if x.pending {
		x.pending = false
		x.str(">")
	}
}

func (x *xw) raw(s string) {
	x.flushPending()
	x.str(s)
}

func (x *xw) nl(depth int) {
	x.flushPending()
	x.str("\n" + strings.Repeat("  ", depth))
}

func (x *xw) fail(err error) {
	if x.err == nil {
		x.err = err
	}
}

// document writes the XML declaration and opens the root element.
func (x *xw) document() *kids {
	x.str(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	x.str(`<edXML xmlns="` + Namespace + `" xmlns:edXML="` + Namespace + `"`)
	x.pending = true
	return &kids{x: x, depth: 1, name: "edXML", prefix: "edXML:"}
}

// kids writes the children of one element: known ones in the order they
// are called, each followed by the unknown ones that followed it.
type kids struct {
	x      *xw
	depth  int    // depth of the children
	name   string // the element's qualified name without prefix
	prefix string // prefix of the children's names
	extra  Extra
	done   []bool
	last   string
}

func (k *kids) flush(after string) {
	for i, el := range k.extra.Elems {
		if k.done[i] || el.After != after {
			continue
		}
		k.done[i] = true
		if err := checkRawXML(el.XML); err != nil {
			k.x.fail(invalidf("unknown element in %s: %v", k.name, err))
			return
		}
		k.x.nl(k.depth)
		k.x.raw(el.XML)
	}
}

// mark notes that the known element name comes next.
func (k *kids) mark(name string) {
	if name != k.last {
		k.flush(k.last)
		k.last = name
	}
}

func (k *kids) leaf(name, value string) {
	k.mark(name)
	x := k.x
	if err := checkText(value); err != nil {
		x.fail(invalidf("%s: %v", name, err))
		return
	}
	x.nl(k.depth)
	q := k.prefix + name
	if value == "" {
		x.str("<" + q + "/>")
		return
	}
	x.str("<" + q + ">")
	escapeText(x, value)
	x.str("</" + q + ">")
}

// child opens a known child element; fixed attributes come before those
// kept in extra.
func (k *kids) child(name string, extra Extra, fixed ...Attr) *kids {
	k.mark(name)
	x := k.x
	x.nl(k.depth)
	x.str("<" + k.prefix + name)
	writeAttrs(x, append(fixed, extra.Attrs...), name)
	x.pending = true
	c := &kids{x: x, depth: k.depth + 1, name: name, prefix: k.prefix, extra: extra, done: make([]bool, len(extra.Elems))}
	c.flush("")
	return c
}

func (k *kids) close() {
	k.flush(k.last)
	for i := range k.extra.Elems {
		if !k.done[i] {
			k.flush(k.extra.Elems[i].After)
		}
	}
	x := k.x
	q := k.prefix + k.name
	if k.name == "edXML" {
		q = "edXML"
	}
	if x.pending {
		x.pending = false
		x.str("/>")
		return
	}
	x.nl(k.depth - 1)
	x.str("</" + q + ">")
}

// writeAttrs writes kept attributes, declaring their namespaces.
func writeAttrs(x *xw, attrs []Attr, elem string) {
	declared := map[string]string{"edXML": Namespace, "xml": nsXML}
	seen := map[string]bool{}
	var decls, plain sb
	for _, a := range attrs {
		if !isNCName(a.Name) {
			x.fail(invalidf("%s: invalid attribute name %q", elem, a.Name))
			return
		}
		if err := checkText(a.Value); err != nil {
			x.fail(invalidf("%s: attribute %s: %v", elem, a.Name, err))
			return
		}
		key := a.Space + " " + a.Name
		if seen[key] {
			x.fail(invalidf("%s: attribute %s given twice", elem, a.Name))
			return
		}
		seen[key] = true
		qn := a.Name
		if a.Space != "" {
			p := a.Prefix
			if a.Space == nsXML {
				p = "xml"
			}
			if p == "" {
				p = "ns" + strconv.Itoa(len(declared))
			}
			if !isNCName(p) || p == "xmlns" || strings.HasPrefix(strings.ToLower(p), "xml") && p != "xml" {
				x.fail(invalidf("%s: attribute %s has an invalid prefix %q", elem, a.Name, p))
				return
			}
			if u, ok := declared[p]; ok && u != a.Space {
				x.fail(invalidf("%s: prefix %q stands for two namespaces", elem, p))
				return
			} else if !ok {
				if a.Space == nsXMLNS {
					x.fail(invalidf("%s: attribute %s is a namespace declaration", elem, a.Name))
					return
				}
				declared[p] = a.Space
				decls.WriteString(" xmlns:" + p + `="`)
				escapeAttr(&decls, a.Space)
				decls.WriteString(`"`)
			}
			qn = p + ":" + a.Name
		} else if a.Name == "xmlns" {
			x.fail(invalidf("%s: attribute %s is a namespace declaration", elem, a.Name))
			return
		}
		plain.WriteString(" " + qn + `="`)
		escapeAttr(&plain, a.Value)
		plain.WriteString(`"`)
	}
	x.str(decls.String())
	x.str(plain.String())
}

// checkText refuses what XML cannot carry.
func checkText(s string) error {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return fmt.Errorf("invalid UTF-8")
			}
		}
		if !isXMLChar(r) {
			return fmt.Errorf("character U+%04X cannot be written in XML", r)
		}
	}
	return nil
}

// checkRawXML accepts one self-contained, well-formed element.
func checkRawXML(s string) error {
	t := strings.TrimLeft(s, " \t\r\n")
	if len(t) < 2 || t[0] != '<' || !isNameStart(rune(t[1])) && t[1] < utf8.RuneSelf {
		return fmt.Errorf("not an XML element")
	}
	sc := newScanner(strings.NewReader(s), Limits{MaxPacketSize: int64(len(s)) + 1, MaxDepth: 256})
	for {
		tok, err := sc.next()
		if err != nil {
			return err
		}
		if tok.kind == tokEOF {
			return nil
		}
	}
}
