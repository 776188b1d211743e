package demodoc

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vanthu/vanthu/signing/appearance"
)

// Page geometry in points: A4 with the margins of Decree 30 (top and bottom
// 20 mm, left 30 mm, right 15 mm).
const (
	pageWidth    = 595.28
	pageHeight   = 841.89
	mm           = 72 / 25.4
	marginTop    = 20 * mm
	marginBottom = 20 * mm
	marginLeft   = 30 * mm
	marginRight  = 15 * mm
	textLeft     = marginLeft
	textRight    = pageWidth - marginRight
	textWidth    = textRight - textLeft
	textCentre   = textLeft + textWidth/2

	// The header has two columns: the agency on the left, the national
	// name on the right; the signature block sits under the right one.
	leftColWidth  = 190.0
	leftCentre    = textLeft + leftColWidth/2
	rightColLeft  = textLeft + leftColWidth
	rightColWidth = textRight - rightColLeft
	rightCentre   = rightColLeft + rightColWidth/2

	pageNumberBaseline = pageHeight - 13*mm
	firstTop           = pageHeight - marginTop
	nextTop            = pageHeight - marginTop - 6
	bottomLimit        = marginBottom
)

// Type sizes in points (Decree 30, Appendix I).
const (
	sizeAgency     = 12.0 // agency names: 12–13, upper case
	sizeNational   = 12.0 // "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM": 12–13, bold
	sizeMotto      = 13.0 // "Độc lập - Tự do - Hạnh phúc": 13–14, bold
	sizeNumber     = 13.0
	sizeDate       = 13.0
	sizeCVSubject  = 12.0 // a công văn's "V/v …": 12–13
	sizeTitle      = 14.0 // "QUYẾT ĐỊNH" and its summary line: 13–14, bold
	sizeBody       = 14.0 // 13–14
	sizeSigner     = 14.0 // position and name: 13–14, bold
	sizeDistHead   = 12.0 // "Nơi nhận:": 12, bold
	sizeDist       = 11.0 // its lines: 11
	sizePageNumber = 13.0
	sizeTable      = 12.0
)

// Spacing, in points.
const (
	lineSpacing    = 1.2       // baseline distance as a multiple of the type size
	paragraphGap   = 6.0       // between paragraphs (Decree 30: at least 6 pt)
	firstIndent    = 12.7 * mm // the first line of a paragraph, 1.27 cm
	titleGap       = 22.0      // above the type title
	closingGap     = 14.0      // above the signature block
	signatureSpace = 82.0      // the empty height for the signature, ~2.9 cm
	signatureWidth = 210.0     // its width
	signaturePad   = 2.0       // between it and the text above and below
	signerWidth    = 250.0     // the widest line of the signature block
	distWidth      = 210.0     // the distribution list column
	stampWidth     = 200.0     // the space kept for an appendix's stamp
	stampHeight    = 56.0
	cellPad        = 4.0
)

// layout turns a normalised spec into page items.
type layout struct {
	spec          Spec
	regular, bold *appearance.Font
	doc           *Document
}

func (l *layout) st(bold bool, size float64) style {
	if bold {
		return style{font: l.bold, size: size}
	}
	return style{font: l.regular, size: size}
}

// ruleBelow is how far under a baseline of st the rule under a heading
// goes: clear of the descenders and the dots under Vietnamese letters.
func ruleBelow(st style) float64 { return st.descent() + 3.5 }

// numberLine is "Số: 1234/UBND-VP", or with a blank for the number.
func numberLine(s Spec) string {
	n := s.Number
	if n == "" {
		n = strings.Repeat(" ", 12)
	}
	return "Số: " + n + "/" + s.Notation
}

// dateLine is "Ninh Bình, ngày 05 tháng 3 năm 2026": days below 10 and
// the months January and February take a leading zero (Decree 30).
func dateLine(place string, d time.Time) string {
	if d.IsZero() {
		return place + ", ngày      tháng      năm      "
	}
	day := strconv.Itoa(d.Day())
	if d.Day() < 10 {
		day = "0" + day
	}
	month := strconv.Itoa(int(d.Month()))
	if d.Month() <= time.February {
		month = "0" + month
	}
	return fmt.Sprintf("%s, ngày %s tháng %s năm %d", place, day, month, d.Year())
}

