package pdf

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
)

// Placeholder is written as Width bytes that are patched after encoding
// (a signature's /ByteRange and /Contents). Hex placeholders are written
// as "<" + 2·Width zeros + ">".
type Placeholder struct {
	ID    string
	Width int
	Hex   bool
}

// Span is where a placeholder landed in the encoded output (absolute file
// offsets, End exclusive, delimiters included).
type Span struct{ Start, End int64 }

// AppendObject writes the PDF syntax of o to buf. Dictionary keys are
// written in sorted order so that output is deterministic.
func AppendObject(buf *bytes.Buffer, o Object) error {
	return appendObject(buf, o, nil, 0, 0)
}

type spanRecorder func(id string, start, end int)

func appendObject(buf *bytes.Buffer, o Object, rec spanRecorder, base int, depth int) error {
	if depth > maxDepth {
		return errors.New("pdf: object nested too deeply to write")
	}
	switch v := o.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		if v {
			buf.WriteString("true")
		} else {
			buf.WriteString("false")
		}
	case int:
		buf.WriteString(strconv.Itoa(v))
	case int64:
		buf.WriteString(strconv.FormatInt(v, 10))
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return errors.New("pdf: cannot write a non-finite number")
		}
		s := strconv.FormatFloat(v, 'f', -1, 64)
		buf.WriteString(s)
	case Name:
		writeName(buf, v)
	case String:
		writeString(buf, v)
	case Ref:
		fmt.Fprintf(buf, "%d %d R", v.Num, v.Gen)
	case Array:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(' ')
			}
			if err := appendObject(buf, e, rec, base, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case Dict:
		return appendDict(buf, v, v.Keys(), rec, base, depth)
	case OrderedDict:
		return appendDict(buf, v.Dict, v.Order, rec, base, depth)
	case *Stream:
		return errors.New("pdf: a stream must be an indirect object")
	case Placeholder:
		start := buf.Len()
		if v.Hex {
			buf.WriteByte('<')
			buf.Write(bytes.Repeat([]byte{'0'}, 2*v.Width))
			buf.WriteByte('>')
		} else {
			buf.Write(bytes.Repeat([]byte{' '}, v.Width))
		}
		if rec != nil {
			rec(v.ID, base+start, base+buf.Len())
		}
	default:
		return fmt.Errorf("pdf: cannot write %T", o)
	}
	return nil
}

// OrderedDict is a dictionary written with its keys in a given order
// (keys missing from Order follow in sorted order).
type OrderedDict struct {
	Dict  Dict
	Order []Name
}

func appendDict(buf *bytes.Buffer, d Dict, order []Name, rec spanRecorder, base int, depth int) error {
	buf.WriteString("<<")
	done := map[Name]bool{}
	write := func(k Name) error {
		v, ok := d[k]
		if !ok || done[k] {
			return nil
		}
		done[k] = true
		writeName(buf, k)
		buf.WriteByte(' ')
		return appendObject(buf, v, rec, base, depth+1)
	}
	for _, k := range order {
		if err := write(k); err != nil {
			return err
		}
	}
	for _, k := range d.Keys() {
		if err := write(k); err != nil {
			return err
		}
	}
	buf.WriteString(">>")
	return nil
}

func writeName(buf *bytes.Buffer, n Name) {
	buf.WriteByte('/')
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c < 0x21 || c > 0x7e || c == '#' || isDelim(c) {
			fmt.Fprintf(buf, "#%02X", c)
			continue
		}
		buf.WriteByte(c)
	}
}

func writeString(buf *bytes.Buffer, s String) {
	printable := true
	for _, c := range s {
		if c < 0x20 || c > 0x7e {
			printable = false
			break
		}
	}
	if !printable {
		buf.WriteByte('<')
		const hexdigits = "0123456789ABCDEF"
		for _, c := range s {
			buf.WriteByte(hexdigits[c>>4])
			buf.WriteByte(hexdigits[c&15])
		}
		buf.WriteByte('>')
		return
	}
	buf.WriteByte('(')
	for _, c := range s {
		if c == '(' || c == ')' || c == '\\' {
			buf.WriteByte('\\')
		}
		buf.WriteByte(c)
	}
	buf.WriteByte(')')
}

