package signing

import (
	"bytes"
	"cmp"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/signing/cms"
	"github.com/vanthu/vanthu/signing/demodoc"
	"github.com/vanthu/vanthu/signing/pdf"
	"github.com/vanthu/vanthu/signing/tsp"
)

// This file attacks the verifier with the published PDF signature attack
// classes, each built from a genuinely signed file:
//
//   - Universal Signature Forgery, Incremental Saving Attack and Signature
//     Wrapping (Mladenov et al., "1 Trillion Dollar Refund", 2019);
//   - Shadow attacks Hide, Replace and Hide-and-Replace (Mainka et al.,
//     2021);
//   - Evil Annotation and Sneaky Signature on certified documents
//     (Rohlmann et al., "Breaking the Specification: PDF Certification",
//     2021);
//
// plus forged timestamps, removed signatures, FieldMDP locks, and the
// differential-parsing variants these led to (objects an update's xref
// does not list, xref sections listing an object twice, redefined object
// streams, an /Annots array that is also the page's /Contents).
//
// Each attack asserts the verdict and a distinctive phrase of the reason;
// the test log shows what poppler's pdfsig says of the same file (it finds
// most of them "Valid": it checks the signed bytes only). Controls show
// that honest documents stay VALID. FuzzVerifyPDF mutates signed and
// attack files.

// ---------------------------------------------------------------------
// Base documents.

// rawObject is one object of a hand-written PDF. Hidden objects are
// written into the body but left out of the cross-reference table, the way
// shadow attacks prepare content that a later revision switches on.
type rawObject struct {
	num    int
	body   string
	hidden string // non-empty: not in the xref; its offset is recorded under this label
}

// rawPDF writes objs with a classic xref table and returns the file and the
// offsets of its hidden objects by label.
func rawPDF(objs []rawObject) ([]byte, map[string]int64) {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offs := map[int]int{}
	hidden := map[string]int64{}
	size := 0
	for _, o := range objs {
		if o.hidden != "" {
			hidden[o.hidden] = int64(b.Len())
		} else {
			offs[o.num] = b.Len()
		}
		size = max(size, o.num+1)
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", o.num, o.body)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", size)
	for i := 1; i < size; i++ {
		if off, ok := offs[i]; ok {
			fmt.Fprintf(&b, "%010d 00000 n\r\n", off)
		} else {
			b.WriteString("0000000000 65535 f\r\n")
		}
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>] >>\nstartxref\n%d\n%%%%EOF\n", size, xref)
	return b.Bytes(), hidden
}

func streamBody(dict, data string) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

const (
	benignText  = "BT /F1 20 Tf 72 720 Td (Decision: the request is REFUSED) Tj ET"
	evilText    = "BT /F1 20 Tf 72 720 Td (Decision: the request is APPROVED) Tj ET"
	evilPayment = "BT /F1 20 Tf 72 600 Td (Pay 900.000.000 VND to account 0042) Tj ET"
)

