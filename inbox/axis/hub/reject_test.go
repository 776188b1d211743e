package hub_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/axis/hub"
)

// TestRejections sends every kind of bad request and checks the answer's
// HTTP status and code, the JSON envelope, and that nothing was stored.
func TestRejections(t *testing.T) {
	const maxBody = 256 << 10
	e := newEnv(t, func(c *hub.Config) { c.MaxBody = maxBody })
	ctx := ctxT(t)
	good := edoc(agVPCP, []string{agNghean}, "1", "Hợp lệ")
	// One real delivery, to test reading others' documents.
	_, err := e.client(sysA).Send(ctx, axis.MessageEdoc, agVPCP, nil, bytes.NewReader(good), -1)
	mustOK(t, "send", err)
	list, err := e.client(sysB).ReceivedList(ctx, axis.MessageEdoc)
	mustOK(t, "list", err)
	bDoc := list[0].DocID

	withSend := func(data []byte, f func(*rawCall)) rawCall {
		c := sendCall(sysA, agVPCP, "edoc", nil, data)
		if f != nil {
			f(&c)
		}
		return c
	}
	setHeader := func(name, value string) func(*rawCall) {
		return func(c *rawCall) {
			for i, h := range c.headers {
				if h.Name == name {
					c.headers[i].Value = value
					return
				}
			}
			c.headers = append(c.headers, axis.Header{Name: name, Value: value})
		}
	}
	multipartOf := func(parts ...[2]string) (string, []byte) {
		var b strings.Builder
		for _, p := range parts {
			b.WriteString("--XYZ\r\nContent-Disposition: form-data; name=\"" + p[0] + "\"\r\n\r\n" + p[1] + "\r\n")
		}
		b.WriteString("--XYZ--\r\n")
		return "multipart/form-data; boundary=XYZ", []byte(b.String())
	}
	rawBody := func(ctype string, body []byte, hash string) func(*rawCall) {
		return func(c *rawCall) {
			c.ctype, c.body = ctype, body
			setHeader(axis.HHashFile, hash)(c)
		}
	}
	big := bytes.Repeat([]byte("x"), maxBody+1)
	wrongNS := bytes.Replace(good, []byte("QCVN_102_2016"), []byte("QCVN_102_2015"), 1)
	doctype := append([]byte(`<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY x "y">]>`), good[bytes.Index(good, []byte("<edXML:edXML")):]...)
	twoRoots := append(append([]byte{}, good...), []byte("<edXML:edXML xmlns:edXML=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\"/>")...)
	noHeader := []byte(`<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXMLEnvelope/></edXML>`)
	fileDoc := func(s string) [2]string { return [2]string{"file_doc", s} }
	other := func(s string) [2]string { return [2]string{"note", s} }
	twoCT, twoBody := multipartOf(fileDoc(string(good)), fileDoc(string(good)))
	noneCT, noneBody := multipartOf(other("x"))

	cases := []struct {
		name   string
		call   rawCall
		status int
		code   string
	}{
		// authentication
		{"unsigned", rawCall{name: axis.CallReceivedList}, 401, axis.CodeAuthMissing},
		{"wrong secret", rawCall{name: axis.CallReceivedList, sys: hub.System{ID: sysA.ID, Secret: []byte("đoán")}}, 401, axis.CodeAuthBadSignature},
		{"unknown system", rawCall{name: axis.CallReceivedList, sys: hub.System{ID: "ke-gian", Secret: sysA.Secret}}, 401, axis.CodeAuthUnknownSystem},
		{"stale timestamp", rawCall{name: axis.CallReceivedList, sys: sysA, at: time.Now().Add(-6 * time.Minute)}, 401, axis.CodeAuthStale},
		{"future timestamp", rawCall{name: axis.CallReceivedList, sys: sysA, at: time.Now().Add(6 * time.Minute)}, 401, axis.CodeAuthStale},
		{"no request id", rawCall{name: axis.CallReceivedList, sys: sysA, reqID: "-"}, 401, axis.CodeAuthMissing},
		{"header changed after signing", rawCall{name: axis.CallGetEdoc, sys: sysB, headers: []axis.Header{{Name: axis.HDocID, Value: "x"}},
			mutate: func(r *http.Request) { r.Header.Set("XroadVnpt-docId", bDoc) }}, 401, axis.CodeAuthMismatch},
		{"signed send altered (to)", withSend(good, func(c *rawCall) {
			c.mutate = func(r *http.Request) { r.Header.Set("XroadVnpt-to", `["`+agHanam+`"]`) }
		}), 401, axis.CodeAuthMismatch},
		{"content type swapped", withSend(good, func(c *rawCall) {
			c.mutate = func(r *http.Request) { r.Header.Set("Content-Type", "multipart/form-data; boundary=other") }
		}), 401, axis.CodeAuthMismatch},
		{"content type not as signed", rawCall{name: axis.CallReceivedList, sys: sysA,
			mutate: func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }}, 401, axis.CodeAuthMismatch},
		{"unsigned parameter added", rawCall{name: axis.CallReceivedList, sys: sysA,
			mutate: func(r *http.Request) { r.Header.Set("XroadVnpt-messagetype", "status") }}, 401, axis.CodeAuthMismatch},
		// method, call
		{"GET sendEdoc", rawCall{name: axis.CallSendEdoc, method: http.MethodGet, sys: sysA}, 405, hub.CodeMethodNotAllowed},
		{"POST downloadEdoc", rawCall{name: axis.CallDownloadEdoc, sys: sysB, headers: []axis.Header{{Name: axis.HDocID, Value: bDoc}}}, 405, hub.CodeMethodNotAllowed},
		{"DELETE countReceiveEdoc", rawCall{name: axis.CallCountEdoc, method: http.MethodDelete, sys: sysB}, 405, hub.CodeMethodNotAllowed},
		{"unknown call", rawCall{name: "dropTables", sys: sysA}, 404, axis.CodeNotFound},
		// sendEdoc
		{"hash-file wrong", withSend(good, setHeader(axis.HHashFile, sha([]byte("khác")))), 400, axis.CodeHashMismatch},
		{"hash-file missing", withSend(good, func(c *rawCall) { c.headers = c.headers[:len(c.headers)-1] }), 400, axis.CodeBadRequest},
		{"hash-file not hex", withSend(good, setHeader(axis.HHashFile, "xyz")), 400, axis.CodeBadRequest},
		{"from another agency", withSend(good, setHeader(axis.HFrom, agHanam)), 400, axis.CodeUnknownSender},
		{"from a mailbox it lacks", withSend(good, setHeader(axis.HFrom, agVPCP+"/lanhdao")), 400, axis.CodeUnknownSender},
		{"from missing", withSend(good, func(c *rawCall) { c.headers = c.headers[1:] }), 400, axis.CodeUnknownSender},
		{"packet from another agency", withSend(edoc(agHanam, []string{agNghean}, "2", "giả mạo"), nil), 400, axis.CodeUnknownSender},
		{"recipient unknown (to)", withSend(good, setHeader(axis.HTo, `["000.00.00.X99"]`)), 400, axis.CodeUnknownRecipient},
		{"recipient malformed (to)", withSend(good, setHeader(axis.HTo, `["không phải mã"]`)), 400, axis.CodeUnknownRecipient},
		{"recipient list not JSON", withSend(good, setHeader(axis.HTo, `[1,`)), 400, axis.CodeUnknownRecipient},
		{"recipient mailbox unknown", withSend(good, setHeader(axis.HTo, `["`+agNghean+`/ketoan"]`)), 400, axis.CodeUnknownRecipient},
		{"one recipient of two unknown", withSend(good, setHeader(axis.HTo, `["`+agNghean+`","000.00.00.X99"]`)), 400, axis.CodeUnknownRecipient},
		{"packet To unknown", withSend(edoc(agVPCP, []string{"000.00.00.X99"}, "3", "x"), nil), 400, axis.CodeUnknownRecipient},
		{"packet without To", withSend(edoc(agVPCP, nil, "4", "x"), nil), 400, axis.CodeUnknownRecipient},
		{"oversized (Content-Length)", withSend(big, nil), 413, axis.CodeTooLarge},
		{"oversized (chunked)", withSend(big, func(c *rawCall) { c.chunked = true }), 413, axis.CodeTooLarge},
		{"not multipart", withSend(good, rawBody("application/xml", good, sha(good))), 400, axis.CodeBadRequest},
		{"multipart without boundary", withSend(good, func(c *rawCall) { c.ctype = "multipart/form-data" }), 400, axis.CodeBadRequest},
		{"multipart truncated", withSend(good, func(c *rawCall) { c.body = c.body[:len(c.body)-20] }), 400, axis.CodeBadRequest},
		{"multipart other boundary", withSend(good, func(c *rawCall) {
			c.ctype = "multipart/form-data; boundary=nothere"
		}), 400, axis.CodeBadRequest},
		{"no file_doc part", withSend(good, rawBody(noneCT, noneBody, sha(good))), 400, axis.CodeBadRequest},
		{"two file_doc parts", withSend(good, rawBody(twoCT, twoBody, sha(good))), 400, axis.CodeBadRequest},
		{"not XML", withSend([]byte("%PDF-1.7 not edXML"), nil), 400, axis.CodeNotEdXML},
		{"empty file", withSend([]byte{}, nil), 400, axis.CodeNotEdXML},
		{"other root", withSend([]byte(`<edXMLx xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>`), nil), 400, axis.CodeNotEdXML},
		{"other namespace", withSend(wrongNS, nil), 400, axis.CodeNotEdXML},
		{"DOCTYPE", withSend(doctype, nil), 400, axis.CodeNotEdXML},
		{"two roots", withSend(twoRoots, nil), 400, axis.CodeNotEdXML},
		{"no MessageHeader", withSend(noHeader, nil), 400, axis.CodeNotEdXML},
		{"edoc sent as status", withSend(good, setHeader(axis.HMessageType, "status")), 400, axis.CodeBadRequest},
		{"status sent as edoc", withSend(statusPacket(agVPCP, agNghean, "d", "01", "x"), nil), 400, axis.CodeBadRequest},
		{"messagetype unknown", withSend(good, setHeader(axis.HMessageType, "fax")), 400, axis.CodeBadRequest},
		{"servicetype unknown", withSend(good, setHeader(axis.HServiceType, "eFax")), 400, axis.CodeBadRequest},
		// reading and acknowledging
		{"getEdoc unknown", rawCall{name: axis.CallGetEdoc, sys: sysB, headers: []axis.Header{{Name: axis.HDocID, Value: "nope"}}}, 404, axis.CodeNotFound},
		{"getEdoc of another system", rawCall{name: axis.CallGetEdoc, sys: sysC, headers: []axis.Header{{Name: axis.HDocID, Value: bDoc}}}, 404, axis.CodeNotFound},
		{"getEdoc without docId", rawCall{name: axis.CallGetEdoc, sys: sysB}, 400, axis.CodeBadRequest},
		{"downloadEdoc of another system", rawCall{name: axis.CallDownloadEdoc, method: http.MethodGet, sys: sysA, headers: []axis.Header{{Name: axis.HDocID, Value: bDoc}}}, 404, axis.CodeNotFound},
		{"updateStatus bogus", rawCall{name: axis.CallUpdateStatus, sys: sysB, headers: []axis.Header{{Name: axis.HDocID, Value: bDoc}, {Name: axis.HStatus, Value: "archived"}}}, 400, axis.CodeBadRequest},
		{"updateStatus reason too long", rawCall{name: axis.CallUpdateStatus, sys: sysB, headers: []axis.Header{{Name: axis.HDocID, Value: bDoc}, {Name: axis.HStatus, Value: "fail"}, {Name: axis.HReason, Value: strings.Repeat("x", axis.MaxReasonLen+1)}}}, 400, axis.CodeBadRequest},
		{"updateStatus of another system", rawCall{name: axis.CallUpdateStatus, sys: sysC, headers: []axis.Header{{Name: axis.HDocID, Value: bDoc}, {Name: axis.HStatus, Value: "done"}}}, 404, axis.CodeNotFound},
		{"sent list of another's packet", rawCall{name: axis.CallSentList, sys: sysC, headers: []axis.Header{{Name: axis.HDocID, Value: "x"}}}, 404, axis.CodeNotFound},
		{"count with the wrong messagetype", rawCall{name: axis.CallCountEdoc, method: http.MethodGet, sys: sysB, headers: []axis.Header{{Name: axis.HMessageType, Value: "status"}}}, 400, axis.CodeBadRequest},
		// agencies
		{"register not JSON", rawCall{name: axis.CallRegisterAgcy, sys: sysA, body: []byte("<agency/>")}, 400, axis.CodeBadRequest},
		{"register without name", rawCall{name: axis.CallRegisterAgcy, sys: sysA, body: []byte(`{"code":"000.00.09.G22"}`)}, 400, axis.CodeBadRequest},
		{"register bad code", rawCall{name: axis.CallRegisterAgcy, sys: sysA, body: []byte(`{"code":"G22","name":"x"}`)}, 400, axis.CodeBadRequest},
		{"register code twice", rawCall{name: axis.CallRegisterAgcy, sys: sysA, body: []byte(`{"code":"000.00.09.G22","Code":"000.00.08.G22","name":"x"}`)}, 400, axis.CodeBadRequest},
		{"register control characters", rawCall{name: axis.CallRegisterAgcy, sys: sysA, body: []byte(`{"code":"000.00.09.G22","name":"x\u0000y"}`)}, 400, axis.CodeBadRequest},
		{"register body altered", rawCall{name: axis.CallRegisterAgcy, sys: sysA, body: []byte(`{"code":"000.00.09.G22","name":"x"}`),
			headers: []axis.Header{{Name: axis.HHashFile, Value: sha([]byte("other"))}}}, 400, axis.CodeHashMismatch},
		{"register code not the signed one", rawCall{name: axis.CallRegisterAgcy, sys: sysA, body: []byte(`{"code":"000.00.09.G22","name":"x"}`),
			headers: []axis.Header{{Name: axis.HAgencyCode, Value: "000.00.08.G22"}}}, 400, axis.CodeBadRequest},
		{"register too large", rawCall{name: axis.CallRegisterAgcy, sys: sysA, body: bytes.Repeat([]byte(" "), 65<<10)}, 413, axis.CodeTooLarge},
		{"register another's agency", rawCall{name: axis.CallRegisterAgcy, sys: sysA, body: []byte(`{"code":"` + agNghean + `","name":"x"}`)}, 403, hub.CodeForbidden},
		{"delete without code", rawCall{name: axis.CallDeleteAgency, sys: sysA}, 400, axis.CodeBadRequest},
		{"delete unknown", rawCall{name: axis.CallDeleteAgency, sys: sysA, headers: []axis.Header{{Name: axis.HAgencyCode, Value: "000.00.00.X99"}}}, 404, axis.CodeNotFound},
		{"delete a configured agency", rawCall{name: axis.CallDeleteAgency, sys: sysA, headers: []axis.Header{{Name: axis.HAgencyCode, Value: agNghean}}}, 403, hub.CodeForbidden},
	}
	first := e.counts()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.counts()
			a := e.do(c.call)
			if a.status != c.status || a.env.ErrorCode != c.code {
				t.Errorf("got %s, want HTTP %d %s", describe(a), c.status, c.code)
			}
			if a.env.Status != "FAIL" || a.env.ErrorDesc == "" {
				t.Errorf("envelope: got %q", a.body)
			}
			if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("content type %q, want JSON", ct)
			}
			after := e.counts()
			if after.Packets != before.Packets || after.Deliveries != before.Deliveries || after.Agencies != before.Agencies || after.Systems != before.Systems {
				t.Errorf("something was stored: %+v before, %+v after", before, after)
			}
		})
	}
	// The one delivery is untouched.
	list, err = e.client(sysB).ReceivedList(ctx, axis.MessageEdoc)
	mustOK(t, "list", err)
	if len(list) != 1 || list[0].Status != hub.StatusPending {
		t.Errorf("B's list after the rejections: %+v", list)
	}
	// The unauthenticated requests left no trace in the replay memory.
	if c := e.counts(); c.Requests > first.Requests+len(cases) {
		t.Errorf("request ids: %d before, %d after %d requests", first.Requests, c.Requests, len(cases))
	}
}

