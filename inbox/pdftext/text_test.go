package pdftext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Kính gửi:\r\nSở Tài chính\r\n", "Kính gửi:\nSở Tài chính\n"},
		{"a\rb", "a\nb"},
		{"tab\there", "tab\there"},
		// Decomposed letters (base, circumflex, acute) become one letter.
		{"Nghi\u0323 đi\u0323nh, Vie\u0302\u0301t, ho\u0300a", "Nghị định, Viết, hòa"},
		{"bad\x00\x02\x1b\x7f\u0085\ufeff\ufffe\uffff\ufdd0 bytes\xff", "bad bytes"},
		{"page\fbreak", "pagebreak"},
		{"", ""},
	} {
		if got := clean(tc.in); got != tc.want {
			t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCutUTF8(t *testing.T) {
	s := "Hạnh phúc" // ạ and ú take 3 and 2 bytes
	for n := 0; n <= len(s)+1; n++ {
		got := cutUTF8(s, n)
		if len(got) > n || !utf8.ValidString(got) || !strings.HasPrefix(s, got) || len(got) < min(n, len(s))-2 {
			t.Errorf("cutUTF8(%q, %d) = %q", s, n, got)
		}
	}
}

// TestAdd checks MaxBytes on the pages of a document, separators included.
func TestAdd(t *testing.T) {
	pages := []string{"Trang một", "Trang hai", "Trang ba"}
	full := strings.Join(pages, pageBreak)
	for limit := 1; limit <= len(full)+1; limit++ {
		d := &document{maxPages: 10, maxBytes: limit}
		for _, p := range pages {
			d.add(p, false)
			d.done++
			if d.cut {
				break
			}
		}
		got := d.text()
		wantCut := limit < len(full)
		if len(got) > limit || !strings.HasPrefix(full, strings.TrimSuffix(got, pageBreak)) || d.cut != wantCut {
			t.Errorf("MaxBytes %d: got %q, cut %v", limit, got, d.cut)
		}
		if !wantCut && got != full {
			t.Errorf("MaxBytes %d: got %q, want %q", limit, got, full)
		}
	}
	d := &document{maxPages: 1, maxBytes: 100, pages: 3, done: 1}
	d.add("Trang một", false)
	if err := d.limitErr(); err == nil || !strings.Contains(err.Error(), "first 1 of 3 pages") {
		t.Errorf("MaxPages: %v", err)
	}
}
