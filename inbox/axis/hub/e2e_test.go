package hub_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/axis/hub"
)

// receiverDocIDs maps each recipient of a sent packet to its docId.
func receiverDocIDs(t *testing.T, c *axis.Client, mt axis.MessageType, packetID string) map[string]axis.SentItem {
	t.Helper()
	items, err := c.SentList(ctxT(t), mt, packetID)
	mustOK(t, "sent list", err)
	out := map[string]axis.SentItem{}
	for _, it := range items {
		out[it.ToCode] = it
	}
	return out
}

func TestEndToEnd(t *testing.T) {
	e := newEnv(t)
	a, b, c := e.client(sysA), e.client(sysB), e.client(sysC)
	ctx := ctxT(t)

	// A sends one document to B and C, routed by the packet's own To.
	doc := edoc(agVPCP, []string{agNghean, agHanam}, "7816", "Về việc triển khai trục liên thông")
	packetID, err := a.Send(ctx, axis.MessageEdoc, agVPCP, nil, bytes.NewReader(doc), int64(len(doc)))
	mustOK(t, "send", err)
	sent := receiverDocIDs(t, a, axis.MessageEdoc, packetID)
	if len(sent) != 2 || sent[agNghean].ReceiverDocID == "" || sent[agHanam].ReceiverDocID == "" ||
		sent[agNghean].ReceiverDocID == sent[agHanam].ReceiverDocID || sent[agNghean].ReceiverDocID == packetID {
		t.Fatalf("sent list: got %+v, want one distinct docId for each of B and C", sent)
	}
	bDoc, cDoc := sent[agNghean].ReceiverDocID, sent[agHanam].ReceiverDocID
	if it := sent[agNghean]; it.SendStatus != "sent" || it.ReceiveStatus != hub.StatusPending || it.ReceivedTime != "" ||
		it.Title != "Về việc triển khai trục liên thông" || it.Notation != "7816/VPCP-TTĐT" || it.FromCode != agVPCP || it.SentTime == "" {
		t.Errorf("sent row of B before anything: %+v", it)
	}

	// B: count, list, get, acknowledge done.
	n, err := b.CountReceived(ctx, axis.MessageEdoc)
	mustOK(t, "count", err)
	if n != 1 {
		t.Errorf("B's count: got %d, want 1", n)
	}
	list, err := b.ReceivedList(ctx, axis.MessageEdoc)
	mustOK(t, "list", err)
	if len(list) != 1 || list[0].DocID != bDoc || list[0].From != agVPCP || list[0].To != agNghean ||
		list[0].MessageType != axis.MessageEdoc || list[0].Status != hub.StatusPending || list[0].Created == "" {
		t.Fatalf("B's list: got %+v, want %s", list, bDoc)
	}
	got, err := b.Get(ctx, bDoc)
	mustOK(t, "get", err)
	if !bytes.Equal(got, doc) {
		t.Error("B's getEdoc: not the packet sent")
	}
	mustOK(t, "done", b.UpdateStatus(ctx, bDoc, axis.StatusDone, ""))
	mustOK(t, "done again", b.UpdateStatus(ctx, bDoc, axis.StatusDone, ""))
	if list, _ = b.ReceivedList(ctx, axis.MessageEdoc); len(list) != 0 {
		t.Errorf("B's list after done: got %+v, want none", list)
	}

	// C: download (streamed), processing, still listed.
	rc, err := c.Download(ctx, cDoc)
	mustOK(t, "download", err)
	got, err = io.ReadAll(rc)
	_ = rc.Close()
	mustOK(t, "download read", err)
	if !bytes.Equal(got, doc) {
		t.Error("C's downloadEdoc: not the packet sent")
	}
	mustOK(t, "processing", c.UpdateStatus(ctx, cDoc, axis.StatusProcessing, ""))
	if list, _ = c.ReceivedList(ctx, axis.MessageEdoc); len(list) != 1 || list[0].Status != hub.StatusProcessing {
		t.Errorf("C's list while processing: got %+v, want the packet, processing", list)
	}
	// C cannot see B's copy; B cannot acknowledge C's.
	if _, err := c.Get(ctx, bDoc); !isCode(err, axis.CodeNotFound) {
		t.Errorf("C gets B's copy: got %v, want NOT_FOUND", err)
	}
	if err := b.UpdateStatus(ctx, cDoc, axis.StatusDone, ""); !isCode(err, axis.CodeNotFound) {
		t.Errorf("B acknowledges C's copy: got %v, want NOT_FOUND", err)
	}
	if err := b.UpdateStatus(ctx, bDoc, axis.StatusFail, "late"); !isCode(err, axis.CodeBadRequest) {
		t.Errorf("fail after done: got %v, want BAD_REQUEST", err)
	}

	// A's sent list: per recipient state.
	sent = receiverDocIDs(t, a, axis.MessageEdoc, packetID)
	if it := sent[agNghean]; it.ReceiveStatus != hub.StatusDone || it.ReceivedTime == "" {
		t.Errorf("sent row of B: got %+v, want done and a received time", it)
	}
	if it := sent[agHanam]; it.ReceiveStatus != hub.StatusProcessing || it.ReceivedTime == "" {
		t.Errorf("sent row of C: got %+v, want processing and a received time", it)
	}

	// B answers with a status packet (03, registered), routed back to A by
	// its ResponseFor.
	st := statusPacket(agNghean, agVPCP, docID(agVPCP, "7816"), "03", "Đã vào sổ văn bản đến")
	stID, err := b.Send(ctx, axis.MessageStatus, agNghean, nil, bytes.NewReader(st), -1)
	mustOK(t, "send status", err)
	if n, _ := a.CountReceived(ctx, axis.MessageStatus); n != 1 {
		t.Errorf("A's status count: got %d, want 1", n)
	}
	if n, _ := a.CountReceived(ctx, axis.MessageEdoc); n != 0 {
		t.Errorf("A's edoc count: got %d, want 0", n)
	}
	sl, err := a.ReceivedList(ctx, axis.MessageStatus)
	mustOK(t, "status list", err)
	if len(sl) != 1 || sl[0].From != agNghean || sl[0].MessageType != axis.MessageStatus {
		t.Fatalf("A's status list: got %+v", sl)
	}
	got, err = a.Get(ctx, sl[0].DocID)
	mustOK(t, "get status", err)
	if !bytes.Equal(got, st) {
		t.Error("A's status packet: not the one B sent")
	}
	mustOK(t, "status done", a.UpdateStatus(ctx, sl[0].DocID, axis.StatusDone, ""))
	rows := e.sentRows(sysA, packetID)
	for _, r := range rows {
		want := ""
		if r["toCode"] == agNghean {
			want = "03"
		}
		if r["businessStatus"] != nil && r["businessStatus"] != want || r["businessStatus"] == nil && want != "" {
			t.Errorf("A's sent row for %v: business status %v, want %q", r["toCode"], r["businessStatus"], want)
		}
		if r["documentId"] != docID(agVPCP, "7816") {
			t.Errorf("A's sent row: documentId %v", r["documentId"])
		}
	}
	bSent := receiverDocIDs(t, b, axis.MessageStatus, stID)
	if len(bSent) != 1 || bSent[agVPCP].ReceiveStatus != hub.StatusDone {
		t.Errorf("B's sent status: got %+v", bSent)
	}

	// Mailboxes: A writes to B's leader; B receives it addressed so.
	memo := edoc(agVPCP, []string{agNghean}, "12", "Xin ý kiến lãnh đạo")
	_, err = a.Send(ctx, axis.MessageEdoc, agVPCP, []string{agNghean + "/lanhdao"}, bytes.NewReader(memo), -1)
	mustOK(t, "send to mailbox", err)
	list, err = b.ReceivedList(ctx, axis.MessageEdoc)
	mustOK(t, "list", err)
	if len(list) != 1 || list[0].To != agNghean+"/lanhdao" {
		t.Errorf("B's list: got %+v, want the memo to lanhdao", list)
	}
	// Inside B's agency: the clerk's mailbox forwards to the leader's.
	inner := edoc(agNghean, []string{agNghean}, "3", "Trình lãnh đạo")
	_, err = b.Send(ctx, axis.MessageEdoc, agNghean+"/vanthu", []string{agNghean + "/lanhdao", agNghean + "/lanhdao"}, bytes.NewReader(inner), -1)
	mustOK(t, "send inside the agency", err)
	if n, _ := b.CountReceived(ctx, axis.MessageEdoc); n != 2 {
		t.Errorf("B's count with its mailboxes: got %d, want 2 (a repeated recipient counts once)", n)
	}
	for _, bad := range [][]string{{agNghean + "/ketoan"}, {agHanam + "/lanhdao"}, {"000.00.00.X99"}, {"H41"}} {
		_, err := a.Send(ctx, axis.MessageEdoc, agVPCP, bad, bytes.NewReader(memo), -1)
		if !isCode(err, axis.CodeUnknownRecipient) {
			t.Errorf("send to %v: got %v, want UNKNOWN_RECIPIENT", bad, err)
		}
	}

	// Agencies.
	ags, err := a.Agencies(ctx)
	mustOK(t, "agencies", err)
	var codes []string
	for _, ag := range ags {
		codes = append(codes, ag.Code)
	}
	if !slices.Equal(codes, []string{agVPCP, agHanam, agNghean}) {
		t.Errorf("agencies: got %v", codes)
	}
	raw := e.do(rawCall{name: axis.CallAgencies, sys: sysC})
	var items []struct {
		Code      string   `json:"code"`
		ID        string   `json:"id"`
		Mailboxes []string `json:"mailboxes"`
	}
	mustOK(t, "agencies JSON", json.Unmarshal(raw.env.Data, &items))
	for _, it := range items {
		if it.Code == agNghean && !slices.Equal(it.Mailboxes, []string{"lanhdao", "vanthu"}) || it.ID == "" {
			t.Errorf("agency item %+v", it)
		}
	}
	sub := axis.Agency{Code: "000.01.00.G22", Name: "Cổng Thông tin điện tử Chính phủ", ParentID: "1"}
	mustOK(t, "register", a.RegisterAgency(ctx, sub))
	mustOK(t, "register again", a.RegisterAgency(ctx, sub))
	if err := b.DeleteAgency(ctx, sub.Code); !isCode(err, hub.CodeForbidden) {
		t.Errorf("B deletes A's agency: got %v, want FORBIDDEN", err)
	}
	if err := b.RegisterAgency(ctx, axis.Agency{Code: sub.Code, Name: "chiếm"}); !isCode(err, hub.CodeForbidden) {
		t.Errorf("B takes over A's agency: got %v, want FORBIDDEN", err)
	}
	if err := b.RegisterAgency(ctx, axis.Agency{Code: agVPCP, Name: "chiếm"}); !isCode(err, hub.CodeForbidden) {
		t.Errorf("B renames A's configured agency: got %v, want FORBIDDEN", err)
	}
	mustOK(t, "B renames its own agency", b.RegisterAgency(ctx, axis.Agency{Code: agNghean, Name: "UBND tỉnh Nghệ An"}))
	if err := a.DeleteAgency(ctx, agNghean); !isCode(err, hub.CodeForbidden) {
		t.Errorf("A deletes B's agency: got %v, want FORBIDDEN", err)
	}
	if err := a.DeleteAgency(ctx, agVPCP); !isCode(err, hub.CodeForbidden) {
		t.Errorf("A deletes its own configured agency: got %v, want FORBIDDEN", err)
	}
	if err := a.RegisterAgency(ctx, axis.Agency{Code: "G22", Name: "x"}); !isCode(err, axis.CodeBadRequest) {
		t.Errorf("register a malformed code: got %v, want BAD_REQUEST", err)
	}
	// A registered agency is a recipient even with no system to read it.
	_, err = a.Send(ctx, axis.MessageEdoc, agVPCP, []string{sub.Code}, bytes.NewReader(memo), -1)
	mustOK(t, "send to the new agency", err)
	mustOK(t, "delete", a.DeleteAgency(ctx, sub.Code))
	if err := a.DeleteAgency(ctx, sub.Code); !isCode(err, axis.CodeNotFound) {
		t.Errorf("delete twice: got %v, want NOT_FOUND", err)
	}
	if _, err = a.Send(ctx, axis.MessageEdoc, agVPCP, []string{sub.Code}, bytes.NewReader(memo), -1); !isCode(err, axis.CodeUnknownRecipient) {
		t.Errorf("send to a deleted agency: got %v, want UNKNOWN_RECIPIENT", err)
	}
}

