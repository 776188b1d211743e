package pgstore_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/axis/hub"
	"github.com/vanthu/vanthu/inbox/axis/hub/pgstore/pgtest"
)

// Systems of the tests.
var (
	sysA = hub.System{ID: "vpcp", Secret: []byte("bí-mật-của-vpcp-0123456789"), Agency: "000.00.00.G22", Name: "Văn phòng Chính phủ"}
	sysB = hub.System{ID: "vpubnd-nghean", Secret: []byte("bí-mật-của-nghệ-an-0123456789"), Agency: "000.00.00.H41",
		Name: "Văn phòng UBND tỉnh Nghệ An", Mailboxes: []string{"lanhdao", "vanthu"}}
	sysC = hub.System{ID: "vpubnd-hanam", Secret: []byte("bí-mật-của-hà-nam-0123456789"), Agency: "000.00.00.H23", Name: "Văn phòng UBND tỉnh Hà Nam"}
)

// instance is one hub.Server with a store of its own on a shared
// database, served over real HTTP on 127.0.0.1.
type instance struct {
	store hub.Store
	srv   *hub.Server
	hs    *httptest.Server
}

// newInstance starts an instance on dsn, stopped in t.Cleanup.
func newInstance(t *testing.T, dsn string) *instance {
	t.Helper()
	st := open(t, dsn)
	srv, err := hub.New(t.Context(), hub.Config{
		Systems: []hub.System{sysA, sysB, sysC},
		Store:   st,
		TempDir: t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		_ = srv.Close()
	})
	return &instance{store: st, srv: srv, hs: hs}
}

