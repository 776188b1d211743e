package demodoc

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/assets"
	"github.com/vanthu/vanthu/signing/appearance"
	"golang.org/x/text/unicode/norm"
)

// haNam is the document of the brief: a công văn of a provincial people's
// committee, signed by a vice chairman.
func haNam() Spec {
	return Spec{
		Kind:       CongVan,
		Agency:     "ỦY BAN NHÂN DÂN TỈNH HÀ NAM",
		Number:     "1234",
		Notation:   "UBND-VP",
		Place:      "Hà Nam",
		Date:       time.Date(2026, time.November, 26, 0, 0, 0, 0, time.UTC),
		Subject:    "V/v triển khai chữ ký số trong văn bản điện tử",
		Recipients: []string{"Các sở, ban, ngành tỉnh"},
		Body: []string{
			"Thực hiện Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư, Ủy ban nhân dân tỉnh đề nghị các cơ quan, đơn vị triển khai chữ ký số trong văn bản điện tử.",
			"Văn bản điện tử phát hành phải được người có thẩm quyền ký số và được ký số của cơ quan, tổ chức theo đúng quy định./.",
		},
		Distribution: []string{"- Như trên;", "- Lưu: VT, VP."},
		SignerPrefix: "KT. CHỦ TỊCH",
		SignerTitle:  "PHÓ CHỦ TỊCH",
		SignerName:   "Nguyễn Văn An",
	}
}

func generate(t *testing.T, s Spec) *Document {
	t.Helper()
	doc, err := Generate(s)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return doc
}

// TestLayoutOfTheBrief checks the lines of a known spec exactly: the
// agency split before the administrative level, the number and date lines
// (leading zeros per Decree 30), upper-case signer lines.
func TestLayoutOfTheBrief(t *testing.T) {
	doc := generate(t, haNam())
	if doc.Pages != 1 || doc.SignaturePage != 1 {
		t.Fatalf("got %d pages, signature on page %d; want 1 and 1", doc.Pages, doc.SignaturePage)
	}
	want := []string{
		"ỦY BAN NHÂN DÂN", "TỈNH HÀ NAM",
		"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
		"Số: 1234/UBND-VP", "Hà Nam, ngày 26 tháng 11 năm 2026",
		"Kính gửi: Các sở, ban, ngành tỉnh",
		"Nơi nhận:", "- Như trên;", "- Lưu: VT, VP.",
		"KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn An",
	}
	lines := strings.Split(doc.Text[0], "\n")
	for _, w := range want {
		if !contains(lines, w) {
			t.Errorf("page 1 lacks the line %q; it has:\n%s", w, doc.Text[0])
		}
	}
	path := keepPDF(t, "hanam.pdf", doc.PDF)
	page := squeeze(pageText(t, path, 1))
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("pdftotext of page 1 lacks %q:\n%s", w, page)
		}
	}
	// The summary line wraps in the left column; it and the whole body come
	// out of the PDF word for word.
	if subject := haNam().Subject; !strings.Contains(flat(doc.Text[0]), subject) || !strings.Contains(flat(page), subject) {
		t.Errorf("the summary line %q is missing", subject)
	}
	for _, p := range haNam().Body {
		if !strings.Contains(flat(page), p) {
			t.Errorf("pdftotext lacks the paragraph %q", p)
		}
	}
	if r := doc.NumberRect; r[0] >= r[2] || r[1] >= r[3] || r[2] > rightColLeft || r[1] < pageHeight/2 {
		t.Errorf("NumberRect %v is not a box in the upper left column", r)
	}
	if r := doc.DateRect; r[0] < rightColLeft-1 || r[2] > textRight+0.01 || r[1] != doc.NumberRect[1] {
		t.Errorf("DateRect %v is not level with the number %v in the right column", r, doc.NumberRect)
	}
}

func contains(lines []string, s string) bool {
	for _, l := range lines {
		if l == s {
			return true
		}
	}
	return false
}

