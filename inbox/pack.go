package inbox

import (
	"bytes"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zlib"

	"github.com/vanthu/vanthu/internal/zpool"
)

// packMagic starts a value stored compressed. Stored values that do not
// start with it (JSON, XML) are kept as they are.
var packMagic = []byte{0, 'Z'}

// packWriters are reused: a compressor holds close to a megabyte of
// tables, more than most values it packs.
var packWriters = sync.Pool{New: func() any {
	zw, _ := zlib.NewWriterLevel(io.Discard, zlib.BestSpeed) // a valid level: no error
	return zw
}}

// pack compresses b for storage when it is worth it: encoded headers and
// status packets are verbose and shrink several times.
func pack(b []byte) []byte {
	if len(b) < 256 {
		return b
	}
	var buf bytes.Buffer
	buf.Write(packMagic)
	zw := packWriters.Get().(*zlib.Writer)
	zw.Reset(&buf)
	_, _ = zw.Write(b) // writes to a bytes.Buffer do not fail
	_ = zw.Close()
	zw.Reset(io.Discard) // the pool does not keep buf alive
	packWriters.Put(zw)
	if buf.Len() >= len(b) {
		return b
	}
	return buf.Bytes()
}

// unpack reverses pack.
func unpack(b []byte) ([]byte, error) {
	if !bytes.HasPrefix(b, packMagic) {
		return b, nil
	}
	zr, err := zpool.NewZlib(bytes.NewReader(b[len(packMagic):]))
	if err != nil {
		return nil, fmt.Errorf("a stored value is damaged: %w", err)
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("a stored value is damaged: %w", err)
	}
	return out, nil
}
