package inbox

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Folding makes search insensitive to Vietnamese diacritics and case: each
// rune is decomposed (NFD), combining marks are dropped, đ and Đ become d,
// and the rest is lower-cased. Documents and queries are folded the same
// way before they reach FTS5, whose tokenizer then only splits words.

// foldRune appends the folding of r to dst.
func foldRune(dst []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(dst, byte(r))
	}
	switch r {
	case 'đ', 'Đ':
		return append(dst, 'd')
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	var dec [4 * utf8.UTFMax]byte
	d := norm.NFD.Append(dec[:0], buf[:n]...)
	for len(d) > 0 {
		c, size := utf8.DecodeRune(d)
		d = d[size:]
		if unicode.Is(unicode.Mn, c) {
			continue
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(c))
	}
	return dst
}

// foldedLow and foldedViet hold foldRune's result for the blocks Vietnamese
// text is written in, which would otherwise each cost a decomposition:
// Latin-1 to the combining diacritics (U+0080–U+036F) and Latin Extended
// Additional (U+1E00–U+1EFF).
var (
	foldedLow  = foldBlock(0x80, 0x370)
	foldedViet = foldBlock(0x1E00, 0x1F00)
)

func foldBlock(lo, hi rune) []string {
	t := make([]string, hi-lo)
	for r := lo; r < hi; r++ {
		t[r-lo] = string(foldRune(nil, r))
	}
	return t
}

// appendFold is foldRune with the common runes looked up.
func appendFold(dst []byte, r rune) []byte {
	switch {
	case r < utf8.RuneSelf:
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(dst, byte(r))
	case r < 0x370:
		return append(dst, foldedLow[r-0x80]...)
	case 0x1E00 <= r && r < 0x1F00:
		return append(dst, foldedViet[r-0x1E00]...)
	}
	return foldRune(dst, r)
}

// fold returns s folded for search.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	out := make([]byte, 0, len(s))
	for _, r := range s {
		out = appendFold(out, r)
	}
	return string(out)
}

// foldMap folds s and returns, for each byte of the result, the offset in s
// of the rune it came from (with one extra entry, len(s), at the end).
func foldMap(s string) (string, []int) {
	out := make([]byte, 0, len(s))
	offs := make([]int, 0, len(s)+1)
	for i, r := range s {
		before := len(out)
		out = appendFold(out, r)
		for range len(out) - before {
			offs = append(offs, i)
		}
	}
	offs = append(offs, len(s))
	return string(out), offs
}

// isTokenRune says which runes make up words, as FTS5's unicode61
// tokenizer sees them (letters, numbers, private use).
func isTokenRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r)
}

// tokens splits folded text into words.
func tokens(folded string) []string {
	return strings.FieldsFunc(folded, func(r rune) bool { return !isTokenRune(r) })
}

// ftsQuery turns a user's query into an FTS5 MATCH expression: every word
// must occur, the last one as a prefix (the user may still be typing). It
// returns "" when the query has no words.
func ftsQuery(query string) (string, []string) {
	return ftsQueryTerms(tokens(fold(query)))
}

// ftsQueryASCII is ftsQuery with every non-ASCII character read as a
// separator. FTS5's tokenizer knows the letters of an older Unicode than
// Go: a word holding a letter it does not know becomes several tokens for
// it, and a quoted word of several tokens is a phrase, which the index
// (detail=none) cannot answer. Folded Vietnamese is ASCII, so real queries
// never need this; it keeps exotic input from failing.
func ftsQueryASCII(query string) (string, []string) {
	return ftsQueryTerms(strings.FieldsFunc(fold(query), func(r rune) bool {
		return r >= utf8.RuneSelf || !isTokenRune(r)
	}))
}

func ftsQueryTerms(terms []string) (string, []string) {
	// A last word of one letter is still being typed and would match most
	// of the index; wait for the second letter.
	if n := len(terms); n > 1 && utf8.RuneCountInString(terms[n-1]) == 1 {
		terms = terms[:n-1]
	}
	if len(terms) == 0 {
		return "", nil
	}
	var b strings.Builder
	for i, t := range terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('"')
		b.WriteString(t) // words hold no quotes
		b.WriteByte('"')
		if i == len(terms)-1 && utf8.RuneCountInString(t) > 1 {
			b.WriteByte('*')
		}
	}
	return b.String(), terms
}
