package hub_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/axis/hub"
)

// TestConcurrent: three systems send to each other and drain their queues
// at the same time; every packet arrives once and every queue empties.
func TestConcurrent(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	systems := []hub.System{sysA, sysB, sysC}
	const perSender = 8
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i, from := range systems {
		to := systems[(i+1)%len(systems)]
		c := e.client(from)
		wg.Go(func() {
			for n := range perSender {
				doc := edoc(from.Agency, []string{to.Agency}, fmt.Sprint(n), "Song song")
				if _, err := c.Send(ctx, axis.MessageEdoc, from.Agency, nil, bytes.NewReader(doc), -1); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	received := make([]map[string]bool, len(systems))
	for i, sys := range systems {
		received[i] = map[string]bool{}
		c := e.client(sys)
		wg.Go(func() {
			for round := 0; len(received[i]) < perSender && round < 500; round++ {
				list, err := c.ReceivedList(ctx, axis.MessageEdoc)
				if err != nil {
					errs <- err
					return
				}
				for _, it := range list {
					if _, err := c.Get(ctx, it.DocID); err != nil {
						errs <- err
						return
					}
					if err := c.UpdateStatus(ctx, it.DocID, axis.StatusDone, ""); err != nil {
						errs <- err
						return
					}
					received[i][it.DocID] = true
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i, r := range received {
		if len(r) != perSender {
			t.Errorf("%s received %d packets, want %d", systems[i].ID, len(r), perSender)
		}
	}
	if c := e.counts(); c.Packets != 3*perSender || c.Deliveries != 3*perSender {
		t.Errorf("counts %+v", c)
	}
	depth, err := e.store.QueueDepth(ctx)
	mustOK(t, "depth", err)
	if depth[hub.MessageEdoc] != 0 {
		t.Errorf("queue depth after draining: %v", depth)
	}
}
