package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// ErrEncrypted is returned for password-protected documents.
var ErrEncrypted = errors.New("the PDF is encrypted (password-protected); remove the protection before signing or verifying")

// File is a read-only view of a PDF as of one revision. It is not safe for
// concurrent use.
type File struct {
	r    io.ReaderAt
	size int64 // bytes in the underlying file
	end  int64 // end of the revision this view shows (after its %%EOF)

	version   string
	startxref int64
	trailer   Dict
	xref      map[uint32]xrefEntry
	sections  []*xrefSection // newest first
	tableXref bool           // the newest section is a classic xref table

	cache     map[Ref]Object
	objstms   map[uint32]*objStm
	resolving map[Ref]bool
}

type xrefEntry struct {
	kind uint8 // 0 free, 1 at an offset, 2 in an object stream
	gen  uint16
	off  int64 // kind 1: file offset; kind 2: object stream number
	idx  int64 // kind 2: index in the object stream
}

type xrefSection struct {
	offset  int64
	stream  bool
	trailer Dict
	entries map[uint32]xrefEntry
	dups    []uint32 // numbers listed again with a different entry
}

// set stores the entry for num. A second, different entry for the same
// number in one section is kept (the last one wins, as before) and
// recorded: readers disagree on which one counts.
func (s *xrefSection) set(num uint32, e xrefEntry) {
	if old, ok := s.entries[num]; ok && old != e && len(s.dups) < 1000 {
		s.dups = append(s.dups, num)
	}
	s.entries[num] = e
}

// DuplicateEntries returns the object numbers that the newest xref section
// of this revision lists more than once with different entries.
func (f *File) DuplicateEntries() []uint32 {
	if len(f.sections) == 0 {
		return nil
	}
	return f.sections[0].dups
}

type objStm struct {
	data    []byte
	first   int64
	offsets []objStmEntry
}

type objStmEntry struct {
	num uint32
	off int64
}

// Open reads the newest revision of the PDF in r (size bytes long).
func Open(r io.ReaderAt, size int64) (*File, error) {
	if err := (&File{r: r, size: size}).readHeader(); err != nil {
		return nil, err
	}
	end, err := lastRevisionEnd(r, size)
	if err != nil {
		return nil, err
	}
	return OpenRevision(r, size, end)
}

// OpenRevision reads the PDF in r as it was at the revision that ends at
// end (the offset just past that revision's %%EOF marker and its EOL).
func OpenRevision(r io.ReaderAt, size, end int64) (*File, error) {
	if end > size || end < 0 {
		return nil, malformed("revision end %d outside the file", end)
	}
	f := &File{
		r: r, size: size, end: end,
		cache:     map[Ref]Object{},
		objstms:   map[uint32]*objStm{},
		resolving: map[Ref]bool{},
	}
	if err := f.readHeader(); err != nil {
		return nil, err
	}
	sx, err := startxrefBefore(r, end)
	if err != nil {
		return nil, err
	}
	f.startxref = sx
	if err := f.readXrefChain(sx); err != nil {
		return nil, err
	}
	if _, ok := f.trailer["Encrypt"]; ok {
		return nil, ErrEncrypted
	}
	if _, ok := f.trailer["Root"].(Ref); !ok {
		return nil, malformed("the trailer has no /Root (document catalog)")
	}
	if n, ok := AsInt(f.trailer["Size"]); !ok || n < 1 || n > maxXrefEntries {
		return nil, malformed("the trailer's /Size (%v) is missing or impossibly large", f.trailer["Size"])
	}
	return f, nil
}

func (f *File) readHeader() error {
	n := int64(1024)
	if n > f.size {
		n = f.size
	}
	buf := make([]byte, n)
	m, err := f.r.ReadAt(buf, 0)
	if m == 0 && err != nil {
		return fmt.Errorf("reading PDF: %w", err)
	}
	buf = buf[:m]
	i := bytes.Index(buf, []byte("%PDF-"))
	if i < 0 {
		return malformed("not a PDF file (no %%PDF- header)")
	}
	v := buf[i+5:]
	j := 0
	for j < len(v) && j < 4 && (v[j] == '.' || (v[j] >= '0' && v[j] <= '9')) {
		j++
	}
	f.version = string(v[:j])
	if f.version == "" {
		return malformed("bad %%PDF- header")
	}
	return nil
}

