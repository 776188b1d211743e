package demoworld_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/demoworld"
	"github.com/vanthu/vanthu/inbox/desk"
)

// states counts a desk's documents by state.
func states(t *testing.T, d *desk.Desk) map[inbox.State]int {
	t.Helper()
	out := map[inbox.State]int{}
	var cur inbox.Cursor
	for {
		page, next, err := d.Store().List(context.Background(), inbox.Filter{IncludeHidden: true}, inbox.Page{Limit: 200, Cursor: cur})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page {
			out[s.State]++
		}
		if next == "" {
			return out
		}
		cur = next
	}
}

// TestWorld starts a world, checks what it seeded, walks one round trip
// as the user (approve and sign on the demo key, issue, send; the peer's
// statuses come back), restarts it from the same directory, and closes it
// leaving no goroutine behind.
func TestWorld(t *testing.T) {
	ctx := context.Background()
	before := runtime.NumGoroutine()
	dir := t.TempDir()
	start := time.Now()
	w, err := demoworld.Start(ctx, demoworld.Options{Dir: dir, Docs: 16, PeerEvery: 200 * time.Millisecond, DispatchEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("world of 16 documents built in %s; leader's key: %s (%s)", time.Since(start).Round(time.Millisecond), w.Leader.Where, w.TokenNote)
	if !w.Created || len(w.Peers) != 2 || !strings.HasPrefix(w.AxisURL, "http://127.0.0.1:") {
		t.Fatalf("world: created %v, peers %v, axis %s", w.Created, w.Peers, w.AxisURL)
	}
	if w.LeaderOnToken != (w.Leader.Source.Kind == desk.KeyPKCS11) || (w.TokenNote == "") != w.LeaderOnToken {
		t.Errorf("leader key %+v, on token %v, note %q", w.Leader.Source, w.LeaderOnToken, w.TokenNote)
	}

	d, err := desk.Open(ctx, w.Desk)
	if err != nil {
		t.Fatal(err)
	}
	got := states(t, d)
	for _, st := range []inbox.State{inbox.StateArrived, inbox.StateRegistered, inbox.StateAssigned, inbox.StateProcessing,
		inbox.StateDone, inbox.StateRefused, inbox.StateRecallRequested,
		inbox.StateDraft, inbox.StateSubmitted, inbox.StateReturned, inbox.StateApproved, inbox.StateIssued} {
		if got[st] == 0 {
			t.Errorf("no seeded document is %s (%v)", st, got)
		}
	}
	total := 0
	for _, n := range got {
		total += n
	}
	if total != 16 {
		t.Errorf("%d documents seeded, want 16: %v", total, got)
	}
	// The issued documents carry the peers' statuses.
	sent, _, err := d.Store().List(ctx, inbox.Filter{Folder: inbox.FolderSent}, inbox.Page{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	statuses := 0
	for _, s := range sent {
		doc, err := d.Store().Get(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range doc.Recipients {
			statuses += len(r.Statuses)
		}
	}
	if statuses == 0 {
		t.Error("no recipient status came back for the seeded issued documents")
	}

	// The user approves and signs a submitted document with the demo key,
	// issues it and sends it; the peer handles it and its statuses come back.
	subs, _, err := d.Store().List(ctx, inbox.Filter{States: []inbox.State{inbox.StateSubmitted}}, inbox.Page{Limit: 1})
	if err != nil || len(subs) == 0 {
		t.Fatalf("no submitted document: %v", err)
	}
	id := subs[0].ID
	leader, err := desk.OpenKey(ctx, w.Leader.Source, []byte(w.Leader.Secret))
	if err != nil {
		t.Fatal(err)
	}
	res := d.ApproveAndSign(ctx, []int64{id}, leader, desk.SignOptions{}, nil)
	leader.Close()
	if res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	agency, err := desk.OpenKey(ctx, w.Agency.Source, []byte(w.Agency.Secret))
	if err != nil {
		t.Fatal(err)
	}
	st, err := d.Issue(ctx, id, "", agency)
	agency.Close()
	if err != nil {
		t.Fatal(err)
	}
	var doc *inbox.Document
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := d.SyncOnce(ctx); err != nil {
			t.Fatal(err)
		}
		doc, err = d.Store().Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		finished := 0
		for _, r := range doc.Recipients {
			if r.Latest != nil && r.Latest.Code == inbox.StatusDone {
				finished++
			}
		}
		if finished == len(doc.Recipients) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the peers did not finish %s: %+v", st.DocumentID, doc.Recipients)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, r := range doc.Recipients {
		var codes []string
		for _, s := range r.Statuses {
			codes = append(codes, string(s.Code))
		}
		if strings.Join(codes, ",") != "01,03,04,05,06" {
			t.Errorf("%s's statuses %v, want 01,03,04,05,06", r.Code, codes)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	// Restarting reuses the world: same documents, nothing seeded again.
	w2, err := demoworld.Start(ctx, demoworld.Options{Dir: dir, Docs: 16, DispatchEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	if w2.Created {
		t.Error("the restarted world says it was created")
	}
	d2, err := desk.Open(ctx, w2.Desk)
	if err != nil {
		t.Fatal(err)
	}
	if got2 := states(t, d2); got2[inbox.StateIssued] != got[inbox.StateIssued]+1 || got2[inbox.StateSubmitted] != got[inbox.StateSubmitted]-1 {
		t.Errorf("after restart: %v, before the round trip: %v", got2, got)
	}
	if _, err := d2.SyncOnce(ctx); err != nil {
		t.Errorf("sync with the restarted axis: %v", err)
	}
	d2.Close()
	w2.Close()

	// No goroutine of the world is left (idle HTTP connections close
	// with the server; give them a moment).
	limit := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(limit) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}
