package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/courier"
	"github.com/vanthu/vanthu/inbox/desk"
)

// statusBar shows the connection to the axis, the last sync, the outbox
// backlog and a progress bar while syncing; it raises notifications for
// new documents and approaching deadlines.
type statusBar struct {
	u        *ui
	online   *widget.Label
	last     *widget.Label
	outbox   *widget.Label
	overdue  *widget.Label
	bar      *widget.ProgressBar
	syncBtn  *widget.Button
	box      *fyne.Container
	status   courier.Status
	cancel   func()
	notified []string // notifications sent (tests)
}

func newStatusBar(u *ui) *statusBar {
	s := &statusBar{u: u, online: widget.NewLabel(""), last: widget.NewLabel(""), outbox: widget.NewLabel(""),
		overdue: widget.NewLabel(""), bar: widget.NewProgressBar()}
	s.bar.Hide()
	s.syncBtn = widget.NewButtonWithIcon(lang.L("Sync now"), theme.ViewRefreshIcon(), func() { u.desk.SyncNow() })
	s.box = container.NewHBox(s.online, widget.NewSeparator(), s.last, widget.NewSeparator(), s.outbox,
		widget.NewSeparator(), s.overdue, container.NewGridWrap(fyne.NewSize(160, 20), s.bar), s.syncBtn)
	return s
}

func (s *statusBar) content() fyne.CanvasObject { return s.box }

// start reads the sync status and follows the desk's events.
func (s *statusBar) start() {
	u := s.u
	s.cancel = u.desk.Subscribe(func(c desk.Change) { u.do(func() { s.onChange(c) }) })
	u.goTask(func() {
		st := u.desk.Status(u.ctx)
		u.do(func() { s.setStatus(st) })
	})
	go func() {
		<-u.ctx.Done()
		s.cancel()
	}()
}

func (s *statusBar) onChange(c desk.Change) {
	u := s.u
	switch c.Kind {
	case desk.ChangeDocuments:
		u.reload()
	case desk.ChangeSync:
		s.setStatus(c.Status)
		if c.Progress.Phase != courier.PhaseIdle && c.Progress.Total > 0 {
			s.bar.Show()
			s.bar.SetValue(float64(c.Progress.Done) / float64(c.Progress.Total))
		} else {
			s.bar.Hide()
		}
	case desk.ChangeArrived:
		s.notify(lang.L("New documents"), lang.L("{{.N}} new incoming documents arrived.", map[string]any{"N": len(c.Documents)}))
	case desk.ChangeDeadline:
		s.notify(lang.L("Deadlines"), lang.L("{{.N}} documents are due soon or overdue.", map[string]any{"N": len(c.Documents)}))
	}
}

func (s *statusBar) notify(title, text string) {
	s.notified = append(s.notified, text)
	s.u.app.SendNotification(fyne.NewNotification(title, text))
}

func (s *statusBar) setStatus(st courier.Status) {
	s.status = st
	switch {
	case !st.Configured:
		s.online.SetText(lang.L("No axis configured (working offline)"))
		s.online.Importance = widget.WarningImportance
		s.syncBtn.Disable()
	case st.Syncing:
		s.online.SetText(lang.L("Syncing…"))
		s.online.Importance = widget.MediumImportance
	case st.Online:
		s.online.SetText(lang.L("Online"))
		s.online.Importance = widget.SuccessImportance
		s.syncBtn.Enable()
	default:
		s.online.SetText(lang.L("Offline — documents wait in the outbox"))
		s.online.Importance = widget.DangerImportance
		s.syncBtn.Enable()
	}
	s.online.Refresh()
	if st.LastSync.IsZero() {
		s.last.SetText(lang.L("Never synced"))
	} else {
		s.last.SetText(lang.L("Last sync: {{.At}}", map[string]any{"At": formatDateTime(st.LastSync)}))
	}
	if st.LastError != "" {
		s.last.SetText(s.last.Text + " — " + st.LastError)
	}
	s.setOutbox(st.Outbox, st.OutboxFailed)
}

func (s *statusBar) setOutbox(waiting, failed int) {
	text := lang.L("Outbox: {{.N}} waiting", map[string]any{"N": waiting})
	if failed > 0 {
		text += ", " + lang.L("{{.N}} refused (see the documents)", map[string]any{"N": failed})
	}
	s.outbox.SetText(text)
}

// setCounts shows the store's counts (overdue documents, the outbox).
func (s *statusBar) setCounts(c inbox.Counts) {
	s.setOutbox(c.OutboxPending, c.OutboxFailed)
	if c.Overdue > 0 {
		s.overdue.SetText(lang.L("{{.N}} overdue", map[string]any{"N": c.Overdue}))
		s.overdue.Importance = widget.DangerImportance
	} else {
		s.overdue.SetText("")
	}
	s.overdue.Refresh()
}
