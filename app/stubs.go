package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/vanthu/vanthu/inbox"
)

type statusBar struct {
	u   *ui
	box *fyne.Container
}

func newStatusBar(u *ui) *statusBar {
	return &statusBar{u: u, box: container.NewHBox(widget.NewLabel(""))}
}
func (s *statusBar) content() fyne.CanvasObject { return s.box }
func (s *statusBar) start()                     {}
func (s *statusBar) setCounts(inbox.Counts)     {}
func (u *ui) batchSign()                        {}
func (u *ui) showSettings()                     {}
func (u *ui) pickDraft()                        {}
func (u *ui) dropped(fyne.Position, []fyne.URI) {}
func (u *ui) addShortcuts()                     {}
func (u *ui) showWizard()                       {}
func (u *ui) openAttachment(inbox.Attachment)   {}
func (v *docView) refreshActions()              {}
func (v *docView) addComment()                  {}
func (u *ui) actor() inbox.Actor                { return u.set.Actor() }
func applyTheme(fyne.App, string)               {}
func startDemo(ctx context.Context, dir string, set *settings) (*environment, error) {
	return openDesk(ctx, dir, set)
}