func isCode(err error, code string) bool {
	var ae *axis.Error
	return errors.As(err, &ae) && ae.Code == code
}

func TestRestart(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	doc := edoc(agVPCP, []string{agNghean, agHanam}, "100", "Lưu giữ qua khởi động lại")
	packetID, err := e.client(sysA).Send(ctx, axis.MessageEdoc, agVPCP, nil, bytes.NewReader(doc), -1)
	mustOK(t, "send", err)
	list, err := e.client(sysC).ReceivedList(ctx, axis.MessageEdoc)
	mustOK(t, "list", err)
	mustOK(t, "done", e.client(sysC).UpdateStatus(ctx, list[0].DocID, axis.StatusDone, ""))
	used := e.request(rawCall{name: axis.CallCountEdoc, method: http.MethodGet, sys: sysB})
	resp, err := e.hs.Client().Do(used)
	mustOK(t, "count", err)
	_ = resp.Body.Close()
	before := e.counts()

	e.restart()

	if after := e.counts(); after != before {
		t.Errorf("counts: %+v before the restart, %+v after", before, after)
	}
	b := e.client(sysB)
	list, err = b.ReceivedList(ctx, axis.MessageEdoc)
	mustOK(t, "list after restart", err)
	if len(list) != 1 {
		t.Fatalf("B's list after the restart: got %+v", list)
	}
	rc, err := b.Download(ctx, list[0].DocID)
	mustOK(t, "download", err)
	got, _ := io.ReadAll(rc)
	_ = rc.Close()
	if !bytes.Equal(got, doc) {
		t.Error("the packet changed across the restart")
	}
	sent := receiverDocIDs(t, e.client(sysA), axis.MessageEdoc, packetID)
	if sent[agHanam].ReceiveStatus != hub.StatusDone || sent[agNghean].ReceiveStatus != hub.StatusPending {
		t.Errorf("A's sent list after the restart: %+v", sent)
	}
	// The replay memory survives too: the request used before is refused.
	replay := used.Clone(ctx)
	replay.URL.Host = e.hs.Listener.Addr().String()
	replay.Host = ""
	resp, err = e.hs.Client().Do(replay)
	mustOK(t, "replay", err)
	defer resp.Body.Close()
	var env axis.Envelope
	_ = json.NewDecoder(resp.Body).Decode(&env)
	if resp.StatusCode != http.StatusUnauthorized || env.ErrorCode != axis.CodeAuthReplay {
		t.Errorf("replay after the restart: got %d %s, want 401 AUTH_REPLAY", resp.StatusCode, env.ErrorCode)
	}
}

