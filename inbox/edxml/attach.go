package edxml

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strconv"
	"sync"

	"github.com/klauspost/compress/flate"

	"github.com/vanthu/vanthu/internal/zpool"
)

var zipMagic = []byte("PK\x03\x04")

// ratioFloor: files this small are never called zip bombs, whatever
// their ratio (a blank page compresses a thousandfold).
const ratioFloor = 1 << 20

// attachmentEncoded reads the AttachmentEncoded element, storing each
// attachment as it goes.
func (d *decoder) attachmentEncoded(s *scanner, start *token) error {
	for {
		t, err := s.next()
		if err != nil {
			return err
		}
		switch t.kind {
		case tokText:
			if err := onlySpace(t, "AttachmentEncoded"); err != nil {
				return err
			}
		case tokEnd:
			return nil
		case tokStart:
			if !isEd(t.name, "Attachment") {
				return errorf(ErrNotEdXML, "line %d: unexpected <%s> in AttachmentEncoded", t.line, t.name)
			}
			if err := d.attachment(s, t); err != nil {
				return err
			}
		}
	}
}

// content is what became of an attachment's ContentTransferEncoded.
type content struct {
	stored   bool // already handed to the sink
	ref      AttachmentRef
	size     int64
	raw      bool
	spool    *spool // not yet stored: the decoded bytes
	spoolLen int64
	zipMagic bool
}

func (c *content) cleanup() {
	if c != nil && c.spool != nil {
		c.spool.remove()
		c.spool = nil
	}
}

// memSpool is how much of an attachment a spool keeps in memory before it
// moves to a temporary file: most attachments fit, and a file created and
// removed per attachment costs more than decoding it.
const memSpool = 1 << 20

// spool holds decoded bytes: in memory up to memSpool, then in a
// temporary file in dir.
type spool struct {
	dir string
	mem []byte
	f   *os.File
}

// buffers lends the byte slices that spools and base64 readers grow (one
// grown anew for each attachment is allocated, cleared and copied several
// times over).
var buffers sync.Pool // of *[]byte

func getBuffer() []byte {
	if b, ok := buffers.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return nil
}

func putBuffer(b []byte) {
	if b != nil && cap(b) <= memSpool {
		b = b[:0]
		buffers.Put(&b)
	}
}

func (s *spool) Write(p []byte) (int, error) {
	if s.f == nil && len(s.mem)+len(p) <= memSpool {
		if s.mem == nil {
			s.mem = getBuffer()
		}
		s.mem = append(s.mem, p...)
		return len(p), nil
	}
	if s.f == nil {
		f, err := os.CreateTemp(s.dir, "edxml-*.spool")
		if err != nil {
			return 0, err
		}
		s.f = f
		if _, err := f.Write(s.mem); err != nil {
			return 0, err
		}
		putBuffer(s.mem)
		s.mem = nil
	}
	return s.f.Write(p)
}

