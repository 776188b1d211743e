package hub

import (
	"bytes"
	"io"
	"os"
	"sync/atomic"
	"testing"
)

// TestUpload holds small uploads in memory and larger ones, or those
// beyond the shared budget, in a temporary file that close removes; each
// reads back what was written.
func TestUpload(t *testing.T) {
	data := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7 + i/256)
		}
		return b
	}
	files := func(dir string) int {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		return len(entries)
	}
	cases := []struct {
		name     string
		size     int
		budget   int64 // already held by other uploads
		wantFile bool
	}{
		{"empty", 0, 0, false},
		{"small", 10 << 10, 0, false},
		{"at the bound", memUpload, 0, false},
		{"above the bound", memUpload + 1, 0, true},
		{"large", 3 << 20, 0, true},
		{"small, budget spent", 10 << 10, memUploads - 5<<10, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			var budget atomic.Int64
			budget.Store(c.budget)
			u := &upload{dir: dir, budget: &budget}
			want := data(c.size)
			// Written in pieces, as a multipart reader hands them over.
			for rest := want; len(rest) > 0; {
				n := min(len(rest), 32<<10)
				if _, err := u.Write(rest[:n]); err != nil {
					t.Fatal(err)
				}
				rest = rest[n:]
			}
			if got := files(dir) == 1; got != c.wantFile {
				t.Errorf("in a file: %v, want %v", got, c.wantFile)
			}
			for range 2 { // read twice: the packet is checked, then stored
				got, err := io.ReadAll(u.reader())
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("read back %d bytes (%v), want the %d written", len(got), err, len(want))
				}
			}
			if held := budget.Load() - c.budget; c.wantFile && held != 0 || !c.wantFile && held != int64(c.size) {
				t.Errorf("budget holds %d bytes of this upload", held)
			}
			if err := u.close(); err != nil {
				t.Fatal(err)
			}
			if n := files(dir); n != 0 {
				t.Errorf("%d files left after close", n)
			}
			if got := budget.Load(); got != c.budget {
				t.Errorf("budget after close: %d, want %d", got, c.budget)
			}
		})
	}
}
