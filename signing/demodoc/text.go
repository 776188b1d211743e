package demodoc

import (
	"fmt"
	"math"
	"strings"
	"unicode"

	"github.com/vanthu/vanthu/signing/appearance"
	"golang.org/x/text/unicode/norm"
)

// style is a font at a size.
type style struct {
	font *appearance.Font
	size float64
}

func (st style) width(s string) float64 { return st.font.Width(s, st.size) }

// ascent is how far the font reaches above the baseline, in points.
func (st style) ascent() float64 { return st.font.Ascent() * st.size / 1000 }

// descent is how far the font reaches below the baseline, in points (positive).
func (st style) descent() float64 { return -st.font.Descent() * st.size / 1000 }

// leading is the distance between baselines of consecutive lines.
func (st style) leading() float64 { return lineSpacing * st.size }

// check reports a character of s that the font cannot print, naming what
// the text is.
func (st style) check(what, s string) error {
	if _, err := st.font.Glyphs(s); err != nil {
		return fmt.Errorf("cannot print %s: %w", what, err)
	}
	return nil
}

// ink returns how far the drawn glyphs of s reach above (top, positive) and
// below (bottom, negative) the baseline, in points, from their outlines;
// stacked Vietnamese marks (Ễ, Ậ) reach higher than the font's ascent.
func (st style) ink(s string) (top, bottom float64, err error) {
	gids, err := st.font.Glyphs(s)
	if err != nil {
		return 0, 0, err
	}
	top, bottom = math.Inf(-1), math.Inf(1)
	for _, g := range gids {
		contours, err := st.font.Outline(g)
		if err != nil {
			return 0, 0, err
		}
		for _, c := range contours {
			for _, pt := range c {
				top, bottom = max(top, pt.Y), min(bottom, pt.Y)
			}
		}
	}
	if math.IsInf(top, 0) {
		return 0, 0, nil
	}
	scale := st.size / float64(st.font.UnitsPerEm())
	return top * scale, bottom * scale, nil
}

// nfc normalises s to NFC.
func nfc(s string) string { return norm.NFC.String(s) }

// upper converts s to upper case (Vietnamese letters included), in NFC.
func upper(s string) string { return nfc(strings.ToUpper(nfc(s))) }

// isSpace reports the white space that separates words: ASCII white space
// only, so that a no-break space stays inside its word.
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f':
		return true
	}
	return false
}

// words splits s into words at white space.
func words(s string) []string { return strings.FieldsFunc(s, isSpace) }

// oneLine collapses every run of white space in s into one space.
func oneLine(s string) string { return strings.Join(words(s), " ") }

// hasLower reports whether s contains a lower-case letter.
func hasLower(s string) bool {
	return strings.IndexFunc(s, unicode.IsLower) >= 0
}

// splitLong breaks every word wider than width into pieces that fit (at
// least one character each), so that wrapping always progresses.
func splitLong(st style, ws []string, width float64) []string {
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		if st.width(w) <= width {
			out = append(out, w)
			continue
		}
		start, used := 0, 0.0
		for i, r := range w {
			rw := st.width(string(r)) // no kerning: widths add up
			if i > start && used+rw > width {
				out = append(out, w[start:i])
				start, used = i, 0
			}
			used += rw
		}
		out = append(out, w[start:])
	}
	return out
}

// wrap breaks the words ws into lines no wider than width, filling each
// line greedily; the first line is narrower by indent.
func wrap(st style, ws []string, width, indent float64) [][]string {
	ws = splitLong(st, ws, min(width, width-indent))
	space := st.width(" ")
	var lines [][]string
	var line []string
	used, avail := 0.0, width-indent
	for _, w := range ws {
		ww := st.width(w)
		if len(line) > 0 && used+space+ww > avail {
			lines = append(lines, line)
			line, used, avail = nil, 0, width
		}
		if len(line) > 0 {
			used += space
		}
		line = append(line, w)
		used += ww
	}
	if len(line) > 0 {
		lines = append(lines, line)
	}
	return lines
}

// maxBalancedWords bounds the dynamic programme of wrapBalanced; longer
// texts are wrapped greedily.
const maxBalancedWords = 150

// wrapBalanced breaks text into as few lines no wider than width as greedy
// wrapping needs, but with their lengths evened out, as centred headings
// are set. prefer, when not nil, marks the words a line should rather start
// with (the administrative level of an agency name).
func wrapBalanced(st style, text string, width float64, prefer func(ws []string, i int) bool) []string {
	ws := splitLong(st, words(text), width)
	if len(ws) == 0 {
		return nil
	}
	greedy := wrap(st, ws, width, 0)
	k := len(greedy)
	if k == 1 || len(ws) > maxBalancedWords {
		return joinLines(greedy)
	}
	n := len(ws)
	space := st.width(" ")
	prefix := make([]float64, n+1)
	for i, w := range ws {
		prefix[i+1] = prefix[i] + st.width(w)
	}
	lineWidth := func(i, j int) float64 { return prefix[j] - prefix[i] + float64(j-i-1)*space }
	bonus := 0.5 * width * width
	inf := math.Inf(1)
	// cost[m][j]: the best cost of setting the first j words on m lines.
	cost := make([][]float64, k+1)
	from := make([][]int, k+1)
	for m := range cost {
		cost[m] = make([]float64, n+1)
		from[m] = make([]int, n+1)
		for j := range cost[m] {
			cost[m][j] = inf
		}
	}
	cost[0][0] = 0
	for m := 1; m <= k; m++ {
		for j := m; j <= n; j++ {
			for i := m - 1; i < j; i++ {
				if math.IsInf(cost[m-1][i], 1) {
					continue
				}
				w := lineWidth(i, j)
				if w > width {
					continue
				}
				c := cost[m-1][i] + (width-w)*(width-w)
				if i > 0 && prefer != nil && prefer(ws, i) {
					c -= bonus
				}
				if c < cost[m][j] {
					cost[m][j], from[m][j] = c, i
				}
			}
		}
	}
	if math.IsInf(cost[k][n], 1) {
		return joinLines(greedy)
	}
	lines := make([]string, k)
	for m, j := k, n; m > 0; m-- {
		i := from[m][j]
		lines[m-1] = strings.Join(ws[i:j], " ")
		j = i
	}
	return lines
}

func joinLines(lines [][]string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.Join(l, " ")
	}
	return out
}

// balancedParts wraps text balanced to width, each "\n"-separated part on its own
// lines.
func balancedParts(st style, text string, width float64, prefer func(ws []string, i int) bool) []string {
	var out []string
	for part := range strings.SplitSeq(text, "\n") {
		out = append(out, wrapBalanced(st, part, width, prefer)...)
	}
	return out
}

// fitOrWrap keeps text as one line (its spacing intact) when it fits width,
// else wraps it balanced.
func fitOrWrap(st style, text string, width float64) []string {
	if st.width(text) <= width {
		return []string{text}
	}
	return wrapBalanced(st, text, width, nil)
}

// levelBreak marks the words an agency name rather breaks before: the
// administrative level ("TỈNH", "THÀNH PHỐ", "XÃ" …) and "VÀ".
func levelBreak(ws []string, i int) bool {
	next := ""
	if i+1 < len(ws) {
		next = ws[i+1]
	}
	switch ws[i] {
	case "TỈNH", "HUYỆN", "QUẬN", "PHƯỜNG", "VÀ":
		return true
	case "XÃ":
		return ws[i-1] != "THỊ"
	case "THÀNH":
		return next == "PHỐ"
	case "THỊ":
		return next == "XÃ" || next == "TRẤN"
	}
	return false
}