func (s *spool) ReadAt(p []byte, off int64) (int, error) {
	if s.f != nil {
		return s.f.ReadAt(p, off)
	}
	if off < 0 {
		// A damaged ZIP directory can name a negative offset.
		return 0, errors.New("edxml: negative offset in the attachment")
	}
	if off >= int64(len(s.mem)) {
		return 0, io.EOF
	}
	n := copy(p, s.mem[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (s *spool) remove() {
	if s.f != nil {
		name := s.f.Name()
		s.f.Close()
		os.Remove(name)
		s.f = nil
	}
	putBuffer(s.mem)
	s.mem = nil
}

// where names an attachment in messages; a name that is not safe to show
// as is (control characters, direction overrides) is quoted.
func where(idx int, name string) string {
	if name == "" {
		return "attachment " + strconv.Itoa(idx)
	}
	if _, err := checkName(name); err != nil {
		return fmt.Sprintf("attachment %d %q", idx, name)
	}
	return fmt.Sprintf("attachment %d '%s'", idx, name)
}

func (d *decoder) attachment(s *scanner, start *token) (err error) {
	if err := d.ctx.Err(); err != nil {
		return err
	}
	idx := len(d.e.Attachments) + 1
	if idx > d.lim.MaxAttachments {
		return errorf(ErrLimit, "line %d: the packet has more attachments than the %d allowed", start.line, d.lim.MaxAttachments)
	}
	a := Attachment{Extra: Extra{Attrs: attrsOf(start.attrs)}}
	var got *content
	defer func() {
		got.cleanup()
		if err != nil {
			err = prefixError(where(idx, a.Name), err)
		}
	}()
	admitted := false
	var info AttachmentInfo
	seen := map[string]bool{}
	last := ""
	for {
		t, err := s.next()
		if err != nil {
			return err
		}
		if t.kind == tokText {
			if err := onlySpace(t, "Attachment"); err != nil {
				return err
			}
			continue
		}
		if t.kind == tokEnd {
			break
		}
		local := t.name.local
		known := false
		switch local {
		case "ContentId", "AttachmentName", "Description", "ContentType", "ContentTransferEncoded":
			known = isEd(t.name, local)
		}
		if known && seen[local] {
			return errorf(ErrNotEdXML, "line %d: a second %s", t.line, local)
		}
		if known && local == "ContentTransferEncoded" {
			seen[local] = true
			last = local
			info = AttachmentInfo{Index: idx}
			direct := seen["ContentId"] && seen["AttachmentName"] && seen["Description"] && seen["ContentType"]
			if direct {
				if info, err = d.admit(idx, &a); err != nil {
					return err
				}
				admitted = true
			}
			if got, err = d.content(s, t, info, direct); err != nil {
				return err
			}
			continue
		}
		before := s.offset()
		n, err := readNode(s, t, before+d.lim.MaxHeaderSize-d.metaBytes, "the attachments' metadata")
		if err != nil {
			return err
		}
		d.metaBytes += s.offset() - before
		if !known {
			a.Extra.Elems = append(a.Extra.Elems, RawElement{After: last, XML: rawXML(n)})
			continue
		}
		seen[local] = true
		last = local
		v, err := leafText(n, "Attachment/"+local)
		if err != nil {
			return err
		}
		switch local {
		case "ContentId":
			a.ContentID = v
		case "AttachmentName":
			a.Name = v
		case "Description":
			a.Description = v
		case "ContentType":
			a.ContentType = v
		}
	}
	if got == nil {
		return errorf(ErrBadAttachment, "it has no ContentTransferEncoded (no content)")
	}
	if !admitted {
		if info, err = d.admit(idx, &a); err != nil {
			return err
		}
	}
	if !got.stored {
		if err := d.storeSpooled(got, info); err != nil {
			return err
		}
	}
	a.Ref, a.Size, a.Raw = got.ref, got.size, got.raw
	d.e.Attachments = append(d.e.Attachments, a)
	return nil
}

// admit checks an attachment against the manifest and its name, and
// returns what the sink is told.
func (d *decoder) admit(idx int, a *Attachment) (AttachmentInfo, error) {
	id := normalizeContentID(a.ContentID)
	if id == "" {
		return AttachmentInfo{}, errorf(ErrManifest, "it has no ContentId")
	}
	ri, ok := d.refs[id]
	if !ok {
		return AttachmentInfo{}, errorf(ErrManifest, "its ContentId %q is not listed in the manifest", a.ContentID)
	}
	if d.used[id] {
		return AttachmentInfo{}, errorf(ErrManifest, "its ContentId %q is used by another attachment too", a.ContentID)
	}
	d.used[id] = true
	ref := d.e.Manifest.References[ri]
	name := a.Name
	if name == "" {
		name = ref.AttachmentName
	}
	n, err := checkName(name)
	if err != nil {
		a.Name = name
		return AttachmentInfo{}, err
	}
	a.Name = n
	ct := a.ContentType
	if ct == "" {
		ct = ref.ContentType
	}
	desc := a.Description
	if desc == "" {
		desc = ref.Description
	}
	return AttachmentInfo{Index: idx, ContentID: id, Name: n, Description: desc, ContentType: ct}, nil
}

// content reads ContentTransferEncoded. A file that does not begin like a
// ZIP and whose metadata came first (direct) goes straight to the sink;
// anything else is spooled to a temporary file.
func (d *decoder) content(s *scanner, t *token, info AttachmentInfo, direct bool) (*content, error) {
	b64 := &b64Reader{s: s, ctx: d.ctx, line: t.line, in: getBuffer(), out: getBuffer()}
	defer b64.release()
	var magic [4]byte
	n, err := io.ReadFull(b64, magic[:])
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	body := io.MultiReader(bytes.NewReader(magic[:n]), b64)
	isZip := n == 4 && bytes.Equal(magic[:], zipMagic)
	if direct && !isZip {
		info.Raw = true
		ref, size, err := d.put(info, body)
		if err != nil {
			return nil, err
		}
		return &content{stored: true, ref: ref, size: size, raw: true}, nil
	}
	c := &content{spool: &spool{dir: d.opts.TempDir}, zipMagic: isZip}
	lim := &limitReader{r: body, max: d.lim.MaxAttachmentSize}
	c.spoolLen, err = io.Copy(c.spool, lim)
	if err != nil {
		c.cleanup()
		if lim.err != nil {
			return nil, lim.err
		}
		return nil, fmt.Errorf("spooling: %w", err)
	}
	return c, nil
}

// storeSpooled hands a spooled attachment to the sink, unwrapping it
// from its ZIP when it is a wrapper.
func (d *decoder) storeSpooled(c *content, info AttachmentInfo) error {
	f := c.spool
	putRaw := func() error {
		info.Raw = true
		ref, size, err := d.put(info, io.NewSectionReader(f, 0, c.spoolLen))
		c.ref, c.size, c.raw = ref, size, true
		return err
	}
	if !c.zipMagic {
		return putRaw()
	}
	container := isContainerName(info.Name)
	count, err := zipEntryCount(f, c.spoolLen)
	if err != nil {
		if container {
			return putRaw()
		}
		return errorf(ErrBadAttachment, "its content begins like a ZIP but is not a readable ZIP (damaged?)")
	}
	if count > uint64(d.lim.MaxZipEntries) {
		if container {
			return putRaw()
		}
		return errorf(ErrZipBomb, "its ZIP wrapper lists %d entries, more than %d (zip bomb?)", count, d.lim.MaxZipEntries)
	}
	zr, err := zip.NewReader(f, c.spoolLen)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		if container {
			return putRaw()
		}
		return wrapf(ErrBadAttachment, err, "its ZIP wrapper is damaged")
	}
	var files []*zip.File
	var names []string
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() {
			continue
		}
		files = append(files, zf)
		names = append(names, zf.Name)
	}
	switch decideZip(info.Name, names) {
	case zipKeepRaw:
		return putRaw()
	case zipRefuse:
		return errorf(ErrBadAttachment, "its ZIP wrapper holds %d files; exactly one was expected", len(files))
	}
	zf := files[0]
	switch {
	case zf.Flags&0x1 != 0:
		return errorf(ErrBadAttachment, "its ZIP wrapper is encrypted")
	case zf.Method != zip.Store && zf.Method != zip.Deflate:
		return errorf(ErrBadAttachment, "its ZIP wrapper uses compression method %d; only stored and deflated are supported", zf.Method)
	case zf.UncompressedSize64 > uint64(d.lim.MaxAttachmentSize):
		return errorf(ErrLimit, "the file inside its ZIP is larger than %s", sizeString(d.lim.MaxAttachmentSize))
	case zf.UncompressedSize64 > ratioFloor && float64(zf.UncompressedSize64) > d.lim.MaxZipRatio*float64(zf.CompressedSize64):
		return errorf(ErrZipBomb, "expands more than %g× (zip bomb)", d.lim.MaxZipRatio)
	}
	raw, err := zf.OpenRaw()
	if err != nil {
		return wrapf(ErrBadAttachment, err, "its ZIP wrapper is damaged")
	}
	r := raw
	if zf.Method == zip.Deflate {
		fr := zpool.NewFlate(raw)
		defer fr.Close()
		r = fr
	}
	g := &zipGuard{r: r, f: zf, ratio: d.lim.MaxZipRatio}
	info.Raw = false
	c.ref, c.size, err = d.put(info, g)
	return err
}

// put hands r to the sink, enforcing the size limits, and keeps track of
// what was stored.
func (d *decoder) put(info AttachmentInfo, r io.Reader) (AttachmentRef, int64, error) {
	m := &limitReader{r: r, max: d.lim.MaxAttachmentSize, total: d.lim.MaxTotalSize - d.total, checkTotal: true, totalLimit: d.lim.MaxTotalSize}
	if d.sink == nil {
		n, err := io.Copy(io.Discard, m)
		if err != nil {
			return "", 0, err
		}
		d.total += n
		return "", n, nil
	}
	ref, err := d.sink.Put(d.ctx, info, m)
	if err != nil {
		if m.err != nil {
			return "", 0, m.err
		}
		if cerr := d.ctx.Err(); cerr != nil {
			return "", 0, cerr
		}
		return "", 0, fmt.Errorf("storing the file: %w", err)
	}
	// The sink must have read everything: drain and check what it left.
	left, derr := io.Copy(io.Discard, m)
	if derr == nil && left > 0 {
		derr = errors.New("the sink stopped reading before the end of the file")
	}
	if derr != nil || m.err != nil {
		if err := d.sink.Discard(context.WithoutCancel(d.ctx), ref); err != nil {
			derr = errors.Join(derr, err)
		}
		if m.err != nil {
			return "", 0, m.err
		}
		return "", 0, derr
	}
	d.stored = append(d.stored, ref)
	d.total += m.n
	return ref, m.n, nil
}

// limitReader counts bytes, refuses more than max (one file) or, with
// checkTotal, total (what is left of Limits.MaxTotalSize), and remembers
// the first error.
type limitReader struct {
	r          io.Reader
	n          int64
	max, total int64
	checkTotal bool
	totalLimit int64
	err        error
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	switch {
	case l.n > l.max:
		l.err = errorf(ErrLimit, "the file is larger than %s", sizeString(l.max))
		return 0, l.err
	case l.checkTotal && l.n > l.total:
		l.err = errorf(ErrLimit, "the attachments together are larger than %s", sizeString(l.totalLimit))
		return 0, l.err
	}
	if err != nil && !errors.Is(err, io.EOF) {
		l.err = err
	}
	return n, err
}

// zipGuard reads a ZIP entry and checks what it yields against what its
// ZIP declares: no more bytes than declared, within the ratio, and the
// declared length and CRC at the end.
type zipGuard struct {
	r     io.Reader
	f     *zip.File
	n     uint64
	crc   uint32
	ratio float64
}

func (g *zipGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	g.n += uint64(n)
	g.crc = crc32.Update(g.crc, crc32.IEEETable, p[:n])
	if g.n > g.f.UncompressedSize64 {
		return 0, errorf(ErrZipBomb, "expands beyond the size its ZIP declares (zip bomb)")
	}
	if g.n > ratioFloor && float64(g.n) > g.ratio*float64(g.f.CompressedSize64) {
		return 0, errorf(ErrZipBomb, "expands more than %g× (zip bomb)", g.ratio)
	}
	if errors.Is(err, io.EOF) {
		if g.n != g.f.UncompressedSize64 {
			return n, errorf(ErrBadAttachment, "the file in its ZIP is shorter than declared (damaged)")
		}
		if g.crc != g.f.CRC32 {
			return n, errorf(ErrBadAttachment, "the file in its ZIP fails its checksum (damaged)")
		}
		return n, io.EOF
	}
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return n, wrapf(ErrBadAttachment, err, "its ZIP wrapper is cut short (damaged)")
		}
		var ce flate.CorruptInputError
		if errors.As(err, &ce) {
			return n, wrapf(ErrBadAttachment, err, "its ZIP wrapper is damaged")
		}
	}
	return n, err
}

