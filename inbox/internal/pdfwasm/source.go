package pdfwasm

import (
	"errors"
	"io"
)

var errDetached = errors.New("the document was closed")

// Source is the io.ReadSeeker PDFium reads the document through (from the
// calling goroutine, in host function calls). After the document it is
// detached from the caller's reader: go-pdfium keeps readers in a global
// table, and leaves them there when the opening of a document is
// interrupted. It also keeps the first error of the reader, to tell a file
// that cannot be read from one that is not a PDF.
type Source struct {
	r    io.ReaderAt
	size int64
	off  int64
	err  error
}

var _ io.ReadSeeker = (*Source)(nil)

// NewSource returns a Source reading size bytes of r.
func NewSource(r io.ReaderAt, size int64) *Source { return &Source{r: r, size: size} }

// Size is the size of the document.
func (s *Source) Size() int64 { return s.size }

// Err is the first error of the reader, if any.
func (s *Source) Err() error { return s.err }

func (s *Source) Read(p []byte) (int, error) {
	if s.r == nil {
		return 0, errDetached
	}
	if s.off >= s.size {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), s.size-s.off)]
	n, err := s.r.ReadAt(p, s.off)
	s.off += int64(n)
	if n == len(p) {
		return n, nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF // shorter than size said
	}
	if s.err == nil {
		s.err = err
	}
	return n, err
}

func (s *Source) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += s.off
	case io.SeekEnd:
		offset += s.size
	default:
		return 0, errors.New("invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("negative position")
	}
	s.off = offset
	return offset, nil
}

// Detach drops the caller's reader: later reads fail.
func (s *Source) Detach() { s.r = nil }