// shadowPDF is a one-page document that already carries the unused objects
// of the shadow attacks: an unused content stream (6), an alternative page
// (7) with its content (8), a hidden payment order drawn behind a white
// cover (10 under 12, with an unused empty form 11), and hidden second
// definitions of the page content (5), the page tree (2) and the font (3).
func shadowPDF() ([]byte, map[string]int64) {
	return rawPDF([]rawObject{
		{num: 1, body: "<< /Type /Catalog /Pages 2 0 R >>"},
		{num: 2, body: "<< /Type /Pages /Kids [4 0 R] /Count 1 /MediaBox [0 0 595 842] >>"},
		{num: 2, body: "<< /Type /Pages /Kids [7 0 R] /Count 1 /MediaBox [0 0 595 842] >>", hidden: "pages"},
		{num: 3, body: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"},
		{num: 3, body: "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>", hidden: "font"},
		{num: 4, body: "<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R >> /XObject 9 0 R >> /Contents 5 0 R >>"},
		{num: 5, body: streamBody("", "q /Payment Do Q q /Cover Do Q "+benignText)},
		{num: 5, body: streamBody("", evilText), hidden: "content"},
		{num: 6, body: streamBody("", "1 1 1 rg 60 710 500 40 re f "+evilText)},
		{num: 7, body: "<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R >> >> /Contents 8 0 R >>"},
		{num: 8, body: streamBody("", evilText)},
		{num: 9, body: "<< /Payment 10 0 R /Cover 12 0 R >>"},
		{num: 10, body: streamBody("/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >>", evilPayment)},
		{num: 11, body: streamBody("/Type /XObject /Subtype /Form /BBox [0 0 595 842]", "")},
		{num: 12, body: streamBody("/Type /XObject /Subtype /Form /BBox [0 0 595 842]", "1 1 1 rg 60 590 500 40 re f")},
	})
}

// sharedArrayPDF is a two-page document whose first page has the same
// array object (13) as /Annots and /Contents, with an unused content
// stream (6).
func sharedArrayPDF() []byte {
	data, _ := rawPDF([]rawObject{
		{num: 1, body: "<< /Type /Catalog /Pages 2 0 R >>"},
		{num: 2, body: "<< /Type /Pages /Kids [4 0 R 7 0 R] /Count 2 /MediaBox [0 0 595 842] >>"},
		{num: 3, body: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"},
		{num: 4, body: "<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R >> >> /Contents 13 0 R /Annots 13 0 R >>"},
		{num: 5, body: streamBody("", benignText)},
		{num: 6, body: streamBody("", "1 1 1 rg 60 710 500 40 re f "+evilText)},
		{num: 7, body: "<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R >> >> /Contents 8 0 R >>"},
		{num: 8, body: streamBody("", benignText)},
		{num: 13, body: "[5 0 R]"},
	})
	return data
}

// formPDF is a one-page document with a text field "hoTen" below the text.
func formPDF() []byte { return formPDFAt("72 600 300 620") }

// formPDFAt is formPDF with the field at rect.
func formPDFAt(rect string) []byte {
	data, _ := rawPDF([]rawObject{
		{num: 1, body: "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R] /DA (/Helv 0 Tf 0 g) /DR << /Font << /Helv 3 0 R >> >> >> >>"},
		{num: 2, body: "<< /Type /Pages /Kids [4 0 R] /Count 1 /MediaBox [0 0 595 842] >>"},
		{num: 3, body: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"},
		{num: 4, body: "<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R /Annots [6 0 R] >>"},
		{num: 5, body: streamBody("", benignText)},
		{num: 6, body: "<< /Type /Annot /Subtype /Widget /FT /Tx /T (hoTen) /Rect [" + rect + "] /P 4 0 R /F 4 /DA (/Helv 12 Tf 0 g) >>"},
	})
	return data
}

// objStmPDF is a document with a cross-reference stream whose page tree
// (2) and font (3) live in object stream 6; page 7 with content 8 is
// unused.
func objStmPDF() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offs := map[int]int{}
	obj := func(num int, body string) {
		offs[num] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", num, body)
	}
	obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	obj(4, "<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>")
	obj(5, streamBody("", benignText))
	obj(6, objStmBody(map[int]string{
		2: "<< /Type /Pages /Kids [4 0 R] /Count 1 /MediaBox [0 0 595 842] >>",
		3: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}))
	obj(7, "<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R >> >> /Contents 8 0 R >>")
	obj(8, streamBody("", evilText))
	xref := b.Len()
	var rows bytes.Buffer
	row := func(typ byte, f2 int64, f3 int) {
		rows.WriteByte(typ)
		rows.Write([]byte{byte(f2 >> 24), byte(f2 >> 16), byte(f2 >> 8), byte(f2)})
		rows.Write([]byte{byte(f3 >> 8), byte(f3)})
	}
	row(0, 0, 65535)
	for i := 1; i <= 8; i++ {
		switch i {
		case 2:
			row(2, 6, 0)
		case 3:
			row(2, 6, 1)
		default:
			row(1, int64(offs[i]), 0)
		}
	}
	row(1, int64(xref), 0) // 9: the xref stream itself
	fmt.Fprintf(&b, "9 0 obj\n<< /Type /XRef /Size 10 /W [1 4 2] /Root 1 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>] /Length %d >>\nstream\n", rows.Len())
	b.Write(rows.Bytes())
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

// objStm is an uncompressed object stream holding objs in number order.
func objStm(objs map[int]string) *pdf.Stream {
	nums := make([]int, 0, len(objs))
	for n := range objs {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	var head, body strings.Builder
	for _, n := range nums {
		fmt.Fprintf(&head, "%d %d ", n, body.Len())
		body.WriteString(objs[n])
		body.WriteString("\n")
	}
	return &pdf.Stream{
		Dict: pdf.Dict{"Type": pdf.Name("ObjStm"), "N": int64(len(nums)), "First": int64(head.Len())},
		Data: []byte(head.String() + body.String()),
	}
}

// objStmBody writes objStm(objs) as the body of an indirect object.
func objStmBody(objs map[int]string) string {
	s := objStm(objs)
	return streamBody(fmt.Sprintf("/Type /ObjStm /N %d /First %d", s.Dict["N"], s.Dict["First"]), string(s.Data))
}

// ---------------------------------------------------------------------
// Building and editing signed files.

func signBytes(t testing.TB, in []byte, opts PDFOptions) []byte {
	t.Helper()
	data, err := os.ReadFile(signFile(t, writeTemp(t, "in.pdf", in), opts))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func openPDF(t testing.TB, data []byte) *pdf.File {
	t.Helper()
	f, err := pdf.Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("the file cannot be opened: %v", err)
	}
	return f
}

func firstPage(t testing.TB, f *pdf.File) pdf.Page {
	t.Helper()
	pages, err := f.Pages()
	if err != nil {
		t.Fatal(err)
	}
	return pages[0]
}

// appendUpdate appends the incremental update that edit makes.
func appendUpdate(t testing.TB, data []byte, edit func(f *pdf.File, u *pdf.Update)) []byte {
	t.Helper()
	f := openPDF(t, data)
	u := pdf.NewUpdate(f)
	edit(f, u)
	enc, err := u.Encode()
	if err != nil {
		t.Fatalf("encoding the update: %v", err)
	}
	return append(bytes.Clone(data), enc.Data...)
}

// rawEntry is an xref entry of a hand-written update: an offset, or free.
type rawEntry struct {
	off  int64
	free bool
}

// rawUpdate is a hand-written incremental update: objects (bodies, by
// number) and a classic xref section listing them plus entries, which may
// point anywhere in the file (e.g. at hidden objects inside signed bytes).
// Hidden objects are written into the update but not listed.
type rawUpdate struct {
	bodies  map[int]string
	entries map[int]rawEntry
	hidden  []string
	dups    map[int][2]int64 // objects listed twice, at these two offsets
}

func appendRawUpdate(t testing.TB, data []byte, ru rawUpdate) []byte {
	t.Helper()
	f := openPDF(t, data)
	out := bytes.NewBuffer(bytes.Clone(data))
	all := map[int]rawEntry{}
	for n, e := range ru.entries {
		all[n] = e
	}
	for _, h := range ru.hidden {
		out.WriteString(h + "\n")
	}
	nums := make([]int, 0, len(ru.bodies))
	for n := range ru.bodies {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, n := range nums {
		all[n] = rawEntry{off: int64(out.Len())}
		fmt.Fprintf(out, "%d 0 obj\n%s\nendobj\n", n, ru.bodies[n])
	}
	xref := out.Len()
	keys := make([]int, 0, len(all))
	for n := range all {
		keys = append(keys, n)
	}
	sort.Ints(keys)
	size := int(f.NextObjectNumber())
	out.WriteString("xref\n")
	for _, n := range keys {
		size = max(size, n+1)
		e := all[n]
		if e.free {
			fmt.Fprintf(out, "%d 1\n0000000000 00001 f\r\n", n)
		} else {
			fmt.Fprintf(out, "%d 1\n%010d 00000 n\r\n", n, e.off)
		}
	}
	for n, offs := range ru.dups {
		size = max(size, n+1)
		fmt.Fprintf(out, "%d 1\n%010d 00000 n\r\n%d 1\n%010d 00000 n\r\n", n, offs[0], n, offs[1])
	}
	root := f.Trailer()["Root"].(pdf.Ref)
	fmt.Fprintf(out, "trailer\n<< /Size %d /Root %d %d R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", size, root.Num, root.Gen, f.StartXref(), xref)
	return out.Bytes()
}

// sigLayout is where the newest signature dictionary keeps its values.
type sigLayout struct {
	br           [4]int64
	brStart      int64 // '[' of the /ByteRange array
	brEnd        int64 // the '/' of the key that follows (padding included)
	contentsKey  int64 // the '/' of /Contents
	contentsHexA int64 // '<' (== br[1])
	contentsHexB int64 // just past '>' (== br[2])
}

var byteRangeRE = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)

// lastSig finds the newest signature dictionary written by our engine.
func lastSig(t testing.TB, data []byte) sigLayout {
	t.Helper()
	all := byteRangeRE.FindAllSubmatchIndex(data, -1)
	if len(all) == 0 {
		t.Fatal("no /ByteRange in the file")
	}
	m := all[len(all)-1]
	var l sigLayout
	for i := range 4 {
		n, err := strconv.ParseInt(string(data[m[2+2*i]:m[3+2*i]]), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		l.br[i] = n
	}
	l.brStart = int64(bytes.IndexByte(data[m[0]:], '[') + m[0])
	l.brEnd = int64(bytes.IndexByte(data[m[1]:], '/') + m[1])
	l.contentsKey = int64(bytes.Index(data[m[1]:], []byte("/Contents")) + m[1])
	l.contentsHexA, l.contentsHexB = l.br[1], l.br[2]
	if data[l.contentsHexA] != '<' || data[l.contentsHexB-1] != '>' {
		t.Fatal("the signature's /Contents is not where its /ByteRange says")
	}
	return l
}

// overwrite returns a copy of data with s written at off, padded with
// spaces to width bytes.
func overwrite(t testing.TB, data []byte, off, width int64, s string) []byte {
	t.Helper()
	if int64(len(s)) > width {
		t.Fatalf("%q does not fit in %d bytes", s, width)
	}
	out := bytes.Clone(data)
	copy(out[off:off+width], s+strings.Repeat(" ", int(width)-len(s)))
	return out
}

// contentsDER returns the DER of the newest signature.
func contentsDER(t testing.TB, data []byte) []byte {
	t.Helper()
	l := lastSig(t, data)
	raw, err := hex.DecodeString(string(data[l.contentsHexA+1 : l.contentsHexB-1]))
	if err != nil {
		t.Fatal(err)
	}
	sd, err := cms.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	der, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// withContents writes der (hex, zero-padded) into the newest signature's
// /Contents.
func withContents(t testing.TB, data, der []byte) []byte {
	t.Helper()
	l := lastSig(t, data)
	room := l.contentsHexB - l.contentsHexA - 2
	h := hex.EncodeToString(der)
	if int64(len(h)) > room {
		t.Fatalf("a signature of %d bytes does not fit in /Contents", len(der))
	}
	return overwrite(t, data, l.contentsHexA, l.contentsHexB-l.contentsHexA, "<"+h+strings.Repeat("0", int(room)-len(h))+">")
}

// rawSignature describes a signature made by signRaw.
type rawSignature struct {
	signer Signer
	field  string
	rect   [4]float64 // zero: invisible
	ap     string     // appearance content (with font /F1 available)
	lock   pdf.Dict   // the field's /Lock
	// when is the claimed signing time (zero: now); with fixedID the
	// update's new file identifier is all zeros, so that a deterministic
	// signer makes the same file every time.
	when    time.Time
	fixedID bool
	// reserve is the room for the CMS signature in bytes (0: 8192).
	reserve int
	// page is the 0-based page that gets the widget.
	page int
}

var idRE = regexp.MustCompile(`/ID \[<([0-9A-F]+)> <([0-9A-F]+)>\]`)

// signRaw signs data the way any PAdES signer does, without the engine's
// refusals (it signs documents certified with "no changes allowed") and
// with the field, rectangle, appearance and lock it is given.
func signRaw(t testing.TB, data []byte, rs rawSignature) []byte {
	t.Helper()
	f := openPDF(t, data)
	pages, err := f.Pages()
	if err != nil || rs.page >= len(pages) {
		t.Fatalf("no page %d: %v", rs.page+1, err)
	}
	page := pages[rs.page]
	u := pdf.NewUpdate(f)
	sig := pdf.Dict{
		"Type":      pdf.Name("Sig"),
		"Filter":    pdf.Name("Adobe.PPKLite"),
		"SubFilter": pdf.Name("ETSI.CAdES.detached"),
		"ByteRange": pdf.Placeholder{ID: "ByteRange", Width: 48},
		"Contents":  pdf.Placeholder{ID: "Contents", Width: cmp.Or(rs.reserve, 8192), Hex: true},
		"M":         pdf.String(pdfDate(cmp.Or(rs.when, time.Now()))),
	}
	sigRef := u.Add(pdf.OrderedDict{Dict: sig, Order: []pdf.Name{"Type", "Filter", "SubFilter", "ByteRange", "Contents", "M"}})
	font := u.Add(pdf.Dict{"Type": pdf.Name("Font"), "Subtype": pdf.Name("Type1"), "BaseFont": pdf.Name("Helvetica")})
	w, h := rs.rect[2]-rs.rect[0], rs.rect[3]-rs.rect[1]
	ap := u.Add(&pdf.Stream{Dict: pdf.Dict{
		"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"),
		"BBox":      pdf.Array{0.0, 0.0, w, h},
		"Resources": pdf.Dict{"Font": pdf.Dict{"F1": font}},
	}, Data: []byte(rs.ap)})
	widget := pdf.Dict{
		"Type": pdf.Name("Annot"), "Subtype": pdf.Name("Widget"), "FT": pdf.Name("Sig"),
		"T": pdf.String(rs.field), "V": sigRef, "F": int64(132), "P": page.Ref,
		"Rect": pdf.Array{rs.rect[0], rs.rect[1], rs.rect[2], rs.rect[3]},
		"AP":   pdf.Dict{"N": ap},
	}
	if rs.lock != nil {
		widget["Lock"] = rs.lock
	}
	widgetRef := u.Add(widget)
	addAnnotToPage(t, f, u, page, widgetRef)
	cat, catRef, err := f.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	cat = cat.Clone()
	form, err := f.ResolveDict(cat["AcroForm"])
	if err != nil {
		t.Fatal(err)
	}
	form = form.Clone()
	fields, _ := form["Fields"].(pdf.Array)
	form["Fields"] = append(append(pdf.Array{}, fields...), widgetRef)
	form["SigFlags"] = int64(3)
	if ref, ok := cat["AcroForm"].(pdf.Ref); ok {
		u.Set(ref, form)
	} else {
		cat["AcroForm"] = form
		u.Set(catRef, cat)
	}
	enc, err := u.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if rs.fixedID {
		m := idRE.FindSubmatchIndex(enc.Data)
		if m == nil {
			t.Fatal("no file identifier in the update")
		}
		copy(enc.Data[m[2]:m[3]], strings.Repeat("0", m[3]-m[2]))
		copy(enc.Data[m[4]:m[5]], strings.Repeat("0", m[5]-m[4]))
	}
	out := append(bytes.Clone(data), enc.Data...)
	cs, brs := enc.Placeholders["Contents"], enc.Placeholders["ByteRange"]
	br := fmt.Sprintf("[0 %d %d %d]", cs.Start, cs.End, int64(len(out))-cs.End)
	copy(out[brs.Start:], br)
	d := sha256.New()
	d.Write(out[:cs.Start])
	d.Write(out[cs.End:])
	sd, err := cms.SignDigest(d.Sum(nil), rs.signer.Key, rs.signer.Chain, cms.SignOptions{Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	der, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	hex.Encode(out[cs.Start+1:], der)
	return out
}

// addAnnotToPage appends annot to the page's direct /Annots array.
func addAnnotToPage(t testing.TB, f *pdf.File, u *pdf.Update, page pdf.Page, annot pdf.Ref) {
	t.Helper()
	o, err := u.Get(page.Ref)
	if err != nil {
		t.Fatal(err)
	}
	pd := o.(pdf.Dict).Clone()
	annots, _ := f.Resolve(pd["Annots"])
	arr, _ := annots.(pdf.Array)
	pd["Annots"] = append(append(pdf.Array{}, arr...), annot)
	u.Set(page.Ref, pd)
}

// addAnnotation appends an update that adds an annotation of the given
// subtype with an appearance drawn from content over rect on page 1.
func addAnnotation(t testing.TB, data []byte, subtype string, rect [4]float64, content string) []byte {
	t.Helper()
	return appendUpdate(t, data, func(f *pdf.File, u *pdf.Update) {
		page := firstPage(t, f)
		font := u.Add(pdf.Dict{"Type": pdf.Name("Font"), "Subtype": pdf.Name("Type1"), "BaseFont": pdf.Name("Helvetica")})
		ap := u.Add(&pdf.Stream{Dict: pdf.Dict{
			"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"),
			"BBox":      pdf.Array{0.0, 0.0, rect[2] - rect[0], rect[3] - rect[1]},
			"Resources": pdf.Dict{"Font": pdf.Dict{"F1": font}},
		}, Data: []byte(content)})
		annot := u.Add(pdf.Dict{
			"Type": pdf.Name("Annot"), "Subtype": pdf.Name(subtype), "P": page.Ref,
			"Rect":     pdf.Array{rect[0], rect[1], rect[2], rect[3]},
			"Contents": pdf.String("ok"), "DA": pdf.String("/Helv 12 Tf 0 g"), "F": int64(4),
			"AP": pdf.Dict{"N": ap},
		})
		addAnnotToPage(t, f, u, page, annot)
	})
}

// ---------------------------------------------------------------------
// Timestamp servers.

var testPolicy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1, 1}

// tsaServer runs an RFC 3161 server with the given key and certificates.
func tsaServer(t testing.TB, key crypto.Signer, chain []*x509.Certificate, omitCerts bool) string {
	t.Helper()
	srv := httptest.NewServer(&tsp.Server{Signer: key, Chain: chain, Policy: testPolicy, OmitCertificates: omitCerts})
	t.Cleanup(srv.Close)
	return srv.URL
}

// honestTSA timestamps with the demo PKI's TSA key.
func honestTSA(t testing.TB) *tsp.Client {
	p := testPKI(t)
	return &tsp.Client{URL: tsaServer(t, p.TSA.Key, p.TSA.Chain, false), Timeout: 10 * time.Second}
}

// forgedTSA timestamps with a key of its own while naming the demo TSA's
// certificate (same issuer and serial), and sends no certificate. The
// client is told the forged certificate, so it accepts the tokens.
func forgedTSA(t testing.TB) *tsp.Client {
	t.Helper()
	real := testPKI(t).TSA.Cert
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:    real.SerialNumber,
		Subject:         real.Subject,
		NotBefore:       real.NotBefore,
		NotAfter:        real.NotAfter,
		KeyUsage:        x509.KeyUsageDigitalSignature,
		SubjectKeyId:    real.SubjectKeyId,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}},
	}
	parent := &x509.Certificate{RawSubject: real.RawIssuer, SubjectKeyId: real.AuthorityKeyId}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	fake, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &tsp.Client{URL: tsaServer(t, key, []*x509.Certificate{fake}, true), Timeout: 10 * time.Second, TSACerts: []*x509.Certificate{fake}}
}

// replaceTimestamp swaps the timestamp token of the newest signature for
// one from tsa over the same signature value.
func replaceTimestamp(t testing.TB, data []byte, tsa *tsp.Client) []byte {
	t.Helper()
	sd, err := cms.Parse(contentsDER(t, data))
	if err != nil {
		t.Fatal(err)
	}
	si := sd.Signers[0]
	d := sha256.Sum256(si.SignatureValue())
	token, _, err := tsa.Timestamp(context.Background(), d[:])
	if err != nil {
		t.Fatal(err)
	}
	si.UnsignedAttributes = nil
	if err := sd.AddUnsignedAttribute(oidSignatureTimeStampToken, token); err != nil {
		t.Fatal(err)
	}
	der, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return withContents(t, data, der)
}

// ---------------------------------------------------------------------
// Checking.

func verifyBytes(t testing.TB, data []byte, opts VerifyOptions) *Report {
	t.Helper()
	rep, err := VerifyPDF(context.Background(), bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		t.Fatalf("VerifyPDF: %v", err)
	}
	return rep
}

// pdfsigSays runs poppler's pdfsig on data and returns what it says about
// each signature, in one line each.
func pdfsigSays(t testing.TB, data []byte) string {
	t.Helper()
	needTool(t, "pdfsig", "poppler-utils")
	dir := nssDB(t)
	path := writeTemp(t, "attack.pdf", data)
	out, _ := exec.Command("pdfsig", "-nssdir", "sql:"+dir, path).CombinedOutput()
	var lines []string
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "Signature #") || strings.Contains(line, "Signature Validation:") ||
			strings.Contains(line, "Total document signed") || strings.Contains(line, "not signed") ||
			strings.HasPrefix(line, "File '") || strings.Contains(line, "does not contain any signatures") {
			lines = append(lines, strings.TrimPrefix(line, "- "))
		}
	}
	if len(lines) == 0 {
		return strings.TrimSpace(string(out))
	}
	return strings.Join(lines, "; ")
}

func findReport(rep *Report, field string) *SignatureReport {
	for _, s := range rep.Signatures {
		if s.Field == field || (field == "" && s == rep.Signatures[0]) {
			return s
		}
	}
	return nil
}

// ---------------------------------------------------------------------
// The attacks.

// attackKit builds the genuinely signed files the attacks start from, once
// each per test.
type attackKit struct {
	t    *testing.T
	memo map[string][]byte
	// shadow holds the offsets of the hidden objects of the shadow document.
	shadow map[string]int64
}

func (k *attackKit) get(name string, build func() []byte) []byte {
	if d, ok := k.memo[name]; ok {
		return d
	}
	d := build()
	k.memo[name] = d
	return d
}

// signed is simplePDF(1) signed (invisibly) by the leader: field Signature1.
func (k *attackKit) signed() []byte {
	return k.get("signed", func() []byte { return signBytes(k.t, simplePDF(1), leaderOpts(k.t)) })
}

// signed2 adds the agency's signature (Signature2) to signed.
func (k *attackKit) signed2() []byte {
	return k.get("signed2", func() []byte { return signBytes(k.t, k.signed(), agencyOpts(k.t)) })
}

func (k *attackKit) shadowSigned() []byte {
	return k.get("shadow", func() []byte {
		base, hidden := shadowPDF()
		k.shadow = hidden
		return signBytes(k.t, base, leaderOpts(k.t))
	})
}

func (k *attackKit) objStmSigned() []byte {
	return k.get("objstm", func() []byte { return signBytes(k.t, objStmPDF(), leaderOpts(k.t)) })
}

func (k *attackKit) certified(p int) []byte {
	return k.get(fmt.Sprintf("certified%d", p), func() []byte {
		o := leaderOpts(k.t)
		o.Certify, o.CertifyPermission = true, p
		return signBytes(k.t, simplePDF(1), o)
	})
}

// locked is formPDF signed with a field lock.
func (k *attackKit) locked(lock pdf.Dict) []byte {
	return k.get(fmt.Sprintf("locked%v", lock["Action"]), func() []byte {
		return signRaw(k.t, formPDF(), rawSignature{signer: leaderOpts(k.t).Signer, field: "Signature1", lock: lock})
	})
}

func (k *attackKit) bt() []byte {
	return k.get("bt", func() []byte {
		o := leaderOpts(k.t)
		o.Level, o.TSA = LevelBT, honestTSA(k.t)
		return signBytes(k.t, simplePDF(1), o)
	})
}

// swapBytes replaces the first occurrence of old (which must exist) with
// new of the same length.
func swapBytes(t testing.TB, data []byte, old, new string) []byte {
	t.Helper()
	i := bytes.Index(data, []byte(old))
	if i < 0 || len(old) != len(new) {
		t.Fatalf("cannot replace %q with %q", old, new)
	}
	out := bytes.Clone(data)
	copy(out[i:], new)
	return out
}

// fillField is an update that fills in the text field hoTen of formPDF.
func fillField(t testing.TB, data []byte) []byte {
	return fillFieldWith(t, data, "/Tx BMC BT /Helv 12 Tf 2 5 Td (Nguyen Van B) Tj ET EMC")
}

// fillFieldWith fills in hoTen with the given appearance.
func fillFieldWith(t testing.TB, data []byte, ap string) []byte {
	return appendUpdate(t, data, func(f *pdf.File, u *pdf.Update) {
		o, err := f.Get(pdf.Ref{Num: 6})
		if err != nil {
			t.Fatal(err)
		}
		w := o.(pdf.Dict).Clone()
		w["V"] = pdf.String("Nguyen Van B")
		w["AP"] = pdf.Dict{"N": u.Add(&pdf.Stream{Dict: pdf.Dict{
			"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"), "BBox": pdf.Array{0.0, 0.0, 228.0, 20.0},
			"Resources": pdf.Dict{"Font": pdf.Dict{"Helv": pdf.Ref{Num: 3}}},
		}, Data: []byte(ap)})}
		u.Set(pdf.Ref{Num: 6}, w)
	})
}

// removeSignature2 is an update that takes signature field Signature2 out
// of the form and the page; with free it also marks the field and its
// signature dictionary free in the xref.
func removeSignature2(t testing.TB, data []byte, free bool) []byte {
	f := openPDF(t, data)
	cat, catRef, err := f.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	form, err := f.ResolveDict(cat["AcroForm"])
	if err != nil || form == nil {
		t.Fatal("no form")
	}
	fields, _ := f.Resolve(form["Fields"])
	var keep pdf.Array
	var field pdf.Ref
	var sig pdf.Ref
	for _, o := range fields.(pdf.Array) {
		d, _ := f.ResolveDict(o)
		if string(d["T"].(pdf.String)) == "Signature2" {
			field, sig = o.(pdf.Ref), d["V"].(pdf.Ref)
			continue
		}
		keep = append(keep, o)
	}
	if field.Num == 0 {
		t.Fatal("no field Signature2")
	}
	page := firstPage(t, f)
	pd := page.Dict.Clone()
	var annots pdf.Array
	for _, a := range pd["Annots"].(pdf.Array) {
		if a != field {
			annots = append(annots, a)
		}
	}
	pd["Annots"] = annots
	form = form.Clone()
	form["Fields"] = keep
	formRef, formIsRef := cat["AcroForm"].(pdf.Ref)
	bodies := map[int]string{}
	write := func(ref pdf.Ref, o pdf.Object) {
		var b bytes.Buffer
		if err := pdf.AppendObject(&b, o); err != nil {
			t.Fatal(err)
		}
		bodies[int(ref.Num)] = b.String()
	}
	if formIsRef {
		write(formRef, form)
	} else {
		cat = cat.Clone()
		cat["AcroForm"] = form
		write(catRef, cat)
	}
	write(page.Ref, pd)
	entries := map[int]rawEntry{}
	if free {
		entries[int(field.Num)] = rawEntry{free: true}
		entries[int(sig.Num)] = rawEntry{free: true}
	}
	return appendRawUpdate(t, data, rawUpdate{bodies: bodies, entries: entries})
}

// sigObject returns the number of the newest signature dictionary and its
// text from "<<" to before "endobj".
func sigObject(t testing.TB, data []byte) (uint32, string) {
	t.Helper()
	l := lastSig(t, data)
	f := openPDF(t, data)
	var num uint32
	best := int64(-1)
	for _, ref := range f.Objects() {
		if loc := f.Locate(ref.Num); loc.Kind == 1 && loc.Offset < l.contentsKey && loc.Offset > best {
			num, best = ref.Num, loc.Offset
		}
	}
	end := l.contentsHexB + int64(bytes.Index(data[l.contentsHexB:], []byte("endobj")))
	text := string(data[best:end])
	return num, strings.TrimSpace(text[strings.Index(text, "<<"):])
}

// gapObjects writes obj into the zero padding of the newest signature's
// /Contents, after the genuine signature; with inString it wraps the object
// in a literal string of an extra key, so that the signature dictionary
// still parses. It returns the file and the offset of the object.
func gapObjects(t testing.TB, data []byte, obj string, inString bool) ([]byte, int64) {
	t.Helper()
	l := lastSig(t, data)
	h := "<" + hex.EncodeToString(contentsDER(t, data)) + ">\n"
	if inString {
		h += "/Junk ("
	}
	off := l.contentsHexA + int64(len(h))
	s := h + obj + "\n"
	if inString {
		s += ")"
	}
	return overwrite(t, data, l.contentsHexA, l.contentsHexB-l.contentsHexA, s), off
}

var evilObject = "5 0 obj\n" + streamBody("", evilText) + "\nendobj"

