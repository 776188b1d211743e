package courier_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/axis/hub"
	"github.com/vanthu/vanthu/inbox/courier"
	"github.com/vanthu/vanthu/inbox/edxml"
	"github.com/vanthu/vanthu/signing/sample"
)

// sendRaw sends a packet as a system, as another axis client would.
func sendRaw(t *testing.T, url string, sys hub.System, mt axis.MessageType, to []string, pkt []byte) string {
	t.Helper()
	from := map[string]string{sysA.ID: orgA.Code, sysB.ID: orgB.Code, sysC.ID: orgC.Code}[sys.ID]
	id, err := client(t, url, sys).Send(context.Background(), mt, from, to, bytes.NewReader(pkt), int64(len(pkt)))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// statusPacket encodes a status message from A about one of its documents.
func statusPacket(t *testing.T, code inbox.StatusCode, documentID, desc string, at time.Time) []byte {
	t.Helper()
	b, err := inbox.EncodeStatus(inbox.StatusPacket{
		ResponseFor: inbox.DocumentRef{OrganID: orgA.Code, Code: "1/VP-TH", DocumentID: documentID},
		From:        orgA, To: []inbox.Organization{orgB}, Code: code, Description: desc, Timestamp: at, Staff: clerk,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func documentID(t *testing.T, number string) string {
	t.Helper()
	id, err := edxml.MakeDocumentID(orgA.Code, time.Date(2026, 11, 20, 0, 0, 0, 0, edxml.Vietnam), number, "VP-TH")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestBadPacketsAndDuplicates: packets a desk cannot store are kept in
// the quarantine with their reason and acknowledged fail, once; a copy of
// a stored document under another axis id is acknowledged done without a
// second copy.
func TestBadPacketsAndDuplicates(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, nil)
	b := newDesk(t, h.URL, orgB, sysB, deskOptions{})
	badID := sendRaw(t, h.URL, sysA, axis.MessageEdoc, []string{orgB.Code}, badPacket(t, orgA, orgB, "13"))
	strayID := sendRaw(t, h.URL, sysA, axis.MessageStatus, []string{orgB.Code},
		statusPacket(t, inbox.StatusDone, documentID(t, "404"), "xong", time.Now()))
	good := packet(t, orgA, orgB, "14", "V/v văn bản hợp lệ")
	sendRaw(t, h.URL, sysA, axis.MessageEdoc, []string{orgB.Code}, good)

	rep := b.once(t)
	if rep.Received != 1 || rep.Quarantined != 2 || rep.Statuses != 0 || rep.Retry != 0 {
		t.Fatalf("pass: %+v, want 1 received and 2 quarantined", rep)
	}
	q, err := b.eng.Quarantine()
	if err != nil || len(q) != 2 {
		t.Fatalf("quarantine: %+v, %v", q, err)
	}
	reasons := map[string]courier.Quarantined{}
	for _, x := range q {
		reasons[x.DocID] = x
	}
	// The hub lists the deliveries by their own ids: find B's.
	var badDelivery, strayDelivery string
	for _, en := range h.sent(t, orgA.Code, "") {
		switch en.Packet.ID {
		case badID:
			badDelivery = en.Delivery.DocID
		case strayID:
			strayDelivery = en.Delivery.DocID
		}
	}
	if r := reasons[badDelivery]; r.MessageType != "edoc" || r.From != orgA.Code || !strings.Contains(r.Reason, "base64") {
		t.Errorf("bad packet's record: %+v", r)
	} else if data, err := os.ReadFile(r.File); err != nil || !bytes.Contains(data, []byte("!!!!****")) {
		t.Errorf("the bad packet is not kept as received: %v", err)
	}
	if r := reasons[strayDelivery]; r.MessageType != "status" || !strings.Contains(r.Reason, "we issued no document") {
		t.Errorf("stray status's record: %+v", r)
	}
	for _, en := range h.sent(t, orgA.Code, "") {
		switch en.Delivery.DocID {
		case badDelivery, strayDelivery:
			if en.Delivery.Status != "fail" || en.Delivery.StatusDesc != reasons[en.Delivery.DocID].Reason {
				t.Errorf("delivery %s on the hub: %s %q, want fail with the reason", en.Delivery.DocID, en.Delivery.Status, en.Delivery.StatusDesc)
			}
		default:
			if en.Delivery.Status != "done" {
				t.Errorf("the good packet's delivery is %s", en.Delivery.Status)
			}
		}
	}
	// Refused packets are not taken again.
	if rep := b.once(t); rep.Quarantined != 0 || rep.Received != 0 || rep.Bytes != 0 {
		t.Errorf("second pass: %+v, want nothing downloaded again", rep)
	}

	// The same document again, under a new axis id.
	sendRaw(t, h.URL, sysA, axis.MessageEdoc, []string{orgB.Code}, good)
	if rep := b.once(t); rep.Duplicates != 1 || rep.Received != 0 {
		t.Errorf("a copy: %+v, want 1 duplicate", rep)
	}
	if n := len(b.incoming(t)); n != 1 {
		t.Errorf("%d documents stored, want 1", n)
	}
	if p := h.pending(t, orgB.Code, "edoc"); len(p) != 1 || p[0].Delivery.Status != "fail" {
		t.Errorf("pending on the hub: %+v, want only the refused packet (fail stays listed)", p)
	}
	if rows, _ := b.store.OutboxRows(ctx, "", 10); len(rows) != 1 {
		t.Errorf("%d outbox rows, want one status 01", len(rows))
	}
}

// TestRecallBeforeItsDocument: a recall request that overtakes its
// document waits on the axis; when the document comes, both are applied.
// A copy of the request after the desk refused it is not recorded again.
func TestRecallBeforeItsDocument(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, nil)
	b := newDesk(t, h.URL, orgB, sysB, deskOptions{})
	docID := documentID(t, "21")
	recall := statusPacket(t, inbox.StatusRecall, docID, "Ban hành nhầm", time.Now())
	sendRaw(t, h.URL, sysA, axis.MessageStatus, []string{orgB.Code}, recall)
	for range 2 {
		if rep := b.once(t); rep.Waiting != 1 || rep.Statuses != 0 || rep.Quarantined != 0 {
			t.Fatalf("pass: %+v, want the recall request waiting", rep)
		}
	}
	if p := h.pending(t, orgB.Code, "status"); len(p) != 1 || p[0].Delivery.Status != "pending" {
		t.Fatalf("the waiting request on the hub: %+v", p)
	}
	sendRaw(t, h.URL, sysA, axis.MessageEdoc, []string{orgB.Code}, packet(t, orgA, orgB, "21", "V/v bị thu hồi"))
	if rep := b.once(t); rep.Received != 1 || rep.Statuses != 1 || rep.Waiting != 0 {
		t.Fatalf("pass: %+v, want the document and the request", rep)
	}
	id := b.incoming(t)[docID].ID
	doc, _ := b.store.Get(ctx, id)
	if doc.State != inbox.StateRecallRequested || doc.RecallReason != "Ban hành nhầm" {
		t.Fatalf("after the request: %s %q", doc.State, doc.RecallReason)
	}
	if err := b.store.RefuseRecall(ctx, id, clerk, "Đã triển khai"); err != nil {
		t.Fatal(err)
	}
	// The same request again (a sender's retry whose first answer was lost).
	sendRaw(t, h.URL, sysA, axis.MessageStatus, []string{orgB.Code}, recall)
	if rep := b.once(t); rep.Duplicates != 1 || rep.Statuses != 0 {
		t.Errorf("a copy of the request: %+v, want a duplicate", rep)
	}
	if doc, _ := b.store.Get(ctx, id); doc.State != inbox.StateArrived {
		t.Errorf("after the copy: %s, want arrived (the refusal stands)", doc.State)
	}
	// A new request (another reason) is one.
	sendRaw(t, h.URL, sysA, axis.MessageStatus, []string{orgB.Code}, statusPacket(t, inbox.StatusRecall, docID, "Sai thẩm quyền", time.Now()))
	if rep := b.once(t); rep.Statuses != 1 {
		t.Errorf("a new request: %+v", rep)
	}
	if doc, _ := b.store.Get(ctx, id); doc.State != inbox.StateRecallRequested {
		t.Errorf("after a new request: %s", doc.State)
	}
}

// TestOrphanRecall: a recall request whose document never comes is
// refused after OrphanAfter.
func TestOrphanRecall(t *testing.T) {
	h := newHub(t, nil)
	b := newDesk(t, h.URL, orgB, sysB, deskOptions{engine: func(o *courier.Options) { o.OrphanAfter = time.Millisecond }})
	sendRaw(t, h.URL, sysA, axis.MessageStatus, []string{orgB.Code}, statusPacket(t, inbox.StatusRecall, documentID(t, "31"), "x", time.Now()))
	time.Sleep(5 * time.Millisecond)
	if rep := b.once(t); rep.Quarantined != 1 {
		t.Fatalf("pass: %+v, want the orphan refused", rep)
	}
	q, _ := b.eng.Quarantine()
	if len(q) != 1 || !strings.Contains(q[0].Reason, "never arrived") {
		t.Errorf("quarantine: %+v", q)
	}
}

// TestSendRefusals: a refusal that will not change marks the row failed;
// a passing one schedules a retry with backoff.
func TestSendRefusals(t *testing.T) {
	ctx := context.Background()
	var failing atomic.Bool
	h := newHub(t, nil)
	// A hub that answers 503 to everything while failing is set.
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(axis.Envelope{Status: "FAIL", ErrorCode: axis.CodeUnavailable, ErrorDesc: "bảo trì"})
			return
		}
		h.srv.ServeHTTP(w, r)
	}))
	defer front.Close()
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	a := newDesk(t, front.URL, orgA, sysA, deskOptions{
		now: clock,
		engine: func(o *courier.Options) {
			o.RetryBase, o.RetryMax = time.Minute, time.Hour
			o.Rand = func() float64 { return 0.5 }
		},
		client: func(c *axis.ClientOptions) { c.Retries = -1 },
	})
	stranger := inbox.Organization{Code: "000.00.00.Z99", Name: "Cơ quan không có trên trục"}
	docX, _ := a.issue(t, "V/v gửi nhầm", a.putPDF(t, "ky.pdf", sample.SimplePDF(1)), nil, stranger)
	rep := a.once(t)
	if rep.Refused != 1 || rep.Sent != 0 {
		t.Fatalf("pass: %+v, want 1 refused", rep)
	}
	rows, _ := a.store.Outbox(ctx, docX)
	if rows[0].State != inbox.OutboxFailed || !strings.Contains(rows[0].LastError, axis.CodeUnknownRecipient) {
		t.Errorf("refused row: %+v", rows[0])
	}
	if st := a.eng.Status(ctx); st.OutboxFailed != 1 || st.Outbox != 0 {
		t.Errorf("status: %+v", st)
	}

	failing.Store(true)
	docY, _ := a.issue(t, "V/v gửi khi trục bảo trì", a.putPDF(t, "ky2.pdf", sample.SimplePDF(1)), nil, orgB)
	if rep, err := a.eng.Once(ctx); rep.Postponed != 1 || rep.Offline || err == nil {
		t.Fatalf("pass against a failing axis: %+v, %v; want the send postponed and the lists failed", rep, err)
	}
	rows, _ = a.store.Outbox(ctx, docY)
	// First retry after RetryBase jittered to 3/4 of it.
	near := func(got, want time.Time) bool { return got.Sub(want).Abs() < 5*time.Second }
	if r := rows[0]; r.State != inbox.OutboxPending || r.Attempts != 1 || !near(r.NextAttemptAt, clock().Add(45*time.Second)) ||
		!strings.Contains(r.LastError, "UNAVAILABLE") {
		t.Errorf("postponed row: %+v, want retry at %s", r, clock().Add(45*time.Second))
	}
	if rep, _ := a.eng.Once(ctx); rep.Postponed != 0 || rep.Sent != 0 {
		t.Errorf("a pass before the retry is due: %+v", rep)
	}
	// Later attempts back off exponentially.
	offset.Add(int64(time.Minute))
	_, _ = a.eng.Once(ctx)
	rows, _ = a.store.Outbox(ctx, docY)
	if r := rows[0]; r.Attempts != 2 || !near(r.NextAttemptAt, clock().Add(90*time.Second)) {
		t.Errorf("second retry: %+v, want at %s", r, clock().Add(90*time.Second))
	}
	failing.Store(false)
	offset.Add(int64(2 * time.Minute))
	if rep := a.once(t); rep.Sent != 1 {
		t.Errorf("pass once the axis is back: %+v", rep)
	}
	// The failed row is sent again when the clerk says so.
	if _, err := a.store.Resend(ctx, docX, clerk, []inbox.Organization{orgC}); err != nil {
		t.Fatal(err)
	}
	if rep := a.once(t); rep.Sent != 1 {
		t.Errorf("pass after Resend: %+v", rep)
	}
}

