package courier_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/axis/hub"
	"github.com/vanthu/vanthu/inbox/courier"
	"github.com/vanthu/vanthu/inbox/edxml"
	"github.com/vanthu/vanthu/signing/sample"
)

// The three agencies of the tests and their systems on the axis.
var (
	orgA = inbox.Organization{Code: "000.00.00.G22", Name: "Văn phòng Chính phủ", Address: "16 Lê Hồng Phong, Ba Đình, Hà Nội"}
	orgB = inbox.Organization{Code: "000.00.00.H41", Name: "UBND tỉnh Nghệ An"}
	orgC = inbox.Organization{Code: "000.00.00.H23", Name: "UBND tỉnh Hà Nam"}

	sysA = hub.System{ID: "vpcp", Secret: []byte("bí-mật-của-vpcp-0123456789"), Agency: orgA.Code, Name: orgA.Name}
	sysB = hub.System{ID: "vpubnd-nghean", Secret: []byte("bí-mật-của-nghệ-an-0123456789"), Agency: orgB.Code, Name: orgB.Name}
	sysC = hub.System{ID: "vpubnd-hanam", Secret: []byte("bí-mật-của-hà-nam-0123456789"), Agency: orgC.Code, Name: orgC.Name}
)

// testHub is a reference axis served over HTTP on 127.0.0.1, with its
// SQLite store at hand for inspection.
type testHub struct {
	URL   string
	store *hub.SQLite
	srv   *hub.Server
	hs    *httptest.Server
}

// newHub starts a hub for systems A, B and C; cfg adjusts its config.
func newHub(t testing.TB, cfg func(*hub.Config)) *testHub {
	t.Helper()
	return newHubOn(t, nil, cfg)
}

// newHubOn starts a hub serving ln (nil: a new port).
func newHubOn(t testing.TB, ln net.Listener, cfg func(*hub.Config)) *testHub {
	t.Helper()
	store, err := hub.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "axis.db"))
	if err != nil {
		t.Fatal(err)
	}
	c := hub.Config{Systems: []hub.System{sysA, sysB, sysC}, Store: store, TempDir: t.TempDir()}
	if cfg != nil {
		cfg(&c)
	}
	srv, err := hub.New(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(srv)
	if ln != nil {
		hs.Listener.Close()
		hs.Listener = ln
	}
	hs.Start()
	h := &testHub{store: store, srv: srv, hs: hs}
	h.URL = h.hs.URL
	t.Cleanup(func() {
		h.hs.Close()
		_ = srv.Close()
		_ = store.Close()
	})
	return h
}

