package inbox

import (
	"bytes"
	"strings"
	"testing"
)

func TestPack(t *testing.T) {
	long := []byte(strings.Repeat(`<edXML:Subject>Công văn</edXML:Subject>`, 40))
	cases := []struct {
		name       string
		in         []byte
		compressed bool
	}{
		{"short stays", []byte(`{"a":1}`), false},
		{"verbose shrinks", long, true},
		{"random stays", randomBytes(4096), false},
	}
	for _, c := range cases {
		p := pack(c.in)
		if got := bytes.HasPrefix(p, packMagic); got != c.compressed {
			t.Errorf("%s: compressed %v, want %v", c.name, got, c.compressed)
		}
		if c.compressed && len(p) >= len(c.in)/4 {
			t.Errorf("%s: %d bytes packed to %d", c.name, len(c.in), len(p))
		}
		out, err := unpack(p)
		if err != nil || !bytes.Equal(out, c.in) {
			t.Errorf("%s: round trip: %v", c.name, err)
		}
	}
	// A damaged stored value is an error, not garbage.
	p := pack(long)
	p[len(p)/2] ^= 0xff
	if _, err := unpack(p); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged value: %v", err)
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}