// client is the project's axis client for sys, calling url.
func client(t *testing.T, url string, sys hub.System) *axis.Client {
	t.Helper()
	tr, err := axis.NewVXP(url, axis.Credentials{SystemID: sys.ID, Secret: sys.Secret}, axis.VXPOptions{Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return axis.NewClient(tr, axis.ClientOptions{Retries: -1})
}

// edoc returns an edXML document from one agency to another.
func edoc(from, to, number string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<edXML:edXML xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXML:edXMLEnvelope><edXML:edXMLHeader>
<edXML:MessageHeader><edXML:From><edXML:OrganId>` + from + `</edXML:OrganId></edXML:From>
<edXML:To><edXML:OrganId>` + to + `</edXML:OrganId></edXML:To>
<edXML:DocumentId>` + from + `,2026/11/26,` + number + `/VPCP</edXML:DocumentId><edXML:Subject>Hai máy chủ trục</edXML:Subject>
</edXML:MessageHeader></edXML:edXMLHeader></edXML:edXMLEnvelope></edXML:edXML>`)
}

// signedCount returns a countReceiveEdoc request to url signed by sys
// with the request id id.
func signedCount(t *testing.T, url string, sys hub.System, at time.Time, id string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url+"/"+axis.CallCountEdoc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := axis.Sign(req, axis.Credentials{SystemID: sys.ID, Secret: sys.Secret}, axis.ContentTypeJSON, nil, at, id); err != nil {
		t.Fatal(err)
	}
	return req
}

// do sends req and returns the HTTP status and the envelope's code.
func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var env axis.Envelope
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatalf("not the JSON envelope: %q", b)
	}
	return resp.StatusCode, env.ErrorCode
}

// TestTwoServers: two hub.Servers on one database, as behind a load
// balancer. A packet sent through one is listed, fetched and acknowledged
// through the other; a request id used at one is refused at the other.
func TestTwoServers(t *testing.T) {
	dsn := pgtest.DSN(t)
	one, two := newInstance(t, dsn), newInstance(t, dsn)
	ctx := t.Context()

	doc := edoc(sysA.Agency, sysB.Agency, "1")
	sent, err := client(t, one.hs.URL, sysA).Send(ctx, axis.MessageEdoc, sysA.Agency, nil, bytes.NewReader(doc), -1)
	if err != nil {
		t.Fatalf("send through one: %v", err)
	}
	b2 := client(t, two.hs.URL, sysB)
	list, err := b2.ReceivedList(ctx, axis.MessageEdoc)
	if err != nil || len(list) != 1 {
		t.Fatalf("B's list through two: %v %v, want one item", list, err)
	}
	got, err := b2.Get(ctx, list[0].DocID)
	if err != nil || !bytes.Equal(got, doc) {
		t.Fatalf("B's packet through two: %v (same bytes: %v)", err, bytes.Equal(got, doc))
	}
	b1 := client(t, one.hs.URL, sysB)
	if n, err := b1.CountReceived(ctx, axis.MessageEdoc); err != nil || n != 1 {
		t.Errorf("B's count through one before the ack: %d %v, want 1", n, err)
	}
	if err := b2.UpdateStatus(ctx, list[0].DocID, axis.StatusDone, ""); err != nil {
		t.Fatalf("ack through two: %v", err)
	}
	if n, err := b1.CountReceived(ctx, axis.MessageEdoc); err != nil || n != 0 {
		t.Errorf("B's count through one after the ack through two: %d %v, want 0", n, err)
	}
	// done is final whichever instance is asked.
	if err := b1.UpdateStatus(ctx, list[0].DocID, axis.StatusProcessing, ""); err == nil {
		t.Error("processing after done, through one: got nil error")
	}
	rows, err := client(t, one.hs.URL, sysA).SentList(ctx, axis.MessageEdoc, sent)
	if err != nil || len(rows) != 1 || rows[0].ReceiveStatus != "done" {
		t.Errorf("A's sent list through one: %+v %v, want one row received done", rows, err)
	}

	// The replay memory is the database's: a request id accepted by one
	// instance is refused by the other, in either order.
	for i, pair := range [][2]*instance{{one, two}, {two, one}} {
		id, at := axis.NewRequestID(), time.Now()
		if st, code := do(t, signedCount(t, pair[0].hs.URL, sysC, at, id)); st != http.StatusOK {
			t.Fatalf("pair %d: first use: HTTP %d %s", i, st, code)
		}
		if st, code := do(t, signedCount(t, pair[1].hs.URL, sysC, at, id)); st != http.StatusUnauthorized || code != axis.CodeAuthReplay {
			t.Errorf("pair %d: the same request at the other instance: HTTP %d %s, want 401 %s", i, st, code, axis.CodeAuthReplay)
		}
	}
}

// roundRobin is a load balancer: each request goes to the next instance.
type roundRobin struct {
	next      atomic.Uint64
	instances []*instance
}

func (rr *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := rr.next.Add(1)
	rr.instances[int(n%uint64(len(rr.instances)))].srv.ServeHTTP(w, r)
}

// TestInterleaved: three systems send to each other and drain their
// queues at the same time through a round-robin balancer over two
// instances, so that consecutive calls of one client (send, list, get,
// ack) land on different instances. Every packet arrives once, every
// queue empties, and acknowledgements sent to both instances at once
// agree.
func TestInterleaved(t *testing.T) {
	dsn := pgtest.DSN(t)
	one, two := newInstance(t, dsn), newInstance(t, dsn)
	lb := httptest.NewServer(&roundRobin{instances: []*instance{one, two}})
	t.Cleanup(lb.Close)
	ctx := t.Context()

	systems := []hub.System{sysA, sysB, sysC}
	const perSender = 8
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i, from := range systems {
		to := systems[(i+1)%len(systems)]
		c := client(t, lb.URL, from)
		wg.Go(func() {
			for n := range perSender {
				doc := edoc(from.Agency, to.Agency, fmt.Sprint(n))
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
		c := client(t, lb.URL, sys)
		wg.Go(func() {
			for round := 0; len(received[i]) < perSender && round < 500; round++ {
				list, err := c.ReceivedList(ctx, axis.MessageEdoc)
				if err != nil {
					errs <- err
					return
				}
				for _, it := range list {
					if received[i][it.DocID] {
						errs <- fmt.Errorf("%s: %s listed again after its ack", sys.ID, it.DocID)
						return
					}
					if _, err := c.Get(ctx, it.DocID); err != nil {
						errs <- err
						return
					}
					// The same ack through both instances at once: both succeed
					// (done again is a no-op), whichever commits first.
					var ackWG sync.WaitGroup
					for _, url := range []string{one.hs.URL, two.hs.URL} {
						ac := client(t, url, sys)
						ackWG.Go(func() {
							if err := ac.UpdateStatus(ctx, it.DocID, axis.StatusDone, ""); err != nil {
								errs <- err
							}
						})
					}
					ackWG.Wait()
					received[i][it.DocID] = true
				}
				if len(list) == 0 {
					time.Sleep(5 * time.Millisecond)
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
	c, err := one.store.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Packets != 3*perSender || c.Deliveries != 3*perSender {
		t.Errorf("counts %+v, want %d packets and deliveries", c, 3*perSender)
	}
	depth, err := two.store.QueueDepth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if depth[hub.MessageEdoc] != 0 {
		t.Errorf("queue depth after draining: %v", depth)
	}
}

// TestStoresRace drives two stores on one database directly, where the
// instances would race: the same request id, the same delivery's status,
// business statuses about one document.
func TestStoresRace(t *testing.T) {
	dsn := pgtest.DSN(t)
	stores := []hub.Store{open(t, dsn), open(t, dsn)}
	ctx := t.Context()
	at := time.Date(2026, 11, 26, 2, 30, 0, 0, time.UTC)

	t.Run("RequestID", func(t *testing.T) {
		for round := range 20 {
			id := fmt.Sprint("r", round)
			var accepted, replays atomic.Int32
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Go(func() {
					err := stores[i%2].RememberRequest(ctx, "sys", id, at)
					switch {
					case err == nil:
						accepted.Add(1)
					case errors.Is(err, hub.ErrReplay):
						replays.Add(1)
					default:
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if accepted.Load() != 1 || replays.Load() != 7 {
				t.Fatalf("round %d: %d accepted, %d replays; want 1 and 7", round, accepted.Load(), replays.Load())
			}
		}
		// Both instances prune at once: every expired id is forgotten once.
		var forgotten atomic.Int64
		var wg sync.WaitGroup
		for _, s := range stores {
			wg.Go(func() {
				n, err := s.ForgetRequests(ctx, at.Add(time.Second))
				if err != nil {
					t.Error(err)
				}
				forgotten.Add(n)
			})
		}
		wg.Wait()
		if forgotten.Load() != 20 {
			t.Errorf("forgotten %d request ids, want 20", forgotten.Load())
		}
	})

	t.Run("Status", func(t *testing.T) {
		const n = 30
		var to []hub.Delivery
		for i := range n {
			to = append(to, hub.Delivery{DocID: fmt.Sprint("s", i), To: sysB.Agency})
		}
		p := hub.Packet{ID: "ps", From: sysA.Agency, ServiceType: "eDoc", MessageType: hub.MessageEdoc, Size: 3, Created: at}
		if err := stores[0].AddPacket(ctx, hub.Request{}, p, bytes.NewReader([]byte("abc")), to); err != nil {
			t.Fatal(err)
		}
		for _, d := range to {
			var wg sync.WaitGroup
			var doneErr, procErr error
			wg.Go(func() { doneErr = stores[0].SetStatus(ctx, hub.Request{}, d.DocID, hub.StatusDone, "xong", at) })
			wg.Go(func() {
				procErr = stores[1].SetStatus(ctx, hub.Request{}, d.DocID, hub.StatusProcessing, "đang xử lý", at)
			})
			wg.Wait()
			if doneErr != nil {
				t.Fatalf("%s done: %v", d.DocID, doneErr)
			}
			if procErr != nil && !errors.Is(procErr, hub.ErrFinal) {
				t.Fatalf("%s processing: %v", d.DocID, procErr)
			}
			e, err := stores[1].Entry(ctx, d.DocID)
			if err != nil {
				t.Fatal(err)
			}
			if e.Delivery.Status != hub.StatusDone || e.Delivery.StatusDesc != "xong" {
				t.Fatalf("%s: %s %q after done and processing raced (processing: %v), want done", d.DocID, e.Delivery.Status, e.Delivery.StatusDesc, procErr)
			}
		}
	})

	t.Run("BusinessStatus", func(t *testing.T) {
		// A document from G22 to six addresses of H41; H41 answers it with
		// many status packets through both instances at once. Each status
		// packet updates all six deliveries: they must not deadlock, and
		// as each update is atomic the six end with the same answer.
		const document = "000.00.00.G22,2026/11/26,9/VPCP"
		var to []hub.Delivery
		for i, box := range []string{"", "/lanhdao", "/vanthu", "", "/lanhdao", "/vanthu"} {
			to = append(to, hub.Delivery{DocID: fmt.Sprint("b", i), To: sysB.Agency + box})
		}
		doc := hub.Packet{ID: "pb", From: sysA.Agency, ServiceType: "eDoc", MessageType: hub.MessageEdoc, Size: 1,
			DocumentID: document, Created: at}
		if err := stores[0].AddPacket(ctx, hub.Request{}, doc, bytes.NewReader([]byte("x")), to); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i := range 24 {
			wg.Go(func() {
				st := hub.Packet{ID: fmt.Sprint("st", i), From: sysB.Agency, ServiceType: "eDoc", MessageType: hub.MessageStatus,
					Size: 1, StatusCode: fmt.Sprintf("%02d", 1+i%6), StatusDesc: fmt.Sprint("trả lời ", i), ResponseFor: document,
					Created: at.Add(time.Duration(i) * time.Second)}
				dd := []hub.Delivery{{DocID: fmt.Sprint("st", i, "-d"), To: sysA.Agency}}
				if err := stores[i%2].AddPacket(ctx, hub.Request{}, st, bytes.NewReader([]byte("y")), dd); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		var first hub.Delivery
		for i, d := range to {
			e, err := stores[i%2].Entry(ctx, d.DocID)
			if err != nil {
				t.Fatal(err)
			}
			got := e.Delivery
			if got.BusinessStatus == "" {
				t.Fatalf("%s: no business status", d.DocID)
			}
			if i == 0 {
				first = got
				continue
			}
			if got.BusinessStatus != first.BusinessStatus || got.BusinessDesc != first.BusinessDesc || !got.BusinessTime.Equal(first.BusinessTime) {
				t.Errorf("%s: business %s %q %v, but %s has %s %q %v", d.DocID, got.BusinessStatus, got.BusinessDesc, got.BusinessTime,
					to[0].DocID, first.BusinessStatus, first.BusinessDesc, first.BusinessTime)
			}
		}
	})
}

// TestListCacheAcrossInstances lists B's queue through the first instance
// (which caches the answer) while packets are sent and acknowledged
// through the second: each list through the first, made after a change
// through the second returned, shows the change.
func TestListCacheAcrossInstances(t *testing.T) {
	dsn := pgtest.DSN(t)
	one, two := newInstance(t, dsn), newInstance(t, dsn)
	ctx := t.Context()
	lister := client(t, one.hs.URL, sysB)
	sender, acker := client(t, two.hs.URL, sysA), client(t, two.hs.URL, sysB)
	pending := func() map[string]string {
		t.Helper()
		list, err := lister.ReceivedList(ctx, axis.MessageEdoc)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, it := range list {
			out[it.DocID] = it.Status
		}
		return out
	}
	var docs []string
	for i := range 5 {
		before := pending()
		if _, err := sender.Send(ctx, axis.MessageEdoc, sysA.Agency, nil, bytes.NewReader(edoc(sysA.Agency, sysB.Agency, fmt.Sprint(i))), -1); err != nil {
			t.Fatal(err)
		}
		after := pending()
		if len(after) != len(before)+1 {
			t.Fatalf("send %d through the second: the first lists %d, had %d", i, len(after), len(before))
		}
		for id := range after {
			if _, ok := before[id]; !ok {
				docs = append(docs, id)
			}
		}
	}
	if err := acker.UpdateStatus(ctx, docs[0], axis.StatusProcessing, ""); err != nil {
		t.Fatal(err)
	}
	if got := pending()[docs[0]]; got != string(axis.StatusProcessing) {
		t.Errorf("after processing through the second, the first lists status %q", got)
	}
	for i, id := range docs {
		if err := acker.UpdateStatus(ctx, id, axis.StatusDone, ""); err != nil {
			t.Fatal(err)
		}
		got := pending()
		if _, still := got[id]; still || len(got) != len(docs)-i-1 {
			t.Fatalf("after acknowledging %s through the second, the first lists %v", id, got)
		}
	}
}