// TestListCacheFresh lists B's queue from several clients at once while
// packets are sent to B and acknowledged: a list that starts after an
// acknowledgement returned leaves that packet out, and one that starts
// after a packet was seen listed holds it unless its acknowledgement has
// begun (the list cache never answers what was true before).
func TestListCacheFresh(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	sender, b := e.client(sysA), e.client(sysB)
	var mu sync.Mutex
	seen, acking, acked := map[string]bool{}, map[string]bool{}, map[string]bool{}
	snapshot := func(m map[string]bool) map[string]bool {
		mu.Lock()
		defer mu.Unlock()
		return maps.Clone(m)
	}
	mark := func(m map[string]bool, id string) {
		mu.Lock()
		m[id] = true
		mu.Unlock()
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				wantSeen, wantAcked := snapshot(seen), snapshot(acked)
				list, err := b.ReceivedList(ctx, axis.MessageEdoc)
				if err != nil {
					t.Error(err)
					return
				}
				listed := map[string]bool{}
				for _, it := range list {
					listed[it.DocID] = true
					if wantAcked[it.DocID] {
						t.Errorf("%s listed after its acknowledgement returned", it.DocID)
					}
				}
				gone := snapshot(acking)
				for id := range wantSeen {
					if !listed[id] && !gone[id] {
						t.Errorf("%s, listed before, missing from a later list", id)
					}
				}
			}
		})
	}
	for i := range 30 {
		if _, err := sender.Send(ctx, axis.MessageEdoc, sysA.Agency, nil,
			bytes.NewReader(edoc(sysA.Agency, []string{sysB.Agency}, fmt.Sprint(9000+i), "Danh sách mới")), -1); err != nil {
			t.Fatal(err)
		}
		list, err := b.ReceivedList(ctx, axis.MessageEdoc)
		if err != nil {
			t.Fatal(err)
		}
		if want := i + 1 - len(snapshot(acked)); len(list) != want {
			t.Fatalf("after send %d: %d listed, want %d", i, len(list), want)
		}
		for _, it := range list {
			mark(seen, it.DocID)
		}
		if i%2 == 1 {
			for _, it := range list {
				mark(acking, it.DocID)
				if err := b.UpdateStatus(ctx, it.DocID, axis.StatusDone, ""); err != nil {
					t.Fatal(err)
				}
				mark(acked, it.DocID)
			}
		}
	}
	close(stop)
	wg.Wait()
}