// zipEntryCount reads the number of entries from a ZIP's end of central
// directory (ZIP64 included) without reading the directory itself.
func zipEntryCount(r io.ReaderAt, size int64) (uint64, error) {
	const eocdLen = 22
	errNotZip := errors.New("no end of central directory")
	if size < eocdLen {
		return 0, errNotZip
	}
	tail := min(size, eocdLen+0xFFFF)
	buf := make([]byte, tail)
	if _, err := r.ReadAt(buf, size-tail); err != nil {
		return 0, err
	}
	i := bytes.LastIndex(buf, []byte("PK\x05\x06"))
	if i < 0 || i+eocdLen > len(buf) {
		return 0, errNotZip
	}
	count := uint64(binary.LittleEndian.Uint16(buf[i+10:]))
	if count != 0xFFFF {
		return count, nil
	}
	// ZIP64: the locator sits just before the end record.
	loc := i - 20
	if loc < 0 || string(buf[loc:loc+4]) != "PK\x06\x07" {
		return 0, errNotZip
	}
	off := binary.LittleEndian.Uint64(buf[loc+8:])
	if size < 56 || off > uint64(size)-56 {
		return 0, errNotZip
	}
	var rec [56]byte
	if _, err := r.ReadAt(rec[:], int64(off)); err != nil {
		return 0, err
	}
	if string(rec[:4]) != "PK\x06\x06" {
		return 0, errNotZip
	}
	return binary.LittleEndian.Uint64(rec[32:]), nil
}