func TestReplay(t *testing.T) {
	e := newEnv(t, func(c *hub.Config) { c.PruneEvery = 20 * time.Millisecond })
	req := e.request(rawCall{name: axis.CallCountEdoc, method: http.MethodGet, sys: sysB})
	resend := func() (int, string) {
		r := req.Clone(ctxT(t))
		resp, err := e.hs.Client().Do(r)
		mustOK(t, "request", err)
		defer resp.Body.Close()
		var env axis.Envelope
		_ = jsonDecode(resp.Body, &env)
		return resp.StatusCode, env.ErrorCode
	}
	if st, code := resend(); st != 200 || code != axis.CodeOK {
		t.Fatalf("first: got %d %s", st, code)
	}
	if st, code := resend(); st != 401 || code != axis.CodeAuthReplay {
		t.Errorf("replay: got %d %s, want 401 AUTH_REPLAY", st, code)
	}
	// The same request id from another system is not a replay.
	other := e.do(rawCall{name: axis.CallCountEdoc, method: http.MethodGet, sys: sysC, reqID: req.Header.Get("XroadVnpt-requestid")})
	if other.env.ErrorCode != axis.CodeOK {
		t.Errorf("same id, other system: %s", describe(other))
	}
	// Past the window the ids are forgotten (and the request is stale).
	if n := e.counts().Requests; n != 2 {
		t.Errorf("remembered ids: got %d, want 2", n)
	}
	e.clock.Advance(7 * time.Minute)
	deadline := time.Now().Add(5 * time.Second)
	for e.counts().Requests != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := e.counts().Requests; n != 0 {
		t.Errorf("remembered ids after the window: got %d, want 0", n)
	}
	if st, code := resend(); st != 401 || code != axis.CodeAuthStale {
		t.Errorf("replay after the window: got %d %s, want 401 AUTH_STALE", st, code)
	}
}

