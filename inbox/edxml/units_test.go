package edxml

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	vn := func(y, m, d, hh, mm, ss int) time.Time { return time.Date(y, time.Month(m), d, hh, mm, ss, 0, Vietnam) }
	cases := []struct {
		in, out string
		form    DateForm
		want    time.Time
	}{
		{"2018/09/20", "2018/09/20", FormDate, vn(2018, 9, 20, 0, 0, 0)},
		{" 2018/9/5 ", "2018/09/05", FormDate, vn(2018, 9, 5, 0, 0, 0)},
		{"2018/09/20 10:15:30", "2018/09/20 10:15:30", FormDateTime, vn(2018, 9, 20, 10, 15, 30)},
		{"2018/09/20 9:05:07", "2018/09/20 09:05:07", FormDateTime, vn(2018, 9, 20, 9, 5, 7)},
		{"26/09/2018", "26/09/2018", FormDayFirst, vn(2018, 9, 26, 0, 0, 0)},
		{"26/09/2018 10:12:10", "26/09/2018 10:12:10", FormDayFirstTime, vn(2018, 9, 26, 10, 12, 10)},
		{"2018-09-20", "2018-09-20", FormISODate, vn(2018, 9, 20, 0, 0, 0)},
		{"2018-09-20T10:15:30", "2018-09-20T10:15:30", FormISODateTime, vn(2018, 9, 20, 10, 15, 30)},
		{"2018-09-20 10:15:30", "2018-09-20 10:15:30", FormISOSpaceTime, vn(2018, 9, 20, 10, 15, 30)},
		{"2018-09-20T03:15:30Z", "2018-09-20T03:15:30Z", FormRFC3339, vn(2018, 9, 20, 10, 15, 30)},
		{"2018-09-20T10:15:30.25+07:00", "2018-09-20T10:15:30.25+07:00", FormRFC3339, vn(2018, 9, 20, 10, 15, 30).Add(250 * time.Millisecond)},
	}
	for _, c := range cases {
		d, err := ParseDate(c.in)
		if err != nil {
			t.Errorf("ParseDate(%q): %v", c.in, err)
			continue
		}
		if d.Form != c.form || !d.Time.Equal(c.want) || d.String() != c.out {
			t.Errorf("ParseDate(%q) = %v %v %q; want %v %v %q", c.in, d.Form, d.Time, d.String(), c.form, c.want, c.out)
		}
		again, err := ParseDate(d.String())
		if err != nil || again != d {
			t.Errorf("%q does not read back the same: %v %v", d.String(), again, err)
		}
	}
	if d, err := ParseDate(""); err != nil || !d.IsZero() || d.String() != "" {
		t.Errorf("empty date: %v %v", d, err)
	}
	for _, bad := range []string{"2018/13/01", "31/31/2024", "hôm qua", "2018/09/20 25:00:00", "20180920"} {
		if _, err := ParseDate(bad); !isErr(err, ErrNotEdXML) {
			t.Errorf("ParseDate(%q) = %v", bad, err)
		}
	}
	utc := time.Date(2024, 3, 1, 20, 0, 0, 0, time.UTC) // 03:00 the next day in Vietnam
	if got := NewDate(utc).String(); got != "2024/03/02" {
		t.Errorf("NewDate = %s", got)
	}
	if got := NewDateTime(utc.Add(500 * time.Millisecond)).String(); got != "2024/03/02 03:00:00" {
		t.Errorf("NewDateTime = %s", got)
	}
}