// moveSignature copies the newest signature dictionary, with its genuine
// /Contents, into a new revision, fills its old gap with an object, and
// points the page content at that object.
func moveSignature(t testing.TB, data []byte) []byte {
	t.Helper()
	l := lastSig(t, data)
	num, dict := sigObject(t, data)
	out := overwrite(t, data, l.contentsHexA, l.contentsHexB-l.contentsHexA, "<> "+evilObject)
	return appendRawUpdate(t, out, rawUpdate{
		bodies:  map[int]string{int(num): dict},
		entries: map[int]rawEntry{5: {off: l.contentsHexA + 3}},
	})
}

// reshapeByteRange widens the newest signature's gap by inserting an
// object after its /Contents (which shifts the rest of the signed bytes) and
// rewrites the signature dictionary in a new revision whose /ByteRange
// covers the same signed bytes at their new place. The new revision's xref
// lists every object, since the shifted one no longer matches.
func reshapeByteRange(t testing.TB, data []byte) []byte {
	t.Helper()
	l := lastSig(t, data)
	f := openPDF(t, data)
	num, dict := sigObject(t, data)
	evil := "\n" + evilObject + "\n"
	shift := int64(len(evil))
	var a bytes.Buffer
	a.Write(data[:l.contentsHexB])
	evilOff := int64(a.Len()) + 1
	a.WriteString(evil)
	a.Write(data[l.contentsHexB:])
	dict = byteRangeRE.ReplaceAllString(dict, fmt.Sprintf("/ByteRange [0 %d %d %d]", l.br[1], l.br[2]+shift, l.br[3]))
	sigOff := int64(a.Len())
	fmt.Fprintf(&a, "%d 0 obj\n%s\nendobj\n", num, dict)
	xref := a.Len()
	size := int(f.NextObjectNumber())
	fmt.Fprintf(&a, "xref\n0 %d\n0000000000 65535 f\r\n", size)
	for n := 1; n < size; n++ {
		loc := f.Locate(uint32(n))
		switch {
		case n == int(num):
			fmt.Fprintf(&a, "%010d 00000 n\r\n", sigOff)
		case n == 5:
			fmt.Fprintf(&a, "%010d 00000 n\r\n", evilOff)
		case loc.Kind != 1:
			a.WriteString("0000000000 65535 f\r\n")
		case loc.Offset >= l.contentsHexB:
			fmt.Fprintf(&a, "%010d 00000 n\r\n", loc.Offset+shift)
		default:
			fmt.Fprintf(&a, "%010d 00000 n\r\n", loc.Offset)
		}
	}
	root := f.Trailer()["Root"].(pdf.Ref)
	fmt.Fprintf(&a, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", size, root.Num, xref)
	return a.Bytes()
}

type attack struct {
	name  string
	build func(t *testing.T, k *attackKit) []byte
	// field is the signature under attack ("" for the first one).
	field string
	// want is the verdict the attacked signature must get: Invalid, or
	// "" for anything but VALID, or Valid for the controls.
	want Verdict
	// reason must appear in the attacked signature's reason (for Valid:
	// in one of its allowed changes).
	reason string
	// problem must appear among the document's problems.
	problem string
	// warning must appear among the attacked signature's warnings.
	warning string
	// level is the PAdES level a Valid signature must report.
	level string
	opts  func(VerifyOptions) VerifyOptions
	// pdfsigInvalid asserts that pdfsig too finds the signature invalid.
	pdfsigInvalid bool
	// uncovered asserts that no signature notes covered page text.
	uncovered bool
}

func brEdit(s string) func(t *testing.T, k *attackKit) []byte {
	return func(t *testing.T, k *attackKit) []byte {
		d := k.signed()
		l := lastSig(t, d)
		return overwrite(t, d, l.brStart, l.brEnd-l.brStart, s)
	}
}

func contentsEdit(s func(l sigLayout) string) func(t *testing.T, k *attackKit) []byte {
	return func(t *testing.T, k *attackKit) []byte {
		d := k.signed()
		l := lastSig(t, d)
		return overwrite(t, d, l.contentsHexA, l.contentsHexB-l.contentsHexA, s(l))
	}
}

var attacks = []attack{
	// 1. Plain tampering.
	{
		name: "byte flipped in the signed page content",
		build: func(t *testing.T, k *attackKit) []byte {
			return swapBytes(t, k.signed(), "(Page 1 of", "(Page 7 of")
		},
		want: Invalid, reason: "changed after it was signed", pdfsigInvalid: true,
	},
	// 2. Incremental Saving Attack.
	{
		name: "ISA: page content replaced by a new object",
		build: func(t *testing.T, k *attackKit) []byte {
			return appendUpdate(t, k.signed(), func(f *pdf.File, u *pdf.Update) {
				page := firstPage(t, f)
				pd := page.Dict.Clone()
				pd["Contents"] = u.Add(&pdf.Stream{Dict: pdf.Dict{}, Data: []byte(evilText)})
				u.Set(page.Ref, pd)
			})
		},
		want: Invalid, reason: "page content",
	},
	{
		name: "ISA: page content object redefined",
		build: func(t *testing.T, k *attackKit) []byte {
			return appendUpdate(t, k.signed(), func(f *pdf.File, u *pdf.Update) {
				u.Set(firstPage(t, f).Dict["Contents"].(pdf.Ref), &pdf.Stream{Dict: pdf.Dict{}, Data: []byte(evilText)})
			})
		},
		want: Invalid, reason: "page content",
	},
	{
		name: "ISA: objects appended after %%EOF without xref",
		build: func(t *testing.T, k *attackKit) []byte {
			return append(bytes.Clone(k.signed()), "5 0 obj\n"+streamBody("", evilText)+"\nendobj\n"...)
		},
		want: Invalid, reason: "after the last revision", problem: "after the last revision",
	},
	{
		name: "ISA: objects and a %%EOF appended without xref",
		build: func(t *testing.T, k *attackKit) []byte {
			return append(bytes.Clone(k.signed()), "5 0 obj\n"+streamBody("", evilText)+"\nendobj\n%%EOF\n"...)
		},
		want: Invalid, reason: "after the last revision", problem: "after the last revision",
	},
	{
		name: "ISA: an allowed comment, and page content the update's xref does not list",
		build: func(t *testing.T, k *attackKit) []byte {
			d := addAnnotation(t, k.signed(), "Text", [4]float64{10, 10, 30, 30}, "")
			return appendRawUpdate(t, d, rawUpdate{hidden: []string{evilObject}})
		},
		want: Invalid, reason: "does not list", problem: "does not list",
	},
	{
		name: "Shadow replace: the update's xref lists the content object twice, first at a hidden definition",
		build: func(t *testing.T, k *attackKit) []byte {
			d := k.shadowSigned()
			f := openPDF(t, d)
			return appendRawUpdate(t, d, rawUpdate{dups: map[int][2]int64{5: {k.shadow["content"], f.Locate(5).Offset}}})
		},
		want: Invalid, reason: "twice", problem: "twice",
	},
	// 4. Universal Signature Forgery.
	{
		name: "USF: /Contents missing",
		build: func(t *testing.T, k *attackKit) []byte {
			d := k.signed()
			l := lastSig(t, d)
			return overwrite(t, d, l.contentsKey, 9, "/Xontents")
		},
		want: Invalid, reason: "no /Contents",
	},
	{name: "USF: /Contents null", build: contentsEdit(func(sigLayout) string { return "null" }), want: Invalid, reason: "no /Contents"},
	{name: "USF: /Contents empty", build: contentsEdit(func(sigLayout) string { return "<>" }), want: Invalid, reason: "/Contents is empty"},
	{name: "USF: /Contents a number", build: contentsEdit(func(sigLayout) string { return "0" }), want: Invalid, reason: "/Contents is not a string"},
	{
		name: "USF: /Contents garbage hex",
		build: contentsEdit(func(l sigLayout) string {
			return "<" + strings.Repeat("ab", int(l.contentsHexB-l.contentsHexA-2)/2) + ">"
		}),
		want: Invalid, reason: "not a CMS signature",
	},
	{
		name: "USF: /Contents holds the signature of another document",
		build: func(t *testing.T, k *attackKit) []byte {
			other := signBytes(t, simplePDF(2), leaderOpts(t))
			return withContents(t, k.signed(), contentsDER(t, other))
		},
		want: Invalid, reason: "changed after it was signed",
	},
	{
		name: "USF: /ByteRange missing",
		build: func(t *testing.T, k *attackKit) []byte {
			d := k.signed()
			l := lastSig(t, d)
			i := bytes.LastIndex(d[:l.brStart], []byte("/ByteRange"))
			return overwrite(t, d, int64(i), 10, "/XyteRange")
		},
		want: Invalid, reason: "no valid /ByteRange",
	},
	{name: "USF: /ByteRange null", build: brEdit("null"), want: Invalid, reason: "no valid /ByteRange"},
	{name: "USF: /ByteRange of names", build: brEdit("[0 /a /b /c]"), want: Invalid, reason: "other than four integers"},
	{name: "USF: /ByteRange of three numbers", build: brEdit("[0 1 2]"), want: Invalid, reason: "instead of four"},
	{
		name: "USF: /ByteRange of reals",
		build: func(t *testing.T, k *attackKit) []byte {
			d := k.signed()
			l := lastSig(t, d)
			return overwrite(t, d, l.brStart, l.brEnd-l.brStart, fmt.Sprintf("[0 %d.0 %d.0 %d.0]", l.br[1], l.br[2], l.br[3]))
		},
		want: Invalid, reason: "other than four integers",
	},
	{
		name: "USF: /ByteRange holding a reference",
		build: func(t *testing.T, k *attackKit) []byte {
			d := k.signed()
			l := lastSig(t, d)
			return overwrite(t, d, l.brStart, l.brEnd-l.brStart, fmt.Sprintf("[0 %d %d 3 0 R]", l.br[1], l.br[2]))
		},
		want: Invalid, reason: "other than four integers",
	},
	{name: "USF: /ByteRange is a reference", build: brEdit("3 0 R"), want: Invalid, reason: "no valid /ByteRange"},
	{
		name: "USF: /ByteRange negative",
		build: func(t *testing.T, k *attackKit) []byte {
			d := k.signed()
			l := lastSig(t, d)
			return overwrite(t, d, l.brStart, l.brEnd-l.brStart, fmt.Sprintf("[0 %d %d -%d]", l.br[1], l.br[2], l.br[3]))
		},
		want: Invalid, reason: "not two ordered ranges",
	},
	{
		name: "USF: /ByteRange past the end of the file",
		build: func(t *testing.T, k *attackKit) []byte {
			d := k.signed()
			l := lastSig(t, d)
			return overwrite(t, d, l.brStart, l.brEnd-l.brStart, fmt.Sprintf("[0 %d %d %d]", l.br[1], l.br[2], l.br[3]+1000))
		},
		want: Invalid, reason: "past the end of the file",
	},
	{
		name: "USF: /ByteRange not from the start",
		build: func(t *testing.T, k *attackKit) []byte {
			d := k.signed()
			l := lastSig(t, d)
			return overwrite(t, d, l.brStart, l.brEnd-l.brStart, fmt.Sprintf("[10 %d %d %d]", l.br[1]-10, l.br[2], l.br[3]))
		},
		want: Invalid, reason: "do not start at the beginning",
	},
	{
		name: "USF: /ByteRange gap wider than /Contents",
		build: func(t *testing.T, k *attackKit) []byte {
			d := k.signed()
			l := lastSig(t, d)
			return overwrite(t, d, l.brStart, l.brEnd-l.brStart, fmt.Sprintf("[0 %d %d %d]", l.br[1]-20, l.br[2], l.br[3]))
		},
		want: Invalid, reason: "is not this signature's /Contents",
	},
	// 5. Signature Wrapping.
	{
		name: "SWA: object hidden in the signature gap",
		build: func(t *testing.T, k *attackKit) []byte {
			d, off := gapObjects(t, k.signed(), evilObject, false)
			return appendRawUpdate(t, d, rawUpdate{entries: map[int]rawEntry{5: {off: off}}})
		},
		want: Invalid, reason: "damaged",
	},
	{
		name: "SWA: object hidden in the signature gap, inside a string of the signature dictionary",
		build: func(t *testing.T, k *attackKit) []byte {
			d, off := gapObjects(t, k.signed(), evilObject, true)
			return appendRawUpdate(t, d, rawUpdate{entries: map[int]rawEntry{5: {off: off}}})
		},
		want: Invalid, reason: "is not this signature's /Contents",
	},
	{
		name:  "SWA: signature dictionary moved to a new revision, objects in its old gap",
		build: func(t *testing.T, k *attackKit) []byte { return moveSignature(t, k.signed()) },
		want:  Invalid, reason: "replaced after signing",
	},
	{
		name:  "SWA: ByteRange reshaped around a widened gap",
		build: func(t *testing.T, k *attackKit) []byte { return reshapeByteRange(t, k.signed()) },
		want:  Invalid, reason: "not the end of a revision",
	},
	// 6. Shadow attacks.
	{
		name: "Shadow hide: unused content stream added to the page",
		build: func(t *testing.T, k *attackKit) []byte {
			return appendUpdate(t, k.shadowSigned(), func(f *pdf.File, u *pdf.Update) {
				page := firstPage(t, f)
				pd := page.Dict.Clone()
				pd["Contents"] = pdf.Array{pd["Contents"], pdf.Ref{Num: 6}}
				u.Set(page.Ref, pd)
			})
		},
		want: Invalid, reason: "page content",
	},
	{
		name: "Shadow hide: white cover swapped for an empty form",
		build: func(t *testing.T, k *attackKit) []byte {
			return appendUpdate(t, k.shadowSigned(), func(f *pdf.File, u *pdf.Update) {
				u.Set(pdf.Ref{Num: 9}, pdf.Dict{"Payment": pdf.Ref{Num: 10}, "Cover": pdf.Ref{Num: 11}})
			})
		},
		want: Invalid, reason: "resources",
	},
	{
		name: "Shadow replace: xref points the content at a hidden definition",
		build: func(t *testing.T, k *attackKit) []byte {
			d := k.shadowSigned()
			return appendRawUpdate(t, d, rawUpdate{entries: map[int]rawEntry{5: {off: k.shadow["content"]}}})
		},
		want: Invalid, reason: "page content",
	},
	{
		name: "Shadow hide-and-replace: xref redefines the page tree and the font",
		build: func(t *testing.T, k *attackKit) []byte {
			d := k.shadowSigned()
			return appendRawUpdate(t, d, rawUpdate{entries: map[int]rawEntry{2: {off: k.shadow["pages"]}, 3: {off: k.shadow["font"]}}})
		},
		want: Invalid, reason: "page tree",
	},
	{
		name: "Shadow hide: \"annotation\" added to an /Annots array that is also the page's /Contents",
		build: func(t *testing.T, k *attackKit) []byte {
			d := k.get("shared", func() []byte {
				return signRaw(t, sharedArrayPDF(), rawSignature{signer: leaderOpts(t).Signer, field: "Signature1", page: 1})
			})
			return appendUpdate(t, d, func(f *pdf.File, u *pdf.Update) {
				o, err := f.Get(pdf.Ref{Num: 13})
				if err != nil {
					t.Fatal(err)
				}
				u.Set(pdf.Ref{Num: 13}, append(append(pdf.Array{}, o.(pdf.Array)...), pdf.Ref{Num: 6}))
			})
		},
		want: Invalid, reason: "page content",
	},
	{
		name: "Shadow hide-and-replace: object stream redefined",
		build: func(t *testing.T, k *attackKit) []byte {
			return appendUpdate(t, k.objStmSigned(), func(f *pdf.File, u *pdf.Update) {
				u.Set(pdf.Ref{Num: 6}, objStm(map[int]string{
					2: "<< /Type /Pages /Kids [7 0 R] /Count 1 /MediaBox [0 0 595 842] >>",
					3: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
				}))
			})
		},
		want: Invalid, reason: "page tree",
	},
	// 7. Certification.
	{
		name: "certified P=1, then an annotation",
		build: func(t *testing.T, k *attackKit) []byte {
			return addAnnotation(t, k.certified(1), "Text", [4]float64{10, 10, 30, 30}, "")
		},
		want: Invalid, reason: "certif",
	},
	{
		name: "certified P=1, then an update that drops the certification and adds an annotation",
		build: func(t *testing.T, k *attackKit) []byte {
			d := appendUpdate(t, k.certified(1), func(f *pdf.File, u *pdf.Update) {
				cat, ref, err := f.Catalog()
				if err != nil {
					t.Fatal(err)
				}
				cat = cat.Clone()
				delete(cat, "Perms")
				u.Set(ref, cat)
			})
			return addAnnotation(t, d, "Text", [4]float64{10, 10, 30, 30}, "")
		},
		want: Invalid, reason: "certification",
	},
	{
		name: "certified P=1, then another signature",
		build: func(t *testing.T, k *attackKit) []byte {
			return signRaw(t, k.certified(1), rawSignature{signer: agencyOpts(t).Signer, field: "Signature2"})
		},
		want: Invalid, reason: "certif",
	},
	{
		name: "Evil Annotation: certified P=2, then a FreeText over the text",
		build: func(t *testing.T, k *attackKit) []byte {
			return addAnnotation(t, k.certified(2), "FreeText", [4]float64{60, 700, 560, 750},
				"1 1 1 rg 0 0 500 50 re f BT /F1 20 Tf 12 20 Td (Page 1: APPROVED) Tj ET")
		},
		want: Invalid, reason: "certif",
	},
	{
		name: "Evil Annotation: certified P=2, then a Square whose appearance covers the text",
		build: func(t *testing.T, k *attackKit) []byte {
			return addAnnotation(t, k.certified(2), "Square", [4]float64{60, 700, 560, 750},
				"1 1 1 rg 0 0 500 50 re f BT /F1 20 Tf 12 20 Td (Page 1: APPROVED) Tj ET")
		},
		want: Invalid, reason: "certif",
	},
	{
		name: "Sneaky Signature: certified P=2, then a signature whose appearance covers the text",
		build: func(t *testing.T, k *attackKit) []byte {
			return signRaw(t, k.certified(2), rawSignature{signer: agencyOpts(t).Signer, field: "Signature2",
				rect: [4]float64{40, 690, 560, 760}, ap: "1 1 1 rg 0 0 520 70 re f BT /F1 20 Tf 32 30 Td (Page 1: APPROVED) Tj ET"})
		},
		want: Valid, reason: "signature field \"Signature2\" was added", warning: "covers",
	},
	{
		name: "Evil Annotation: certified P=3, then a FreeText over the text (allowed, with a note)",
		build: func(t *testing.T, k *attackKit) []byte {
			return addAnnotation(t, k.certified(3), "FreeText", [4]float64{60, 700, 560, 750},
				"1 1 1 rg 0 0 500 50 re f BT /F1 20 Tf 12 20 Td (Page 1: APPROVED) Tj ET")
		},
		want: Valid, reason: "annotation (FreeText) was added", warning: "covers text of page 1",
	},
	{
		name: "Evil Annotation: uncertified, a Square over the text (allowed, with a note)",
		build: func(t *testing.T, k *attackKit) []byte {
			return addAnnotation(t, k.signed(), "Square", [4]float64{60, 700, 560, 750},
				"1 1 1 rg 0 0 500 50 re f BT /F1 20 Tf 12 20 Td (Page 1: APPROVED) Tj ET")
		},
		want: Valid, reason: "annotation (Square) was added", warning: "covers text of page 1",
	},
	{
		name: "certified P=3, then an annotation (allowed)",
		build: func(t *testing.T, k *attackKit) []byte {
			return addAnnotation(t, k.certified(3), "Text", [4]float64{10, 10, 30, 30}, "")
		},
		want: Valid, reason: "annotation",
	},
	// 8. Timestamps.
	{
		name: "B-T with a forged timestamp token that carries no certificate",
		build: func(t *testing.T, k *attackKit) []byte {
			o := leaderOpts(t)
			o.Level, o.TSA = LevelBT, forgedTSA(t)
			return signBytes(t, simplePDF(1), o)
		},
		want: Invalid, reason: "timestamp",
	},
	{
		name:  "B-T whose timestamp token was replaced by a forged one",
		build: func(t *testing.T, k *attackKit) []byte { return replaceTimestamp(t, k.bt(), forgedTSA(t)) },
		want:  Invalid, reason: "timestamp",
	},
	{
		name:  "B-T with a forged token, the TSA certificate unknown to the verifier",
		build: func(t *testing.T, k *attackKit) []byte { return replaceTimestamp(t, k.bt(), forgedTSA(t)) },
		opts:  func(o VerifyOptions) VerifyOptions { o.TSACerts = nil; return o },
		want:  Invalid, reason: "timestamp",
	},
	// 9. Removed signatures.
	{
		name:  "signature field removed, its dictionary left in the xref",
		build: func(t *testing.T, k *attackKit) []byte { return removeSignature2(t, k.signed2(), false) },
		want:  Invalid, reason: "removed",
		problem: "Signature2",
	},
	{
		name:  "signature field removed and its objects freed",
		build: func(t *testing.T, k *attackKit) []byte { return removeSignature2(t, k.signed2(), true) },
		want:  Invalid, reason: "removed",
		problem: "Signature2",
	},
	// 10. FieldMDP.
	{
		name: "FieldMDP: field filled after a signature that locks all fields",
		build: func(t *testing.T, k *attackKit) []byte {
			return fillField(t, k.locked(pdf.Dict{"Type": pdf.Name("SigFieldLock"), "Action": pdf.Name("All")}))
		},
		want: Invalid, reason: "locked",
	},
	{
		name: "FieldMDP: field filled after a signature that locks it by name",
		build: func(t *testing.T, k *attackKit) []byte {
			return fillField(t, k.locked(pdf.Dict{"Type": pdf.Name("SigFieldLock"), "Action": pdf.Name("Include"), "Fields": pdf.Array{pdf.String("hoTen")}}))
		},
		want: Invalid, reason: "locked",
	},
	{
		name: "Shadow hide via a form field: certified P=2, a field over the text filled in (allowed, with a note)",
		build: func(t *testing.T, k *attackKit) []byte {
			o := leaderOpts(t)
			o.Certify, o.CertifyPermission = true, 2
			d := signBytes(t, formPDFAt("60 700 560 750"), o)
			return fillFieldWith(t, d, "1 1 1 rg 0 0 500 50 re f BT /Helv 20 Tf 12 20 Td (Decision: APPROVED) Tj ET")
		},
		want: Valid, reason: "filled in", warning: "covers text of page 1",
	},
	// Controls: honest documents stay VALID.
	{name: "control: one signature", build: func(t *testing.T, k *attackKit) []byte { return k.signed() }, want: Valid},
	{name: "control: two signatures (first)", build: func(t *testing.T, k *attackKit) []byte { return k.signed2() }, want: Valid, reason: "signature"},
	{name: "control: two signatures (second)", field: "Signature2", build: func(t *testing.T, k *attackKit) []byte { return k.signed2() }, want: Valid},
	{
		name: "control: a comment added after signing an uncertified document",
		build: func(t *testing.T, k *attackKit) []byte {
			return addAnnotation(t, k.signed(), "Text", [4]float64{10, 10, 30, 30}, "")
		},
		want: Valid, reason: "annotation (Text) was added", uncovered: true,
	},
	{
		name: "control: a field filled after a signature that locks nothing",
		build: func(t *testing.T, k *attackKit) []byte {
			return fillField(t, signRaw(t, formPDF(), rawSignature{signer: leaderOpts(t).Signer, field: "Signature1"}))
		},
		want: Valid, reason: "filled in", uncovered: true,
	},
	{
		name: "control: Decree 30 leader signature and agency seal over the signature block",
		build: func(t *testing.T, k *attackKit) []byte {
			doc, err := demodoc.Generate(demodoc.Example(demodoc.QuyetDinh, 7))
			if err != nil {
				t.Fatal(err)
			}
			p := leaderOpts(t)
			p.Appearance = Appearance{Kind: AppearancePersonal, Rect: &doc.SignatureRect, Position: []string{"KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"}, Name: "Nguyễn Văn An"}
			a := agencyOpts(t)
			a.Appearance = Appearance{Kind: AppearanceAgency}
			return signBytes(t, signBytes(t, doc.PDF, p), a)
		},
		want: Valid, reason: "signature", uncovered: true,
	},
	{name: "control: B-T", build: func(t *testing.T, k *attackKit) []byte { return k.bt() }, want: Valid, level: "B-T"},
	{
		name: "control: B-T whose token carries no certificate",
		build: func(t *testing.T, k *attackKit) []byte {
			p := testPKI(t)
			o := leaderOpts(t)
			o.Level = LevelBT
			o.TSA = &tsp.Client{URL: tsaServer(t, p.TSA.Key, p.TSA.Chain, true), Timeout: 10 * time.Second, TSACerts: []*x509.Certificate{p.TSA.Cert}}
			return signBytes(t, simplePDF(1), o)
		},
		want: Valid, level: "B-T",
	},
}

// TestAttacks runs every attack of the table against the verifier. The
// log shows, for each, what poppler's pdfsig says and Vanthu's report.
func TestAttacks(t *testing.T) {
	k := &attackKit{t: t, memo: map[string][]byte{}}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			data := a.build(t, k)
			opts := verifyOpts(t)
			opts.TSACerts = []*x509.Certificate{testPKI(t).TSA.Cert}
			if a.opts != nil {
				opts = a.opts(opts)
			}
			rep := verifyBytes(t, data, opts)
			says := pdfsigSays(t, data)
			t.Logf("pdfsig: %s", says)
			t.Logf("Vanthu:\n%s", rep.Text())
			checkAttack(t, a, rep)
			if a.pdfsigInvalid && strings.Contains(says, "Signature is Valid") {
				t.Errorf("pdfsig finds the signature valid: %s", says)
			}
		})
	}
}