// TestGenerateEachKind checks every kind with the PDF tools: qpdf finds
// nothing to complain about, the fonts are embedded subsets with ToUnicode
// maps, and pdftotext returns the lines printed, in NFC: the title, the
// number, the summary line, the body and the signer.
func TestGenerateEachKind(t *testing.T) {
	for _, kind := range Kinds() {
		t.Run(kind.String(), func(t *testing.T) {
			t.Parallel()
			spec := Example(kind, 42)
			doc := generate(t, spec)
			path := keepPDF(t, fmt.Sprintf("kind%d.pdf", kind), doc.PDF)
			tool(t, "qpdf", "--check", path)
			checkFonts(t, path)
			if len(doc.Text) != doc.Pages {
				t.Fatalf("Text has %d pages, the document %d", len(doc.Text), doc.Pages)
			}
			var pages []string
			for i, text := range doc.Text {
				if !norm.NFC.IsNormalString(text) {
					t.Errorf("the text of page %d is not NFC", i+1)
				}
				got := squeeze(pageText(t, path, i+1))
				pages = append(pages, got)
				for _, line := range strings.Split(text, "\n") {
					if !strings.Contains(got, squeeze(line)) {
						t.Errorf("pdftotext of page %d lacks the printed line %q:\n%s", i+1, line, got)
					}
				}
			}
			first, last := pages[0], pages[len(pages)-1]
			if title := kind.title(); title != "" && !strings.Contains(first, title) {
				t.Errorf("page 1 lacks the title %q", title)
			}
			if !strings.Contains(flat(first), flat(spec.Subject)) {
				t.Errorf("page 1 lacks the summary line %q:\n%s", spec.Subject, first)
			}
			if kind == PhuLuc {
				ref := "(Kèm theo Quyết định số " + spec.Number + "/" + spec.Notation
				if !strings.Contains(flat(first), ref) {
					t.Errorf("the appendix lacks the reference %q:\n%s", ref, first)
				}
				row := spec.Table[1]
				if !strings.Contains(first, row[2]) || !strings.Contains(first, row[3]) {
					t.Errorf("the appendix lacks the cells of row %q:\n%s", row, first)
				}
				return
			}
			if n := "Số: " + spec.Number + "/" + spec.Notation; !strings.Contains(first, n) {
				t.Errorf("page 1 lacks the number line %q", n)
			}
			// A whole body paragraph (page 1 carries the first ones).
			para := spec.Body[1]
			if !strings.Contains(flat(first), para) {
				t.Errorf("page 1 lacks the body paragraph %q:\n%s", para, first)
			}
			if !strings.Contains(last, spec.SignerName) || !strings.Contains(last, upper(spec.SignerTitle)) {
				t.Errorf("the last page lacks the signer %q, %q:\n%s", spec.SignerTitle, spec.SignerName, last)
			}
		})
	}
}

// checkFonts asserts that pdffonts lists only embedded subset fonts with
// ToUnicode maps.
func checkFonts(t *testing.T, path string) {
	t.Helper()
	out := tool(t, "pdffonts", path)
	rows := strings.Split(strings.TrimSpace(out), "\n")
	if len(rows) < 3 {
		t.Fatalf("pdffonts lists no fonts:\n%s", out)
	}
	subset := regexp.MustCompile(`^[A-Z]{6}\+LiberationSerif(-Bold)?\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes\s`)
	for _, row := range rows[2:] {
		if !subset.MatchString(row) {
			t.Errorf("pdffonts: want an embedded Liberation Serif subset with ToUnicode, got %q", row)
		}
	}
}

// TestSignatureSpaceIsEmpty renders the signature page: nothing is drawn in
// SignatureRect, the signer's title is just above it and the name just
// below.
func TestSignatureSpaceIsEmpty(t *testing.T) {
	cases := []struct {
		name string
		spec Spec
	}{
		{"brief", haNam()},
		{"decision", Example(QuyetDinh, 3)},
		{"three pages", func() Spec { s := Example(ToTrinh, 5); s.Pages = 3; return s }()},
		{"many distribution lines", func() Spec {
			s := Example(ThongBao, 9)
			for i := range 12 {
				s.Distribution = append(s.Distribution, fmt.Sprintf("- Ủy ban nhân dân xã số %d;", i+1))
			}
			return s
		}()},
		{"appendix", Example(PhuLuc, 4)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			doc := generate(t, c.spec)
			r := doc.SignatureRect
			if r[2]-r[0] < 150 || r[3]-r[1] < 50 {
				t.Fatalf("SignatureRect %v is too small for a signature", r)
			}
			path := keepPDF(t, "sig.pdf", doc.PDF)
			img := render(t, path, doc.SignaturePage)
			inner := [4]float64{r[0] + 1, r[1] + 1, r[2] - 1, r[3] - 1}
			if n := darkPixels(img, inner); n > 0 {
				t.Errorf("%d dark pixels inside SignatureRect %v on page %d", n, r, doc.SignaturePage)
			}
			if c.spec.Kind == PhuLuc {
				if doc.SignaturePage != 1 {
					t.Errorf("an appendix's stamp space is on page %d, want 1", doc.SignaturePage)
				}
				return
			}
			if doc.SignaturePage != doc.Pages {
				t.Errorf("the signature is on page %d of %d, want the last", doc.SignaturePage, doc.Pages)
			}
			above := [4]float64{r[0], r[3], r[2], r[3] + 12}
			below := [4]float64{r[0], r[1] - 12, r[2], r[1]}
			if n := darkPixels(img, above); n < 20 {
				t.Errorf("only %d dark pixels just above SignatureRect %v: the title should be there", n, r)
			}
			if n := darkPixels(img, below); n < 20 {
				t.Errorf("only %d dark pixels just below SignatureRect %v: the name should be there", n, r)
			}
		})
	}
}

