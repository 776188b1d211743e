package app

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// formDialog is a short dialog that validates its input, runs its action
// off the UI goroutine and stays open with the error in plain words when
// the action fails, so that nothing typed is lost.
type formDialog struct {
	u      *ui
	dlg    *dialog.CustomDialog
	form   *widget.Form
	fields map[string]fyne.CanvasObject // by key (tests)
	ok     *widget.Button
	cancel *widget.Button
	msg    *widget.Label
	// submit runs on the UI goroutine: it checks and collects the input and
	// returns the work to run in the background (or an input error).
	submit func() (work func() error, err error)
	// done runs on the UI goroutine after the work succeeded.
	done func()
	busy bool
}

// field is one row of a formDialog.
type field struct {
	key, label, hint string
	w                fyne.CanvasObject
}

func (u *ui) newFormDialog(title, okText string, fields []field, extra fyne.CanvasObject,
	submit func() (func() error, error), done func(),
) *formDialog {
	fd := &formDialog{u: u, form: widget.NewForm(), fields: map[string]fyne.CanvasObject{}, submit: submit, done: done}
	for _, f := range fields {
		item := widget.NewFormItem(f.label, f.w)
		item.HintText = f.hint
		fd.form.AppendItem(item)
		fd.fields[f.key] = f.w
	}
	fd.msg = widget.NewLabel("")
	fd.msg.Wrapping = fyne.TextWrapWord
	fd.msg.Importance = widget.DangerImportance
	fd.ok = widget.NewButtonWithIcon(okText, theme.ConfirmIcon(), fd.onOK)
	fd.ok.Importance = widget.HighImportance
	fd.cancel = widget.NewButtonWithIcon(lang.L("Cancel"), theme.CancelIcon(), func() { fd.dlg.Hide() })
	body := container.NewVBox(fd.form)
	if extra != nil {
		body.Add(extra)
	}
	body.Add(fd.msg)
	body.Add(container.NewHBox(layoutSpacer(), fd.cancel, fd.ok))
	fd.dlg = dialog.NewCustomWithoutButtons(title, body, u.win)
	fd.dlg.Resize(fyne.NewSize(560, body.MinSize().Height+80))
	u.dialog = fd
	fd.dlg.Show()
	if len(fields) > 0 {
		if f, ok := fields[0].w.(fyne.Focusable); ok {
			u.win.Canvas().Focus(f)
		}
	}
	return fd
}

func layoutSpacer() fyne.CanvasObject { return widget.NewLabel("") }

func (fd *formDialog) onOK() {
	if fd.busy {
		return
	}
	if err := fd.form.Validate(); err != nil {
		fd.msg.SetText(err.Error())
		return
	}
	work, err := fd.submit()
	if err != nil {
		fd.msg.SetText(friendly(err))
		return
	}
	fd.busy = true
	fd.ok.Disable()
	fd.msg.SetText("")
	fd.u.goTask(func() {
		err := work()
		fd.u.do(func() {
			fd.busy = false
			fd.ok.Enable()
			if err != nil {
				fd.msg.SetText(friendly(err))
				fd.u.reload()
				return
			}
			fd.dlg.Hide()
			fd.u.reload()
			if fd.done != nil {
				fd.done()
			}
		})
	})
}

// entry returns the entry of field key (tests).
func (fd *formDialog) entry(key string) *widget.Entry {
	e, _ := fd.fields[key].(*widget.Entry)
	return e
}

// required validates a non-empty entry with a message for the field.
func required(msg string) fyne.StringValidator {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			return invalid(msg)
		}
		return nil
	}
}

// dateValidator accepts "" or a dd/MM/yyyy date.
func dateValidator(s string) error {
	if _, err := parseDate(s); err != nil {
		return invalid(lang.L("Write the date as dd/mm/yyyy, e.g. 25/12/2025."))
	}
	return nil
}

func invalid(msg string) error { return &validationError{msg: msg} }

// notify tells the person that an action succeeded (and keeps the text for
// tests).
func (u *ui) notify(title, text string) {
	u.notice = text
	dialog.ShowInformation(title, text, u.win)
}

// showError tells the clerk what went wrong, in words they can act on.
func (u *ui) showError(err error) {
	u.notice = friendly(err)
	dialog.ShowError(invalid(u.notice), u.win)
}

// run performs an action without a dialog (start processing, done,
// submit): off the UI goroutine, errors shown in words, screens re-read.
func (u *ui) run(work func() error) {
	u.goTask(func() {
		err := work()
		u.do(func() {
			if err != nil {
				u.showError(err)
			}
			u.reload()
		})
	})
}
