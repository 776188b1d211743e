package courier_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/courier"
)

// stallingProgress holds the pass, once the pull has imported at least
// after documents, until until says so (or a timeout).
type stallingProgress struct {
	after   int
	until   func() bool
	mu      sync.Mutex
	stalled bool
	waited  bool // until held within the timeout
}

func (p *stallingProgress) Report(u courier.Update) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stalled || u.Phase != courier.PhaseDocuments || u.Done < p.after {
		return
	}
	p.stalled = true
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if p.until() {
			p.waited = true
			return
		}
	}
}

// TestStatusesSentWhilePulling checks that the status 01 answers of the
// documents a pass stores go out while the pass still pulls: the pass is
// held after 100 of 150 documents were imported until the axis holds an
// answer, which only a send running beside the pull can give. In the end
// every document is answered once, and nothing is left in the outbox.
func TestStatusesSentWhilePulling(t *testing.T) {
	h := newHub(t, nil)
	const n = 150
	for i := range n {
		sendRaw(t, h.URL, sysA, axis.MessageEdoc, []string{orgB.Code}, packet(t, orgA, orgB, fmt.Sprint(700+i), "V/v trả lời trong khi nhận"))
	}
	answers := func() int { return len(h.pending(t, orgA.Code, "status")) }
	prog := &stallingProgress{after: 100, until: func() bool { return answers() > 0 }}
	b := newDesk(t, h.URL, orgB, sysB, deskOptions{engine: func(o *courier.Options) { o.Progress = prog }})
	rep := b.once(t)
	if !prog.stalled || !prog.waited {
		t.Errorf("no status answer reached the axis while the pull was held (held: %v)", prog.stalled)
	}
	if rep.Received != n || rep.Sent != n || rep.Failures() != 0 {
		t.Errorf("pass: %+v, want %d received and %d sent", rep, n, n)
	}
	seen := map[string]bool{}
	for _, e := range h.pending(t, orgA.Code, "status") {
		if seen[e.Packet.DocumentID] {
			t.Errorf("document %s answered twice", e.Packet.DocumentID)
		}
		seen[e.Packet.DocumentID] = true
	}
	if len(seen) != n {
		t.Errorf("%d documents answered, want %d", len(seen), n)
	}
	if left := b.outboxLeft(t); len(left) != 0 {
		t.Errorf("%d outbox rows left, the first %+v", len(left), left[0])
	}
}
