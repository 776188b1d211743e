package app

import (
	"image/color"
	"net/url"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/desk"
)

// variantTheme is the default theme in a fixed light or dark variant.
type variantTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.variant)
}

// applyTheme sets "light", "dark" or the system's variant.
func applyTheme(a fyne.App, name string) {
	switch name {
	case "light":
		a.Settings().SetTheme(variantTheme{theme.DefaultTheme(), theme.VariantLight})
	case "dark":
		a.Settings().SetTheme(variantTheme{theme.DefaultTheme(), theme.VariantDark})
	default:
		a.Settings().SetTheme(theme.DefaultTheme())
	}
}

// fileURL is the file: URL of path, for App.OpenURL.
func fileURL(path string) *url.URL {
	return &url.URL{Scheme: "file", Path: filepath.ToSlash(path)}
}

// dropped starts a draft from a PDF dropped on the window.
func (u *ui) dropped(_ fyne.Position, uris []fyne.URI) {
	for _, uri := range uris {
		if strings.EqualFold(filepath.Ext(uri.Path()), ".pdf") {
			u.draftDialog(uri.Path())
			return
		}
	}
	if len(uris) > 0 {
		u.showError(invalid(lang.L("Only PDF files can start a draft; convert the document to PDF first.")))
	}
}

// pickDraft asks for a PDF to start a draft with.
func (u *ui) pickDraft() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		_ = r.Close()
		u.draftDialog(path)
	}, u.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".pdf", ".PDF"}))
	d.Show()
}

// draftDialog asks for a new draft's metadata; the PDF at path becomes its
// file.
func (u *ui) draftDialog(path string) {
	subject := widget.NewEntry()
	subject.SetPlaceHolder(lang.L("V/v …"))
	subject.Validator = required(lang.L("Write the summary line (trích yếu)."))
	notation := widget.NewEntry()
	notation.SetPlaceHolder("UBND-VP")
	docType := widget.NewSelectEntry([]string{"Công văn", "Quyết định", "Thông báo", "Kế hoạch", "Báo cáo", "Tờ trình"})
	docType.SetText("Công văn")
	prio := widget.NewSelect([]string{priorityLabel(inbox.PriorityNormal), priorityLabel(inbox.PriorityUrgent),
		priorityLabel(inbox.PriorityVeryUrgent), priorityLabel(inbox.PriorityFlash)}, nil)
	prio.SetSelectedIndex(0)
	picker := u.newAgencyPicker(nil)
	var id int64
	u.newFormDialog(lang.L("New draft"), lang.L("Create the draft"),
		[]field{
			{key: "file", label: lang.L("File"), w: widget.NewLabel(filepath.Base(path))},
			{key: "subject", label: lang.L("Subject"), w: subject},
			{key: "notation", label: lang.L("Notation"), w: notation},
			{key: "type", label: lang.L("Document type"), w: docType},
			{key: "priority", label: lang.L("Priority"), w: prio},
		}, picker.content(),
		func() (func() error, error) {
			info := desk.DraftInfo{Subject: strings.TrimSpace(subject.Text), Notation: strings.TrimSpace(notation.Text),
				DocType: strings.TrimSpace(docType.Text), Priority: inbox.Priority(max(0, prio.SelectedIndex())),
				Recipients: picker.chosen(), Signer: inbox.Signer{FullName: ""}}
			return func() (err error) {
				id, err = u.desk.NewDraftFile(u.ctx, path, info)
				return err
			}, nil
		},
		func() {
			u.folders.selectFolder(inbox.FolderDrafts)
			u.list.selected = id
			u.view.show(id)
		})
	u.picker = picker
}

// addShortcuts binds the frequent actions: Ctrl+F search, Ctrl+N new
// draft, Ctrl+R reload, F5 sync, Ctrl+Enter the first action of the open
// document.
func (u *ui) addShortcuts() {
	c := u.win.Canvas()
	add := func(key fyne.KeyName, mod fyne.KeyModifier, fn func()) {
		c.AddShortcut(&desktop.CustomShortcut{KeyName: key, Modifier: mod}, func(fyne.Shortcut) { fn() })
	}
	add(fyne.KeyF, fyne.KeyModifierShortcutDefault, func() { c.Focus(u.list.search) })
	add(fyne.KeyN, fyne.KeyModifierShortcutDefault, u.pickDraft)
	add(fyne.KeyR, fyne.KeyModifierShortcutDefault, u.reload)
	add(fyne.KeyReturn, fyne.KeyModifierShortcutDefault, u.view.firstAction)
	c.SetOnTypedKey(func(e *fyne.KeyEvent) {
		if e.Name == fyne.KeyF5 {
			u.desk.SyncNow()
		}
	})
}

// firstAction runs the first action button of the open document.
func (v *docView) firstAction() {
	if len(v.actions.Objects) == 0 {
		return
	}
	if b, ok := v.actions.Objects[0].(*widget.Button); ok && b.OnTapped != nil {
		b.OnTapped()
	}
}
