package pgstore_test

import (
	"bytes"
	"flag"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/axis/hub"
	"github.com/vanthu/vanthu/inbox/axis/hub/pgstore/pgtest"
)

// The shape of the queues BenchmarkReceivedList lists.
var (
	benchRecipients = flag.Int("bench.recipients", 8, "BenchmarkReceivedList: receiving systems")
	benchPending    = flag.Int("bench.pending", 50, "BenchmarkReceivedList: pending deliveries per recipient")
	benchDone       = flag.Int("bench.done", 500, "BenchmarkReceivedList: acknowledged (done) deliveries per recipient")
)

// BenchmarkReceivedList measures getReceivedEdocList with each store:
// the store's Received alone, and the whole call through a hub.Server
// over HTTP on 127.0.0.1 (HMAC, replay memory, JSON) with the project's
// client, from parallel clients (-cpu sets how many). Every recipient
// has -bench.pending deliveries waiting and -bench.done acknowledged.
//
//	go test -run '^$' -bench ReceivedList -benchtime 3s ./inbox/axis/hub/pgstore/
func BenchmarkReceivedList(b *testing.B) {
	kinds := []struct {
		name string
		open func(b *testing.B) hub.Store
	}{
		{"sqlite", func(b *testing.B) hub.Store {
			s, err := hub.OpenSQLite(b.Context(), filepath.Join(b.TempDir(), "axis.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			return s
		}},
		{"postgres", func(b *testing.B) hub.Store { return open(b, pgtest.DSN(b)) }},
	}
	for _, k := range kinds {
		st := k.open(b)
		systems := benchSystems(*benchRecipients)
		start := time.Now()
		fillQueues(b, st, systems, *benchPending, *benchDone)
		b.Logf("%s: %d recipients × (%d pending + %d done) filled in %v", k.name, len(systems), *benchPending, *benchDone,
			time.Since(start).Round(time.Millisecond))

		b.Run(k.name+"/store", func(b *testing.B) {
			var next atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					sys := systems[int(next.Add(1))%len(systems)]
					list, err := st.Received(b.Context(), sys.Addresses(), hub.MessageEdoc, hub.DefaultListLimit)
					if err != nil || len(list) != *benchPending {
						b.Fatalf("%d entries, %v; want %d", len(list), err, *benchPending)
					}
				}
			})
		})

		srv, err := hub.New(b.Context(), hub.Config{Systems: systems, Store: st, TempDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		hs := httptest.NewServer(srv)
		b.Run(k.name+"/http", func(b *testing.B) {
			clients := make([]*axis.Client, len(systems))
			for i, sys := range systems {
				tr, err := axis.NewVXP(hs.URL, axis.Credentials{SystemID: sys.ID, Secret: sys.Secret}, axis.VXPOptions{})
				if err != nil {
					b.Fatal(err)
				}
				clients[i] = axis.NewClient(tr, axis.ClientOptions{Retries: -1})
			}
			var next atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c := clients[int(next.Add(1))%len(clients)]
					list, err := c.ReceivedList(b.Context(), axis.MessageEdoc)
					if err != nil || len(list) != *benchPending {
						b.Fatalf("%d items, %v; want %d", len(list), err, *benchPending)
					}
				}
			})
		})
		hs.Close()
		_ = srv.Close()
	}
}

// benchSystems returns n receiving systems (agencies 000.00.00.H01…) and
// the sender (000.00.00.G22) last.
func benchSystems(n int) []hub.System {
	out := make([]hub.System, 0, n+1)
	for i := range n {
		out = append(out, hub.System{ID: fmt.Sprintf("recv-%02d", i+1), Secret: []byte(fmt.Sprintf("bí-mật-nhận-%02d-0123456789", i+1)),
			Agency: fmt.Sprintf("000.00.00.H%02d", i+1), Name: fmt.Sprintf("Nơi nhận %d", i+1)})
	}
	return out
}

// fillQueues stores packets from G22 to every system: done per system
// acknowledged, then pending waiting. Each packet goes to all systems.
func fillQueues(b *testing.B, st hub.Store, systems []hub.System, pending, done int) {
	b.Helper()
	ctx := b.Context()
	body := edoc("000.00.00.G22", systems[0].Agency, "1")
	at := time.Now().Add(-time.Hour)
	add := func(n int, prefix string) []string {
		var docs []string
		for i := range n {
			id := fmt.Sprintf("%s-%d", prefix, i)
			p := hub.Packet{ID: id, SenderSystem: "vpcp", From: "000.00.00.G22", ServiceType: "eDoc", MessageType: hub.MessageEdoc,
				SHA256: "-", Size: int64(len(body)), DocumentID: "000.00.00.G22,2026/11/26," + id, Subject: "Đo tốc độ", Created: at}
			var to []hub.Delivery
			for _, sys := range systems {
				to = append(to, hub.Delivery{DocID: id + "-" + sys.ID, To: sys.Agency})
			}
			if err := st.AddPacket(ctx, hub.Request{}, p, bytes.NewReader(body), to); err != nil {
				b.Fatal(err)
			}
			for _, d := range to {
				docs = append(docs, d.DocID)
			}
		}
		return docs
	}
	acked := add(done, "done")
	var wg sync.WaitGroup
	const workers = 4
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(acked); i += workers {
				if err := st.SetStatus(ctx, hub.Request{}, acked[i], hub.StatusDone, "", at); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	add(pending, "pending")
}
