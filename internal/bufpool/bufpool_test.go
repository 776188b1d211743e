package bufpool

import (
	"bytes"
	"testing"
)

func TestPool(t *testing.T) {
	p := New(1 << 10)
	b := p.Get()
	if b.Len() != 0 {
		t.Fatalf("a new buffer holds %d bytes", b.Len())
	}
	b.WriteString("kept")
	p.Put(b)
	p.Put(nil)
	if got := p.Get(); got.Len() != 0 {
		t.Errorf("a buffer lent again holds %q", got.String())
	}
	big := bytes.NewBuffer(make([]byte, 0, 4<<10))
	p.Put(big)
	for range 100 {
		if p.Get() == big {
			t.Fatal("a buffer over the bound was kept")
		}
	}
}
