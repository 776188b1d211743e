package app

import (
	"encoding/json"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/desk"
	"github.com/vanthu/vanthu/signing"
)

// docView shows one document: metadata, files with their signatures,
// recipients' statuses, comments and the audit trail, and the actions the
// person's role may take on it.
type docView struct {
	u       *ui
	id      int64
	doc     *inbox.Document
	audit   []inbox.AuditEntry
	gen     int
	title   *widget.Label
	actions *fyne.Container
	tabs    *container.AppTabs
	info    *fyne.Container
	files   *fyne.Container
	recips  *fyne.Container
	notes   *fyne.Container
	history *fyne.Container
	comment *widget.Entry
	// buttons are the action buttons shown, by action key (tests).
	buttons map[string]*widget.Button
	root    fyne.CanvasObject
}

func newDocView(u *ui) *docView {
	v := &docView{u: u, buttons: map[string]*widget.Button{}}
	v.title = widget.NewLabelWithStyle(lang.L("Choose a document in the list."), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.title.Wrapping = fyne.TextWrapWord
	v.actions = container.NewGridWrap(fyne.NewSize(170, 36))
	v.info = container.NewVBox()
	v.files = container.NewVBox()
	v.recips = container.NewVBox()
	v.notes = container.NewVBox()
	v.history = container.NewVBox()
	v.comment = widget.NewMultiLineEntry()
	v.comment.SetPlaceHolder(lang.L("Write a comment…"))
	v.comment.SetMinRowsVisible(2)
	addComment := widget.NewButton(lang.L("Add comment"), v.addComment)
	v.buttons["comment"] = addComment
	v.tabs = container.NewAppTabs(
		container.NewTabItem(lang.L("Details"), container.NewVScroll(v.info)),
		container.NewTabItem(lang.L("Files and signatures"), container.NewVScroll(v.files)),
		container.NewTabItem(lang.L("Recipients"), container.NewVScroll(v.recips)),
		container.NewTabItem(lang.L("Comments"), container.NewBorder(nil,
			container.NewBorder(nil, nil, nil, addComment, v.comment), nil, nil, container.NewVScroll(v.notes))),
		container.NewTabItem(lang.L("History"), container.NewVScroll(v.history)),
	)
	return v
}

func (v *docView) content() fyne.CanvasObject {
	if v.root == nil {
		v.root = container.NewBorder(container.NewVBox(v.title, v.actions), nil, nil, nil, v.tabs)
	}
	return v.root
}

// show loads document id (unless it is already shown).
func (v *docView) show(id int64) {
	if id == v.id && v.doc != nil {
		return
	}
	v.id = id
	v.reload()
}

// reload re-reads the shown document.
func (v *docView) reload() {
	if v.id == 0 {
		return
	}
	v.gen++
	gen, id := v.gen, v.id
	v.u.goTask(func() {
		doc, err := v.u.st.Get(v.u.ctx, id)
		var audit []inbox.AuditEntry
		if err == nil {
			audit, err = v.u.st.AuditTrail(v.u.ctx, id)
		}
		v.u.do(func() {
			if gen != v.gen {
				return
			}
			if err != nil {
				v.doc = nil
				v.title.SetText(friendly(err))
				v.actions.RemoveAll()
				return
			}
			v.doc, v.audit = doc, audit
			v.render()
		})
	})
}

func (v *docView) render() {
	d := v.doc
	title := d.Subject
	if c := codeOf(d.CodeNumber, d.CodeNotation); c != "" {
		title = c + " — " + title
	}
	v.title.SetText(title)
	v.refreshActions()
	v.renderInfo()
	v.renderFiles()
	v.renderRecipients()
	v.renderComments()
	v.renderHistory()
}

// infoKeyWidth is the width of the details tab's label column: the longest
// Vietnamese label ("Địa danh, ngày ban hành") fits.
const infoKeyWidth = 195

// infoLine is one "label: value" line of the details tab.
func infoLine(label, value string) fyne.CanvasObject {
	k := widget.NewLabelWithStyle(label, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	val := widget.NewLabel(value)
	val.Wrapping = fyne.TextWrapWord
	// Labels longer than the key column are cut with an ellipsis rather
	// than drawn over the value.
	k.Truncation = fyne.TextTruncateEllipsis
	return container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(infoKeyWidth, k.MinSize().Height), k), nil, val)
}