// pending lists the deliveries to an agency that are not done.
func (h *testHub) pending(t testing.TB, agency, mt string) []hub.Entry {
	t.Helper()
	e, err := h.store.Received(context.Background(), []string{agency}, mt, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// sent lists the deliveries of packets sent from an agency.
func (h *testHub) sent(t testing.TB, agency, mt string) []hub.Entry {
	t.Helper()
	e, err := h.store.Sent(context.Background(), []string{agency}, "", mt, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// body returns a stored packet.
func (h *testHub) body(t testing.TB, packetID string) []byte {
	t.Helper()
	rc, err := h.store.OpenBody(context.Background(), packetID)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// desk is one agency's installation: a store and its engine.
type desk struct {
	org    inbox.Organization
	dir    string
	store  *inbox.Store
	client *axis.Client
	eng    *courier.Engine
	logs   *syncBuffer
}

// deskOptions adjust a desk.
type deskOptions struct {
	engine   func(*courier.Options)
	client   func(*axis.ClientOptions)
	importer *inbox.Importer
	offline  bool             // no axis client
	now      func() time.Time // the store's and the engine's clock
}

// fastClient retries quickly: the tests' hubs fail on purpose.
var fastClient = axis.ClientOptions{BaseDelay: 2 * time.Millisecond, MaxDelay: 50 * time.Millisecond, Retries: 4}

func newDesk(t testing.TB, url string, org inbox.Organization, sys hub.System, o deskOptions) *desk {
	t.Helper()
	d := &desk{org: org, dir: t.TempDir(), logs: &syncBuffer{}}
	s, err := inbox.Open(context.Background(), d.dir, inbox.Options{EncodeStatus: inbox.EncodeStatus, Self: org, Now: o.now})
	if err != nil {
		t.Fatal(err)
	}
	d.store = s
	t.Cleanup(func() { _ = s.Close() })
	year := time.Now().In(edxml.Vietnam).Year()
	for _, r := range []struct {
		name string
		kind inbox.RegisterKind
	}{{"Sổ văn bản đi", inbox.RegisterOutgoing}, {"Sổ văn bản đến", inbox.RegisterIncoming}} {
		if _, err := s.CreateRegister(context.Background(), clerk, r.name, r.kind, year); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.NewJSONHandler(d.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts := courier.Options{
		Store: s, From: org.Code, DataDir: d.dir, Logger: log,
		Interval: 50 * time.Millisecond, OfflineRetry: 20 * time.Millisecond,
		RetryBase: 10 * time.Millisecond, RetryMax: 200 * time.Millisecond,
		Importer: o.importer, Now: o.now,
	}
	if !o.offline {
		tr, err := axis.NewVXP(url, axis.Credentials{SystemID: sys.ID, Secret: sys.Secret}, axis.VXPOptions{Timeout: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		co := fastClient
		if o.client != nil {
			o.client(&co)
		}
		d.client = axis.NewClient(tr, co)
		opts.Axis = d.client
	}
	if o.engine != nil {
		o.engine(&opts)
	}
	d.eng, err = courier.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// syncBuffer is a log sink several goroutines write.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// once runs one pass and fails the test on an error.
func (d *desk) once(t testing.TB) courier.Report {
	t.Helper()
	rep, err := d.eng.Once(context.Background())
	if err != nil {
		t.Fatalf("%s: sync pass: %v", d.org.Code, err)
	}
	return rep
}

// clerk, leader and officer act on the desks.
var (
	clerk   = inbox.Actor{ID: "vanthu", Name: "Nguyễn Thị Lan", Department: "Văn thư", Email: "lan@example.vn", Mobile: "0912000001"}
	leader  = inbox.Actor{ID: "lanhdao", Name: "Trần Văn Hùng", Department: "Lãnh đạo"}
	officer = inbox.Actor{ID: "chuyenvien", Name: "Lê Minh Tuấn", Department: "Phòng Tổng hợp"}
)

// putPDF stores a PDF as an attachment.
func (d *desk) putPDF(t testing.TB, name string, pdf []byte) inbox.NewAttachment {
	t.Helper()
	b, err := d.store.PutBlob(context.Background(), bytes.NewReader(pdf))
	if err != nil {
		t.Fatal(err)
	}
	return inbox.NewAttachment{Name: name, ContentType: "application/pdf", Blob: b}
}

// issue drafts, approves and issues a dispatch to recipients; stamp (nil:
// keep the approved file) makes the issued files.
func (d *desk) issue(t testing.TB, subject string, signed inbox.NewAttachment,
	stamp func(inbox.IssueStamp) ([]inbox.NewAttachment, error), to ...inbox.Organization,
) (int64, inbox.IssueStamp) {
	t.Helper()
	ctx := context.Background()
	doc := &inbox.Document{
		CodeNotation: "VP-TH", TypeCode: "1", TypeName: "Công văn", Subject: subject,
		Content: "Nội dung: " + subject, PromulgationPlace: "Hà Nội", Priority: inbox.PriorityUrgent,
		Signer:  inbox.Signer{Competence: "KT. CHỦ NHIỆM", Position: "PHÓ CHỦ NHIỆM", FullName: "Trần Văn Hùng"},
		DueDate: time.Date(2030, 12, 31, 0, 0, 0, 0, time.UTC),
	}
	for _, o := range to {
		doc.Recipients = append(doc.Recipients, inbox.Recipient{Organization: o})
	}
	draft := d.putPDF(t, "du-thao.pdf", sample.SimplePDF(1))
	id, err := d.store.CreateDraft(ctx, officer, doc, []inbox.NewAttachment{draft})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.store.Submit(ctx, id, officer); err != nil {
		t.Fatal(err)
	}
	if err := d.store.Approve(ctx, id, leader, []inbox.NewAttachment{signed}); err != nil {
		t.Fatal(err)
	}
	st, err := d.store.Issue(ctx, id, clerk, "Sổ văn bản đi", stamp)
	if err != nil {
		t.Fatal(err)
	}
	return id, st
}

// incoming returns the desk's incoming documents (hidden ones too), by DocumentId.
func (d *desk) incoming(t testing.TB) map[string]inbox.Summary {
	t.Helper()
	out := map[string]inbox.Summary{}
	var cur inbox.Cursor
	for {
		list, next, err := d.store.List(context.Background(), inbox.Filter{Direction: inbox.Incoming, IncludeHidden: true}, inbox.Page{Limit: 500, Cursor: cur})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range list {
			if _, dup := out[s.DocumentID]; dup {
				t.Fatalf("%s: document %s stored twice", d.org.Code, s.DocumentID)
			}
			out[s.DocumentID] = s
		}
		if next == "" || len(list) == 0 {
			return out
		}
		cur = next
	}
}

// outboxLeft returns the desk's outbox rows not sent.
func (d *desk) outboxLeft(t testing.TB) []inbox.OutboxItem {
	t.Helper()
	var left []inbox.OutboxItem
	for _, st := range []inbox.OutboxState{inbox.OutboxPending, inbox.OutboxFailed} {
		rows, err := d.store.OutboxRows(context.Background(), st, 100000)
		if err != nil {
			t.Fatal(err)
		}
		left = append(left, rows...)
	}
	return left
}

// settle runs passes on the desks, round after round, until a round
// changes nothing: every outbox empty and nothing waiting on the axis.
func settle(t testing.TB, h *testHub, desks ...*desk) {
	t.Helper()
	for round := 0; round < 200; round++ {
		moved := 0
		for _, d := range desks {
			rep := d.once(t)
			moved += rep.Received + rep.Duplicates + rep.Statuses + rep.Sent + rep.Quarantined + rep.Retry + rep.Postponed
		}
		if moved != 0 {
			continue
		}
		quiet := true
		for _, d := range desks {
			if len(d.outboxLeft(t)) > 0 || len(h.pending(t, d.org.Code, "edoc"))+len(h.pending(t, d.org.Code, "status")) > 0 {
				quiet = false
			}
		}
		if quiet {
			return
		}
	}
	t.Fatal("the desks did not settle in 200 rounds")
}

// writeBadPacket is an edXML document packet the hub carries (it checks
// the header) but a desk refuses: its attachment is not base64.
func badPacket(t testing.TB, from, to inbox.Organization, number string) []byte {
	t.Helper()
	var buf bytes.Buffer
	e := edocFrom(t, from, to, number, "Văn bản hỏng")
	if err := edxml.EncodeEdoc(context.Background(), &buf, e, memSource{"a1": sample.SimplePDF(1)}, edxml.EncodeOptions{}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	i := bytes.Index(b, []byte("ContentTransferEncoded>"))
	if i < 0 {
		t.Fatal("no attachment content in the packet")
	}
	i += len("ContentTransferEncoded>")
	copy(b[i:], "!!!!****")
	return b
}

// edocFrom is a minimal document packet.
func edocFrom(t testing.TB, from, to inbox.Organization, number, subject string) *edxml.Edoc {
	t.Helper()
	date := time.Date(2026, 11, 20, 0, 0, 0, 0, edxml.Vietnam)
	e := &edxml.Edoc{}
	e.Header.From = edxml.Organization{OrganID: from.Code, OrganName: from.Name}
	e.Header.To = []edxml.Organization{{OrganID: to.Code, OrganName: to.Name}}
	id, err := edxml.MakeDocumentID(from.Code, date, number, "VP-TH")
	if err != nil {
		t.Fatal(err)
	}
	e.Header.DocumentID = id
	e.Header.Code = edxml.Code{CodeNumber: number, CodeNotation: "VP-TH"}
	e.Header.PromulgationInfo = edxml.PromulgationInfo{Place: "Hà Nội", PromulgationDate: edxml.NewDate(date)}
	e.Header.DocumentType = edxml.DocumentType{Type: 1, TypeName: "Công văn"}
	e.Header.Subject = subject
	e.Attachments = []edxml.Attachment{{ContentID: "a1", Name: "cong-van-" + number + ".pdf", ContentType: "application/pdf", Ref: "a1"}}
	return e
}

// packet encodes a minimal document packet.
func packet(t testing.TB, from, to inbox.Organization, number, subject string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := edxml.EncodeEdoc(context.Background(), &buf, edocFrom(t, from, to, number, subject),
		memSource{"a1": sample.SimplePDF(1)}, edxml.EncodeOptions{}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// memSource serves attachments from memory.
type memSource map[edxml.AttachmentRef][]byte

func (m memSource) Open(_ context.Context, a *edxml.Attachment) (io.ReadCloser, error) {
	b, ok := m[a.Ref]
	if !ok {
		return nil, fmt.Errorf("no attachment %s", a.Ref)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// client returns an axis client of a system, for tests that act on the
// axis directly.
func client(t testing.TB, url string, sys hub.System) *axis.Client {
	t.Helper()
	tr, err := axis.NewVXP(url, axis.Credentials{SystemID: sys.ID, Secret: sys.Secret}, axis.VXPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return axis.NewClient(tr, fastClient)
}

// quarantineFiles lists the quarantine directory.
func quarantineFiles(t testing.TB, d *desk) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(d.dir, "quarantine"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}