// Size returns the length of the underlying file.
func (f *File) Size() int64 { return f.size }

// End returns the end offset of the revision this File shows.
func (f *File) End() int64 { return f.end }

// Version returns the version from the file header (e.g. "1.7").
func (f *File) Version() string { return f.version }

// StartXref returns the offset of the newest xref section.
func (f *File) StartXref() int64 { return f.startxref }

// Trailer returns the merged trailer dictionary of the newest section.
func (f *File) Trailer() Dict { return f.trailer }

// XrefIsTable reports whether the newest xref section is a classic table
// (as opposed to a cross-reference stream).
func (f *File) XrefIsTable() bool { return f.tableXref }

// Reader returns the underlying reader.
func (f *File) Reader() io.ReaderAt { return f.r }

// NextObjectNumber returns the trailer's /Size: the first unused number.
func (f *File) NextObjectNumber() uint32 {
	n, _ := AsInt(f.trailer["Size"])
	max := uint32(0)
	for num := range f.xref {
		if num >= max {
			max = num + 1
		}
	}
	if n > int64(max) && n < maxXrefEntries {
		return uint32(n)
	}
	return max
}

// Objects returns the numbers of all objects in use in this revision.
func (f *File) Objects() []Ref {
	refs := make([]Ref, 0, len(f.xref))
	for num, e := range f.xref {
		if e.kind != 0 {
			gen := e.gen
			if e.kind == 2 {
				gen = 0
			}
			refs = append(refs, Ref{Num: num, Gen: gen})
		}
	}
	return refs
}

// Location describes where an object lives, for comparing revisions.
type Location struct {
	Kind   uint8 // 0 free or absent, 1 at Offset, 2 in object stream Stream at Index
	Gen    uint16
	Offset int64
	Stream uint32
	Index  int64
}

// Locate returns where object num lives in this revision.
func (f *File) Locate(num uint32) Location {
	e, ok := f.xref[num]
	if !ok || e.kind == 0 {
		return Location{}
	}
	if e.kind == 1 {
		return Location{Kind: 1, Gen: e.gen, Offset: e.off}
	}
	return Location{Kind: 2, Stream: uint32(e.off), Index: e.idx}
}

// startxrefBefore finds "startxref N" in the bytes before end.
func startxrefBefore(r io.ReaderAt, end int64) (int64, error) {
	const window = 2048
	start := end - window
	if start < 0 {
		start = 0
	}
	buf := make([]byte, end-start)
	if _, err := r.ReadAt(buf, start); err != nil && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("reading PDF: %w", err)
	}
	i := bytes.LastIndex(buf, []byte("startxref"))
	if i < 0 {
		return 0, malformed("no startxref at the end of the file (truncated or damaged PDF)")
	}
	rest := bytes.TrimLeft(buf[i+len("startxref"):], " \t\r\n\f\x00")
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	n, err := strconv.ParseInt(string(rest[:j]), 10, 64)
	if err != nil || n < 0 || n >= end {
		return 0, malformed("startxref does not point into the file")
	}
	return n, nil
}

// lastRevisionEnd returns the offset just past the last %%EOF (and its EOL).
func lastRevisionEnd(r io.ReaderAt, size int64) (int64, error) {
	if size < 16 {
		return 0, malformed("file too short to be a PDF (%d bytes)", size)
	}
	// Usually within the last kilobyte; scan backwards in growing windows.
	marker := []byte("%%EOF")
	for window := int64(4096); ; window *= 4 {
		start := size - window
		if start < 0 {
			start = 0
		}
		buf := make([]byte, size-start)
		if _, err := r.ReadAt(buf, start); err != nil && !errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("reading PDF: %w", err)
		}
		if i := bytes.LastIndex(buf, marker); i >= 0 {
			return eolEnd(buf, i+len(marker)) + start, nil
		}
		if start == 0 || window > 64<<20 {
			return 0, malformed("no %%%%EOF marker (truncated or damaged PDF)")
		}
	}
}

// eolEnd returns i advanced past one EOL (CR, LF or CRLF) in buf.
func eolEnd(buf []byte, i int) int64 {
	if i < len(buf) && buf[i] == '\r' {
		i++
	}
	if i < len(buf) && buf[i] == '\n' {
		i++
	}
	return int64(i)
}