func (v *docView) renderInfo() {
	d := v.doc
	v.info.RemoveAll()
	add := func(label, value string) {
		if strings.TrimSpace(value) != "" {
			v.info.Add(infoLine(label, value))
		}
	}
	add(lang.L("State"), stateLabel(d.State))
	dir := lang.L("Incoming document")
	switch d.Direction {
	case inbox.Outgoing:
		dir = lang.L("Outgoing document")
	case inbox.Internal:
		dir = lang.L("Internal document")
	}
	add(lang.L("Kind"), dir)
	add(lang.L("Number, notation"), codeOf(d.CodeNumber, d.CodeNotation))
	add(lang.L("Document type"), d.TypeName)
	add(lang.L("Subject"), d.Subject)
	add(lang.L("Issuing agency"), orgText(d.Sender))
	add(lang.L("Place and date"), strings.TrimPrefix(d.PromulgationPlace+", "+formatDate(d.PromulgationDate), ", "))
	if d.Signer.FullName != "" {
		add(lang.L("Signer"), strings.TrimSpace(d.Signer.Competence+" "+d.Signer.Position+" — "+d.Signer.FullName))
	}
	if d.Priority > inbox.PriorityNormal {
		add(lang.L("Priority"), priorityLabel(d.Priority))
	}
	if d.Register != nil {
		label := lang.L("Arrival number")
		if d.Direction != inbox.Incoming {
			label = lang.L("Issue number")
		}
		add(label, fmt.Sprintf("%d — %s %d (%s)", d.Number, d.Register.Name, d.Register.Year, formatDateTime(d.RegisteredAt)))
	}
	if d.Direction == inbox.Incoming {
		add(lang.L("Received at"), formatDateTime(d.Date))
	} else {
		add(lang.L("Date"), formatDateTime(d.Date))
	}
	if !d.Deadline.IsZero() {
		add(lang.L("Deadline"), formatDate(d.Deadline))
	}
	if d.RecallReason != "" {
		add(lang.L("Recall reason"), d.RecallReason)
	}
	for _, a := range d.Assignments {
		r := lang.L("Lead")
		if a.Role == inbox.RoleCoordinating {
			r = lang.L("Coordinating")
		}
		text := a.Assignee + " (" + r + ")"
		if !a.Deadline.IsZero() {
			text += ", " + lang.L("deadline") + " " + formatDate(a.Deadline)
		}
		if a.Note != "" {
			text += ": " + a.Note
		}
		add(lang.L("Assigned to"), text)
	}
	if d.Content != "" {
		add(lang.L("Content"), d.Content)
	}
}

func orgText(o inbox.Organization) string {
	switch {
	case o.Name == "":
		return o.Code
	case o.Code == "":
		return o.Name
	}
	return o.Name + " (" + o.Code + ")"
}

