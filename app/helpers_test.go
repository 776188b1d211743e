package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/desk"
)

var (
	testAgency = inbox.Organization{Code: "000.00.00.H41", Name: "Ủy ban nhân dân tỉnh Hà Nam"}
	senders    = []inbox.Organization{
		{Code: "000.00.00.G22", Name: "Văn phòng Chính phủ"},
		{Code: "000.00.00.G12", Name: "Bộ Tài chính"},
		{Code: "000.00.32.H29", Name: "Sở Nội vụ tỉnh Hà Nội"},
	}
)

// harness is the main window on a real store in a temporary directory,
// with the test driver.
type harness struct {
	t    *testing.T
	ctx  context.Context
	app  fyne.App
	u    *ui
	st   *inbox.Store
	set  *settings
	desk *desk.Desk
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	if err := useLanguage("vi"); err != nil {
		t.Fatal(err)
	}
	set := newSettings(a.Preferences(), false)
	set.SetAgency(testAgency)
	set.SetActor(inbox.Actor{ID: "vanthu", Name: "Nguyễn Thị Lan"})
	set.SetConfigured(true)
	ctx, cancel := context.WithCancel(context.Background())
	env, err := openDesk(ctx, t.TempDir(), set, nil)
	if err != nil {
		t.Fatal(err)
	}
	return harnessOn(t, ctx, cancel, a, set, env)
}

func harnessOn(t *testing.T, ctx context.Context, cancel context.CancelFunc, a fyne.App, set *settings, env *environment) *harness {
	t.Helper()
	t.Cleanup(env.close)
	h := &harness{t: t, ctx: ctx, app: a, st: env.desk.Store(), set: set, desk: env.desk}
	w := a.NewWindow("Vanthu")
	h.u = newUI(ctx, a, w, env, set)
	h.u.queue = &uiQueue{}
	h.u.list.debounce = 0
	w.SetContent(h.u.content())
	w.Resize(fyne.NewSize(1400, 800))
	t.Cleanup(func() {
		cancel()
		h.u.wait()
	})
	return h
}

// start shows the first screen and waits until it is loaded.
func (h *harness) start() {
	h.u.start()
	h.u.wait()
}

// settle waits for the background work the last interaction started.
func (h *harness) settle() { h.u.wait() }

// seedIncoming stores n arrived documents: every third urgent, every
// fifth overdue, subjects numbered.
func (h *harness) seedIncoming(n int) []int64 {
	h.t.Helper()
	docs := make([]inbox.NewIncoming, n)
	base := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range n {
		d := &inbox.Document{
			DocumentID:       fmt.Sprintf("G22,2025/03/01,%d/VPCP-KTTH", i+1),
			Sender:           senders[i%len(senders)],
			Recipients:       []inbox.Recipient{{Organization: testAgency}},
			CodeNumber:       fmt.Sprint(100 + i),
			CodeNotation:     "VPCP-KTTH",
			TypeName:         "Công văn",
			Subject:          fmt.Sprintf("V/v báo cáo tình hình thực hiện nhiệm vụ số %d", i+1),
			PromulgationDate: base.AddDate(0, 0, i%28),
		}
		if i%3 == 0 {
			d.Priority = inbox.PriorityUrgent
		}
		if i%5 == 0 {
			d.DueDate = base
		}
		docs[i] = inbox.NewIncoming{Doc: d}
	}
	ids, errs, err := h.st.InsertIncomingMany(h.ctx, docs)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, e := range errs {
		if e != nil {
			h.t.Fatal(e)
		}
	}
	return ids
}

// insertOne stores one arrived document with the given subject and sender.
func (h *harness) insertOne(subject string, from inbox.Organization, prio inbox.Priority) int64 {
	h.t.Helper()
	id, err := h.st.InsertIncoming(h.ctx, &inbox.Document{
		DocumentID: fmt.Sprintf("%s,%d", from.Code, time.Now().UnixNano()),
		Sender:     from, Recipients: []inbox.Recipient{{Organization: testAgency}},
		CodeNumber: "12", CodeNotation: "UBND-VP", TypeName: "Công văn", Subject: subject, Priority: prio,
	}, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return id
}

func (h *harness) get(id int64) *inbox.Document {
	h.t.Helper()
	d, err := h.st.Get(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return d
}

func uriOf(path string) fyne.URI { return storage.NewFileURI(path) }

// env is the harness's environment.
func (h *harness) env() *environment { return h.u.env }
