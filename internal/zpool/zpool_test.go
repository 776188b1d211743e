package zpool

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"io"
	"math/rand/v2"
	"testing"
)

func compress(t *testing.T, raw bool, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	var w io.WriteCloser
	if raw {
		w, _ = flate.NewWriter(&b, flate.BestSpeed)
	} else {
		w = zlib.NewWriter(&b)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestReuse reads many streams through pooled readers, each closed and
// lent again, and checks every one decodes to its own bytes; a damaged
// stream fails and leaves the pool's readers good.
func TestReuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 50 {
		data := make([]byte, rng.IntN(200_000))
		for j := range data {
			data[j] = byte(rng.IntN(4)) + 'a' // compressible
		}
		z, err := NewZlib(bytes.NewReader(compress(t, false, data)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(z)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("zlib stream %d: %d bytes, %v", i, len(got), err)
		}
		_ = z.Close()
		f := NewFlate(bytes.NewReader(compress(t, true, data)))
		if got, err = io.ReadAll(f); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("flate stream %d: %d bytes, %v", i, len(got), err)
		}
		_ = f.Close()
		_ = f.Close() // a second Close does not put it back twice

		if i%10 == 0 {
			bad := compress(t, false, data)
			bad[len(bad)-1] ^= 0xff // the checksum
			z, err := NewZlib(bytes.NewReader(bad))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadAll(z); err == nil {
				t.Fatalf("stream %d: a damaged checksum read without error", i)
			}
			_ = z.Close()
			if _, err := NewZlib(bytes.NewReader([]byte("not zlib"))); err == nil {
				t.Fatal("a bad header gave a reader")
			}
		}
	}
}