// TestReplayWrites replays the calls whose id is remembered by their own
// write (sendEdoc, downloadEdoc, getEdoc, updateStatus): each replay is
// refused before it answers anything or changes anything.
func TestReplayWrites(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	again := func(c rawCall) rawCall {
		t.Helper()
		c.reqID = axis.NewRequestID()
		if a := e.do(c); a.status != 200 {
			t.Fatalf("%s: first: %s", c.name, describe(a))
		}
		return c
	}
	refused := func(c rawCall) answer {
		t.Helper()
		a := e.do(c)
		if a.status != 401 || a.env.ErrorCode != axis.CodeAuthReplay {
			t.Errorf("%s replayed: got %s, want 401 AUTH_REPLAY", c.name, describe(a))
		}
		return a
	}

	send := again(sendCall(sysA, agVPCP, "edoc", nil, edoc(agVPCP, []string{agNghean}, "1", "Một lần")))
	before := e.counts()
	refused(send)
	if got := e.counts(); got.Packets != before.Packets || got.Deliveries != before.Deliveries {
		t.Errorf("a replayed sendEdoc stored something: %+v, then %+v", before, got)
	}
	list, err := e.client(sysB).ReceivedList(ctx, axis.MessageEdoc)
	mustOK(t, "list", err)
	if len(list) != 1 {
		t.Fatalf("B has %d documents, want 1", len(list))
	}
	doc := []axis.Header{{Name: axis.HDocID, Value: list[0].DocID}}

	for _, name := range []string{axis.CallDownloadEdoc, axis.CallGetEdoc} {
		method := http.MethodPost
		if name == axis.CallDownloadEdoc {
			method = http.MethodGet
		}
		c := again(rawCall{name: name, method: method, sys: sysB, headers: doc})
		if a := refused(c); bytes.Contains(a.body, []byte("edXML")) {
			t.Errorf("%s replayed: the answer holds the packet", name)
		}
	}
	entry, err := e.store.Entry(ctx, list[0].DocID)
	mustOK(t, "entry", err)
	if entry.Delivery.Fetched.IsZero() {
		t.Error("the downloads did not record the delivery as fetched")
	}

	status := func(st string) rawCall {
		return rawCall{name: axis.CallUpdateStatus, sys: sysB, headers: append(doc[:1:1], axis.Header{Name: axis.HStatus, Value: st})}
	}
	c := again(status("processing"))
	mustOK(t, "done", e.client(sysB).UpdateStatus(ctx, list[0].DocID, axis.StatusDone, ""))
	e.clock.Advance(time.Second)
	refused(c) // replaying processing after done: refused as a replay, not as final
	if entry, _ = e.store.Entry(ctx, list[0].DocID); entry.Delivery.Status != hub.StatusDone {
		t.Errorf("after the replay the delivery is %s, want done", entry.Delivery.Status)
	}
	// The refused replays changed nothing the store counts either.
	if got := e.counts(); got.Packets != before.Packets || got.Deliveries != before.Deliveries {
		t.Errorf("the replays stored something: %+v, then %+v", before, got)
	}
}

