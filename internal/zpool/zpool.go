// Package zpool lends zlib and raw deflate readers from pools: a new
// reader allocates and clears some 40 KB of window and tables, more than
// inflating a small stream costs.
package zpool

import (
	"bytes"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zlib"
)

var (
	zlibReaders  sync.Pool // of *Reader over a zlib reader
	flateReaders sync.Pool // of *Reader over a flate reader
)

// emptyZlib is a zlib header alone: what a reader is reset to before it
// goes back to its pool, so that it keeps nothing of its last input.
var emptyZlib = []byte{0x78, 0x9c}

// resetter is what zlib and flate readers both are.
type resetter interface {
	Reset(r io.Reader, dict []byte) error
}

// Reader is a pooled decompressing reader. Close returns it to its pool;
// it must not be used afterwards.
type Reader struct {
	r     io.Reader // a zlib or flate reader: a resetter
	pool  *sync.Pool
	empty []byte
}

func (z *Reader) Read(p []byte) (int, error) { return z.r.Read(p) }

// Close puts the reader back in its pool. It reports no error: the
// checksum of a zlib stream is checked by Read at its end.
func (z *Reader) Close() error {
	if z.pool == nil {
		return nil
	}
	_ = z.r.(resetter).Reset(bytes.NewReader(z.empty), nil)
	pool := z.pool
	z.pool = nil
	pool.Put(z)
	return nil
}

// NewZlib returns a reader of the zlib stream r, or the error of its
// header.
func NewZlib(r io.Reader) (*Reader, error) {
	if z, ok := zlibReaders.Get().(*Reader); ok {
		if err := z.r.(resetter).Reset(r, nil); err != nil {
			z.pool = &zlibReaders
			_ = z.Close()
			return nil, err
		}
		z.pool = &zlibReaders
		return z, nil
	}
	zr, err := zlib.NewReader(r)
	if err != nil {
		return nil, err
	}
	return &Reader{r: zr, pool: &zlibReaders, empty: emptyZlib}, nil
}

// NewFlate returns a reader of the raw deflate stream r.
func NewFlate(r io.Reader) *Reader {
	if z, ok := flateReaders.Get().(*Reader); ok {
		_ = z.r.(resetter).Reset(r, nil) // a raw stream has no header to fail
		z.pool = &flateReaders
		return z
	}
	return &Reader{r: flate.NewReader(r), pool: &flateReaders}
}