// TestListGzip answers a long list gzipped to a client that accepts it
// (as Go's client does unless told otherwise), plain to one that does
// not, and the same list either way.
func TestListGzip(t *testing.T) {
	e := newEnv(t)
	sender := e.client(sysA)
	for i := range 12 {
		if _, err := sender.Send(ctxT(t), axis.MessageEdoc, sysA.Agency, nil,
			bytes.NewReader(edoc(sysA.Agency, []string{sysB.Agency}, fmt.Sprint(7000+i), "Danh sách dài")), -1); err != nil {
			t.Fatal(err)
		}
	}
	list := func(accept string) (answer, []byte) {
		t.Helper()
		req := e.request(rawCall{name: axis.CallReceivedList, sys: sysB, headers: []axis.Header{{Name: axis.HServiceType, Value: "eDoc"}},
			mutate: func(r *http.Request) { r.Header.Set("Accept-Encoding", accept) }})
		resp, err := e.hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		a := answer{status: resp.StatusCode, header: resp.Header}
		if a.body, err = io.ReadAll(resp.Body); err != nil || a.status != http.StatusOK {
			t.Fatalf("Accept-Encoding %q: HTTP %d, %v", accept, a.status, err)
		}
		body := a.body
		if a.header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(a.body))
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		return a, body
	}
	plain, want := list("identity")
	if plain.header.Get("Content-Encoding") != "" {
		t.Errorf("identity: Content-Encoding %q", plain.header.Get("Content-Encoding"))
	}
	var env axis.Envelope
	var items []axis.ReceivedItem
	if err := json.Unmarshal(want, &env); err != nil || json.Unmarshal(env.Data, &items) != nil || len(items) != 12 {
		t.Fatalf("plain list: %v, %d items", err, len(items))
	}
	for _, accept := range []string{"gzip", "deflate, gzip;q=0.5", "br, *"} {
		a, got := list(accept)
		if a.header.Get("Content-Encoding") != "gzip" || len(a.body) >= len(want) || !bytes.Equal(got, want) {
			t.Errorf("%q: Content-Encoding %q, %d bytes for %d, same list %v", accept, a.header.Get("Content-Encoding"), len(a.body), len(want), bytes.Equal(got, want))
		}
		if !strings.Contains(strings.Join(a.header.Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("%q: no Vary: Accept-Encoding", accept)
		}
	}
	for _, accept := range []string{"gzip;q=0", "*, gzip;q=0", "br"} {
		if a, got := list(accept); a.header.Get("Content-Encoding") != "" || !bytes.Equal(got, want) {
			t.Errorf("%q: Content-Encoding %q, same list %v", accept, a.header.Get("Content-Encoding"), bytes.Equal(got, want))
		}
	}
}