// Update collects the objects of one incremental update of a file.
type Update struct {
	f     *File
	next  uint32
	order []Ref
	objs  map[Ref]Object
}

// NewUpdate starts an incremental update on top of f's newest revision.
func NewUpdate(f *File) *Update {
	return &Update{f: f, next: f.NextObjectNumber(), objs: map[Ref]Object{}}
}

// Add stores o under a new object number and returns its reference.
func (u *Update) Add(o Object) Ref {
	ref := Ref{Num: u.next}
	u.next++
	u.Set(ref, o)
	return ref
}

// Reserve allocates an object number to be filled later with Set.
func (u *Update) Reserve() Ref {
	ref := Ref{Num: u.next}
	u.next++
	return ref
}

// Set stores o as the new version of ref.
func (u *Update) Set(ref Ref, o Object) {
	if _, ok := u.objs[ref]; !ok {
		u.order = append(u.order, ref)
	}
	u.objs[ref] = o
}

// Get returns the object ref will have after the update (the pending
// version if there is one, else the file's).
func (u *Update) Get(ref Ref) (Object, error) {
	if o, ok := u.objs[ref]; ok {
		return o, nil
	}
	return u.f.Get(ref)
}

// Encoded is an encoded incremental update.
type Encoded struct {
	Data         []byte
	Base         int64 // file offset of Data[0]
	Placeholders map[string]Span
}

// Encode writes the update as it will be appended at the end of the file:
// the objects, then an xref section in the style of the file's newest one
// (table or stream) whose /Prev is the previous startxref, then the
// trailer, startxref and %%EOF.
func (u *Update) Encode() (*Encoded, error) {
	base := u.f.size
	var buf bytes.Buffer
	// Start on a fresh line.
	var last [1]byte
	if _, err := u.f.r.ReadAt(last[:], base-1); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading PDF: %w", err)
	}
	if last[0] != '\n' && last[0] != '\r' {
		buf.WriteByte('\n')
	}
	enc := &Encoded{Base: base, Placeholders: map[string]Span{}}
	rec := func(id string, start, end int) {
		enc.Placeholders[id] = Span{Start: base + int64(start), End: base + int64(end)}
	}
	offsets := map[uint32]int64{}
	gens := map[uint32]uint16{}
	for _, ref := range u.order {
		offsets[ref.Num] = base + int64(buf.Len())
		gens[ref.Num] = ref.Gen
		fmt.Fprintf(&buf, "%d %d obj\n", ref.Num, ref.Gen)
		if err := writeIndirect(&buf, u.objs[ref], rec, 0); err != nil {
			return nil, fmt.Errorf("object %d: %w", ref.Num, err)
		}
		buf.WriteString("\nendobj\n")
	}
	trailer := Dict{"Root": u.f.trailer["Root"]}
	if info, ok := u.f.trailer["Info"]; ok {
		trailer["Info"] = info
	}
	trailer["ID"] = newID(u.f.trailer["ID"])
	trailer["Prev"] = u.f.startxref

	xrefOff := base + int64(buf.Len())
	if u.f.tableXref {
		nums := sortedNums(offsets)
		buf.WriteString("xref\n")
		for i := 0; i < len(nums); {
			j := i + 1
			for j < len(nums) && nums[j] == nums[j-1]+1 {
				j++
			}
			fmt.Fprintf(&buf, "%d %d\n", nums[i], j-i)
			for _, n := range nums[i:j] {
				fmt.Fprintf(&buf, "%010d %05d n\r\n", offsets[n], gens[n])
			}
			i = j
		}
		trailer["Size"] = int64(u.next)
		buf.WriteString("trailer\n")
		if err := appendObject(&buf, trailer, nil, 0, 0); err != nil {
			return nil, err
		}
		buf.WriteByte('\n')
	} else {
		self := u.next
		offsets[self] = xrefOff
		gens[self] = 0
		nums := sortedNums(offsets)
		var index Array
		var data bytes.Buffer
		for i := 0; i < len(nums); {
			j := i + 1
			for j < len(nums) && nums[j] == nums[j-1]+1 {
				j++
			}
			index = append(index, int64(nums[i]), int64(j-i))
			for _, n := range nums[i:j] {
				data.WriteByte(1)
				o := offsets[n]
				data.Write([]byte{byte(o >> 32), byte(o >> 24), byte(o >> 16), byte(o >> 8), byte(o)})
				g := gens[n]
				data.Write([]byte{byte(g >> 8), byte(g)})
			}
			i = j
		}
		trailer["Type"] = Name("XRef")
		trailer["Size"] = int64(self + 1)
		trailer["Index"] = index
		trailer["W"] = Array{int64(1), int64(5), int64(2)}
		fmt.Fprintf(&buf, "%d 0 obj\n", self)
		if err := writeIndirect(&buf, &Stream{Dict: trailer, Data: data.Bytes()}, nil, 0); err != nil {
			return nil, err
		}
		buf.WriteString("\nendobj\n")
	}
	fmt.Fprintf(&buf, "startxref\n%d\n%%%%EOF\n", xrefOff)
	enc.Data = buf.Bytes()
	return enc, nil
}