// header is the top of page 1: the agency block and the national name, the
// number and the date, and a công văn's summary line under the number.
func (l *layout) header() (*item, error) {
	s := l.spec
	parentSt, agencySt := l.st(false, sizeAgency), l.st(true, sizeAgency)
	natSt, mottoSt := l.st(true, sizeNational), l.st(true, sizeMotto)
	numSt, dateSt, cvSt := l.st(false, sizeNumber), l.st(false, sizeDate), l.st(false, sizeCVSubject)
	const national, motto = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"
	num, date := numberLine(s), dateLine(s.Place, s.Date)
	for _, c := range []struct {
		st         style
		what, text string
	}{
		{parentSt, "the parent agency", upper(s.ParentAgency)},
		{agencySt, "the issuing agency", upper(s.Agency)},
		{numSt, "the number and notation", num},
		{dateSt, "the place and date", date},
		{cvSt, "the summary line (trích yếu)", s.Subject},
	} {
		if err := c.st.check(c.what, strings.ReplaceAll(c.text, "\n", " ")); err != nil {
			return nil, err
		}
	}
	var parent []string
	if s.ParentAgency != "" {
		parent = balancedParts(parentSt, upper(s.ParentAgency), leftColWidth, levelBreak)
	}
	agency := balancedParts(agencySt, upper(s.Agency), leftColWidth, levelBreak)

	// Baselines relative to the top of the page area (y grows upwards).
	lead := parentSt.leading()
	first := -agencySt.ascent()
	leftRule := first - float64(len(parent)+len(agency)-1)*lead - ruleBelow(agencySt)
	mottoBase := first - mottoSt.leading()
	rightRule := mottoBase - ruleBelow(mottoSt)
	rowBase := min(leftRule, rightRule) - 20
	var subject []string
	if s.Kind == CongVan {
		subject = wrapBalanced(cvSt, s.Subject, leftColWidth+20, nil)
	}
	bottom := rowBase - numSt.descent()
	if len(subject) > 0 {
		bottom = rowBase - numSt.leading() - float64(len(subject)-1)*cvSt.leading() - cvSt.descent()
	}
	agencyRule := 0.0
	for _, a := range agency {
		agencyRule = max(agencyRule, agencySt.width(a))
	}
	agencyRule = max(0.4*agencyRule, 30)
	numW, dateW := numSt.width(num), dateSt.width(date)
	numCX := max(leftCentre, textLeft+numW/2)
	dateCX := min(rightCentre, textRight-dateW/2)

	draw := func(p *painter, top float64) error {
		y := top + first
		for _, t := range parent {
			if err := p.line(parentSt, alignCentre, leftCentre, y, t); err != nil {
				return err
			}
			y -= lead
		}
		for _, t := range agency {
			if err := p.line(agencySt, alignCentre, leftCentre, y, t); err != nil {
				return err
			}
			y -= lead
		}
		p.hline(leftCentre-agencyRule/2, leftCentre+agencyRule/2, top+leftRule)
		if err := p.line(natSt, alignCentre, rightCentre, top+first, national); err != nil {
			return err
		}
		if err := p.line(mottoSt, alignCentre, rightCentre, top+mottoBase, motto); err != nil {
			return err
		}
		mw := mottoSt.width(motto)
		p.hline(rightCentre-mw/2, rightCentre+mw/2, top+rightRule)
		if err := p.line(numSt, alignCentre, numCX, top+rowBase, num); err != nil {
			return err
		}
		if err := p.line(dateSt, alignCentre, dateCX, top+rowBase, date); err != nil {
			return err
		}
		y = top + rowBase - numSt.leading()
		for _, t := range subject {
			if err := p.line(cvSt, alignCentre, leftCentre, y, t); err != nil {
				return err
			}
			y -= cvSt.leading()
		}
		return nil
	}
	placed := func(_ int, top float64) {
		b := top + rowBase
		l.doc.NumberRect = [4]float64{numCX - numW/2, b - numSt.descent(), numCX + numW/2, b + numSt.ascent()}
		l.doc.DateRect = [4]float64{dateCX - dateW/2, b - dateSt.descent(), dateCX + dateW/2, b + dateSt.ascent()}
	}
	return &item{height: -bottom, what: "the header", draw: draw, placed: placed}, nil
}

// stampSpace is the top of an appendix's first page, kept free at the right
// for the agency's signature stamp.
func (l *layout) stampSpace() *item {
	return &item{
		height: stampHeight,
		what:   "the stamp space",
		draw:   func(*painter, float64) error { return nil },
		placed: func(page int, top float64) {
			l.doc.SignaturePage = page
			l.doc.SignatureRect = [4]float64{textRight - stampWidth, top - stampHeight, textRight, top}
		},
	}
}