// TestOthersDeliveriesRemembered: a delivery the server has just served
// (and so remembers) is still unknown to every other system.
func TestOthersDeliveriesRemembered(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	_, err := e.client(sysA).Send(ctx, axis.MessageEdoc, agVPCP, nil, bytes.NewReader(edoc(agVPCP, []string{agNghean}, "1", "Của B")), -1)
	mustOK(t, "send", err)
	list, err := e.client(sysB).ReceivedList(ctx, axis.MessageEdoc)
	mustOK(t, "list", err)
	doc := []axis.Header{{Name: axis.HDocID, Value: list[0].DocID}}
	if a := e.do(rawCall{name: axis.CallDownloadEdoc, method: http.MethodGet, sys: sysB, headers: doc}); a.status != 200 {
		t.Fatalf("B's download: %s", describe(a))
	}
	for _, c := range []rawCall{
		{name: axis.CallDownloadEdoc, method: http.MethodGet, sys: sysC, headers: doc},
		{name: axis.CallGetEdoc, sys: sysC, headers: doc},
		{name: axis.CallUpdateStatus, sys: sysC, headers: append(doc[:1:1], axis.Header{Name: axis.HStatus, Value: "done"})},
	} {
		if a := e.do(c); a.status != 404 || a.env.ErrorCode != axis.CodeNotFound {
			t.Errorf("C's %s of B's document: got %s, want 404 NOT_FOUND", c.name, describe(a))
		}
	}
	mustOK(t, "B's acknowledgement", e.client(sysB).UpdateStatus(ctx, list[0].DocID, axis.StatusDone, ""))
	if entry, _ := e.store.Entry(ctx, list[0].DocID); entry.Delivery.Status != hub.StatusDone {
		t.Errorf("B's document is %s, want done", entry.Delivery.Status)
	}
}

