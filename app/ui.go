package app

import (
	"context"
	"errors"
	"log/slog"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/desk"
	"github.com/vanthu/vanthu/inbox/pdfrender"
)

// ui is the main window's state. Its fields are touched only on the UI
// goroutine (event callbacks and fyne.Do); background work goes through
// tasks and reports back with fyne.Do.
type ui struct {
	tasks
	ctx  context.Context
	app  fyne.App
	win  fyne.Window
	env  *environment
	desk *desk.Desk
	st   *inbox.Store // the desk's store, for reading
	set  *settings

	folders   *folderPane
	list      *docList
	view      *docView
	status    *statusBar
	roleSel   *widget.Select
	signBatch *widget.Button
	root      fyne.CanvasObject

	counts inbox.Counts
	// dialog is the form dialog shown last, notice the last message shown
	// (tests read them).
	dialog *formDialog
	notice string
	picker *agencyPicker
	batch  *batchRun
	// placeAt places the signature of the open sign dialog (the viewer's
	// tap, or tests).
	placeAt  func(page int, x, y float64)
	renderer *pdfrender.Renderer
	// settingsForm and settingsSave are the open settings dialog's (tests).
	settingsForm *settingsForm
	settingsSave *widget.Button
}

func newUI(ctx context.Context, a fyne.App, w fyne.Window, env *environment, set *settings) *ui {
	u := &ui{ctx: ctx, app: a, win: w, env: env, desk: env.desk, st: env.desk.Store(), set: set}
	u.folders = newFolderPane(u)
	u.list = newDocList(u)
	u.view = newDocView(u)
	u.status = newStatusBar(u)
	return u
}

// content builds the main window's content.
func (u *ui) content() fyne.CanvasObject {
	if u.root != nil {
		return u.root
	}
	u.roleSel = widget.NewSelect(roleLabels(), func(s string) {
		for _, r := range roles {
			if r.label() == s && r != u.set.Role() {
				u.set.SetRole(r)
				u.view.refreshActions()
				u.updateBatchButton()
			}
		}
	})
	u.roleSel.SetSelected(u.set.Role().label())
	u.signBatch = widget.NewButtonWithIcon(lang.L("Sign selected"), theme.ConfirmIcon(), u.batchSign)
	u.updateBatchButton()
	settingsBtn := widget.NewButtonWithIcon("", theme.SettingsIcon(), u.showSettings)
	newDraft := widget.NewButtonWithIcon(lang.L("New draft"), theme.ContentAddIcon(), u.pickDraft)
	top := container.NewBorder(nil, nil, nil,
		container.NewHBox(newDraft, u.signBatch, widget.NewLabel(lang.L("Acting as")), u.roleSel, settingsBtn),
		u.list.toolbar())
	center := container.NewHSplit(u.list.content(), u.view.content())
	center.Offset = 0.62
	main := container.NewHSplit(u.folders.content(), center)
	main.Offset = 0.17
	u.root = container.NewBorder(top, u.status.content(), nil, nil, main)
	u.win.SetOnDropped(u.dropped)
	u.addShortcuts()
	return u.root
}

func roleLabels() []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = r.label()
	}
	return out
}

// start loads the first screen and starts the status bar's watchers.
func (u *ui) start() {
	u.folders.selectFolder(u.list.folder)
	u.reload()
	u.status.start()
}

// reload re-reads the counts and the list (after an action, or when the
// store changed underneath).
func (u *ui) reload() {
	u.loadCounts()
	u.list.reload()
	u.view.reload()
}

func (u *ui) loadCounts() {
	u.goTask(func() {
		c, err := u.st.Counts(u.ctx)
		if err != nil {
			u.logErr("count documents", err)
			return
		}
		u.do(func() {
			u.counts = c
			u.folders.refresh()
			u.status.setCounts(c)
		})
	})
}

// logErr logs a background failure that has no one to show it to.
func (u *ui) logErr(what string, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	slog.Warn("background task failed", "task", what, "err", err)
}

func (u *ui) updateBatchButton() {
	if u.signBatch == nil {
		return
	}
	if u.set.Role() == roleLeader && len(u.list.checked) > 0 {
		u.signBatch.Enable()
	} else {
		u.signBatch.Disable()
	}
}