// TestPagesFillsTheDocument asks for three pages: the body is extended, the
// signature block sits on the last page only, pages 2 and 3 are numbered,
// and an appendix repeats its table header.
func TestPagesFillsTheDocument(t *testing.T) {
	for _, kind := range []Kind{CongVan, QuyetDinh, PhuLuc} {
		t.Run(kind.String(), func(t *testing.T) {
			t.Parallel()
			spec := Example(kind, 11)
			spec.Pages = 3
			doc := generate(t, spec)
			if doc.Pages != 3 {
				t.Fatalf("got %d pages, want 3", doc.Pages)
			}
			path := keepPDF(t, "three.pdf", doc.PDF)
			if n := strings.TrimSpace(tool(t, "qpdf", "--show-npages", path)); n != "3" {
				t.Fatalf("qpdf counts %s pages, want 3", n)
			}
			for page := 1; page <= 3; page++ {
				text := squeeze(pageText(t, path, page))
				first := strings.TrimSpace(strings.SplitN(strings.TrimLeft(text, "\n "), "\n", 2)[0])
				if page > 1 && first != fmt.Sprint(page) {
					t.Errorf("page %d starts with %q, want its number", page, first)
				}
				if kind == PhuLuc {
					if !strings.Contains(text, "STT") {
						t.Errorf("page %d lacks the table header", page)
					}
					continue
				}
				hasName := strings.Contains(text, spec.SignerName)
				if hasName != (page == 3) {
					t.Errorf("page %d: signer's name printed = %v, want it on page 3 only", page, hasName)
				}
			}
			if kind == PhuLuc {
				// Repeated rows are renumbered: the running numbers go on.
				all := strings.Split(strings.Join(doc.Text, "\n"), "\n")
				for _, n := range []int{len(spec.Table), 2 * len(spec.Table), 3 * len(spec.Table)} {
					if !contains(all, strconv.Itoa(n)) {
						t.Errorf("no table row is numbered %d", n)
					}
				}
			}
		})
	}
}

// TestMissingGlyph gives text the font cannot print: the error names the
// field and the character and wraps appearance.ErrMissingGlyph.
func TestMissingGlyph(t *testing.T) {
	cases := []struct {
		field string
		edit  func(*Spec)
		want  string
	}{
		{"subject", func(s *Spec) { s.Subject += " 😀" }, "summary line"},
		{"name", func(s *Spec) { s.SignerName = "Nguyễn 王 An" }, "signer's name"},
		{"body", func(s *Spec) { s.Body = append(s.Body, "Đoạn có ký tự ☃ lạ.") }, "paragraph 3 of the body"},
		{"distribution", func(s *Spec) { s.Distribution[1] = "- Lưu: VT, ☎." }, "line 2 of the distribution list"},
		{"agency", func(s *Spec) { s.Agency = "ỦY BAN NHÂN DÂN Ꙃ" }, "issuing agency"},
	}
	for _, c := range cases {
		t.Run(c.field, func(t *testing.T) {
			s := haNam()
			c.edit(&s)
			doc, err := Generate(s)
			if err == nil {
				t.Fatalf("Generate printed %d pages; want an error", doc.Pages)
			}
			if !errors.Is(err, appearance.ErrMissingGlyph) {
				t.Errorf("got %v, want an error wrapping appearance.ErrMissingGlyph", err)
			}
			if msg := err.Error(); !strings.Contains(msg, c.want) || !strings.Contains(msg, "U+") || strings.Contains(msg, "\n") {
				t.Errorf("got %q, want one line naming %q and the character", msg, c.want)
			}
		})
	}
}