// TestGetWithoutDownload: an axis without downloadEdoc is read with
// getEdoc.
func TestGetWithoutDownload(t *testing.T) {
	h := newHub(t, nil)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/"+axis.CallDownloadEdoc {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_ = json.NewEncoder(w).Encode(axis.Envelope{Status: "FAIL", ErrorCode: axis.CodeNotFound, ErrorDesc: "no such call"})
			return
		}
		h.srv.ServeHTTP(w, r)
	}))
	defer front.Close()
	b := newDesk(t, front.URL, orgB, sysB, deskOptions{})
	for i := range 3 {
		sendRaw(t, h.URL, sysA, axis.MessageEdoc, []string{orgB.Code}, packet(t, orgA, orgB, "4"+string(rune('0'+i)), "V/v đọc bằng getEdoc"))
	}
	if rep := b.once(t); rep.Received != 3 || rep.Failures() != 0 {
		t.Fatalf("pass: %+v", rep)
	}
	if !strings.Contains(b.logs.String(), "getEdoc") {
		t.Error("the switch to getEdoc is not logged")
	}
}

// TestPartialBatchCommitted: documents that are ready do not wait for a
// batch to fill while a later download is slow; they are committed once
// the first of them has waited (commitWait, 100 ms).
func TestPartialBatchCommitted(t *testing.T) {
	h := newHub(t, nil)
	for i := range 3 {
		sendRaw(t, h.URL, sysA, axis.MessageEdoc, []string{orgB.Code}, packet(t, orgA, orgB, "6"+string(rune('0'+i)), "V/v tải chậm"))
	}
	queue := h.pending(t, orgB.Code, hub.MessageEdoc)
	if len(queue) != 3 {
		t.Fatalf("%d packets wait for B, want 3", len(queue))
	}
	slow := queue[2].Delivery.DocID // listed last
	release := make(chan struct{})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/"+axis.CallDownloadEdoc && r.Header.Get("XroadVnpt-docId") == slow {
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		h.srv.ServeHTTP(w, r)
	}))
	defer front.Close()
	b := newDesk(t, front.URL, orgB, sysB, deskOptions{})
	done := make(chan courier.Report, 1)
	go func() {
		rep, err := b.eng.Once(context.Background())
		if err != nil {
			t.Error(err)
		}
		done <- rep
	}()
	deadline := time.Now().Add(10 * time.Second)
	for len(b.incoming(t)) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	stored := len(b.incoming(t))
	close(release)
	rep := <-done
	if stored != 2 {
		t.Errorf("while the third download was held, %d documents were stored, want the two ready", stored)
	}
	if rep.Received != 3 || rep.Failures() != 0 || len(b.incoming(t)) != 3 {
		t.Errorf("pass: %+v, %d documents stored, want 3", rep, len(b.incoming(t)))
	}
}

