package pdfwasm

import (
	"sync"
	"sync/atomic"

	"github.com/tetratelabs/wazero/experimental"
)

// keepMemory is the largest WebAssembly memory a slot keeps for its next
// instance, instead of leaving it to the garbage collector: PDFium starts
// with about 19 MiB, and most documents need no more.
const keepMemory = 64 << 20

// memoryLimit allocates the WebAssembly memory of a slot's instances (one
// at a time) and refuses to grow one beyond limit: PDFium then gets no
// memory from malloc and stops, or skips what it could not allocate.
// (wazero's own limit, WithMemoryLimitPages, cannot be used: it must be
// above the 2 GiB maximum PDFium's module declares.)
//
// The memory of an instance that closed normally is cleared and reused by
// the next one, which saves the garbage collector 19 MiB per document.
type memoryLimit struct {
	limit   uint64
	refused atomic.Bool

	mu    sync.Mutex
	spare []byte // memory of the last closed instance, up to its length
}

var _ experimental.MemoryAllocator = (*memoryLimit)(nil)

// Allocate implements experimental.MemoryAllocator.
func (m *memoryLimit) Allocate(capacity, _ uint64) experimental.LinearMemory {
	m.mu.Lock()
	buf := m.spare
	m.spare = nil
	m.mu.Unlock()
	if uint64(cap(buf)) < capacity {
		buf = make([]byte, 0, min(capacity, m.limit))
	} else {
		clear(buf)
		buf = buf[:0]
	}
	return &linearMemory{owner: m, buf: buf}
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

// Free implements experimental.LinearMemory. wazero calls it when the
// instance is closed normally, never while its code runs.
func (l *linearMemory) Free() {
	if cap(l.buf) <= keepMemory {
		l.owner.mu.Lock()
		l.owner.spare = l.buf
		l.owner.mu.Unlock()
	}
	l.buf = nil
}