func TestSpecErrors(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Spec)
		want string
	}{
		{"kind", func(s *Spec) { s.Kind = 9 }, "unknown document kind 9"},
		{"agency", func(s *Spec) { s.Agency = " \n " }, "issuing agency is missing"},
		{"notation", func(s *Spec) { s.Notation = "" }, "notation"},
		{"subject", func(s *Spec) { s.Subject = "" }, "trích yếu"},
		{"place", func(s *Spec) { s.Place = "" }, "place"},
		{"title", func(s *Spec) { s.SignerTitle = "" }, "signer's title"},
		{"name", func(s *Spec) { s.SignerName = "" }, "signer's name"},
		{"pages", func(s *Spec) { s.Pages = MaxPages + 1 }, "pages"},
		{"negative pages", func(s *Spec) { s.Pages = -1 }, "pages"},
		{"huge distribution", func(s *Spec) {
			for range 80 {
				s.Distribution = append(s.Distribution, "- Ủy ban nhân dân các xã, phường;")
			}
		}, "too long to fit on one page"},
		{"table", func(s *Spec) {
			s.Kind = PhuLuc
			s.Table = [][]string{{"STT", "Nội dung"}, {"1", "Một", "Thừa"}}
		}, "row 2 of the table has 3 cells"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := haNam()
			c.edit(&s)
			_, err := Generate(s)
			if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an ErrSpec naming %q", err, c.want)
			}
		})
	}
}

func TestBlankNumberAndDate(t *testing.T) {
	s := haNam()
	s.Number, s.Date = "", time.Time{}
	doc := generate(t, s)
	path := keepPDF(t, "blank.pdf", doc.PDF)
	page := squeeze(pageText(t, path, 1))
	for _, want := range []string{"Số: /UBND-VP", "Hà Nam, ngày tháng năm"} {
		if !strings.Contains(page, want) {
			t.Errorf("page 1 lacks %q:\n%s", want, page)
		}
	}
	if w := doc.NumberRect[2] - doc.NumberRect[0]; w < leftColWidth/3 {
		t.Errorf("the blank number line is only %v pt wide", w)
	}
}

func TestDateLine(t *testing.T) {
	cases := []struct {
		date time.Time
		want string
	}{
		{time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), "Hà Nam, ngày 26 tháng 11 năm 2026"},
		{time.Date(2026, 2, 5, 0, 0, 0, 0, time.UTC), "Hà Nam, ngày 05 tháng 02 năm 2026"},
		{time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC), "Hà Nam, ngày 10 tháng 01 năm 2026"},
		{time.Date(2026, 3, 9, 23, 0, 0, 0, time.FixedZone("ICT", 7*3600)), "Hà Nam, ngày 09 tháng 3 năm 2026"},
	}
	for _, c := range cases {
		if got := dateLine("Hà Nam", c.date); got != c.want {
			t.Errorf("dateLine(%v): got %q, want %q", c.date, got, c.want)
		}
	}
}

func TestAgencyLines(t *testing.T) {
	st := style{font: boldFont(t), size: sizeAgency}
	cases := []struct {
		in   string
		want []string
	}{
		{"ỦY BAN NHÂN DÂN TỈNH HÀ NAM", []string{"ỦY BAN NHÂN DÂN", "TỈNH HÀ NAM"}},
		{"ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ MINH", []string{"ỦY BAN NHÂN DÂN", "THÀNH PHỐ HỒ CHÍ MINH"}},
		{"SỞ THÔNG TIN VÀ TRUYỀN THÔNG", []string{"SỞ THÔNG TIN", "VÀ TRUYỀN THÔNG"}},
		{"SỞ TÀI CHÍNH", []string{"SỞ TÀI CHÍNH"}},
		{"BỘ NỘI VỤ\nVỤ PHÁP CHẾ", []string{"BỘ NỘI VỤ", "VỤ PHÁP CHẾ"}},
	}
	for _, c := range cases {
		got := balancedParts(st, c.in, leftColWidth, levelBreak)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}

func boldFont(t *testing.T) *appearance.Font {
	t.Helper()
	f, err := appearance.ParseFont(assets.SerifBold)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
