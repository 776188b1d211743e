package demodoc

import (
	"strings"
	"testing"
)

// TestWrapKeepsEveryWord wraps texts with long words and checks that no
// line is too wide and that the words come back in order.
func TestWrapKeepsEveryWord(t *testing.T) {
	st := style{font: boldFont(t), size: sizeBody}
	texts := []string{
		"Thực hiện Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư",
		"https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?ma-ho-so=000.00.00.H41-260101-0001 là địa chỉ tra cứu",
		strings.Repeat("Ừ", 80),
		"a",
	}
	for _, text := range texts {
		for _, width := range []float64{40, 120, textWidth} {
			for _, indent := range []float64{0, firstIndent, -10} {
				lines := wrap(st, words(text), width, indent)
				var got []string
				for i, l := range lines {
					avail := width
					if i == 0 {
						avail = width - indent
					}
					line := strings.Join(l, " ")
					if w := st.width(line); w > max(avail, width)+0.001 && len(l) > 1 {
						t.Errorf("width %v indent %v: line %q is %v pt wide", width, indent, line, w)
					}
					got = append(got, l...)
				}
				if strings.Join(got, "") != strings.Join(words(text), "") {
					t.Errorf("width %v: the words changed: %q", width, got)
				}
			}
			balanced := wrapBalanced(st, text, width, nil)
			if strings.ReplaceAll(strings.Join(balanced, ""), " ", "") != strings.ReplaceAll(text, " ", "") {
				t.Errorf("balanced, width %v: the words changed: %q", width, balanced)
			}
			if greedy := wrap(st, words(text), width, 0); len(balanced) != len(greedy) {
				t.Errorf("balanced, width %v: %d lines, greedy %d", width, len(balanced), len(greedy))
			}
		}
	}
}

func TestHeadingParagraphs(t *testing.T) {
	for text, want := range map[string]bool{
		"QUYẾT ĐỊNH:": true,
		"CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH HÀ NAM": true,
		"Điều 1. Ban hành kèm theo":            false,
		"I. SỰ CẦN THIẾT":                      true,
		"Căn cứ Luật Lưu trữ":                  false,
	} {
		if got := !hasLower(text); got != want {
			t.Errorf("%q: heading %v, want %v", text, got, want)
		}
	}
}