func (v *docView) renderRecipients() {
	v.recips.RemoveAll()
	if len(v.doc.Recipients) == 0 {
		v.recips.Add(widget.NewLabel(lang.L("No recipients.")))
		return
	}
	for _, r := range v.doc.Recipients {
		v.recips.Add(widget.NewLabelWithStyle(orgText(r.Organization), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		if len(r.Statuses) == 0 {
			v.recips.Add(widget.NewLabel("    " + lang.L("No status yet.")))
		}
		for _, s := range r.Statuses {
			line := "    " + formatDateTime(s.At) + "  " + statusLabel(s.Code)
			if s.Description != "" {
				line += " — " + s.Description
			}
			if s.Staff != "" {
				line += " (" + s.Staff + ")"
			}
			l := widget.NewLabel(line)
			l.Wrapping = fyne.TextWrapWord
			v.recips.Add(l)
		}
	}
}

// statusLabel names an edXML status code.
func statusLabel(c inbox.StatusCode) string {
	switch c {
	case inbox.StatusArrived:
		return lang.L("Received")
	case inbox.StatusRefused:
		return lang.L("Refused")
	case inbox.StatusRegistered:
		return lang.L("Registered")
	case inbox.StatusAssigned:
		return lang.L("Assigned")
	case inbox.StatusProcessing:
		return lang.L("Processing")
	case inbox.StatusDone:
		return lang.L("Done")
	case inbox.StatusRecall:
		return lang.L("Recall requested")
	case inbox.StatusRecallAccepted:
		return lang.L("Recall accepted")
	case inbox.StatusRecallRefused:
		return lang.L("Recall refused")
	}
	return string(c)
}

func (v *docView) renderComments() {
	v.notes.RemoveAll()
	if len(v.doc.Comments) == 0 {
		v.notes.Add(widget.NewLabel(lang.L("No comments.")))
	}
	for _, c := range v.doc.Comments {
		l := widget.NewLabel(formatDateTime(c.At) + "  " + c.Author + ": " + c.Text)
		l.Wrapping = fyne.TextWrapWord
		v.notes.Add(l)
	}
	if v.doc.Frozen {
		v.comment.Disable()
	} else {
		v.comment.Enable()
	}
}

func (v *docView) renderHistory() {
	v.history.RemoveAll()
	for _, e := range v.audit {
		l := widget.NewLabel(formatDateTime(e.At) + "  " + e.Actor + ": " + actionLabel(e.Action) + auditDetail(e))
		l.Wrapping = fyne.TextWrapWord
		v.history.Add(l)
	}
}

// auditDetail is the part of an audit entry's detail a person cares about.
func auditDetail(e inbox.AuditEntry) string {
	var m map[string]any
	if json.Unmarshal(e.Detail, &m) != nil {
		return ""
	}
	var parts []string
	for _, k := range []string{"number", "register", "assignee", "deadline", "reason", "comment", "text", "code"} {
		if x, ok := m[k]; ok && fmt.Sprint(x) != "" {
			parts = append(parts, fmt.Sprint(x))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " — " + strings.Join(parts, ", ")
}

// actionLabel names an audit action.
func actionLabel(a inbox.Action) string {
	switch a {
	case inbox.ActionReceive:
		return lang.L("received")
	case inbox.ActionRegister:
		return lang.L("registered")
	case inbox.ActionRefuse:
		return lang.L("refused")
	case inbox.ActionAssign:
		return lang.L("assigned")
	case inbox.ActionStartProcessing:
		return lang.L("started processing")
	case inbox.ActionDone:
		return lang.L("finished processing")
	case inbox.ActionRecallRequested:
		return lang.L("the sender asked for a recall")
	case inbox.ActionAcceptRecall:
		return lang.L("accepted the recall")
	case inbox.ActionRefuseRecall:
		return lang.L("refused the recall")
	case inbox.ActionCreateDraft:
		return lang.L("created the draft")
	case inbox.ActionReviseDraft:
		return lang.L("revised the draft")
	case inbox.ActionSubmit:
		return lang.L("submitted for signing")
	case inbox.ActionReturn:
		return lang.L("returned the draft")
	case inbox.ActionApprove:
		return lang.L("approved and signed")
	case inbox.ActionIssue:
		return lang.L("issued")
	case inbox.ActionRecall:
		return lang.L("asked the recipients for a recall")
	case inbox.ActionRecipientStatus:
		return lang.L("a recipient reported a status")
	case inbox.ActionComment:
		return lang.L("commented")
	case inbox.ActionMarkRead:
		return lang.L("marked as read")
	case inbox.ActionSend:
		return lang.L("sent")
	}
	return string(a)
}

func (v *docView) renderFiles() {
	v.files.RemoveAll()
	if len(v.doc.Attachments) == 0 {
		v.files.Add(widget.NewLabel(lang.L("No files.")))
	}
	for _, a := range v.doc.Attachments {
		a := a
		name := widget.NewLabelWithStyle(fmt.Sprintf("%s (%s)", a.Name, sizeText(a.Blob.Size)), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		name.Wrapping = fyne.TextWrapWord
		open := widget.NewButton(lang.L("Open"), func() { v.u.openAttachment(a) })
		v.files.Add(container.NewBorder(nil, nil, nil, open, name))
		panel := container.NewVBox(signaturePanel(a, nil, nil))
		v.files.Add(panel)
		v.files.Add(widget.NewSeparator())
		v.verify(a, panel)
	}
}

// verify checks an attachment's signatures afresh, off the UI goroutine,
// and shows the result in panel.
func (v *docView) verify(a inbox.Attachment, panel *fyne.Container) {
	gen, id := v.gen, v.doc.ID
	v.u.goTask(func() {
		rep, err := v.u.desk.Verification(v.u.ctx, id, a.ID)
		v.u.do(func() {
			if gen != v.gen {
				return
			}
			panel.Objects = []fyne.CanvasObject{signaturePanel(a, rep, err)}
			panel.Refresh()
		})
	})
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// signaturePanel explains an attachment's signatures in plain words, from
// the desk's verification report (nil while it is being made).
func signaturePanel(a inbox.Attachment, v *desk.Verification, verr error) fyne.CanvasObject {
	box := container.NewVBox()
	line := func(s string, imp widget.Importance) {
		l := widget.NewLabel(s)
		l.Wrapping = fyne.TextWrapWord
		l.Importance = imp
		box.Add(l)
	}
	switch {
	case verr != nil:
		line(lang.L("The signatures could not be checked: {{.Err}}", map[string]any{"Err": friendly(verr)}), widget.WarningImportance)
		return box
	case v == nil:
		line(lang.L("Checking the signatures…"), widget.MediumImportance)
		return box
	case v.Verdict == inbox.VerdictUnsigned || (len(v.Signatures) == 0 && v.Verdict == ""):
		line(lang.L("This file carries no digital signature."), widget.WarningImportance)
		return box
	}
	line(signatureSummary(v), verdictImportance(signing.Verdict(v.Verdict)))
	if !v.Fresh {
		line(lang.L("(The result recorded when the file was stored; it could not be checked again now.)"), widget.MediumImportance)
	}
	for i, s := range v.Signatures {
		line(lang.L("Signature {{.N}}: {{.Verdict}}", map[string]any{"N": i + 1, "Verdict": verdictLabel(s.Verdict)}), verdictImportance(s.Verdict))
		if s.Signer != "" {
			who := s.Signer
			if s.Title != "" {
				who += ", " + s.Title
			}
			line("  "+lang.L("Signed by")+": "+who, widget.MediumImportance)
		}
		if s.Organization != "" {
			line("  "+lang.L("Organisation")+": "+s.Organization, widget.MediumImportance)
		}
		if !s.SignedAt.IsZero() {
			line("  "+lang.L("Signing time (claimed by the signer)")+": "+formatDateTime(s.SignedAt), widget.MediumImportance)
		}
		if !s.TimestampAt.IsZero() {
			line("  "+lang.L("Timestamp")+": "+formatDateTime(s.TimestampAt)+" — "+s.TimestampAuthority+" ("+verdictLabel(s.TimestampVerdict)+")", widget.MediumImportance)
		} else {
			line("  "+lang.L("No timestamp: the time comes from the signer's computer."), widget.MediumImportance)
		}
		if s.CoversDocument || s.Revisions <= s.Revision {
			line("  "+lang.L("Covers the whole document as you see it."), widget.SuccessImportance)
		} else {
			line("  "+lang.L("Covers the document up to version {{.Rev}} of {{.Of}}; the later versions were added after this signature.",
				map[string]any{"Rev": s.Revision, "Of": s.Revisions}), widget.MediumImportance)
		}
		allowed, refused := 0, []string(nil)
		for _, c := range s.Changes {
			if c.Allowed {
				allowed++
			} else {
				refused = append(refused, lang.L("version {{.Rev}}", map[string]any{"Rev": c.Revision})+": "+c.What)
			}
		}
		if allowed > 0 {
			line("  "+lang.L("{{.N}} later change(s) are of the kinds the rules allow (further signatures, timestamps, form filling).",
				map[string]any{"N": allowed}), widget.MediumImportance)
		}
		if len(refused) > 0 {
			line("  "+lang.L("Changes made after this signature that the rules do not allow (technical detail):"), widget.DangerImportance)
			for _, m := range refused {
				line("    • "+m, widget.DangerImportance)
			}
		}
		if len(s.Chain) > 0 {
			line("  "+lang.L("Certificate chain")+": "+strings.Join(s.Chain, " › "), widget.MediumImportance)
		}
		if s.Why != "" {
			line("  "+lang.L("Why (technical detail)")+": "+s.Why, verdictImportance(s.Verdict))
		}
		for _, p := range s.Problems {
			line("  • "+p, widget.DangerImportance)
		}
		for _, w := range s.Warnings {
			line("  • "+w, widget.WarningImportance)
		}
	}
	return box
}

// signatureSummary says in one sentence how the file's signatures fared.
func signatureSummary(v *desk.Verification) string {
	n, valid := len(v.Signatures), 0
	for _, s := range v.Signatures {
		if s.Verdict == signing.Valid {
			valid++
		}
	}
	switch signing.Verdict(v.Verdict) {
	case signing.Valid:
		return lang.L("All {{.N}} signature(s) are valid.", map[string]any{"N": n})
	case signing.Invalid:
		return lang.L("The file's signatures are NOT valid ({{.Valid}} of {{.N}} valid): do not rely on this file.", map[string]any{"Valid": valid, "N": n})
	}
	return lang.L("The signatures cannot be confirmed yet ({{.Valid}} of {{.N}} valid): see each signature below.", map[string]any{"Valid": valid, "N": n})
}

func verdictLabel(v signing.Verdict) string {
	switch v {
	case signing.Valid:
		return lang.L("valid")
	case signing.Invalid:
		return lang.L("INVALID")
	case signing.Indeterminate:
		return lang.L("cannot be confirmed")
	}
	return string(v)
}

func verdictImportance(v signing.Verdict) widget.Importance {
	switch v {
	case signing.Valid:
		return widget.SuccessImportance
	case signing.Invalid:
		return widget.DangerImportance
	}
	return widget.WarningImportance
}