func TestDocumentID(t *testing.T) {
	organ, date, nn, err := ParseDocumentID("000.00.00.G22,2018/09/20,7816/VPCP-TTĐT")
	if err != nil || organ != "000.00.00.G22" || date.String() != "2018/09/20" || nn != "7816/VPCP-TTĐT" {
		t.Fatalf("ParseDocumentID: %q %v %q %v", organ, date, nn, err)
	}
	id, err := MakeDocumentID("000.00.00.G22", date.Time, "7816", "VPCP-TTĐT")
	if err != nil || id != "000.00.00.G22,2018/09/20,7816/VPCP-TTĐT" {
		t.Fatalf("MakeDocumentID = %q, %v", id, err)
	}
	for _, bad := range []string{"", "000.00.00.G22", "000.00.00.G22,2018/09/20", "H37.DN.001,2018/09/20,1/X", "000.00.00.G22,hôm nay,1/X", "000.00.00.G22,2018/09/20, "} {
		if _, _, _, err := ParseDocumentID(bad); !errors.Is(err, ErrOrganID) {
			t.Errorf("ParseDocumentID(%q) = %v", bad, err)
		}
	}
	if _, err := MakeDocumentID("000.00.00.G22", date.Time, "78,16", "X"); !errors.Is(err, ErrOrganID) {
		t.Errorf("a number with a comma: %v", err)
	}
}

func TestValidateOrganID(t *testing.T) {
	for _, ok := range []string{"000.00.00.G22", "000.00.00.H41", "000.00.14.G12", "001.02.03.H29", "A01.00.00.H41"} {
		if err := ValidateOrganID(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "000.00.00.g22", "000.00.00.G2", "000.00.00.G222", "000-00-00-G22", "H37.DN.001", "000.00.00.22G", "000.00.00.G22/lanhdao"} {
		err := ValidateOrganID(bad)
		if !errors.Is(err, ErrOrganID) || !strings.Contains(err.Error(), "000.00.00.G22") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestValidateAttachmentName(t *testing.T) {
	nfd := "Co\u0302ng va\u0306n.pdf" // Công văn.pdf, decomposed
	if got, err := ValidateAttachmentName(nfd); err != nil || got != "Công văn.pdf" {
		t.Errorf("NFD name: %q %v", got, err)
	}
	for _, ok := range []string{"Quyết định 123-QĐ.pdf", "báo cáo...pdf", ".hidden", "a b.docx", strings.Repeat("a", 255)} {
		if _, err := ValidateAttachmentName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "../x.pdf", "/etc/passwd", `C:\x`, "a\x00b", "a\tb", "x.pdf.", " x.pdf", "nul", "LPT1.txt", "a|b", "a?b", "\xff.pdf", "x\u202Efdp.exe", strings.Repeat("a", 256)} {
		if _, err := ValidateAttachmentName(bad); !isErr(err, ErrUnsafeName) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestDecideZip(t *testing.T) {
	cases := []struct {
		name  string
		files []string
		want  zipDecision
	}{
		{"Công văn.pdf", []string{"3f2a.pdf"}, zipUnwrap},
		{"Công văn.pdf", []string{"a.pdf", "b.pdf"}, zipRefuse},
		{"to-trinh.docx", []string{"[Content_Types].xml", "word/document.xml"}, zipKeepRaw},
		{"hoso.zip", []string{"bao-cao.pdf"}, zipKeepRaw},
		{"hoso.zip", []string{"x.ZIP"}, zipUnwrap},
		{"hoso.zip", []string{"a.pdf", "b.pdf"}, zipKeepRaw},
		{"README", []string{"README"}, zipUnwrap},
	}
	for _, c := range cases {
		if got := decideZip(c.name, c.files); got != c.want {
			t.Errorf("decideZip(%q, %v) = %v, want %v", c.name, c.files, got, c.want)
		}
	}
}

func TestErrorKinds(t *testing.T) {
	for _, s := range []error{ErrNotEdXML, ErrUnsafeXML, ErrLimit, ErrUnsafeName, ErrZipBomb, ErrBadAttachment, ErrManifest} {
		if !errors.Is(s, ErrBadPacket) {
			t.Errorf("%v does not match ErrBadPacket", s)
		}
	}
	for _, s := range []error{ErrInvalid, ErrOrganID} {
		if errors.Is(s, ErrBadPacket) {
			t.Errorf("%v matches ErrBadPacket", s)
		}
	}
}
