// Package bufpool lends byte buffers: a buffer grown anew for each
// packet or file is allocated, cleared and copied several times over.
package bufpool

import (
	"bytes"
	"sync"
)

// Pool lends buffers and keeps, of those given back, the ones no larger
// than its bound.
type Pool struct {
	max int
	p   sync.Pool
}

// New returns a pool that keeps buffers of up to maxCap bytes.
func New(maxCap int) *Pool { return &Pool{max: maxCap} }

// Get returns an empty buffer.
func (p *Pool) Get() *bytes.Buffer {
	if b, ok := p.p.Get().(*bytes.Buffer); ok {
		return b
	}
	return new(bytes.Buffer)
}

// Put gives b back (nil is ignored); it must not be used afterwards.
func (p *Pool) Put(b *bytes.Buffer) {
	if b != nil && b.Cap() <= p.max {
		b.Reset()
		p.p.Put(b)
	}
}
