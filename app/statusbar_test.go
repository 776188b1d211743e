package app

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/vanthu/vanthu/inbox/courier"
	"github.com/vanthu/vanthu/inbox/desk"
)

// Desk events become notifications (new documents, deadlines) and the
// status bar follows the sync state and its progress.
func TestDeskEventsInStatusBar(t *testing.T) {
	h := newHarness(t)
	h.start()
	s := h.u.status
	test.AssertNotificationSent(t, fyne.NewNotification("Văn bản mới", "Có 3 văn bản đến mới."), func() {
		s.onChange(desk.Change{Kind: desk.ChangeArrived, Documents: []int64{1, 2, 3}})
	})
	test.AssertNotificationSent(t, fyne.NewNotification("Hạn xử lý", "2 văn bản sắp đến hạn hoặc quá hạn."), func() {
		s.onChange(desk.Change{Kind: desk.ChangeDeadline, Documents: []int64{4, 5}})
	})
	s.onChange(desk.Change{Kind: desk.ChangeSync,
		Status:   courier.Status{Configured: true, Online: true, Syncing: true, Outbox: 4},
		Progress: courier.Update{Phase: courier.PhaseSend, Done: 1, Total: 4}})
	if s.bar.Hidden || s.bar.Value != 0.25 || s.online.Text != "Đang đồng bộ…" || s.outbox.Text != "Hộp thư đi: 4 chờ gửi" {
		t.Errorf("while syncing: bar hidden %v value %v, %q, %q", s.bar.Hidden, s.bar.Value, s.online.Text, s.outbox.Text)
	}
	s.onChange(desk.Change{Kind: desk.ChangeSync,
		Status:   courier.Status{Configured: true, Online: false, LastError: "the axis cannot be reached"},
		Progress: courier.Update{Phase: courier.PhaseIdle}})
	if !s.bar.Hidden || s.online.Text != "Mất kết nối — văn bản chờ gửi trong hộp thư đi" {
		t.Errorf("offline: bar hidden %v, %q", s.bar.Hidden, s.online.Text)
	}
}