// Revision marks the end of one revision: EOF is just past its %%EOF
// marker, End just past the end-of-line that follows (EOF == End when
// there is none).
type Revision struct {
	EOF, End int64
}

// Scan is what one pass over a file finds.
type Scan struct {
	// Revisions are the revision ends, in increasing order: each follows
	// a startxref that points at a readable xref section.
	Revisions []Revision
	// ByteRanges are the offsets of every "/ByteRange" name in the raw
	// bytes (signature dictionaries outside object streams).
	ByteRanges []int64
}

// RevisionEnds returns the end offsets (after the EOL) of all revisions.
func RevisionEnds(r io.ReaderAt, size int64) ([]int64, error) {
	s, err := ScanFile(r, size)
	if err != nil {
		return nil, err
	}
	ends := make([]int64, len(s.Revisions))
	for i, rev := range s.Revisions {
		ends[i] = rev.End
	}
	return ends, nil
}

// ScanFile reads the whole file once, looking for revision ends and
// signature dictionaries.
func ScanFile(r io.ReaderAt, size int64) (*Scan, error) {
	res := &Scan{}
	eof := []byte("%%EOF")
	brName := []byte("/ByteRange")
	const overlap = 16
	// A chunk of 256 KB, or the whole of a smaller file (most attachments
	// are: a larger buffer would cost more to clear than to scan).
	buf := make([]byte, min(256<<10, max(size, 2*overlap)))
	for pos := int64(0); pos < size; {
		n := int64(len(buf))
		if pos+n > size {
			n = size - pos
		}
		m, err := r.ReadAt(buf[:n], pos)
		if m <= 0 {
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("reading PDF: %w", err)
			}
			break
		}
		chunk := buf[:m]
		last := pos+int64(m) >= size
		// Matches that start in the overlap are left to the next chunk.
		limit := len(chunk)
		if !last {
			limit -= overlap
		}
		for i := 0; ; {
			j := bytes.Index(chunk[i:], eof)
			if j < 0 || i+j >= limit {
				break
			}
			at := pos + int64(i+j)
			rev := Revision{EOF: at + int64(len(eof))}
			var eol [2]byte
			e, _ := r.ReadAt(eol[:], rev.EOF)
			rev.End = rev.EOF + eolEnd(eol[:e], 0)
			if revisionEndsAt(r, size, at, rev.End) {
				res.Revisions = append(res.Revisions, rev)
			}
			i += j + len(eof)
		}
		for i := 0; ; {
			j := bytes.Index(chunk[i:], brName)
			if j < 0 || i+j >= limit {
				break
			}
			k := i + j + len(brName)
			if k >= len(chunk) || !isRegular(chunk[k]) {
				res.ByteRanges = append(res.ByteRanges, pos+int64(i+j))
			}
			i = k
		}
		if last || int64(m) < n {
			break
		}
		pos += int64(limit)
	}
	return res, nil
}

// revisionEndsAt reports whether the %%EOF at eofAt closes a revision: the
// startxref before it points at a readable xref section whose /Prev (if
// any) lies before it. The first-page section of a linearized file points
// forward and so does not count.
func revisionEndsAt(r io.ReaderAt, size, eofAt, end int64) bool {
	sx, err := startxrefBefore(r, eofAt)
	if err != nil {
		return false
	}
	f := &File{r: r, size: size, end: end, cache: map[Ref]Object{}, objstms: map[uint32]*objStm{}, resolving: map[Ref]bool{}}
	sec, err := f.readXrefSection(sx)
	if err != nil {
		return false
	}
	if prev, ok := AsInt(sec.trailer["Prev"]); ok && (prev < 0 || prev >= eofAt) {
		return false
	}
	return true
}

// StartXref returns the offset that the startxref keyword of a revision
// names (the newest xref section of that revision).
func (rev Revision) StartXref(r io.ReaderAt) (int64, error) {
	return startxrefBefore(r, rev.EOF-int64(len("%%EOF")))
}