func TestSDKCompat(t *testing.T) {
	noID := rawCall{name: axis.CallCountEdoc, method: http.MethodGet, sys: sysB, reqID: "-"}
	strict := newEnv(t)
	if a := strict.do(noID); a.env.ErrorCode != axis.CodeAuthMissing {
		t.Errorf("strict: got %s, want AUTH_MISSING", describe(a))
	}
	if strings.Contains(strict.logs.String(), "sdk compatibility") {
		t.Error("strict server logs sdk compatibility")
	}
	compat := newEnv(t, func(c *hub.Config) { c.SDKCompat = true })
	if !strings.Contains(compat.logs.String(), "sdk compatibility") {
		t.Errorf("the start-up log does not say sdk compatibility: %s", compat.logs.String())
	}
	for i := range 2 {
		if a := compat.do(noID); a.env.ErrorCode != axis.CodeOK {
			t.Errorf("compat request %d: got %s, want OK", i, describe(a))
		}
	}
	if a := compat.do(rawCall{name: axis.CallCountEdoc, method: http.MethodGet, sys: sysB, at: time.Now().Add(-10 * time.Minute), reqID: "-"}); a.env.ErrorCode != axis.CodeAuthStale {
		t.Errorf("compat stale: got %s, want AUTH_STALE", describe(a))
	}
	// Requests with an id are still held to it.
	withID := compat.request(rawCall{name: axis.CallCountEdoc, method: http.MethodGet, sys: sysB})
	for i, want := range []string{axis.CodeOK, axis.CodeAuthReplay} {
		resp, err := compat.hs.Client().Do(withID.Clone(ctxT(t)))
		mustOK(t, "request", err)
		var env axis.Envelope
		_ = jsonDecode(resp.Body, &env)
		_ = resp.Body.Close()
		if env.ErrorCode != want {
			t.Errorf("compat with id, request %d: got %s, want %s", i, env.ErrorCode, want)
		}
	}
	// The project's client in SDK mode works against it.
	tr, err := axis.NewVXP(compat.hs.URL, cred(sysB), axis.VXPOptions{SDKCompat: true})
	mustOK(t, "vxp", err)
	if _, err := axis.NewClient(tr, axis.ClientOptions{Retries: -1}).CountReceived(ctxT(t), axis.MessageEdoc); err != nil {
		t.Errorf("client in SDK mode: %v", err)
	}
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, func(c *hub.Config) { c.RateLimit = hub.RateLimit{PerSecond: 0.5, Burst: 3} })
	count := rawCall{name: axis.CallCountEdoc, method: http.MethodGet, sys: sysB}
	for i := range 3 {
		if a := e.do(count); a.env.ErrorCode != axis.CodeOK {
			t.Fatalf("request %d within the burst: %s", i, describe(a))
		}
	}
	a := e.do(count)
	if a.status != http.StatusTooManyRequests || a.env.ErrorCode != axis.CodeRateLimited {
		t.Errorf("beyond the burst: got %s, want 429 RATE_LIMITED", describe(a))
	}
	if ra := a.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After %q", ra)
	}
	// Other systems have their own bucket; unauthenticated requests take none.
	for range 5 {
		e.do(rawCall{name: axis.CallCountEdoc, method: http.MethodGet})
	}
	if a := e.do(rawCall{name: axis.CallCountEdoc, method: http.MethodGet, sys: sysC}); a.env.ErrorCode != axis.CodeOK {
		t.Errorf("another system: %s", describe(a))
	}
	// Tokens come back with time.
	e.clock.Advance(2 * time.Second)
	if a := e.do(count); a.env.ErrorCode != axis.CodeOK {
		t.Errorf("after waiting: %s", describe(a))
	}
}

