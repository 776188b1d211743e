// Package pdf reads PDF files through an io.ReaderAt without loading them
// into memory and writes incremental updates that keep the original bytes
// verbatim. It is the object layer of Vanthu's signing engine.
//
// Every parse path is bounded (nesting depth, string and stream sizes,
// reference chains, xref sizes) and returns an error rather than panicking
// on malformed or hostile input.
package pdf

import (
	"bytes"
	"fmt"
	"sort"
)

// Object is one PDF value: nil (null), bool, int64, float64, Name, String,
// Array, Dict, Ref or *Stream.
type Object any

// Name is a PDF name without the leading slash.
type Name string

// String is a PDF string (literal or hexadecimal) as raw bytes.
type String []byte

// Array is a PDF array.
type Array []Object

// Dict is a PDF dictionary.
type Dict map[Name]Object

// Ref is an indirect reference.
type Ref struct {
	Num uint32
	Gen uint16
}

func (r Ref) String() string { return fmt.Sprintf("%d %d R", r.Num, r.Gen) }

// Stream is a stream object: its dictionary and either the location of its
// raw (still filtered) bytes in a file or, for new streams, the raw bytes.
type Stream struct {
	Dict Dict
	// Data holds the raw bytes of a stream built in memory. Parsed streams
	// leave it nil and keep their location instead.
	Data []byte

	src    *File
	offset int64 // of the first data byte in the file
	length int64
}

// Len returns the length of the stream's raw bytes.
func (s *Stream) Len() int64 {
	if s.src == nil {
		return int64(len(s.Data))
	}
	return s.length
}

// Offset returns the file offset of a parsed stream's first data byte, or -1
// for a stream built in memory.
func (s *Stream) Offset() int64 {
	if s.src == nil {
		return -1
	}
	return s.offset
}

// Get returns d[key] or nil.
func (d Dict) Get(key Name) Object { return d[key] }

// Clone returns a shallow copy of d.
func (d Dict) Clone() Dict {
	c := make(Dict, len(d)+2)
	for k, v := range d {
		c[k] = v
	}
	return c
}

// Keys returns the keys of d in sorted order.
func (d Dict) Keys() []Name {
	keys := make([]Name, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

// Equal reports whether two direct objects are the same value. References
// compare by number and generation; parsed streams compare by dictionary and
// raw bytes (read from their files).
func Equal(a, b Object) (bool, error) {
	switch x := a.(type) {
	case nil:
		return b == nil, nil
	case bool, Name, Ref:
		return a == b, nil
	case int64:
		switch y := b.(type) {
		case int64:
			return x == y, nil
		case float64:
			return float64(x) == y, nil
		}
		return false, nil
	case float64:
		switch y := b.(type) {
		case float64:
			return x == y, nil
		case int64:
			return x == float64(y), nil
		}
		return false, nil
	case String:
		y, ok := b.(String)
		return ok && bytes.Equal(x, y), nil
	case Array:
		y, ok := b.(Array)
		if !ok || len(x) != len(y) {
			return false, nil
		}
		for i := range x {
			if eq, err := Equal(x[i], y[i]); err != nil || !eq {
				return false, err
			}
		}
		return true, nil
	case Dict:
		y, ok := b.(Dict)
		if !ok || len(x) != len(y) {
			return false, nil
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok {
				return false, nil
			}
			if eq, err := Equal(v, w); err != nil || !eq {
				return false, err
			}
		}
		return true, nil
	case *Stream:
		y, ok := b.(*Stream)
		if !ok {
			return false, nil
		}
		if eq, err := Equal(x.Dict, y.Dict); err != nil || !eq {
			return false, err
		}
		return streamBytesEqual(x, y)
	}
	return false, fmt.Errorf("pdf: cannot compare %T", a)
}

func streamBytesEqual(a, b *Stream) (bool, error) {
	if a.Len() != b.Len() {
		return false, nil
	}
	if a.src != nil && b.src != nil && a.src.r == b.src.r && a.offset == b.offset {
		return true, nil
	}
	ra, rb := a.RawReader(), b.RawReader()
	bufA := make([]byte, 32<<10)
	bufB := make([]byte, 32<<10)
	for remaining := a.Len(); remaining > 0; {
		n := int64(len(bufA))
		if remaining < n {
			n = remaining
		}
		if _, err := readFull(ra, bufA[:n]); err != nil {
			return false, err
		}
		if _, err := readFull(rb, bufB[:n]); err != nil {
			return false, err
		}
		if !bytes.Equal(bufA[:n], bufB[:n]) {
			return false, nil
		}
		remaining -= n
	}
	return true, nil
}

// Typed accessors. They return the zero value and false when the object
// has another type.

// AsInt returns o as an integer (reals with an integral value included).
func AsInt(o Object) (int64, bool) {
	switch v := o.(type) {
	case int64:
		return v, true
	case float64:
		if v == float64(int64(v)) {
			return int64(v), true
		}
	}
	return 0, false
}

// AsNumber returns o as a float64.
func AsNumber(o Object) (float64, bool) {
	switch v := o.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

// AsName returns o as a Name.
func AsName(o Object) (Name, bool) { v, ok := o.(Name); return v, ok }

// AsDict returns o as a Dict (a stream's dictionary included).
func AsDict(o Object) (Dict, bool) {
	switch v := o.(type) {
	case Dict:
		return v, true
	case *Stream:
		return v.Dict, true
	}
	return nil, false
}

// AsArray returns o as an Array.
func AsArray(o Object) (Array, bool) { v, ok := o.(Array); return v, ok }

// AsString returns o as a String.
func AsString(o Object) (String, bool) { v, ok := o.(String); return v, ok }

// AsRef returns o as a Ref.
func AsRef(o Object) (Ref, bool) { v, ok := o.(Ref); return v, ok }
