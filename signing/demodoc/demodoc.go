// Package demodoc writes realistic Vietnamese official documents (văn bản
// hành chính) as PDF files, laid out after Decree 30/2020/NĐ-CP, Appendix I:
// the issuing agency and the national name at the top, the number/notation and
// the place and date under them, the document type and summary line, the
// body, and the signature block with the distribution list ("Nơi nhận:").
//
// The documents feed the demo, the tests of the signing engine and the inbox's
// demo data. Their text is real Vietnamese in Liberation Serif (embedded as
// subset fonts with ToUnicode maps, so it extracts exactly), and [Document]
// reports where the leader's signature and the clerk's number go.
//
// [Example] makes deterministic, realistic content from a built-in phrase bank;
// [Generate] lays any [Spec] out.
package demodoc

import (
	"fmt"
	"time"
)

// Kind is the type of an official document.
type Kind int

// The document kinds. A công văn (official letter) has no type title; its
// summary line "V/v …" sits under the number. A phụ lục (appendix) is a
// separate file with a title, a reference to its document and a table.
const (
	CongVan   Kind = iota // công văn: official letter
	QuyetDinh             // quyết định: decision
	ToTrinh               // tờ trình: submission
	ThongBao              // thông báo: notice
	PhuLuc                // phụ lục: appendix
)

// Kinds returns every document kind, in declaration order.
func Kinds() []Kind { return []Kind{CongVan, QuyetDinh, ToTrinh, ThongBao, PhuLuc} }

// String is the kind's Vietnamese name, e.g. "Quyết định".
func (k Kind) String() string {
	switch k {
	case CongVan:
		return "Công văn"
	case QuyetDinh:
		return "Quyết định"
	case ToTrinh:
		return "Tờ trình"
	case ThongBao:
		return "Thông báo"
	case PhuLuc:
		return "Phụ lục"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// title is the document type printed centred above the summary line; a
// công văn has none.
func (k Kind) title() string {
	switch k {
	case QuyetDinh:
		return "QUYẾT ĐỊNH"
	case ToTrinh:
		return "TỜ TRÌNH"
	case ThongBao:
		return "THÔNG BÁO"
	case PhuLuc:
		return "Phụ lục"
	}
	return ""
}

func (k Kind) valid() bool { return k >= CongVan && k <= PhuLuc }

// Spec describes one document. Text is printed as given after Unicode NFC
// normalisation, except where a field says otherwise; runs of white space
// inside a line count as one space.
type Spec struct {
	Kind Kind

	// Agency is the issuing agency, e.g. "ỦY BAN NHÂN DÂN TỈNH NINH BÌNH" or
	// "SỞ TÀI CHÍNH"; printed upper case and bold, on as many centred lines
	// as it needs (a "\n" forces a break; otherwise a long name breaks before
	// the administrative level, "ỦY BAN NHÂN DÂN" / "TỈNH NINH BÌNH").
	Agency string
	// ParentAgency is the directly superior agency printed above Agency,
	// upper case and regular, e.g. "ỦY BAN NHÂN DÂN TỈNH PHÚ THỌ" above
	// "SỞ TÀI CHÍNH"; optional.
	ParentAgency string
	// AgencyCode is the agency's organisation code (mã định danh,
	// "000.00.12.H48"). It is not printed; it travels with the spec for
	// callers that send the document over the axis.
	AgencyCode string

	// Number is the register number; "" leaves a blank the clerk fills at
	// issue time ("Số:            /UBND-VP").
	Number string
	// Notation is the notation after the number, e.g. "UBND-VP", "QĐ-UBND".
	Notation string
	// Place is the place name before the date, e.g. "Ninh Bình".
	Place string
	// Date is the date of the document, printed "ngày 05 tháng 3 năm 2026"
	// from its calendar date (days below 10 and months 1 and 2 get a
	// leading zero); the zero time leaves the day, month and year blank.
	Date time.Time

	// Subject is the summary line (trích yếu), printed as given: "V/v …"
	// for a công văn, "Về việc …" under the title of the other kinds, and
	// the upper-case heading of an appendix.
	Subject string
	// Recipients are the "Kính gửi:" lines: one is printed on one centred
	// line; several are listed under each other ("- Sở Tài chính;").
	Recipients []string
	// Body holds the paragraphs, wrapped to the text width, justified, first
	// line indented. A paragraph without lower-case letters ("QUYẾT ĐỊNH:")
	// is a heading, printed bold and centred.
	Body []string
	// Table is an appendix's table: the first row is the header. Only
	// printed for [PhuLuc], after Body.
	Table [][]string
	// Distribution is the "Nơi nhận:" list, one entry a line
	// ("- Như trên;", "- Lưu: VT, VP.").
	Distribution []string

	// SignerPrefix is the competence line(s) above the title, e.g.
	// "KT. CHỦ TỊCH"; a "\n" separates several ("TM. ỦY BAN NHÂN DÂN\nKT.
	// CHỦ TỊCH"). Optional. Printed upper case and bold.
	SignerPrefix string
	// SignerTitle is the signer's position, e.g. "PHÓ CHỦ TỊCH"; printed
	// upper case and bold.
	SignerTitle string
	// SignerName is the signer's full name, printed bold as written.
	SignerName string

	// Pages is the minimum number of pages: the body is extended with more
	// paragraphs (an appendix with more rows) until the document fills it.
	// 0 means as many as the content needs.
	Pages int
}

// Document is a generated PDF and where its parts landed. Rectangles are
// [llx lly urx ury] in the page's user space, in points (A4, 595.28 × 841.89,
// origin at the lower left).
type Document struct {
	PDF   []byte
	Pages int

	// SignaturePage is the 1-based page that carries the signature: the last
	// page, or page 1 for an appendix.
	SignaturePage int
	// SignatureRect is the empty space for the signature on SignaturePage:
	// between the signer's title and name (the leader's signature image goes
	// there), or for an appendix the space kept free at the top right of
	// page 1 for the agency's signature stamp.
	SignatureRect [4]float64
	// NumberRect is where the line "Số: 1234/UBND-VP" is printed on page 1
	// (zero for an appendix, which has none).
	NumberRect [4]float64
	// DateRect is where the place and date line is printed on page 1 (zero
	// for an appendix).
	DateRect [4]float64

	// Text holds the lines printed on each page, joined with "\n", in NFC.
	// A justified line is its words joined with single spaces.
	Text []string
}