func (f *File) readXrefChain(start int64) error {
	f.xref = map[uint32]xrefEntry{}
	seen := map[int64]bool{}
	off := start
	first := true
	for {
		if seen[off] {
			return malformed("xref /Prev chain loops back to offset %d", off)
		}
		if len(seen) > 10000 {
			return malformed("more than 10000 xref sections")
		}
		seen[off] = true
		sec, err := f.readXrefSection(off)
		if err != nil {
			return err
		}
		if first {
			f.tableXref = !sec.stream
			f.trailer = sec.trailer
			first = false
		}
		// Hybrid files: the table's XRefStm adds objects hidden from
		// readers of PDF 1.4 and earlier.
		if x, ok := AsInt(sec.trailer["XRefStm"]); ok && !sec.stream {
			if !seen[x] {
				seen[x] = true
				hs, err := f.readXrefSection(x)
				if err != nil {
					return err
				}
				for num, e := range hs.entries {
					if old, ok := sec.entries[num]; !ok || old.kind == 0 {
						sec.entries[num] = e
					}
				}
			}
		}
		f.sections = append(f.sections, sec)
		for num, e := range sec.entries {
			if _, ok := f.xref[num]; !ok {
				f.xref[num] = e
			}
		}
		if len(f.xref) > maxXrefEntries {
			return malformed("more than %d objects", maxXrefEntries)
		}
		prev, ok := AsInt(sec.trailer["Prev"])
		if !ok {
			break
		}
		if prev < 0 || prev >= f.end {
			return malformed("xref /Prev %d points outside the file", prev)
		}
		off = prev
	}
	// Drop the "free" entries now that precedence is settled.
	for num, e := range f.xref {
		if e.kind == 0 {
			delete(f.xref, num)
		}
	}
	return nil
}

func (f *File) readXrefSection(off int64) (*xrefSection, error) {
	if off < 0 || off >= f.end {
		return nil, malformed("xref offset %d outside the file", off)
	}
	p := newParser(f.r, off, f.end)
	t, err := p.lex.next()
	if err != nil {
		return nil, err
	}
	if t.is("xref") {
		return f.readXrefTable(p, off)
	}
	p.lex.unread(t)
	return f.readXrefStream(p, off)
}

func (f *File) readXrefTable(p *parser, off int64) (*xrefSection, error) {
	sec := &xrefSection{offset: off, entries: map[uint32]xrefEntry{}}
	for {
		t, err := p.lex.next()
		if err != nil {
			return nil, err
		}
		if t.is("trailer") {
			break
		}
		if t.kind != tInt {
			return nil, malformed("bad xref table at offset %d", t.off)
		}
		t2, err := p.lex.next()
		if err != nil {
			return nil, err
		}
		if t2.kind != tInt || t.i < 0 || t2.i < 0 || t.i+t2.i > maxXrefEntries {
			return nil, malformed("bad xref subsection header at offset %d", t.off)
		}
		for i := int64(0); i < t2.i; i++ {
			a, err1 := p.lex.next()
			b, err2 := p.lex.next()
			c, err3 := p.lex.next()
			if err := errors.Join(err1, err2, err3); err != nil {
				return nil, err
			}
			if a.kind != tInt || b.kind != tInt || c.kind != tKeyword || b.i < 0 || b.i > 65535 || a.i < 0 {
				return nil, malformed("bad xref entry at offset %d", a.off)
			}
			num := uint32(t.i + i)
			switch string(c.s) {
			case "n":
				if a.i == 0 {
					// Some producers write "0000000000 00000 n" for unused
					// numbers; read it as free.
					sec.set(num, xrefEntry{kind: 0})
					continue
				}
				if a.i >= f.end {
					return nil, malformed("xref entry for object %d points outside the revision", num)
				}
				sec.set(num, xrefEntry{kind: 1, gen: uint16(b.i), off: a.i})
			case "f":
				sec.set(num, xrefEntry{kind: 0})
			default:
				return nil, malformed("bad xref entry type %q at offset %d", truncate(string(c.s)), c.off)
			}
		}
	}
	o, err := p.object(0)
	if err != nil {
		return nil, fmt.Errorf("reading trailer: %w", err)
	}
	d, ok := o.(Dict)
	if !ok {
		return nil, malformed("trailer is not a dictionary")
	}
	sec.trailer = d
	return sec, nil
}