func checkAttack(t *testing.T, a attack, rep *Report) {
	t.Helper()
	s := findReport(rep, a.field)
	if s == nil && (a.want != "" || a.reason != "" || a.warning != "") {
		t.Fatalf("no report for signature %q", a.field)
	}
	switch a.want {
	case Valid:
		if rep.Verdict != Valid || s.Verdict != Valid {
			t.Fatalf("document %s, signature %s (%s); want both VALID", rep.Verdict, s.Verdict, s.Reason)
		}
		if a.level != "" && s.Level != a.level {
			t.Errorf("level %q, want %q", s.Level, a.level)
		}
		if a.reason != "" && !slices.ContainsFunc(s.Changes, func(c Change) bool { return c.Allowed && strings.Contains(c.What, a.reason) }) {
			t.Errorf("no allowed change mentions %q: %+v", a.reason, s.Changes)
		}
	default:
		if rep.Verdict == Valid {
			t.Fatalf("the document is VALID")
		}
		if s != nil && a.want != "" {
			if s.Verdict == Valid || (a.want == Invalid && s.Verdict != Invalid) {
				t.Errorf("signature %q is %s, want %s", s.Field, s.Verdict, a.want)
			}
		}
		if a.reason != "" && !strings.Contains(s.Reason, a.reason) {
			t.Errorf("reason %q does not mention %q", s.Reason, a.reason)
		}
	}
	if a.problem != "" && !slices.ContainsFunc(rep.Problems, func(p string) bool { return strings.Contains(p, a.problem) }) {
		t.Errorf("no document problem mentions %q: %q", a.problem, rep.Problems)
	}
	if a.warning != "" && !slices.ContainsFunc(s.Warnings, func(w string) bool { return strings.Contains(w, a.warning) }) {
		t.Errorf("no warning mentions %q: %q", a.warning, s.Warnings)
	}
	for _, s := range rep.Signatures {
		if a.uncovered && slices.ContainsFunc(s.Warnings, func(w string) bool { return strings.Contains(w, "covers") }) {
			t.Errorf("signature %q: %q", s.Field, s.Warnings)
		}
	}
}