// title is the type title and the summary line under it, with a short
// rule; an appendix adds the reference to its document.
func (l *layout) title() (*item, error) {
	s := l.spec
	titleSt, subjSt, refSt := l.st(true, sizeTitle), l.st(true, sizeTitle), l.st(false, sizeTitle)
	if err := subjSt.check("the summary line (trích yếu)", s.Subject); err != nil {
		return nil, err
	}
	lines := []struct {
		st   style
		text string
	}{{titleSt, s.Kind.title()}}
	for _, t := range wrapBalanced(subjSt, s.Subject, 0.85*textWidth, nil) {
		lines = append(lines, struct {
			st   style
			text string
		}{subjSt, t})
	}
	ruleUnder := 0.0
	for _, ln := range lines[1:] {
		ruleUnder = max(ruleUnder, ln.st.width(ln.text))
	}
	if s.Kind == PhuLuc {
		ref := "(Kèm theo " + referredKind(s.Notation) + " số " + strings.TrimPrefix(numberLine(s), "Số: ")
		if !s.Date.IsZero() {
			ref += " " + dateLine("", s.Date)[len(", "):]
		}
		ref += ")"
		if err := refSt.check("the number and notation", ref); err != nil {
			return nil, err
		}
		for _, t := range fitOrWrap(refSt, ref, textWidth) {
			lines = append(lines, struct {
				st   style
				text string
			}{refSt, t})
		}
	}
	ruleUnder = min(max(ruleUnder/3, 40), 160)
	lead := titleSt.leading()
	first := -titleSt.ascent()
	last := first - float64(len(lines)-1)*lead
	rule := last - ruleBelow(subjSt)
	height := -(rule - 2)
	draw := func(p *painter, top float64) error {
		y := top + first
		for _, ln := range lines {
			if err := p.line(ln.st, alignCentre, textCentre, y, ln.text); err != nil {
				return err
			}
			y -= lead
		}
		p.hline(textCentre-ruleUnder/2, textCentre+ruleUnder/2, top+rule)
		return nil
	}
	return &item{before: titleGap, height: height, what: "the title", draw: draw}, nil
}

// referredKind names the document an appendix belongs to from the
// notation's first part (Decree 30, Appendix III abbreviations).
func referredKind(notation string) string {
	first, _, _ := strings.Cut(notation, "-")
	switch first {
	case "QĐ":
		return "Quyết định"
	case "TTr":
		return "Tờ trình"
	case "TB":
		return "Thông báo"
	case "KH":
		return "Kế hoạch"
	case "BC":
		return "Báo cáo"
	}
	return "Công văn"
}

// recipients is the "Kính gửi:" block: one recipient on one centred line,
// several listed under each other after the label.
func (l *layout) recipients() (*item, error) {
	s := l.spec
	st := l.st(false, sizeBody)
	const label = "Kính gửi:"
	for i, r := range s.Recipients {
		if err := st.check(fmt.Sprintf("recipient %d", i+1), r); err != nil {
			return nil, err
		}
	}
	lead := st.leading()
	first := -st.ascent()
	if len(s.Recipients) == 1 && st.width(label+" "+s.Recipients[0]) <= textWidth-2*firstIndent {
		line := label + " " + s.Recipients[0]
		return &item{
			before: 16, height: -first + st.descent(), what: "the recipients",
			draw: func(p *painter, top float64) error {
				return p.line(st, alignCentre, textCentre, top+first, line)
			},
		}, nil
	}
	labelW := st.width(label + " ")
	widest := 0.0
	for _, r := range s.Recipients {
		widest = max(widest, st.width(r))
	}
	x0 := max(textCentre-(labelW+widest)/2, textLeft+firstIndent)
	hangX := x0 + labelW
	type row struct {
		x    float64
		text string
	}
	var rows []row
	for _, r := range s.Recipients {
		hang := hangingIndent(st, r)
		for i, ws := range wrap(st, words(r), textRight-hangX-hang, -hang) {
			x := hangX
			if i > 0 {
				x += hang
			}
			rows = append(rows, row{x, strings.Join(ws, " ")})
		}
	}
	height := -(first - float64(len(rows)-1)*lead) + st.descent()
	draw := func(p *painter, top float64) error {
		y := top + first
		for i, r := range rows {
			if err := p.draw(st, alignLeft, r.x, y, r.text); err != nil {
				return err
			}
			if i == 0 {
				if err := p.draw(st, alignLeft, x0, y, label); err != nil {
					return err
				}
				p.record(label + " " + r.text)
			} else {
				p.record(r.text)
			}
			y -= lead
		}
		return nil
	}
	return &item{before: 16, height: height, what: "the recipients", draw: draw}, nil
}

// hangingIndent is how far the continuation lines of a list entry
// ("- Sở Tài chính;") are indented: past the dash.
func hangingIndent(st style, entry string) float64 {
	for _, dash := range []string{"- ", "+ ", "– "} {
		if strings.HasPrefix(entry, dash) {
			return st.width(dash)
		}
	}
	return 0
}