func (f *File) readXrefStream(p *parser, off int64) (*xrefSection, error) {
	num, gen, err := p.indirectHeader()
	if err != nil {
		return nil, malformed("no xref table or stream at offset %d", off)
	}
	o, err := f.finishIndirect(p, Ref{Num: num, Gen: gen})
	if err != nil {
		return nil, err
	}
	s, ok := o.(*Stream)
	if !ok || s.Dict["Type"] != Name("XRef") {
		return nil, malformed("object at xref offset %d is not an xref stream", off)
	}
	data, err := f.Decode(s, 64<<20)
	if err != nil {
		return nil, fmt.Errorf("xref stream: %w", err)
	}
	wa, ok := s.Dict["W"].(Array)
	if !ok || len(wa) != 3 {
		return nil, malformed("xref stream /W is not an array of three")
	}
	var w [3]int
	for i, v := range wa {
		n, ok := AsInt(v)
		if !ok || n < 0 || n > 8 {
			return nil, malformed("bad xref stream /W")
		}
		w[i] = int(n)
	}
	rowLen := w[0] + w[1] + w[2]
	if rowLen == 0 {
		return nil, malformed("bad xref stream /W")
	}
	size, _ := AsInt(s.Dict["Size"])
	var index []int64
	if ia, ok := s.Dict["Index"].(Array); ok {
		for _, v := range ia {
			n, ok := AsInt(v)
			if !ok || n < 0 {
				return nil, malformed("bad xref stream /Index")
			}
			index = append(index, n)
		}
		if len(index)%2 != 0 {
			return nil, malformed("bad xref stream /Index")
		}
	} else {
		index = []int64{0, size}
	}
	sec := &xrefSection{offset: off, stream: true, trailer: s.Dict, entries: map[uint32]xrefEntry{}}
	pos := 0
	for i := 0; i < len(index); i += 2 {
		startNum, count := index[i], index[i+1]
		if startNum+count > maxXrefEntries || count*int64(rowLen) > int64(len(data)-pos) {
			return nil, malformed("xref stream /Index does not match its data")
		}
		for j := int64(0); j < count; j++ {
			row := data[pos : pos+rowLen]
			pos += rowLen
			field := func(k int) int64 {
				start := 0
				for m := 0; m < k; m++ {
					start += w[m]
				}
				var v int64
				for _, b := range row[start : start+w[k]] {
					v = v<<8 | int64(b)
				}
				return v
			}
			typ := int64(1)
			if w[0] > 0 {
				typ = field(0)
			}
			n := uint32(startNum + j)
			switch typ {
			case 0:
				sec.set(n, xrefEntry{kind: 0})
			case 1:
				o := field(1)
				if o <= 0 || o >= f.end {
					return nil, malformed("xref entry for object %d points outside the revision", n)
				}
				g := field(2)
				if g > 65535 {
					return nil, malformed("bad generation for object %d", n)
				}
				sec.set(n, xrefEntry{kind: 1, off: o, gen: uint16(g)})
			case 2:
				sn := field(1)
				if sn <= 0 || sn > maxXrefEntries {
					return nil, malformed("bad object stream number for object %d", n)
				}
				sec.set(n, xrefEntry{kind: 2, off: sn, idx: field(2)})
			default:
				// Unknown types are to be read as null objects.
			}
		}
	}
	return sec, nil
}

// Get returns the object with the given reference (nil when absent or free).
func (f *File) Get(ref Ref) (Object, error) {
	if o, ok := f.cache[ref]; ok {
		return o, nil
	}
	e, ok := f.xref[ref.Num]
	if !ok {
		return nil, nil
	}
	if f.resolving[ref] {
		return nil, malformed("object %d refers to itself while being read", ref.Num)
	}
	f.resolving[ref] = true
	defer delete(f.resolving, ref)
	var o Object
	var err error
	switch e.kind {
	case 1:
		if e.gen != ref.Gen {
			return nil, nil
		}
		o, err = f.readIndirect(ref, e.off)
	case 2:
		if ref.Gen != 0 {
			return nil, nil
		}
		o, err = f.readCompressed(ref.Num, uint32(e.off), e.idx)
	}
	if err != nil {
		return nil, fmt.Errorf("object %d: %w", ref.Num, err)
	}
	if len(f.cache) > 100000 {
		clear(f.cache)
	}
	f.cache[ref] = o
	return o, nil
}

func (f *File) readIndirect(ref Ref, off int64) (Object, error) {
	p := newParser(f.r, off, f.end)
	num, gen, err := p.indirectHeader()
	if err != nil {
		return nil, err
	}
	if num != ref.Num || gen != ref.Gen {
		return nil, malformed("xref points to object %d %d at offset %d, expected %d %d", num, gen, off, ref.Num, ref.Gen)
	}
	return f.finishIndirect(p, ref)
}