func writeIndirect(buf *bytes.Buffer, o Object, rec spanRecorder, base int) error {
	s, ok := o.(*Stream)
	if !ok {
		return appendObject(buf, o, rec, base, 0)
	}
	if s.src != nil {
		return errors.New("pdf: cannot rewrite a stream read from a file")
	}
	d := s.Dict.Clone()
	d["Length"] = int64(len(s.Data))
	if err := appendObject(buf, d, rec, base, 0); err != nil {
		return err
	}
	buf.WriteString("\nstream\n")
	buf.Write(s.Data)
	buf.WriteString("\nendstream")
	return nil
}

func sortedNums(m map[uint32]int64) []uint32 {
	nums := make([]uint32, 0, len(m))
	for n := range m {
		nums = append(nums, n)
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	return nums
}

// newID keeps the first part of the file identifier and makes a new second part.
func newID(old Object) Array {
	fresh := make([]byte, 16)
	_, _ = rand.Read(fresh) // never fails (crypto/rand aborts the program instead)
	if a, ok := old.(Array); ok && len(a) == 2 {
		if first, ok := a[0].(String); ok {
			return Array{first, String(fresh)}
		}
	}
	return Array{String(fresh), String(fresh)}
}

// Builder writes a new PDF file from scratch.
type Builder struct {
	objs []Object // index i holds object i+1
}

// Add stores o as a new object and returns its reference.
func (b *Builder) Add(o Object) Ref {
	b.objs = append(b.objs, o)
	return Ref{Num: uint32(len(b.objs))}
}

// Reserve allocates a number to be filled with Set.
func (b *Builder) Reserve() Ref { return b.Add(nil) }

// Set stores o under ref.
func (b *Builder) Set(ref Ref, o Object) { b.objs[ref.Num-1] = o }

// Bytes writes the file: header, objects, a classic xref table and the
// trailer naming root (and info, unless zero).
func (b *Builder) Bytes(version string, root, info Ref) ([]byte, error) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "%%PDF-%s\n%%\xe2\xe3\xcf\xd3\n", version)
	offsets := make([]int, len(b.objs))
	for i, o := range b.objs {
		offsets[i] = buf.Len()
		fmt.Fprintf(&buf, "%d 0 obj\n", i+1)
		if err := writeIndirect(&buf, o, nil, 0); err != nil {
			return nil, fmt.Errorf("object %d: %w", i+1, err)
		}
		buf.WriteString("\nendobj\n")
	}
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f\r\n", len(b.objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&buf, "%010d 00000 n\r\n", off)
	}
	trailer := Dict{"Size": int64(len(b.objs) + 1), "Root": root, "ID": newID(nil)}
	if info != (Ref{}) {
		trailer["Info"] = info
	}
	buf.WriteString("trailer\n")
	if err := appendObject(&buf, trailer, nil, 0, 0); err != nil {
		return nil, err
	}
	fmt.Fprintf(&buf, "\nstartxref\n%d\n%%%%EOF\n", xref)
	return buf.Bytes(), nil
}
