// Package storetest is the shared test suite of hub.Store: every
// implementation (SQLite now, PostgreSQL later) must pass it.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox/axis/hub"
)

// RunStoreSuite runs every test against stores made by newStore, which
// returns a fresh, empty store and arranges for it to be closed.
func RunStoreSuite(t *testing.T, newStore func(t *testing.T) hub.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s hub.Store)
	}{
		{"Agencies", testAgencies},
		{"Systems", testSystems},
		{"Requests", testRequests},
		{"RequestsConcurrent", testRequestsConcurrent},
		{"WriteRequests", testWriteRequests},
		{"PacketRoundTrip", testPacketRoundTrip},
		{"Queues", testQueues},
		{"QueueStamp", testQueueStamp},
		{"Status", testStatus},
		{"Sent", testSent},
		{"AddPacketAtomic", testAddPacketAtomic},
		{"BusinessStatus", testBusinessStatus},
		{"NotFound", testNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

var t0 = time.Date(2026, 11, 26, 2, 30, 0, 0, time.UTC)

func ctx(t *testing.T) context.Context { return t.Context() }

func testAgencies(t *testing.T, s hub.Store) {
	a, err := s.PutAgency(ctx(t), hub.Agency{Code: "000.00.00.H41", Name: "UBND tỉnh Nghệ An", Mail: "vp@nghean.gov.vn", Updated: t0})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || !a.Created.Equal(t0) || !a.Updated.Equal(t0) {
		t.Errorf("put: got %+v, want an id and times %v", a, t0)
	}
	if _, err := s.PutAgency(ctx(t), hub.Agency{Code: "000.00.00.G22", Name: "Văn phòng Chính phủ", Owner: "sys-a", Updated: t0}); err != nil {
		t.Fatal(err)
	}
	b, err := s.PutAgency(ctx(t), hub.Agency{Code: "000.00.00.H41", Name: "UBND Nghệ An", OldCode: "H41", ParentID: "7", Updated: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if b.ID != a.ID || !b.Created.Equal(t0) || !b.Updated.Equal(t0.Add(time.Hour)) {
		t.Errorf("update: got id %d created %v updated %v, want id %d created %v", b.ID, b.Created, b.Updated, a.ID, t0)
	}
	got, err := s.Agency(ctx(t), "000.00.00.H41")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "UBND Nghệ An" || got.OldCode != "H41" || got.ParentID != "7" || got.Mail != "" {
		t.Errorf("get: got %+v", got)
	}
	list, err := s.Agencies(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Code != "000.00.00.G22" || list[0].Owner != "sys-a" || list[1].Code != "000.00.00.H41" {
		t.Errorf("list: got %+v, want G22 (owner sys-a) then H41", list)
	}
	if err := s.DeleteAgency(ctx(t), "000.00.00.G22"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAgency(ctx(t), "000.00.00.G22"); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("delete twice: got %v, want ErrNotFound", err)
	}
	if _, err := s.Agency(ctx(t), "000.00.00.G22"); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("get deleted: got %v, want ErrNotFound", err)
	}
}

func testSystems(t *testing.T, s hub.Store) {
	sealed := []byte{1, 2, 3, 0, 255}
	if err := s.PutSystem(ctx(t), hub.SystemRecord{ID: "b-sys", Agency: "000.00.00.G22", Updated: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSystem(ctx(t), hub.SystemRecord{ID: "a-sys", Agency: "000.00.00.H41", Name: "VP", Mailboxes: []string{"lanhdao", "vanthu"}, SealedSecret: sealed, Updated: t0}); err != nil {
		t.Fatal(err)
	}
	list, err := s.Systems(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != "a-sys" || list[1].ID != "b-sys" {
		t.Fatalf("list: got %+v, want a-sys, b-sys", list)
	}
	a := list[0]
	if a.Agency != "000.00.00.H41" || a.Name != "VP" || !slices.Equal(a.Mailboxes, []string{"lanhdao", "vanthu"}) ||
		!bytes.Equal(a.SealedSecret, sealed) || !a.Updated.Equal(t0) {
		t.Errorf("a-sys: got %+v", a)
	}
	if list[1].SealedSecret != nil || len(list[1].Mailboxes) != 0 {
		t.Errorf("b-sys: got %+v, want no secret and no mailboxes", list[1])
	}
	if err := s.PutSystem(ctx(t), hub.SystemRecord{ID: "a-sys", Agency: "000.00.00.H42", Updated: t0}); err != nil {
		t.Fatal(err)
	}
	if list, _ = s.Systems(ctx(t)); list[0].Agency != "000.00.00.H42" || list[0].SealedSecret != nil {
		t.Errorf("replace: got %+v", list[0])
	}
	if err := s.DeleteSystem(ctx(t), "b-sys"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSystem(ctx(t), "b-sys"); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("delete twice: got %v, want ErrNotFound", err)
	}
}

func testRequests(t *testing.T, s hub.Store) {
	if err := s.RememberRequest(ctx(t), "sys", "r1", t0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RememberRequest(ctx(t), "sys", "r1", t0.Add(5*time.Minute)); !errors.Is(err, hub.ErrReplay) {
		t.Errorf("replay: got %v, want ErrReplay", err)
	}
	if err := s.RememberRequest(ctx(t), "other", "r1", t0.Add(5*time.Minute)); err != nil {
		t.Errorf("same id, other system: got %v, want nil", err)
	}
	if err := s.RememberRequest(ctx(t), "sys", "r2", t0.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	n, err := s.ForgetRequests(ctx(t), t0.Add(6*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("forget: got %d, want 2", n)
	}
	if err := s.RememberRequest(ctx(t), "sys", "r1", t0.Add(15*time.Minute)); err != nil {
		t.Errorf("after forgetting: got %v, want nil", err)
	}
	if err := s.RememberRequest(ctx(t), "sys", "r2", t0.Add(15*time.Minute)); !errors.Is(err, hub.ErrReplay) {
		t.Errorf("r2 not yet forgotten: got %v, want ErrReplay", err)
	}
}

// testWriteRequests: a write given a Request remembers its id, and a
// write with a used id fails with ErrReplay and changes nothing.
func testWriteRequests(t *testing.T, s hub.Store) {
	req := func(id string) hub.Request {
		return hub.Request{SystemID: "sys", ID: id, Until: t0.Add(5 * time.Minute)}
	}
	data, sum := body(t, 10)
	if err := s.AddPacket(ctx(t), req("w1"), packet("p1", "000.00.00.G22", hub.MessageEdoc, data, sum, t0),
		bytes.NewReader(data), deliveries("d1", "000.00.00.H41")); err != nil {
		t.Fatal(err)
	}
	if err := s.RememberRequest(ctx(t), "sys", "w1", t0.Add(5*time.Minute)); !errors.Is(err, hub.ErrReplay) {
		t.Errorf("the id of a stored packet: got %v, want ErrReplay", err)
	}
	err := s.AddPacket(ctx(t), req("w1"), packet("p2", "000.00.00.G22", hub.MessageEdoc, data, sum, t0),
		bytes.NewReader(data), deliveries("d2", "000.00.00.H41"))
	if !errors.Is(err, hub.ErrReplay) {
		t.Errorf("AddPacket with a used id: got %v, want ErrReplay", err)
	}
	if _, err := s.Entry(ctx(t), "d2"); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("the replayed packet's delivery: got %v, want ErrNotFound", err)
	}

	if err := s.MarkFetched(ctx(t), req("w2"), "d1", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkFetched(ctx(t), req("w2"), "d1", t0.Add(2*time.Minute)); !errors.Is(err, hub.ErrReplay) {
		t.Errorf("MarkFetched with a used id: got %v, want ErrReplay", err)
	}
	if err := s.SetStatus(ctx(t), req("w3"), "d1", hub.StatusProcessing, "", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus(ctx(t), req("w3"), "d1", hub.StatusFail, "lỗi", t0.Add(2*time.Minute)); !errors.Is(err, hub.ErrReplay) {
		t.Errorf("SetStatus with a used id: got %v, want ErrReplay", err)
	}
	e, err := s.Entry(ctx(t), "d1")
	if err != nil {
		t.Fatal(err)
	}
	if e.Delivery.Status != hub.StatusProcessing || !e.Delivery.Fetched.Equal(t0.Add(time.Minute)) {
		t.Errorf("after the replays: status %s fetched %v, want processing and %v", e.Delivery.Status, e.Delivery.Fetched, t0.Add(time.Minute))
	}

	// The zero Request remembers nothing.
	c, err := s.Counts(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus(ctx(t), hub.Request{}, "d1", hub.StatusDone, "", t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if after, _ := s.Counts(ctx(t)); after.Requests != c.Requests || c.Requests != 3 {
		t.Errorf("remembered ids: %d after the writes with ids, %d after one without; want 3 and 3", c.Requests, after.Requests)
	}
}

func testRequestsConcurrent(t *testing.T, s hub.Store) {
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() { errs <- s.RememberRequest(ctx(t), "sys", "same", t0) })
	}
	wg.Wait()
	close(errs)
	ok, replay := 0, 0
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, hub.ErrReplay):
			replay++
		default:
			t.Error(err)
		}
	}
	if ok != 1 || replay != n-1 {
		t.Errorf("got %d accepted and %d replays, want 1 and %d", ok, replay, n-1)
	}
}

// body returns n random bytes and their hex SHA-256.
func body(t *testing.T, n int) ([]byte, string) {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:])
}

func packet(id, from, mt string, data []byte, sum string, at time.Time) hub.Packet {
	return hub.Packet{ID: id, SenderSystem: "sys-" + id, From: from, ServiceType: "eDoc", MessageType: mt,
		SHA256: sum, Size: int64(len(data)), DocumentID: "000.00.00.G22,2026/11/26,7816/VPCP-TTĐT",
		Subject: "Về việc " + id, Notation: "7816/VPCP-TTĐT", Created: at}
}

func deliveries(ids ...string) []hub.Delivery {
	var out []hub.Delivery
	for i := 0; i+1 < len(ids); i += 2 {
		out = append(out, hub.Delivery{DocID: ids[i], To: ids[i+1]})
	}
	return out
}

func add(t *testing.T, s hub.Store, p hub.Packet, data []byte, to []hub.Delivery) {
	t.Helper()
	if err := s.AddPacket(ctx(t), hub.Request{}, p, bytes.NewReader(data), to); err != nil {
		t.Fatal(err)
	}
}

func readBody(t *testing.T, s hub.Store, id string) []byte {
	t.Helper()
	rc, err := s.OpenBody(ctx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func testPacketRoundTrip(t *testing.T, s hub.Store) {
	for _, n := range []int{0, 1, 256 << 10, 600 << 10} {
		id := fmt.Sprintf("p%d", n)
		data, sum := body(t, n)
		add(t, s, packet(id, "000.00.00.G22", hub.MessageEdoc, data, sum, t0), data, deliveries("d"+id, "000.00.00.H41"))
		if got := readBody(t, s, id); !bytes.Equal(got, data) {
			t.Errorf("body of %d bytes: got %d bytes back, not the same", n, len(got))
		}
	}
	p := packet("full", "000.00.00.G22/vanthu", hub.MessageEdoc, []byte("<edXML/>"), "abc", t0)
	p.StatusCode, p.StatusDesc, p.ResponseFor = "", "", ""
	add(t, s, p, []byte("<edXML/>"), deliveries("d1", "000.00.00.H41", "d2", "000.00.00.H41/lanhdao"))
	e, err := s.Entry(ctx(t), "d2")
	if err != nil {
		t.Fatal(err)
	}
	want := p
	if e.Packet.Created.Equal(t0) {
		want.Created = e.Packet.Created
	}
	if e.Packet != want {
		t.Errorf("packet:\n got %+v\nwant %+v", e.Packet, want)
	}
	d := e.Delivery
	if d.DocID != "d2" || d.PacketID != "full" || d.To != "000.00.00.H41/lanhdao" || d.Status != hub.StatusPending ||
		!d.Created.Equal(t0) || !d.Updated.Equal(t0) || !d.Fetched.IsZero() || d.BusinessStatus != "" {
		t.Errorf("delivery: got %+v", d)
	}
	if err := s.MarkFetched(ctx(t), hub.Request{}, "d2", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkFetched(ctx(t), hub.Request{}, "d2", t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if e, _ = s.Entry(ctx(t), "d2"); !e.Delivery.Fetched.Equal(t0.Add(time.Minute)) {
		t.Errorf("fetched: got %v, want the first time %v", e.Delivery.Fetched, t0.Add(time.Minute))
	}
	c, err := s.Counts(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if c.Packets != 5 || c.Deliveries != 6 {
		t.Errorf("counts: got %+v, want 5 packets and 6 deliveries", c)
	}
}

func testQueues(t *testing.T, s hub.Store) {
	data, sum := body(t, 10)
	add(t, s, packet("p1", "000.00.00.G22", hub.MessageEdoc, data, sum, t0),
		data, deliveries("a1", "000.00.00.H41", "b1", "000.00.00.H42", "m1", "000.00.00.H41/lanhdao"))
	add(t, s, packet("p2", "000.00.00.G22", hub.MessageStatus, data, sum, t0.Add(time.Second)),
		data, deliveries("a2", "000.00.00.H41"))
	add(t, s, packet("p3", "000.00.00.G22", hub.MessageEdoc, data, sum, t0.Add(2*time.Second)),
		data, deliveries("a3", "000.00.00.H41"))

	ids := func(es []hub.Entry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Delivery.DocID)
		}
		return out
	}
	h41 := []string{"000.00.00.H41"}
	cases := []struct {
		to    []string
		mt    string
		limit int
		want  []string
	}{
		{h41, hub.MessageEdoc, 10, []string{"a1", "a3"}},
		{h41, hub.MessageEdoc, 1, []string{"a1"}},
		{h41, hub.MessageStatus, 10, []string{"a2"}},
		{[]string{"000.00.00.H41", "000.00.00.H41/lanhdao"}, hub.MessageEdoc, 10, []string{"a1", "m1", "a3"}},
		{[]string{"000.00.00.H42"}, hub.MessageEdoc, 10, []string{"b1"}},
		{[]string{"000.00.00.G22"}, hub.MessageEdoc, 10, nil},
		{nil, hub.MessageEdoc, 10, nil},
	}
	for _, c := range cases {
		got, err := s.Received(ctx(t), c.to, c.mt, c.limit)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(got), c.want) {
			t.Errorf("Received(%v, %s, %d): got %v, want %v", c.to, c.mt, c.limit, ids(got), c.want)
		}
		if c.limit < 10 {
			continue
		}
		n, err := s.CountPending(ctx(t), c.to, c.mt)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(c.want) {
			t.Errorf("CountPending(%v, %s): got %d, want %d", c.to, c.mt, n, len(c.want))
		}
	}
	depth, err := s.QueueDepth(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if depth[hub.MessageEdoc] != 4 || depth[hub.MessageStatus] != 1 {
		t.Errorf("depth: got %v, want edoc 4, status 1", depth)
	}
}

// testQueueStamp checks that a queue's stamp grows with every change to
// it: a new delivery, any status set (done once: done again changes
// nothing), to an agency or a mailbox listed with it.
func testQueueStamp(t *testing.T, s hub.Store) {
	data, sum := body(t, 10)
	h41 := []string{"000.00.00.H41", "000.00.00.H41/lanhdao"}
	stamp := func(to []string, mt string) uint64 {
		t.Helper()
		n, err := s.QueueStamp(ctx(t), to, mt)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	last := stamp(h41, hub.MessageEdoc)
	grew := func(what string) {
		t.Helper()
		if n := stamp(h41, hub.MessageEdoc); n <= last {
			t.Errorf("%s: stamp %d, not above %d", what, n, last)
		} else {
			last = n
		}
	}
	add(t, s, packet("p1", "000.00.00.G22", hub.MessageEdoc, data, sum, t0), data, deliveries("a1", "000.00.00.H41"))
	grew("a delivery to the agency")
	add(t, s, packet("p2", "000.00.00.G22", hub.MessageEdoc, data, sum, t0), data, deliveries("m2", "000.00.00.H41/lanhdao", "b2", "000.00.00.H42"))
	grew("a delivery to its mailbox")
	for _, st := range []string{hub.StatusProcessing, hub.StatusFail, hub.StatusDone} {
		if err := s.SetStatus(ctx(t), hub.Request{}, "a1", st, "", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		grew("status " + st)
	}
	if err := s.SetStatus(ctx(t), hub.Request{}, "m2", hub.StatusDone, "", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	grew("the mailbox's delivery done")
	if n := stamp(nil, hub.MessageEdoc); n != 0 {
		t.Errorf("stamp of no queue: %d", n)
	}
	// A status packet changes the status queue.
	before := stamp(h41, hub.MessageStatus)
	add(t, s, packet("p3", "000.00.00.G22", hub.MessageStatus, data, sum, t0), data, deliveries("s3", "000.00.00.H41"))
	if n := stamp(h41, hub.MessageStatus); n <= before {
		t.Errorf("a status packet: status stamp %d, not above %d", n, before)
	}
}

func testStatus(t *testing.T, s hub.Store) {
	data, sum := body(t, 10)
	add(t, s, packet("p1", "000.00.00.G22", hub.MessageEdoc, data, sum, t0), data, deliveries("d1", "000.00.00.H41"))
	pending := func() int {
		n, err := s.CountPending(ctx(t), []string{"000.00.00.H41"}, hub.MessageEdoc)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	steps := []struct {
		status string
		err    error
		still  int
	}{
		{hub.StatusProcessing, nil, 1},
		{hub.StatusFail, nil, 1},
		{hub.StatusProcessing, nil, 1},
		{hub.StatusDone, nil, 0},
		{hub.StatusDone, nil, 0},
		{hub.StatusProcessing, hub.ErrFinal, 0},
		{hub.StatusFail, hub.ErrFinal, 0},
	}
	for i, st := range steps {
		at := t0.Add(time.Duration(i+1) * time.Minute)
		err := s.SetStatus(ctx(t), hub.Request{}, "d1", st.status, "bước "+st.status, at)
		if !errors.Is(err, st.err) {
			t.Fatalf("step %d (%s): got %v, want %v", i, st.status, err, st.err)
		}
		if got := pending(); got != st.still {
			t.Errorf("step %d (%s): %d pending, want %d", i, st.status, got, st.still)
		}
	}
	e, err := s.Entry(ctx(t), "d1")
	if err != nil {
		t.Fatal(err)
	}
	if e.Delivery.Status != hub.StatusDone || e.Delivery.StatusDesc != "bước done" || !e.Delivery.Updated.Equal(t0.Add(4*time.Minute)) {
		t.Errorf("after done: got %+v, want done at %v (a second done changes nothing)", e.Delivery, t0.Add(4*time.Minute))
	}
	if err := s.SetStatus(ctx(t), hub.Request{}, "d1", "bogus", "", t0); err == nil {
		t.Error("unknown status: got nil error")
	}
	if err := s.SetStatus(ctx(t), hub.Request{}, "nope", hub.StatusDone, "", t0); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("unknown doc: got %v, want ErrNotFound", err)
	}
}

func testSent(t *testing.T, s hub.Store) {
	data, sum := body(t, 10)
	add(t, s, packet("p1", "000.00.00.G22", hub.MessageEdoc, data, sum, t0), data, deliveries("b1", "000.00.00.H41", "c1", "000.00.00.H42"))
	add(t, s, packet("p2", "000.00.00.G22", hub.MessageStatus, data, sum, t0.Add(time.Second)), data, deliveries("b2", "000.00.00.H41"))
	add(t, s, packet("p3", "000.00.00.G22/vanthu", hub.MessageEdoc, data, sum, t0.Add(2*time.Second)), data, deliveries("b3", "000.00.00.H41"))
	add(t, s, packet("p4", "000.00.00.H41", hub.MessageEdoc, data, sum, t0.Add(3*time.Second)), data, deliveries("g4", "000.00.00.G22"))
	if err := s.SetStatus(ctx(t), hub.Request{}, "c1", hub.StatusDone, "", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	key := func(es []hub.Entry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Packet.ID+":"+e.Delivery.DocID+":"+e.Delivery.Status)
		}
		return out
	}
	g22 := []string{"000.00.00.G22"}
	cases := []struct {
		from       []string
		packet, mt string
		limit      int
		want       []string
	}{
		{g22, "", "", 10, []string{"p2:b2:pending", "p1:b1:pending", "p1:c1:done"}},
		{g22, "p1", "", 10, []string{"p1:b1:pending", "p1:c1:done"}},
		{g22, "", hub.MessageEdoc, 10, []string{"p1:b1:pending", "p1:c1:done"}},
		{g22, "", "", 1, []string{"p2:b2:pending"}},
		{[]string{"000.00.00.G22", "000.00.00.G22/vanthu"}, "", hub.MessageEdoc, 10, []string{"p3:b3:pending", "p1:b1:pending", "p1:c1:done"}},
		{g22, "p4", "", 10, nil},
	}
	for _, c := range cases {
		got, err := s.Sent(ctx(t), c.from, c.packet, c.mt, c.limit)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(key(got), c.want) {
			t.Errorf("Sent(%v, %q, %q, %d): got %v, want %v", c.from, c.packet, c.mt, c.limit, key(got), c.want)
		}
	}
}

func testAddPacketAtomic(t *testing.T, s hub.Store) {
	data, sum := body(t, 300<<10)
	add(t, s, packet("p1", "000.00.00.G22", hub.MessageEdoc, data, sum, t0), data, deliveries("d1", "000.00.00.H41"))
	before, err := s.Counts(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name string
		p    hub.Packet
		body io.Reader
		to   []hub.Delivery
		want error
	}{
		{"docId taken", packet("p2", "000.00.00.G22", hub.MessageEdoc, data, sum, t0), bytes.NewReader(data),
			deliveries("d2", "000.00.00.H41", "d1", "000.00.00.H42"), hub.ErrExists},
		{"docId twice", packet("p2", "000.00.00.G22", hub.MessageEdoc, data, sum, t0), bytes.NewReader(data),
			deliveries("d3", "000.00.00.H41", "d3", "000.00.00.H42"), hub.ErrExists},
		{"packet id taken", packet("p1", "000.00.00.G22", hub.MessageEdoc, data, sum, t0), bytes.NewReader(data),
			deliveries("d4", "000.00.00.H41"), hub.ErrExists},
		{"body short", packet("p2", "000.00.00.G22", hub.MessageEdoc, data, sum, t0), bytes.NewReader(data[:1000]),
			deliveries("d5", "000.00.00.H41"), nil},
		{"body long", packet("p2", "000.00.00.G22", hub.MessageEdoc, data[:1000], sum, t0), bytes.NewReader(data),
			deliveries("d6", "000.00.00.H41"), nil},
		{"body fails", packet("p2", "000.00.00.G22", hub.MessageEdoc, data, sum, t0), io.MultiReader(bytes.NewReader(data[:chunk]), failing{}),
			deliveries("d7", "000.00.00.H41"), nil},
		{"no recipient", packet("p2", "000.00.00.G22", hub.MessageEdoc, data, sum, t0), bytes.NewReader(data), nil, nil},
	}
	for _, c := range bad {
		err := s.AddPacket(ctx(t), hub.Request{}, c.p, c.body, c.to)
		if err == nil {
			t.Errorf("%s: got nil error", c.name)
			continue
		}
		if c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
		after, err := s.Counts(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if after != before {
			t.Errorf("%s: counts changed from %+v to %+v", c.name, before, after)
		}
		if _, err := s.OpenBody(ctx(t), "p2"); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("%s: the packet body is there (%v)", c.name, err)
		}
	}
}

const chunk = 256 << 10

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func testBusinessStatus(t *testing.T, s hub.Store) {
	data, sum := body(t, 10)
	doc := packet("p1", "000.00.00.G22", hub.MessageEdoc, data, sum, t0)
	add(t, s, doc, data, deliveries("b1", "000.00.00.H41", "c1", "000.00.00.H42", "b2", "000.00.00.H41/lanhdao"))
	other := packet("p2", "000.00.00.G23", hub.MessageEdoc, data, sum, t0)
	add(t, s, other, data, deliveries("x1", "000.00.00.H41"))

	st := packet("s1", "000.00.00.H41", hub.MessageStatus, data, sum, t0.Add(time.Hour))
	st.DocumentID, st.Subject, st.Notation = "", "", ""
	st.StatusCode, st.StatusDesc, st.ResponseFor = "03", "Đã vào sổ", doc.DocumentID
	add(t, s, st, data, deliveries("s1d", "000.00.00.G22"))

	for _, c := range []struct{ doc, code string }{{"b1", "03"}, {"b2", "03"}, {"c1", ""}, {"x1", ""}} {
		e, err := s.Entry(ctx(t), c.doc)
		if err != nil {
			t.Fatal(err)
		}
		d := e.Delivery
		if d.BusinessStatus != c.code {
			t.Errorf("%s: business status %q, want %q", c.doc, d.BusinessStatus, c.code)
		}
		if c.code != "" && (d.BusinessDesc != "Đã vào sổ" || !d.BusinessTime.Equal(t0.Add(time.Hour))) {
			t.Errorf("%s: got %+v", c.doc, d)
		}
	}
	e, err := s.Entry(ctx(t), "s1d")
	if err != nil {
		t.Fatal(err)
	}
	if e.Packet.StatusCode != "03" || e.Packet.ResponseFor != doc.DocumentID || e.Packet.MessageType != hub.MessageStatus {
		t.Errorf("status packet: got %+v", e.Packet)
	}
}

func testNotFound(t *testing.T, s hub.Store) {
	for name, err := range map[string]error{
		"Agency":      func() error { _, err := s.Agency(ctx(t), "000.00.00.X99"); return err }(),
		"OpenBody":    func() error { _, err := s.OpenBody(ctx(t), "nope"); return err }(),
		"Entry":       func() error { _, err := s.Entry(ctx(t), "nope"); return err }(),
		"MarkFetched": s.MarkFetched(ctx(t), hub.Request{}, "nope", t0),
		"SetStatus":   s.SetStatus(ctx(t), hub.Request{}, "nope", hub.StatusDone, "", t0),
	} {
		if !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("%s: got %v, want ErrNotFound", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "sql") {
			t.Errorf("%s: the error %q leaks the driver", name, err)
		}
	}
	if err := s.Ping(ctx(t)); err != nil {
		t.Error(err)
	}
	c, err := s.Counts(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if c != (hub.Counts{}) {
		t.Errorf("empty store counts %+v", c)
	}
}
