package pdftext

import (
	"sync/atomic"

	"github.com/tetratelabs/wazero/experimental"
)

// memoryLimit allocates the WebAssembly memory of a slot's instances and
// refuses to grow one beyond limit: PDFium then gets no memory from malloc
// and stops with an error. (wazero's own limit, WithMemoryLimitPages,
// cannot be used: it must be above the 2 GiB maximum PDFium's module
// declares.)
type memoryLimit struct {
	limit   uint64
	refused atomic.Bool
}

var _ experimental.MemoryAllocator = (*memoryLimit)(nil)

// Allocate implements experimental.MemoryAllocator.
func (m *memoryLimit) Allocate(capacity, _ uint64) experimental.LinearMemory {
	return &linearMemory{owner: m, buf: make([]byte, 0, min(capacity, m.limit))}
}

func (m *memoryLimit) reset()         { m.refused.Store(false) }
func (m *memoryLimit) exceeded() bool { return m.refused.Load() }

// linearMemory is the memory of one instance. WebAssembly memory only
// grows, so the bytes past its length were never used and are still zero.
type linearMemory struct {
	owner *memoryLimit
	buf   []byte
}

// Reallocate implements experimental.LinearMemory. The first call, for the
// module's initial memory, is always granted: wazero cannot handle a
// refusal there.
func (l *linearMemory) Reallocate(size uint64) []byte {
	if size > l.owner.limit && len(l.buf) > 0 {
		l.owner.refused.Store(true)
		return nil
	}
	if size <= uint64(cap(l.buf)) {
		l.buf = l.buf[:size]
		return l.buf
	}
	// Grow by a quarter at least, as append would, within the limit.
	c := max(size, uint64(cap(l.buf))+uint64(cap(l.buf))/4)
	c = max(min(c, l.owner.limit), size)
	buf := make([]byte, size, c)
	copy(buf, l.buf)
	l.buf = buf
	return buf
}

// Free implements experimental.LinearMemory.
func (l *linearMemory) Free() { l.buf = nil }
