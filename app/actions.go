package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vanthu/vanthu/inbox"
)

// docAction is a button of the document view.
type docAction struct {
	key   string
	label string
	icon  fyne.Resource
	roles []role
	// when says whether the document's state permits the action.
	when func(d *inbox.Document) bool
	run  func(d *inbox.Document)
}

func allowed(a inbox.Action) func(d *inbox.Document) bool {
	return func(d *inbox.Document) bool { return !d.Frozen && inbox.Allowed(a, d.State) }
}

func (v *docView) docActions() []docAction {
	u := v.u
	return []docAction{
		{"register", lang.L("Register"), theme.DocumentCreateIcon(), []role{roleClerk}, allowed(inbox.ActionRegister), u.registerDialog},
		{"refuse", lang.L("Refuse"), theme.CancelIcon(), []role{roleClerk}, allowed(inbox.ActionRefuse), u.refuseDialog},
		{"assign", lang.L("Assign"), theme.AccountIcon(), []role{roleLeader}, allowed(inbox.ActionAssign), u.assignDialog},
		{"process", lang.L("Start processing"), theme.MediaPlayIcon(), []role{roleOfficer}, allowed(inbox.ActionStartProcessing),
			func(d *inbox.Document) { u.run(func() error { return u.desk.StartProcessing(u.ctx, d.ID) }) }},
		{"done", lang.L("Mark as done"), theme.ConfirmIcon(), []role{roleOfficer}, allowed(inbox.ActionDone),
			func(d *inbox.Document) { u.run(func() error { return u.desk.Done(u.ctx, d.ID) }) }},
		{"submit", lang.L("Submit for signing"), theme.MailSendIcon(), []role{roleOfficer}, allowed(inbox.ActionSubmit),
			func(d *inbox.Document) { u.run(func() error { return u.desk.Submit(u.ctx, d.ID) }) }},
		{"approve", lang.L("Approve and sign"), theme.ConfirmIcon(), []role{roleLeader}, allowed(inbox.ActionApprove),
			func(d *inbox.Document) { u.signDialog([]int64{d.ID}, d) }},
		{"return", lang.L("Return with comment"), theme.MailReplyIcon(), []role{roleLeader}, allowed(inbox.ActionReturn), u.returnDialog},
		{"issue", lang.L("Issue"), theme.MailSendIcon(), []role{roleClerk}, allowed(inbox.ActionIssue), u.issueDialog},
		{"send", lang.L("Send to more agencies"), theme.MailForwardIcon(), []role{roleClerk},
			func(d *inbox.Document) bool { return d.State == inbox.StateIssued }, u.sendDialog},
		{"forward", lang.L("Forward"), theme.MailForwardIcon(), []role{roleClerk},
			func(d *inbox.Document) bool {
				return d.Direction == inbox.Incoming && !d.Frozen && d.State != inbox.StateArrived &&
					d.State != inbox.StateRefused && d.State != inbox.StateRecallRequested
			}, u.forwardDialog},
		{"recall", lang.L("Recall"), theme.ContentUndoIcon(), []role{roleClerk}, allowed(inbox.ActionRecall), u.recallDialog},
		{"acceptRecall", lang.L("Accept the recall"), theme.ConfirmIcon(), []role{roleClerk}, allowed(inbox.ActionAcceptRecall), u.acceptRecallDialog},
		{"refuseRecall", lang.L("Refuse the recall"), theme.CancelIcon(), []role{roleClerk}, allowed(inbox.ActionRefuseRecall), u.refuseRecallDialog},
	}
}

// refreshActions shows the buttons the person's role may use on the shown
// document in its state.
func (v *docView) refreshActions() {
	v.actions.RemoveAll()
	for k := range v.buttons {
		if k != "comment" {
			delete(v.buttons, k)
		}
	}
	if v.doc == nil {
		return
	}
	r := v.u.set.Role()
	doc := v.doc
	for _, a := range v.docActions() {
		mine := false
		for _, x := range a.roles {
			mine = mine || x == r
		}
		if !mine || !a.when(doc) {
			continue
		}
		run := a.run
		b := widget.NewButtonWithIcon(a.label, a.icon, func() { run(doc) })
		v.buttons[a.key] = b
		v.actions.Add(b)
	}
}

func (v *docView) addComment() {
	text := strings.TrimSpace(v.comment.Text)
	if v.doc == nil {
		return
	}
	if text == "" {
		v.u.showError(invalid(lang.L("Write the comment first.")))
		return
	}
	id := v.doc.ID
	v.u.run(func() error {
		if err := v.u.desk.Comment(v.u.ctx, id, text); err != nil {
			return err
		}
		v.u.do(func() { v.comment.SetText("") })
		return nil
	})
}

func multiline(placeholder string) *widget.Entry {
	e := widget.NewMultiLineEntry()
	e.SetPlaceHolder(placeholder)
	e.SetMinRowsVisible(3)
	e.Wrapping = fyne.TextWrapWord
	return e
}