// TestDirectory: the agency registry is fetched, kept on disk and searched
// without diacritics.
func TestDirectory(t *testing.T) {
	ctx := context.Background()
	h := newHub(t, nil)
	extra := []axis.Agency{
		{Code: "000.00.00.H29", Name: "UBND tỉnh Đồng Tháp"},
		{Code: "000.00.01.H41", Name: "Sở Thông tin và Truyền thông tỉnh Nghệ An", OldCode: "H41.01"},
		{Code: "000.00.00.H26", Name: "UBND thành phố Hà Nội"},
	}
	for _, ag := range extra {
		if err := client(t, h.URL, sysA).RegisterAgency(ctx, ag); err != nil {
			t.Fatal(err)
		}
	}
	b := newDesk(t, h.URL, orgB, sysB, deskOptions{})
	if err := b.eng.RefreshAgencies(ctx); err != nil {
		t.Fatal(err)
	}
	dir := b.eng.Directory()
	if n := len(dir.All()); n != 6 || dir.Updated().IsZero() {
		t.Fatalf("%d agencies, updated %v", n, dir.Updated())
	}
	codes := func(list []courier.Agency) string {
		var s []string
		for _, a := range list {
			s = append(s, a.Code)
		}
		return strings.Join(s, " ")
	}
	for _, c := range []struct{ q, want string }{
		{"dong thap", "000.00.00.H29"},
		{"ĐỒNG THÁP", "000.00.00.H29"},
		{"nghe an", "000.00.01.H41 000.00.00.H41"}, // words that start words, by name
		{"so thong tin", "000.00.01.H41"},
		{"ha", "000.00.00.H26 000.00.00.H23 000.00.00.H29"}, // "Hà …" words first, then "Tháp"
		{"000.00.00.g22", "000.00.00.G22"},
		{"H41.01", "000.00.01.H41"},
		{"hà nội", "000.00.00.H26"},
		{"không có", ""},
	} {
		if got := codes(dir.Search(c.q, 0)); got != c.want {
			t.Errorf("Search(%q) = %q, want %q", c.q, got, c.want)
		}
	}
	if got := dir.Search("", 2); len(got) != 2 {
		t.Errorf("Search with a limit: %d", len(got))
	}
	if a, ok := dir.Lookup(orgC.Code); !ok || a.Name != orgC.Name {
		t.Errorf("Lookup: %+v %v", a, ok)
	}
	// Offline, from the file.
	again, err := courier.OpenDirectory(b.dir)
	if err != nil || len(again.All()) != 6 || !again.Updated().Equal(dir.Updated()) {
		t.Errorf("the directory read back: %d agencies, %v", len(again.All()), err)
	}
	if err := os.WriteFile(filepath.Join(b.dir, "agencies.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := courier.OpenDirectory(b.dir); err == nil {
		t.Error("a damaged directory file was read")
	}
	empty, err := courier.OpenDirectory(t.TempDir())
	if err != nil || len(empty.All()) != 0 || !empty.Updated().IsZero() {
		t.Errorf("no directory yet: %v", err)
	}
}

// TestNewRefuses checks the engine's required options.
func TestNewRefuses(t *testing.T) {
	d := newDesk(t, "", orgA, sysA, deskOptions{offline: true})
	other, err := inbox.Open(context.Background(), t.TempDir(), inbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	for name, o := range map[string]courier.Options{
		"no store":          {DataDir: t.TempDir()},
		"no data directory": {Store: d.store},
		"no sender":         {Store: d.store, DataDir: t.TempDir(), Axis: client(t, "http://127.0.0.1:1", sysA)},
		"another store":     {Store: d.store, DataDir: t.TempDir(), Importer: &inbox.Importer{Store: other}},
	} {
		if _, err := courier.New(o); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	if _, err := courier.New(courier.Options{Store: d.store, DataDir: t.TempDir()}); err != nil {
		t.Errorf("an offline engine: %v", err)
	}
	if !errors.Is(courier.ErrOffline, courier.ErrOffline) {
		t.Fatal()
	}
}