// ---------------------------------------------------------------------
// Fuzzing.

// rfc6979 signs deterministically (RFC 6979), so that fuzz seeds come out
// the same in every fuzzing process.
type rfc6979 struct{ *ecdsa.PrivateKey }

func (k rfc6979) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return k.PrivateKey.Sign(nil, digest, opts)
}

// fixedSigner is a deterministic key with a self-signed certificate.
func fixedSigner(t testing.TB) Signer {
	t.Helper()
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), bytes.Repeat([]byte{0x42}, 32))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(30),
		Subject:      pkix.Name{CommonName: "Văn thư (fuzz)", Country: []string{"VN"}},
		NotBefore:    time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, key.Public(), rfc6979{key})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return Signer{Key: rfc6979{key}, Chain: []*x509.Certificate{cert}}
}

var fuzzTime = time.Date(2026, 1, 2, 8, 30, 0, 0, VietnamTime)

// canonicalPDF is what two files that the verifier cannot tell apart share:
// the bytes without trailing blanks (which belong to no revision and which
// the verifier ignores) and with each signature's /Contents replaced by
// its CMS in DER (the container outside the signed attributes is not
// signed: a re-encoding of it is the same signature).
func canonicalPDF(data []byte) []byte {
	data = bytes.TrimRight(data, " \t\r\n\f\x00")
	var out bytes.Buffer
	last := 0
	for _, m := range byteRangeRE.FindAllSubmatchIndex(data, -1) {
		a, err1 := strconv.Atoi(string(data[m[4]:m[5]]))
		b, err2 := strconv.Atoi(string(data[m[6]:m[7]]))
		if err1 != nil || err2 != nil || a < last || b <= a || b > len(data) {
			continue
		}
		raw, err := hex.DecodeString(strings.Trim(string(data[a:b]), "<>"))
		if err != nil {
			continue
		}
		sd, err := cms.Parse(raw)
		if err != nil {
			continue
		}
		der, err := sd.Marshal()
		if err != nil {
			continue
		}
		out.Write(data[last:a])
		out.WriteString("<" + hex.EncodeToString(der) + ">")
		last = b
	}
	out.Write(data[last:])
	return out.Bytes()
}