// b64Reader decodes the base64 text of the element being read, chunk by
// chunk as the scanner delivers it, up to the element's end.
type b64Reader struct {
	s      *scanner
	ctx    context.Context
	line   int
	in     []byte // base64 characters not decoded yet
	out    []byte
	pos    int
	chars  int64 // characters decoded before in[0]
	padded bool
	done   bool
	err    error
}

// release gives the reader's buffers back; it is not read afterwards.
func (b *b64Reader) release() {
	putBuffer(b.in)
	putBuffer(b.out)
	b.in, b.out = nil, nil
}

func (b *b64Reader) Read(p []byte) (int, error) {
	for b.pos == len(b.out) {
		if b.err != nil {
			return 0, b.err
		}
		if b.done {
			return 0, io.EOF
		}
		b.fill()
	}
	n := copy(p, b.out[b.pos:])
	b.pos += n
	return n, nil
}

func (b *b64Reader) fill() {
	b.out, b.pos = b.out[:0], 0
	if err := b.ctx.Err(); err != nil {
		b.err = err
		return
	}
	b.s.rawText = true
	t, err := b.s.next()
	b.s.rawText = false
	if err != nil {
		b.err = err
		return
	}
	switch t.kind {
	case tokStart:
		b.err = errorf(ErrBadAttachment, "line %d: <%s> inside ContentTransferEncoded", t.line, t.name)
	case tokEnd:
		b.done = true
		b.decode(true)
	case tokText:
		before := len(b.in)
		b.in = appendBase64Chars(b.in, t.text)
		if b.padded && len(b.in) > before {
			b.err = errorf(ErrBadAttachment, "line %d: base64 content goes on after its end ('=')", t.line)
			return
		}
		b.decode(false)
	}
}

