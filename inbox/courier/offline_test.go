package courier_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/courier"
	"github.com/vanthu/vanthu/signing/sample"
)

// progressLog records progress updates.
type progressLog struct {
	mu      sync.Mutex
	updates []courier.Update
}

func (p *progressLog) Report(u courier.Update) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.updates = append(p.updates, u)
}

func (p *progressLog) phases() map[courier.Phase]courier.Update {
	p.mu.Lock()
	defer p.mu.Unlock()
	last := map[courier.Phase]courier.Update{}
	for _, u := range p.updates {
		last[u.Phase] = u
	}
	return last
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s", what, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestOfflineThenOnline: with the axis unreachable the desks work on
// their stores, report offline and keep their queue, without spending
// attempts; when the axis starts the queue drains, the document goes
// through and its status comes back.
func TestOfflineThenOnline(t *testing.T) {
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	url := "http://" + addr

	progA := &progressLog{}
	a := newDesk(t, url, orgA, sysA, deskOptions{engine: func(o *courier.Options) {
		o.Interval = time.Hour // only the offline retries and Kick make passes
		o.Progress = progA
	}})
	b := newDesk(t, url, orgB, sysB, deskOptions{engine: func(o *courier.Options) { o.Interval = 100 * time.Millisecond }})

	// Work goes on offline: a document is drafted, approved and issued.
	docA, st := a.issue(t, "V/v làm việc khi mất kết nối", a.putPDF(t, "ky.pdf", sample.SimplePDF(1)), nil, orgB)
	rep, err := a.eng.Once(ctx)
	if !errors.Is(err, courier.ErrOffline) || !rep.Offline || rep.Outbox != 1 || rep.Sent != 0 {
		t.Fatalf("a pass with the axis down: %+v, %v; want offline with 1 packet waiting", rep, err)
	}
	status := a.eng.Status(ctx)
	if status.Online || status.Outbox != 1 || !status.LastSync.IsZero() || !strings.Contains(status.LastError, "cannot be reached") {
		t.Errorf("status offline: %+v", status)
	}
	rows, _ := a.store.Outbox(ctx, docA)
	if len(rows) != 1 || rows[0].Attempts != 0 || rows[0].State != inbox.OutboxPending {
		t.Errorf("the queue after offline passes: %+v, want the row pending with no attempt spent", rows)
	}

	runCtx, stop := context.WithCancel(ctx)
	var running sync.WaitGroup
	for _, d := range []*desk{a, b} {
		running.Go(func() {
			if err := d.eng.Run(runCtx); !errors.Is(err, context.Canceled) {
				t.Errorf("%s: Run returned %v", d.org.Code, err)
			}
		})
	}
	defer func() {
		stop()
		running.Wait()
	}()
	time.Sleep(300 * time.Millisecond) // several offline passes
	if st := a.eng.Status(ctx); st.Online || st.Outbox != 1 {
		t.Errorf("status while offline: %+v", st)
	}
	rows, _ = a.store.Outbox(ctx, docA)
	if rows[0].Attempts != 0 {
		t.Errorf("offline passes spent %d attempts", rows[0].Attempts)
	}

	// The axis comes up on its address.
	var ln2 net.Listener
	waitFor(t, "the axis's port", 5*time.Second, func() bool {
		ln2, err = net.Listen("tcp", addr)
		return err == nil
	})
	h := newHubOn(t, ln2, nil)
	defer func() {
		if t.Failed() {
			t.Logf("A:\n%s\nB:\n%s", a.logs, b.logs)
		}
	}()
	waitFor(t, "the queue to drain", 20*time.Second, func() bool { return a.eng.Status(ctx).Outbox == 0 })
	waitFor(t, "B to answer 01", 20*time.Second, func() bool { return len(h.pending(t, orgA.Code, "status")) == 1 })
	a.eng.Kick() // A's interval is an hour
	waitFor(t, "the status to come back", 20*time.Second, func() bool {
		doc, err := a.store.Get(ctx, docA)
		return err == nil && len(doc.Recipients[0].Statuses) == 1
	})
	status = a.eng.Status(ctx)
	if !status.Online || status.LastSync.IsZero() || status.LastError != "" {
		t.Errorf("status online: %+v", status)
	}
	if in := b.incoming(t); len(in) != 1 || in[st.DocumentID].ID == 0 {
		t.Errorf("B holds %v", in)
	}
	ph := progA.phases()
	if u := ph[courier.PhaseSend]; u.Total < 1 || u.Done != u.Total {
		t.Errorf("send progress: %+v", u)
	}
	if u := ph[courier.PhaseStatuses]; u.Total != 1 || u.Done != 1 || u.Bytes == 0 {
		t.Errorf("status progress: %+v", u)
	}
	if _, ok := ph[courier.PhaseIdle]; !ok {
		t.Error("no idle update at the end of a pass")
	}

	// Kick: a document issued now goes out at once, not in an hour.
	_, st2 := a.issue(t, "V/v gửi ngay", a.putPDF(t, "ky2.pdf", sample.SimplePDF(1)), nil, orgB)
	a.eng.Kick()
	waitFor(t, "the kicked send", 10*time.Second, func() bool { return len(h.pending(t, orgB.Code, "edoc")) == 1 || len(b.incoming(t)) == 2 })
	waitFor(t, "B to receive it", 10*time.Second, func() bool { _, ok := b.incoming(t)[st2.DocumentID]; return ok })

	// The axis goes away again: offline once more, the queue waits.
	h.hs.Close()
	docC, _ := a.issue(t, "V/v trong lúc mất kết nối lần hai", a.putPDF(t, "ky3.pdf", sample.SimplePDF(1)), nil, orgB)
	a.eng.Kick()
	waitFor(t, "offline again", 10*time.Second, func() bool { return !a.eng.Status(ctx).Online })
	if rows, _ := a.store.Outbox(ctx, docC); len(rows) != 1 || rows[0].State != inbox.OutboxPending || rows[0].Attempts != 0 {
		t.Errorf("queued while offline: %+v", rows)
	}
}

// TestNoAxis: a desk without an axis syncs nothing and says so.
func TestNoAxis(t *testing.T) {
	d := newDesk(t, "", orgA, sysA, deskOptions{offline: true})
	rep, err := d.eng.Once(context.Background())
	if !errors.Is(err, courier.ErrNoAxis) || rep.Offline {
		t.Errorf("Once without an axis: %+v, %v", rep, err)
	}
	if st := d.eng.Status(context.Background()); st.Configured || st.Online {
		t.Errorf("status without an axis: %+v", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := d.eng.Run(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run without an axis: %v", err)
	}
}