// TestRateLimitPerSystem gives systems limits of their own (the systems
// file's rate and burst): one higher than the server's, one lower, one
// none at all; a system without its own keeps the server's.
func TestRateLimitPerSystem(t *testing.T) {
	a, b, c := sysA, sysB, sysC
	a.RateLimit = &hub.RateLimit{PerSecond: 0.01, Burst: 20}
	b.RateLimit = &hub.RateLimit{PerSecond: 0.5, Burst: 1}
	e := newEnv(t, func(cfg *hub.Config) {
		cfg.Systems = []hub.System{a, b, c}
		cfg.RateLimit = hub.RateLimit{PerSecond: 0.5, Burst: 3}
	})
	count := func(sys hub.System) rawCall {
		return rawCall{name: axis.CallCountEdoc, method: http.MethodGet, sys: sys}
	}
	limitedAfter := func(sys hub.System, n int) {
		t.Helper()
		for i := range n {
			if got := e.do(count(sys)); got.env.ErrorCode != axis.CodeOK {
				t.Fatalf("%s: request %d of %d allowed: %s", sys.ID, i+1, n, describe(got))
			}
		}
		if got := e.do(count(sys)); got.status != http.StatusTooManyRequests {
			t.Errorf("%s: request %d: got %s, want 429", sys.ID, n+1, describe(got))
		}
	}
	limitedAfter(a, 20) // its own burst, above the server's 3
	limitedAfter(b, 1)  // its own, below the server's
	limitedAfter(c, 3)  // the server's
	e.clock.Advance(150 * time.Second)
	if got := e.do(count(a)); got.env.ErrorCode != axis.CodeOK {
		t.Errorf("%s after 150s at 0.01/s: %s", a.ID, describe(got))
	}

	// A system's rate 0 lifts the server's limit for it.
	free := sysC
	free.RateLimit = &hub.RateLimit{}
	e2 := newEnv(t, func(cfg *hub.Config) {
		cfg.Systems = []hub.System{sysA, free}
		cfg.RateLimit = hub.RateLimit{PerSecond: 0.5, Burst: 1}
	})
	for i := range 10 {
		if got := e2.do(count(free)); got.env.ErrorCode != axis.CodeOK {
			t.Fatalf("unlimited system, request %d: %s", i+1, describe(got))
		}
	}
	if first := e2.do(count(sysA)); first.env.ErrorCode != axis.CodeOK || e2.do(count(sysA)).status != http.StatusTooManyRequests {
		t.Errorf("the other system is not held to the server's limit")
	}
}