// appendBase64Chars appends text without its white space; lines ending
// in '\n' alone are copied whole.
func appendBase64Chars(dst, text []byte) []byte {
	if bytes.IndexByte(text, ' ') >= 0 || bytes.IndexByte(text, '\t') >= 0 || bytes.IndexByte(text, '\r') >= 0 {
		for _, c := range text {
			if c != ' ' && c != '\n' && c != '\t' && c != '\r' {
				dst = append(dst, c)
			}
		}
		return dst
	}
	for len(text) > 0 {
		i := bytes.IndexByte(text, '\n')
		if i < 0 {
			return append(dst, text...)
		}
		dst = append(dst, text[:i]...)
		text = text[i+1:]
	}
	return dst
}

// decode decodes the whole quanta of b.in, and at the end what is left.
func (b *b64Reader) decode(final bool) {
	n := len(b.in) / 4 * 4
	if n > 0 {
		b.out = grow(b.out, base64.StdEncoding.DecodedLen(n))
		m, err := base64.StdEncoding.Decode(b.out, b.in[:n])
		if err != nil {
			b.badBase64(err)
			return
		}
		b.out = b.out[:m]
		b.padded = b.in[n-1] == '='
		b.chars += int64(n)
		b.in = b.in[:copy(b.in, b.in[n:])]
	}
	if !final || len(b.in) == 0 {
		return
	}
	// An unpadded end: 2 or 3 characters.
	if len(b.in) == 1 {
		b.err = errorf(ErrBadAttachment, "base64 content is cut short")
		return
	}
	tail := make([]byte, 3)
	m, err := base64.RawStdEncoding.Decode(tail, b.in)
	if err != nil {
		b.badBase64(err)
		return
	}
	b.out = append(b.out, tail[:m]...)
	b.in = b.in[:0]
}

func (b *b64Reader) badBase64(err error) {
	var ce base64.CorruptInputError
	if errors.As(err, &ce) {
		b.err = wrapf(ErrBadAttachment, err, "bad base64 at character %d of its content", b.chars+int64(ce)+1)
		return
	}
	b.err = wrapf(ErrBadAttachment, err, "bad base64 content")
}

func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}