func (u *ui) registerDialog(d *inbox.Document) {
	names := []string{u.set.RegisterIn()}
	if regs, err := u.st.Registers(u.ctx); err == nil {
		for _, r := range regs {
			if r.Kind == inbox.RegisterIncoming && !containsStr(names, r.Name) {
				names = append(names, r.Name)
			}
		}
	}
	reg := widget.NewSelectEntry(names)
	reg.SetText(names[0])
	reg.Validator = required(lang.L("Choose the register."))
	var number int
	u.newFormDialog(lang.L("Register the incoming document"), lang.L("Register"),
		[]field{{key: "register", label: lang.L("Register book"), w: reg,
			hint: lang.L("The next arrival number of this year is given.")}}, nil,
		func() (func() error, error) {
			name := strings.TrimSpace(reg.Text)
			return func() (err error) {
				number, err = u.desk.Register(u.ctx, d.ID, name)
				return err
			}, nil
		},
		func() {
			u.notify(lang.L("Registered"), lang.L("Registered with arrival number {{.N}} in “{{.Register}}”.",
				map[string]any{"N": number, "Register": strings.TrimSpace(reg.Text)}))
		})
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (u *ui) refuseDialog(d *inbox.Document) {
	reason := multiline(lang.L("e.g. sent to the wrong agency"))
	reason.Validator = required(lang.L("Write why the document is refused; the sender is told."))
	u.newFormDialog(lang.L("Refuse the document"), lang.L("Refuse"),
		[]field{{key: "reason", label: lang.L("Reason"), w: reason}}, nil,
		func() (func() error, error) {
			text := reason.Text
			return func() error { return u.desk.Refuse(u.ctx, d.ID, text) }, nil
		}, nil)
}

func (u *ui) assignDialog(d *inbox.Document) {
	who := widget.NewEntry()
	who.SetPlaceHolder(lang.L("Officer or unit"))
	who.Validator = required(lang.L("Name the officer or unit."))
	roleSel := widget.NewRadioGroup([]string{lang.L("Lead"), lang.L("Coordinating")}, nil)
	roleSel.Horizontal = true
	roleSel.SetSelected(lang.L("Lead"))
	deadline := widget.NewEntry()
	deadline.SetPlaceHolder("dd/mm/yyyy")
	deadline.Validator = dateValidator
	note := multiline(lang.L("Direction (optional)"))
	u.newFormDialog(lang.L("Assign the document"), lang.L("Assign"),
		[]field{
			{key: "assignee", label: lang.L("Assign to"), w: who},
			{key: "role", label: lang.L("Role"), w: roleSel},
			{key: "deadline", label: lang.L("Deadline"), w: deadline, hint: lang.L("Optional; a lead's deadline becomes the document's.")},
			{key: "note", label: lang.L("Direction"), w: note},
		}, nil,
		func() (func() error, error) {
			due, err := parseDate(deadline.Text)
			if err != nil {
				return nil, invalid(lang.L("Write the date as dd/mm/yyyy, e.g. 25/12/2025."))
			}
			if !due.IsZero() && due.Before(today()) {
				return nil, invalid(lang.L("The deadline is in the past; choose today or a later day."))
			}
			a := inbox.Assignment{Assignee: strings.TrimSpace(who.Text), Role: inbox.RoleLead, Deadline: due, Note: strings.TrimSpace(note.Text)}
			if roleSel.Selected == lang.L("Coordinating") {
				a.Role = inbox.RoleCoordinating
			}
			return func() error { return u.desk.Assign(u.ctx, d.ID, a) }, nil
		}, nil)
}

func (u *ui) returnDialog(d *inbox.Document) {
	comment := multiline(lang.L("What should be changed"))
	comment.Validator = required(lang.L("Write what the drafter should change."))
	u.newFormDialog(lang.L("Return the draft"), lang.L("Return"),
		[]field{{key: "comment", label: lang.L("Comment"), w: comment}}, nil,
		func() (func() error, error) {
			text := comment.Text
			return func() error { return u.desk.Return(u.ctx, d.ID, text) }, nil
		}, nil)
}

func (u *ui) recallDialog(d *inbox.Document) {
	reason := multiline(lang.L("e.g. the document contains an error"))
	reason.Validator = required(lang.L("Write why the document is recalled; the recipients are told."))
	u.newFormDialog(lang.L("Recall the document"), lang.L("Recall"),
		[]field{{key: "reason", label: lang.L("Reason"), w: reason}}, nil,
		func() (func() error, error) {
			text := reason.Text
			return func() error { return u.desk.Recall(u.ctx, d.ID, text) }, nil
		}, nil)
}

func (u *ui) acceptRecallDialog(d *inbox.Document) {
	text := lang.L("The sender asks for “{{.Subject}}” back. Accepting hides the document and keeps it only for the record.",
		map[string]any{"Subject": d.Subject})
	if d.RecallReason != "" {
		text += "\n" + lang.L("Reason") + ": " + d.RecallReason
	}
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	u.newFormDialog(lang.L("Accept the recall"), lang.L("Accept the recall"), nil, l,
		func() (func() error, error) {
			return func() error { return u.desk.AcceptRecall(u.ctx, d.ID) }, nil
		}, nil)
}

func (u *ui) refuseRecallDialog(d *inbox.Document) {
	reason := multiline(lang.L("e.g. the document is already being processed"))
	u.newFormDialog(lang.L("Refuse the recall"), lang.L("Refuse the recall"),
		[]field{{key: "reason", label: lang.L("Reason"), w: reason}}, nil,
		func() (func() error, error) {
			text := reason.Text
			return func() error { return u.desk.RefuseRecall(u.ctx, d.ID, text) }, nil
		}, nil)
}

// agencyPicker is a searchable list of the agency directory with checks.
type agencyPicker struct {
	u      *ui
	search *widget.Entry
	list   *widget.List
	shown  []inbox.Organization
	picked map[string]inbox.Organization
	count  *widget.Label
}

func (u *ui) newAgencyPicker(exclude []inbox.Recipient) *agencyPicker {
	p := &agencyPicker{u: u, picked: map[string]inbox.Organization{}}
	skip := map[string]bool{u.set.Agency().Code: true}
	for _, r := range exclude {
		skip[r.Code] = true
	}
	p.count = widget.NewLabel("")
	p.list = widget.NewList(func() int { return len(p.shown) },
		func() fyne.CanvasObject { return widget.NewCheck("", nil) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			c := o.(*widget.Check)
			org := p.shown[i]
			c.OnChanged = nil
			c.Text = orgText(org)
			_, on := p.picked[org.Code]
			c.SetChecked(on)
			c.OnChanged = func(on bool) { p.toggle(org, on) }
			c.Refresh()
		})
	p.search = widget.NewEntry()
	p.search.SetPlaceHolder(lang.L("Search agencies by name, or type an organisation code"))
	refresh := func(q string) {
		p.shown = p.shown[:0]
		for _, a := range u.desk.Agencies(q, 200) {
			if !skip[a.Code] {
				p.shown = append(p.shown, inbox.Organization{Code: a.Code, Name: a.Name})
			}
		}
		// An agency missing from the directory (not refreshed yet) can be
		// named by its code.
		if code := strings.ToUpper(strings.TrimSpace(q)); agencyCodeRE.MatchString(code) && !skip[code] {
			known := false
			for _, o := range p.shown {
				known = known || o.Code == code
			}
			if !known {
				p.shown = append(p.shown, inbox.Organization{Code: code})
			}
		}
		p.list.Refresh()
	}
	p.search.OnChanged = refresh
	refresh("")
	p.updateCount()
	return p
}

func (p *agencyPicker) toggle(o inbox.Organization, on bool) {
	if on {
		p.picked[o.Code] = o
	} else {
		delete(p.picked, o.Code)
	}
	p.updateCount()
}

func (p *agencyPicker) updateCount() {
	p.count.SetText(lang.L("{{.N}} agencies chosen", map[string]any{"N": len(p.picked)}))
}

func (p *agencyPicker) chosen() []inbox.Organization {
	out := make([]inbox.Organization, 0, len(p.picked))
	for _, o := range p.picked {
		out = append(out, o)
	}
	return out
}

func (p *agencyPicker) content() fyne.CanvasObject {
	scroll := container.NewGridWrap(fyne.NewSize(520, 240), p.list)
	return container.NewVBox(p.search, scroll, p.count)
}

func (u *ui) sendDialog(d *inbox.Document) {
	p := u.newAgencyPicker(d.Recipients)
	u.newFormDialog(lang.L("Send to more agencies"), lang.L("Send"), nil, p.content(),
		func() (func() error, error) {
			to := p.chosen()
			if len(to) == 0 {
				return nil, invalid(lang.L("Choose at least one agency."))
			}
			return func() error { return u.desk.Send(u.ctx, d.ID, to) }, nil
		}, nil)
	u.picker = p
}

func (u *ui) forwardDialog(d *inbox.Document) {
	p := u.newAgencyPicker(nil)
	note := multiline(lang.L("Note for the draft (optional)"))
	var draft int64
	u.newFormDialog(lang.L("Forward to agencies"), lang.L("Create the forwarding draft"),
		[]field{{key: "note", label: lang.L("Note"), w: note}}, p.content(),
		func() (func() error, error) {
			to := p.chosen()
			if len(to) == 0 {
				return nil, invalid(lang.L("Choose at least one agency."))
			}
			text := note.Text
			return func() (err error) {
				draft, err = u.desk.Forward(u.ctx, d.ID, to, text)
				return err
			}, nil
		},
		func() {
			u.notify(lang.L("Forward"), lang.L("A forwarding draft was created in Drafts (document {{.ID}}). Submit it for signing; it leaves the agency once issued.",
				map[string]any{"ID": fmt.Sprint(draft)}))
		})
	u.picker = p
}
