package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/vanthu/vanthu/app/pdfview"
	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/desk"
	"github.com/vanthu/vanthu/inbox/pdfrender"
	"github.com/vanthu/vanthu/signing"
)

// today is the current calendar date in Vietnam.
func today() time.Time {
	n := time.Now().In(signing.VietnamTime)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, signing.VietnamTime)
}

// secretEntry is a password entry for a key's PIN or password, prefilled
// in the demo with the demo key's secret.
func (u *ui) secretEntry(src desk.KeySource) (*widget.Entry, string) {
	e := widget.NewPasswordEntry()
	label := lang.L("Password")
	if src.Kind == desk.KeyPKCS11 {
		label = lang.L("Token PIN")
	}
	e.Validator = required(lang.L("Type the PIN or password of the key."))
	if s, ok := u.env.secrets[src.String()]; ok {
		e.SetText(s)
	}
	return e, label
}

func keyLabel(src desk.KeySource) string {
	if src.Kind == desk.KeyPKCS11 {
		return lang.L("USB token") + ": " + src.String()
	}
	return lang.L("Key file") + ": " + src.Path
}

// batchRun is the state of an approve-and-sign run (tests read it).
type batchRun struct {
	bar     *widget.ProgressBar
	results []desk.Result
	list    *fyne.Container
}

// signDialog approves and signs documents ids with the person's key: one
// PIN for all of them, a progress bar, and a result per document. doc is
// the document shown when there is one (its page can be clicked to place
// the signature).
func (u *ui) signDialog(ids []int64, doc *inbox.Document) {
	src := u.set.PersonalKey()
	if src.Kind == "" || src.Path == "" {
		u.showError(errNoKey)
		return
	}
	secret, secretLabel := u.secretEntry(src)
	run := &batchRun{bar: widget.NewProgressBar(), list: container.NewVBox()}
	run.bar.Hide()
	u.batch = run
	var place *desk.Placement
	placeLabel := widget.NewLabel(lang.L("Where Decree 30 puts it: last page, right half."))
	placeLabel.Wrapping = fyne.TextWrapWord
	u.placeAt = func(page int, x, y float64) {
		place = &desk.Placement{Page: page + 1, X: x, Y: y}
		placeLabel.SetText(lang.L("Page {{.Page}}, at the point you clicked.", map[string]any{"Page": page + 1}))
	}
	extra := container.NewVBox(placeLabel)
	if doc != nil && len(ids) == 1 {
		extra.Add(widget.NewButton(lang.L("Choose the place on the page…"), func() { u.choosePlace(doc) }))
		extra.Add(widget.NewButton(lang.L("Put it in the default place"), func() {
			place = nil
			placeLabel.SetText(lang.L("Where Decree 30 puts it: last page, right half."))
		}))
	}
	extra.Add(run.bar)
	title := lang.L("Approve and sign")
	if len(ids) > 1 {
		title = lang.L("Approve and sign {{.N}} documents", map[string]any{"N": len(ids)})
	}
	u.newFormDialog(title, lang.L("Sign"),
		[]field{
			{key: "key", label: lang.L("Signing key"), w: widget.NewLabel(keyLabel(src))},
			{key: "secret", label: secretLabel, w: secret, hint: lang.L("Not stored anywhere; asked again next time.")},
		}, extra,
		func() (func() error, error) {
			pin := []byte(secret.Text)
			opts := desk.SignOptions{Placement: place}
			run.bar.SetValue(0)
			run.bar.Show()
			total := float64(len(ids))
			return func() error {
				key, err := desk.OpenKey(u.ctx, src, pin)
				clear(pin)
				if err != nil {
					return err
				}
				defer key.Close()
				run.results = u.desk.ApproveAndSign(u.ctx, ids, key, opts, func(b desk.BatchUpdate) {
					u.do(func() { run.bar.SetValue(float64(b.Done) / total) })
				})
				return nil
			}, nil
		},
		func() {
			secret.SetText("")
			u.list.checked = map[int64]bool{}
			u.updateBatchButton()
			u.showBatchResults(run)
		})
}

// showBatchResults lists what became of each document.
func (u *ui) showBatchResults(run *batchRun) {
	ok := 0
	run.list.RemoveAll()
	for _, r := range run.results {
		var line string
		imp := widget.SuccessImportance
		if r.Err != nil {
			imp = widget.DangerImportance
			line = lang.L("Document {{.ID}}: not signed — {{.Why}}", map[string]any{"ID": r.ID, "Why": friendly(r.Err)})
		} else {
			ok++
			line = lang.L("Document {{.ID}}: signed ({{.File}}, signature {{.Verdict}})",
				map[string]any{"ID": r.ID, "File": r.Attachment, "Verdict": verdictLabel(r.Verdict)})
		}
		l := widget.NewLabel(line)
		l.Wrapping = fyne.TextWrapWord
		l.Importance = imp
		run.list.Add(l)
	}
	u.notice = lang.L("{{.OK}} of {{.N}} documents signed.", map[string]any{"OK": ok, "N": len(run.results)})
	var d dialog.Dialog
	closeBtn := widget.NewButton(lang.L("Close"), func() { d.Hide() })
	body := container.NewBorder(widget.NewLabel(u.notice), closeBtn, nil, nil, container.NewVScroll(run.list))
	d = dialog.NewCustomWithoutButtons(lang.L("Signing results"), body, u.win)
	d.Resize(fyne.NewSize(620, 400))
	d.Show()
}