// finishIndirect parses the body of an indirect object after "n g obj".
func (f *File) finishIndirect(p *parser, ref Ref) (Object, error) {
	o, err := p.object(0)
	if err != nil {
		return nil, err
	}
	t, err := p.lex.next()
	if err != nil {
		return nil, err
	}
	if !t.is("stream") {
		// "endobj" is expected; its absence is tolerated.
		return o, nil
	}
	d, ok := o.(Dict)
	if !ok {
		return nil, malformed("stream without a dictionary")
	}
	start := p.streamStart()
	n, err := f.streamLength(d, ref, start)
	if err != nil {
		return nil, err
	}
	return &Stream{Dict: d, src: f, offset: start, length: n}, nil
}

// streamLength returns /Length when "endstream" follows it, else the
// distance to the next "endstream".
func (f *File) streamLength(d Dict, self Ref, start int64) (int64, error) {
	var n int64 = -1
	switch v := d["Length"].(type) {
	case int64:
		n = v
	case Ref:
		if v == self {
			return 0, malformed("stream /Length refers to the stream itself")
		}
		o, err := f.Get(v)
		if err != nil {
			return 0, err
		}
		if i, ok := o.(int64); ok {
			n = i
		}
	}
	if n >= 0 && start+n <= f.end && endstreamAt(f.r, start+n, f.end) {
		return n, nil
	}
	pos, err := findKeyword(f.r, start, f.end, []byte("endstream"), f.end-start)
	if err != nil {
		return 0, err
	}
	if pos < 0 {
		return 0, malformed("stream at offset %d has no endstream", start)
	}
	// Trim the EOL that precedes endstream.
	end := pos
	var tail [2]byte
	if end-start >= 2 {
		if _, err := f.r.ReadAt(tail[:], end-2); err == nil {
			switch {
			case tail[0] == '\r' && tail[1] == '\n':
				end -= 2
			case tail[1] == '\n' || tail[1] == '\r':
				end--
			}
		}
	}
	return end - start, nil
}

func endstreamAt(r io.ReaderAt, off, limit int64) bool {
	var buf [12]byte
	n, _ := r.ReadAt(buf[:], off)
	b := buf[:n]
	b = bytes.TrimLeft(b, "\r\n \t")
	return bytes.HasPrefix(b, []byte("endstream")) && off+9 <= limit
}

func (f *File) readCompressed(num, stmNum uint32, idx int64) (Object, error) {
	stm, err := f.objectStream(stmNum)
	if err != nil {
		return nil, err
	}
	if idx < 0 || idx >= int64(len(stm.offsets)) {
		return nil, malformed("object stream %d has no entry %d", stmNum, idx)
	}
	ent := stm.offsets[idx]
	if ent.num != num {
		return nil, malformed("object stream %d holds object %d at entry %d, expected %d", stmNum, ent.num, idx, num)
	}
	start := stm.first + ent.off
	if start < 0 || start >= int64(len(stm.data)) {
		return nil, malformed("object stream %d: bad offset for object %d", stmNum, num)
	}
	p := newBytesParser(stm.data, int(start))
	return p.object(0)
}

func (f *File) objectStream(num uint32) (*objStm, error) {
	if s, ok := f.objstms[num]; ok {
		return s, nil
	}
	e, ok := f.xref[num]
	if !ok || e.kind != 1 {
		return nil, malformed("object stream %d is missing", num)
	}
	o, err := f.Get(Ref{Num: num, Gen: e.gen})
	if err != nil {
		return nil, err
	}
	s, ok := o.(*Stream)
	if !ok || s.Dict["Type"] != Name("ObjStm") {
		return nil, malformed("object %d is not an object stream", num)
	}
	n, ok1 := AsInt(s.Dict["N"])
	first, ok2 := AsInt(s.Dict["First"])
	if !ok1 || !ok2 || n < 0 || n > 1<<20 || first < 0 {
		return nil, malformed("object stream %d has bad /N or /First", num)
	}
	data, err := f.Decode(s, 64<<20)
	if err != nil {
		return nil, fmt.Errorf("object stream %d: %w", num, err)
	}
	if first > int64(len(data)) {
		return nil, malformed("object stream %d: /First beyond its data", num)
	}
	p := newBytesParser(data[:first], 0)
	stm := &objStm{data: data, first: first, offsets: make([]objStmEntry, 0, n)}
	for i := int64(0); i < n; i++ {
		a, err1 := p.lex.next()
		b, err2 := p.lex.next()
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		if a.kind != tInt || b.kind != tInt || a.i < 0 || a.i > 1<<31 || b.i < 0 {
			return nil, malformed("object stream %d has a bad offset table", num)
		}
		stm.offsets = append(stm.offsets, objStmEntry{num: uint32(a.i), off: b.i})
	}
	if len(f.objstms) >= 16 {
		clear(f.objstms)
	}
	f.objstms[num] = stm
	return stm, nil
}