// paragraph sets one paragraph of the body as one item per line: justified
// with the first line indented, or a heading (no lower-case letters) bold and
// centred.
func (l *layout) paragraph(what, text string) ([]*item, error) {
	if len(words(text)) == 0 {
		return nil, nil
	}
	heading := !hasLower(text)
	st := l.st(heading, sizeBody)
	if err := st.check(what, oneLine(text)); err != nil {
		return nil, err
	}
	lead := st.leading()
	var items []*item
	add := func(draw func(p *painter, top float64) error) {
		before := 0.0
		if len(items) == 0 {
			before = paragraphGap
			if heading {
				before += 4
			}
		}
		items = append(items, &item{before: before, height: lead, what: what, draw: draw})
	}
	base := -st.ascent() - (lead-st.ascent()-st.descent())/2
	if heading {
		for _, t := range wrapBalanced(st, text, textWidth, nil) {
			add(func(p *painter, top float64) error {
				return p.line(st, alignCentre, textCentre, top+base, t)
			})
		}
		return items, nil
	}
	lines := wrap(st, words(text), textWidth, firstIndent)
	for i, ws := range lines {
		x, w := textLeft, textWidth
		if i == 0 {
			x, w = textLeft+firstIndent, textWidth-firstIndent
		}
		last := i == len(lines)-1
		add(func(p *painter, top float64) error {
			if last {
				return p.line(st, alignLeft, x, top+base, strings.Join(ws, " "))
			}
			return p.justified(st, x, top+base, w, ws)
		})
	}
	return items, nil
}

// closing is the signature block on the right (position lines, the empty
// space for the signature, the name) beside the distribution list.
func (l *layout) closing() (*item, error) {
	s := l.spec
	sigSt := l.st(true, sizeSigner)
	headSt, distSt := l.st(true, sizeDistHead), l.st(false, sizeDist)
	var position []string
	for part := range strings.SplitSeq(s.SignerPrefix, "\n") {
		if err := sigSt.check("the signer's competence line", upper(part)); err != nil {
			return nil, err
		}
		position = append(position, wrapBalanced(sigSt, upper(part), signerWidth, nil)...)
	}
	if err := sigSt.check("the signer's title", upper(s.SignerTitle)); err != nil {
		return nil, err
	}
	position = append(position, wrapBalanced(sigSt, upper(s.SignerTitle), signerWidth, nil)...)
	if err := sigSt.check("the signer's name", s.SignerName); err != nil {
		return nil, err
	}
	names := fitOrWrap(sigSt, s.SignerName, signerWidth)

	lead := sigSt.leading()
	first := -sigSt.ascent()
	lastPos := first - float64(len(position)-1)*lead
	_, below, err := sigSt.ink(position[len(position)-1])
	if err != nil {
		return nil, err
	}
	above, _, err := sigSt.ink(names[0])
	if err != nil {
		return nil, err
	}
	rectTop := lastPos + min(below, -sigSt.descent()) - signaturePad
	rectBottom := rectTop - signatureSpace
	nameBase := rectBottom - signaturePad - max(above, sigSt.ascent())
	sigBottom := nameBase - float64(len(names)-1)*lead - sigSt.descent()

	type distLine struct {
		st   style
		x    float64
		text string
	}
	var dist []distLine
	if len(s.Distribution) > 0 {
		dist = append(dist, distLine{headSt, textLeft, "Nơi nhận:"})
	}
	for i, d := range s.Distribution {
		if err := distSt.check(fmt.Sprintf("line %d of the distribution list", i+1), d); err != nil {
			return nil, err
		}
		hang := hangingIndent(distSt, d)
		for j, ws := range wrap(distSt, words(d), distWidth-hang, -hang) {
			x := textLeft
			if j > 0 {
				x += hang
			}
			dist = append(dist, distLine{distSt, x, strings.Join(ws, " ")})
		}
	}
	distLead := distSt.leading() + 0.5
	distBottom := 0.0
	if len(dist) > 0 {
		distBottom = first - headSt.leading() - float64(len(dist)-2)*distLead - distSt.descent()
	}
	draw := func(p *painter, top float64) error {
		y := top + first
		for _, t := range position {
			if err := p.line(sigSt, alignCentre, rightCentre, y, t); err != nil {
				return err
			}
			y -= lead
		}
		y = top + nameBase
		for _, t := range names {
			if err := p.line(sigSt, alignCentre, rightCentre, y, t); err != nil {
				return err
			}
			y -= lead
		}
		y = top + first
		for i, d := range dist {
			if err := p.line(d.st, alignLeft, d.x, y, d.text); err != nil {
				return err
			}
			if i == 0 {
				y -= headSt.leading()
			} else {
				y -= distLead
			}
		}
		return nil
	}
	placed := func(page int, top float64) {
		l.doc.SignaturePage = page
		l.doc.SignatureRect = [4]float64{
			rightCentre - signatureWidth/2, top + rectBottom,
			rightCentre + signatureWidth/2, top + rectTop,
		}
	}
	return &item{
		before: closingGap, height: -min(sigBottom, distBottom), keep: 2,
		what: "the signature block and distribution list", draw: draw, placed: placed,
	}, nil
}
