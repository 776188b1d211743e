package desk_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/axis/hub"
	"github.com/vanthu/vanthu/inbox/courier"
	"github.com/vanthu/vanthu/inbox/desk"
)

// startHub serves a reference axis on 127.0.0.1 for systems.
func startHub(t *testing.T, systems ...hub.System) string {
	t.Helper()
	store, err := hub.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "axis.db"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := hub.New(context.Background(), hub.Config{Systems: systems, Store: store, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		_ = srv.Close()
		_ = store.Close()
	})
	return hs.URL
}

// TestSyncRoundTrip: our desk issues a dispatch to a peer over a real
// hub; the peer's desk receives it (ChangeArrived), registers, assigns,
// processes and finishes it; our desk sees each status come back.
func TestSyncRoundTrip(t *testing.T) {
	ctx := context.Background()
	sysA := hub.System{ID: "hanam", Secret: []byte("bí-mật-hà-nam-0123456789"), Agency: self.Code, Name: self.Name}
	sysB := hub.System{ID: "stc-hanam", Secret: []byte("bí-mật-sở-tài-chính-0123"), Agency: peerB.Code, Name: peerB.Name}
	url := startHub(t, sysA, sysB)
	a := openDesk(t, desk.RoleClerk, func(o *desk.Options) {
		o.Axis = &desk.AxisConfig{URL: url, SystemID: sysA.ID, Secret: sysA.Secret}
	})
	b := openDesk(t, desk.RoleClerk, func(o *desk.Options) {
		o.Identity.Agency = peerB
		o.Axis = &desk.AxisConfig{URL: url, SystemID: sysB.ID, Secret: sysB.Secret}
	})
	recA, recB := record(a), record(b)

	id := newSubmitted(t, a, 21, peerB)
	if res := a.ApproveAndSign(ctx, []int64{id}, p12Key(t, "leader"), desk.SignOptions{}, nil); res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	st, err := a.Issue(ctx, id, "", p12Key(t, "agency"))
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := a.SyncOnce(ctx); err != nil || rep.Sent != 1 {
		t.Fatalf("A's pass: %+v, %v; want 1 sent", rep, err)
	}
	if s := a.Status(ctx); !s.Configured || !s.Online || s.Outbox != 0 || s.LastSync.IsZero() {
		t.Errorf("A's status after sending: %+v", s)
	}
	recA.waitFor(t, "A's pass ended", func(c desk.Change) bool {
		return c.Kind == desk.ChangeSync && c.Progress.Phase == courier.PhaseIdle
	})

	if rep, err := b.SyncOnce(ctx); err != nil || rep.Received != 1 {
		t.Fatalf("B's pass: %+v, %v; want 1 received", rep, err)
	}
	arrived := recB.waitFor(t, "B's arrival", func(c desk.Change) bool { return c.Kind == desk.ChangeArrived })
	if len(arrived.Documents) != 1 {
		t.Fatalf("arrived %v, want one document", arrived.Documents)
	}
	in := arrived.Documents[0]
	doc, err := b.Store().Get(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if doc.DocumentID != st.DocumentID || doc.State != inbox.StateArrived || doc.Attachments[0].Verdict != "VALID" {
		t.Fatalf("B's copy: %q %s verdict %q", doc.DocumentID, doc.State, doc.Attachments[0].Verdict)
	}
	n, err := b.Register(ctx, in, "")
	if err != nil || n != 1 {
		t.Fatalf("register: %d, %v", n, err)
	}
	if err := b.Assign(ctx, in, inbox.Assignment{Assignee: "Trần Thị Bình", Deadline: time.Now().AddDate(0, 0, 1)}); err != nil {
		t.Fatal(err)
	}
	recB.waitFor(t, "the deadline reminder", func(c desk.Change) bool { return c.Kind == desk.ChangeDeadline })
	if err := b.StartProcessing(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := b.Done(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if rep, err := a.SyncOnce(ctx); err != nil || rep.Statuses != 5 {
		t.Fatalf("A's second pass: %+v, %v; want 5 statuses (01, 03, 04, 05, 06)", rep, err)
	}
	doc, err = a.Store().Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if r := doc.Recipients[0]; r.Latest == nil || r.Latest.Code != inbox.StatusDone || len(r.Statuses) != 5 {
		t.Errorf("A's view of B: %+v", r)
	}
	recA.waitFor(t, "documents changed by the statuses", func(c desk.Change) bool {
		return c.Kind == desk.ChangeDocuments && len(c.Documents) == 0
	})

	if err := a.RefreshAgencies(ctx); err != nil {
		t.Fatal(err)
	}
	if got := a.Agencies("tai chinh", 0); len(got) != 1 || got[0].Code != peerB.Code {
		t.Errorf("directory search: %+v", got)
	}
}

// TestRunStops: Run syncs in the background and returns when its context
// ends; an offline desk reports that no axis is configured.
func TestRunStops(t *testing.T) {
	d := openDesk(t, desk.RoleClerk, nil)
	if s := d.Status(context.Background()); s.Configured {
		t.Errorf("offline desk status %+v", s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
}