// Resolve follows references until it reaches a direct object.
func (f *File) Resolve(o Object) (Object, error) {
	for i := 0; i < maxRefChain; i++ {
		r, ok := o.(Ref)
		if !ok {
			return o, nil
		}
		var err error
		if o, err = f.Get(r); err != nil {
			return nil, err
		}
	}
	return nil, malformed("reference chain longer than %d", maxRefChain)
}

// ResolveDict resolves o and returns it as a dictionary (nil if it is none).
func (f *File) ResolveDict(o Object) (Dict, error) {
	o, err := f.Resolve(o)
	if err != nil {
		return nil, err
	}
	d, _ := AsDict(o)
	return d, nil
}

// Catalog returns the document catalog and its reference.
func (f *File) Catalog() (Dict, Ref, error) {
	ref, _ := f.trailer["Root"].(Ref)
	o, err := f.Get(ref)
	if err != nil {
		return nil, ref, fmt.Errorf("reading the document catalog: %w", err)
	}
	d, ok := o.(Dict)
	if !ok {
		return nil, ref, malformed("the document catalog (/Root) is missing or not a dictionary")
	}
	return d, ref, nil
}

// ValueSpan returns where the value of key lies in the top-level
// dictionary of indirect object ref, which must be stored uncompressed in
// this revision: the offsets of the value's first byte and of the byte just
// past it. The value must be a string (as a signature's /Contents is).
func (f *File) ValueSpan(ref Ref, key Name) (start, end int64, err error) {
	e, ok := f.xref[ref.Num]
	if !ok || e.kind != 1 || e.gen != ref.Gen {
		if ok && e.kind == 2 {
			return 0, 0, malformed("object %d is inside an object stream", ref.Num)
		}
		return 0, 0, malformed("object %d is not in the file", ref.Num)
	}
	p := newParser(f.r, e.off, f.end)
	num, gen, err := p.indirectHeader()
	if err != nil {
		return 0, 0, err
	}
	if num != ref.Num || gen != ref.Gen {
		return 0, 0, malformed("xref points to object %d at offset %d, expected %d", num, e.off, ref.Num)
	}
	t, err := p.lex.next()
	if err != nil {
		return 0, 0, err
	}
	if t.kind != tDictOpen {
		return 0, 0, malformed("object %d is not a dictionary", ref.Num)
	}
	found := false
	for {
		t, err := p.lex.next()
		if err != nil {
			return 0, 0, err
		}
		if t.kind == tDictClose {
			break
		}
		if t.kind != tName {
			return 0, 0, malformed("dictionary key is not a name at offset %d", t.off)
		}
		if Name(t.s) == key {
			if found {
				return 0, 0, malformed("object %d has /%s twice", ref.Num, key)
			}
			v, err := p.lex.next()
			if err != nil {
				return 0, 0, err
			}
			if v.kind != tString {
				return 0, 0, malformed("/%s of object %d is not a string", key, ref.Num)
			}
			start, end, found = v.off, p.lex.offset(), true
			continue
		}
		if _, err := p.object(1); err != nil {
			return 0, 0, err
		}
	}
	if !found {
		return 0, 0, malformed("object %d has no /%s", ref.Num, key)
	}
	return start, end, nil
}

// ReaderAtSize is a reader that knows its size (*os.File wrapped with
// SizedReader, bytes.Reader, io.SectionReader).
type ReaderAtSize interface {
	io.ReaderAt
	Size() int64
}

type sized struct {
	io.ReaderAt
	n int64
}

func (s sized) Size() int64 { return s.n }

// SizedReader pairs r with its size.
func SizedReader(r io.ReaderAt, size int64) ReaderAtSize { return sized{r, size} }