// FuzzVerifyPDF feeds the verifier mutations of signed files and of attack
// files: it must never panic, and must call a file VALID only when it is
// one of the genuinely signed seeds.
func FuzzVerifyPDF(f *testing.F) {
	key := fixedSigner(f)
	sign := func(in []byte, field string, rect [4]float64) []byte {
		return signRaw(f, in, rawSignature{signer: key, field: field, rect: rect, when: fuzzTime, fixedID: true, reserve: 1024,
			ap: "0 0 1 rg BT /F1 10 Tf 4 8 Td (Signed) Tj ET"})
	}
	one := sign(simplePDF(1), "Signature1", [4]float64{0, 0, 0, 0})
	two := sign(one, "Signature2", [4]float64{350, 80, 550, 140})
	shadowBase, hidden := shadowPDF()
	shadow := sign(shadowBase, "Signature1", [4]float64{})
	objstm := sign(objStmPDF(), "Signature1", [4]float64{})
	valid := map[string]bool{}
	for _, d := range [][]byte{one, two, shadow, objstm} {
		valid[string(canonicalPDF(d))] = true
		f.Add(d)
	}
	l := lastSig(f, one)
	gap, off := gapObjects(f, one, evilObject, true)
	for _, d := range [][]byte{
		swapBytes(f, one, "(Page 1 of", "(Page 7 of"),
		appendUpdate(f, one, func(pf *pdf.File, u *pdf.Update) {
			u.Set(firstPage(f, pf).Dict["Contents"].(pdf.Ref), &pdf.Stream{Dict: pdf.Dict{}, Data: []byte(evilText)})
		}),
		append(bytes.Clone(one), "5 0 obj\n"+streamBody("", evilText)+"\nendobj\n%%EOF\n"...),
		overwrite(f, one, l.contentsHexA, l.contentsHexB-l.contentsHexA, "null"),
		overwrite(f, one, l.brStart, l.brEnd-l.brStart, fmt.Sprintf("[0 %d %d %d]", l.br[1], l.br[2], l.br[3]+1000)),
		appendRawUpdate(f, gap, rawUpdate{entries: map[int]rawEntry{5: {off: off}}}),
		moveSignature(f, one),
		appendRawUpdate(f, shadow, rawUpdate{entries: map[int]rawEntry{5: {off: hidden["content"]}}}),
		appendUpdate(f, objstm, func(_ *pdf.File, u *pdf.Update) {
			u.Set(pdf.Ref{Num: 6}, objStm(map[int]string{
				2: "<< /Type /Pages /Kids [7 0 R] /Count 1 /MediaBox [0 0 595 842] >>",
				3: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
			}))
		}),
		removeSignature2(f, two, true),
	} {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := VerifyPDF(context.Background(), bytes.NewReader(data), int64(len(data)), VerifyOptions{IntegrityOnly: true})
		if err != nil {
			return
		}
		if rep.Verdict == Valid && !valid[string(canonicalPDF(data))] {
			t.Fatalf("a file that is none of the signed seeds is VALID:\n%s", rep.Text())
		}
	})
}