// batchSign signs the checked documents.
func (u *ui) batchSign() {
	var ids []int64
	for _, r := range u.list.rows {
		if u.list.checked[r.ID] {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		u.showError(invalid(lang.L("Tick the documents to sign in the list first.")))
		return
	}
	u.signDialog(ids, nil)
}

// choosePlace shows the draft's main PDF; a click on a page places the
// signature there.
func (u *ui) choosePlace(doc *inbox.Document) {
	var pdf *inbox.Attachment
	for i := range doc.Attachments {
		if strings.EqualFold(filepath.Ext(doc.Attachments[i].Name), ".pdf") {
			pdf = &doc.Attachments[i]
			break
		}
	}
	if pdf == nil {
		u.showError(invalid(lang.L("This document has no PDF to sign.")))
		return
	}
	u.withViewer(func(v *pdfview.Viewer) {
		var d dialog.Dialog
		hint := widget.NewLabel(lang.L("Click where the centre of the signature should go."))
		v.SetOnTapPage(func(page int, x, y float64) {
			if u.placeAt != nil {
				u.placeAt(page, x, y)
			}
			v.SetOnTapPage(nil)
			d.Hide()
		})
		v.Load(u.st.BlobPath(pdf.Blob.SHA256))
		v.FitWidth()
		d = dialog.NewCustom(lang.L("Place the signature"), lang.L("Cancel"), container.NewBorder(hint, nil, nil, nil, v), u.win)
		d.Resize(fyne.NewSize(760, 900))
		d.Show()
	})
}

// withViewer hands fn a PDF viewer; the renderer starts on first use (its
// first start compiles PDFium, a few seconds; later starts use the cache).
func (u *ui) withViewer(fn func(v *pdfview.Viewer)) {
	if u.renderer != nil {
		fn(pdfview.New(u.renderer))
		return
	}
	u.goTask(func() {
		r, err := pdfrender.New(u.ctx, pdfrender.Options{})
		u.do(func() {
			if err != nil {
				u.showError(fmt.Errorf("start the PDF viewer: %w", err))
				return
			}
			if u.renderer == nil {
				u.renderer = r
				u.env.closers = append(u.env.closers, func() { _ = r.Close() })
			} else {
				_ = r.Close()
			}
			fn(pdfview.New(u.renderer))
		})
	})
}

// openAttachment shows a PDF in the in-app viewer; other files are copied
// to a temporary file with their own name and opened with the system's
// application.
func (u *ui) openAttachment(a inbox.Attachment) {
	if strings.EqualFold(filepath.Ext(a.Name), ".pdf") {
		u.withViewer(func(v *pdfview.Viewer) {
			w := u.app.NewWindow(a.Name)
			v.Load(u.st.BlobPath(a.Blob.SHA256))
			v.FitWidth()
			w.SetContent(v)
			w.SetOnClosed(v.Close)
			w.Resize(fyne.NewSize(820, 1000))
			w.Show()
		})
		return
	}
	u.goTask(func() {
		path, err := u.exportAttachment(a)
		u.do(func() {
			if err != nil {
				u.showError(err)
				return
			}
			if err := u.app.OpenURL(fileURL(path)); err != nil {
				u.showError(err)
			}
		})
	})
}

// exportAttachment copies an attachment to a temporary file named like it.
func (u *ui) exportAttachment(a inbox.Attachment) (string, error) {
	r, err := u.st.OpenBlob(a.Blob.SHA256)
	if err != nil {
		return "", err
	}
	defer r.Close()
	dir, err := os.MkdirTemp("", "vanthu-open-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, filepath.Base(a.Name))
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if _, err := f.ReadFrom(r); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}

func (u *ui) issueDialog(d *inbox.Document) {
	src := u.set.SealKey()
	if src.Kind == "" || src.Path == "" {
		u.showError(errNoKey)
		return
	}
	names := []string{u.set.RegisterOut()}
	if regs, err := u.st.Registers(u.ctx); err == nil {
		for _, r := range regs {
			if r.Kind == inbox.RegisterOutgoing && !containsStr(names, r.Name) {
				names = append(names, r.Name)
			}
		}
	}
	reg := widget.NewSelectEntry(names)
	reg.SetText(names[0])
	reg.Validator = required(lang.L("Choose the register."))
	secret, secretLabel := u.secretEntry(src)
	var st inbox.IssueStamp
	recips := make([]string, len(d.Recipients))
	for i, r := range d.Recipients {
		recips[i] = orgText(r.Organization)
	}
	info := widget.NewLabel(lang.L("Sent to: {{.To}}", map[string]any{"To": strings.Join(recips, "; ")}))
	info.Wrapping = fyne.TextWrapWord
	u.newFormDialog(lang.L("Issue the document"), lang.L("Issue"),
		[]field{
			{key: "register", label: lang.L("Register book"), w: reg, hint: lang.L("The next number of this year is stamped with today's date.")},
			{key: "key", label: lang.L("Agency seal key"), w: widget.NewLabel(keyLabel(src))},
			{key: "secret", label: secretLabel, w: secret},
		}, info,
		func() (func() error, error) {
			name, pin := strings.TrimSpace(reg.Text), []byte(secret.Text)
			return func() error {
				key, err := desk.OpenKey(u.ctx, src, pin)
				clear(pin)
				if err != nil {
					return err
				}
				defer key.Close()
				st, err = u.desk.Issue(u.ctx, d.ID, name, key)
				return err
			}, nil
		},
		func() {
			secret.SetText("")
			u.notify(lang.L("Issued"), lang.L("Issued as number {{.N}}/{{.Notation}} on {{.Date}}; it is queued for the recipients.",
				map[string]any{"N": st.Number, "Notation": st.Notation, "Date": formatDate(st.Date)}))
		})
}
