package hub

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/batch"
)

// TestSQLiteWriterPragmas: the writer keeps statement journals in memory
// and checkpoints its log every 10,000 pages.
func TestSQLiteWriterPragmas(t *testing.T) {
	s, err := OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "axis.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for pragma, want := range map[string]int{"temp_store": 2, "wal_autocheckpoint": 10000} {
		var got int
		if err := s.w.QueryRowContext(t.Context(), "PRAGMA "+pragma).Scan(&got); err != nil || got != want {
			t.Errorf("writer %s: %d %v, want %d", pragma, got, err, want)
		}
	}
}

// TestSQLiteGroupCommit runs writes of every kind in one transaction, as
// the group commit does when requests arrive together: those that fail
// leave nothing behind, the others are all committed, and each caller
// gets its own answer.
func TestSQLiteGroupCommit(t *testing.T) {
	ctx := t.Context()
	s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "axis.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	data := bytes.Repeat([]byte("edXML "), 50000) // two chunks
	pkt := func(id string, size int) Packet {
		return Packet{ID: id, From: "000.00.00.G22", ServiceType: "eDoc", MessageType: MessageEdoc, Size: int64(size), Created: at}
	}
	to := func(docIDs ...string) []Delivery {
		var ds []Delivery
		for i, d := range docIDs {
			ds = append(ds, Delivery{DocID: d, To: []string{"000.00.00.H41", "000.00.00.H42"}[i%2]})
		}
		return ds
	}
	if err := s.AddPacket(ctx, Request{}, pkt("p0", len(data)), bytes.NewReader(data), to("d0")); err != nil {
		t.Fatal(err)
	}
	stamp := func() uint64 {
		n, err := s.QueueStamp(ctx, []string{"000.00.00.H41", "000.00.00.H42"}, MessageEdoc)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := stamp()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()

	type write struct {
		name string
		ctx  context.Context
		op   writeOp
		want error // nil: committed
		fail bool  // an error other than a sentinel
	}
	writes := []write{
		{name: "packet", op: s.addPacketOp(pkt("p1", len(data)), bytes.NewReader(data), to("d1", "d2"))},
		{name: "docId taken after a packet and a delivery were written",
			op: s.addPacketOp(pkt("p2", len(data)), bytes.NewReader(data), to("d3", "d0")), want: ErrExists},
		{name: "body fails after a chunk was written",
			op: s.addPacketOp(pkt("p3", len(data)), io.MultiReader(bytes.NewReader(data[:chunkSize]), failingReader{}), to("d4")), fail: true},
		{name: "request id", op: s.rememberOp("sys", "r1", at.Add(time.Hour))},
		{name: "request id again in the same transaction", op: s.rememberOp("sys", "r1", at.Add(time.Hour)), want: ErrReplay},
		{name: "fetched", op: s.markFetchedOp("d0", at)},
		{name: "fetched, unknown", op: s.markFetchedOp("d9", at), want: ErrNotFound},
		{name: "status", op: s.setStatusOp("d0", StatusDone, "", at)},
		{name: "status, unknown", op: s.setStatusOp("d9", StatusDone, "", at), want: ErrNotFound},
		{name: "status after done", op: s.setStatusOp("d0", StatusFail, "late", at), want: ErrFinal},
		{name: "caller gone before its turn", ctx: cancelled, op: s.addPacketOp(pkt("p4", len(data)), bytes.NewReader(data), to("d5")), want: context.Canceled},
		{name: "packet after the failures", op: s.addPacketOp(pkt("p5", len(data)), bytes.NewReader(data), to("d6"))},
	}
	calls := make([]*batch.Call[writeOp], len(writes))
	for i, w := range writes {
		c := w.ctx
		if c == nil {
			c = ctx
		}
		calls[i] = &batch.Call[writeOp]{Ctx: c, Value: w.op}
	}
	s.writeAll(calls)
	for i, w := range writes {
		err := calls[i].Err
		switch {
		case w.want == nil && !w.fail && err != nil:
			t.Errorf("%s: %v", w.name, err)
		case w.want != nil && !errors.Is(err, w.want):
			t.Errorf("%s: %v, want %v", w.name, err, w.want)
		case w.fail && (err == nil || errors.Is(err, ErrExists) || errors.Is(err, ErrNotFound)):
			t.Errorf("%s: %v, want the reader's failure", w.name, err)
		}
	}

	for _, id := range []string{"p0", "p1", "p5"} {
		r, err := s.OpenBody(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s: body of %d bytes (%v), want %d", id, len(got), err, len(data))
		}
	}
	for _, id := range []string{"p2", "p3", "p4"} {
		if _, err := s.OpenBody(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: the packet of a failed write is there (%v)", id, err)
		}
	}
	for _, d := range []string{"d3", "d4", "d5"} {
		if _, err := s.Entry(ctx, d); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: the delivery of a failed write is there (%v)", d, err)
		}
	}
	e, err := s.Entry(ctx, "d0")
	if err != nil {
		t.Fatal(err)
	}
	if e.Delivery.Status != StatusDone || !e.Delivery.Fetched.Equal(at) {
		t.Errorf("d0: %+v, want done and fetched at %v", e.Delivery, at)
	}
	c, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Packets != 3 || c.Deliveries != 4 {
		t.Errorf("counts %+v, want 3 packets and 4 deliveries", c)
	}
	// Queue stamps count the committed changes: p1's two deliveries,
	// p5's one, d0's status.
	if got := stamp() - before; got != 4 {
		t.Errorf("queue stamps moved by %d, want 4", got)
	}
	if err := s.RememberRequest(ctx, "sys", "r1", at.Add(time.Hour)); !errors.Is(err, ErrReplay) {
		t.Errorf("the request id committed in the group: %v", err)
	}
}

// TestSQLiteGroupCommitAlone: a write alone in its transaction is undone
// by the rollback (no savepoint), the request id it was to remember with
// it too.
func TestSQLiteGroupCommitAlone(t *testing.T) {
	ctx := t.Context()
	s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "axis.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	data := bytes.Repeat([]byte("x"), chunkSize+10)
	p := Packet{ID: "p1", From: "000.00.00.G22", ServiceType: "eDoc", MessageType: MessageEdoc, Size: int64(len(data))}
	until := time.Now().Add(time.Hour)
	err = s.AddPacket(ctx, Request{SystemID: "sys", ID: "r1", Until: until}, p,
		io.MultiReader(bytes.NewReader(data[:chunkSize]), failingReader{}), []Delivery{{DocID: "d1", To: "000.00.00.H41"}})
	if err == nil {
		t.Fatal("a failing body was stored")
	}
	if _, err := s.OpenBody(ctx, "p1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the packet is there (%v)", err)
	}
	if err := s.RememberRequest(ctx, "sys", "r1", until); err != nil {
		t.Errorf("the failed write's request id was kept: %v", err)
	}
	if err := s.AddPacket(ctx, Request{}, p, bytes.NewReader(data), []Delivery{{DocID: "d1", To: "000.00.00.H41"}}); err != nil {
		t.Errorf("the same packet with its body: %v", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }
