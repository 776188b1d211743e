package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/axis/hub"
)

// fuzzNow is the fuzzed server's fixed clock: signed seeds stay fresh.
var fuzzNow = time.Date(2026, 11, 26, 9, 30, 0, 0, axis.VietnamTime)

// Fuzz input modes: raw sends the headers as given; signed signs them
// (each line a logical header) as one of the systems with a fresh request
// id, so that the fuzzer explores what lies behind authentication too.
const (
	modeRaw    = 0
	modeSigned = 1
)

// headerLines writes logical headers one per line, "name: value".
func headerLines(h []axis.Header) string {
	var b strings.Builder
	for _, x := range h {
		b.WriteString(x.Name + ": " + x.Value + "\n")
	}
	return b.String()
}

func parseLines(s string) []axis.Header {
	var out []axis.Header
	for line := range strings.SplitSeq(s, "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		out = append(out, axis.Header{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)})
	}
	return out
}

// FuzzServeHTTP: whatever the method, path, headers and body, the server
// never panics, answers the JSON envelope (except a packet download and
// the metrics), never fails internally, and stores nothing for a request
// that does not authenticate.
func FuzzServeHTTP(f *testing.F) {
	store, err := hub.OpenSQLite(f.Context(), filepath.Join(f.TempDir(), "axis.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = store.Close() })
	systems := []hub.System{sysA, sysB, sysC}
	srv, err := hub.New(f.Context(), hub.Config{Systems: systems, Store: store, Now: func() time.Time { return fuzzNow },
		MaxBody: 1 << 20, TempDir: f.TempDir(), ListLimit: 20})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = srv.Close() })

	var reqSeq atomic.Int64
	serve := func(req *http.Request) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec
	}
	// One stored packet, so that reading calls reach the store.
	doc := edoc(agVPCP, []string{agNghean, agHanam}, "1", "Mẫu")
	ctype, body := upload(doc)
	sendHeaders := []axis.Header{{Name: axis.HFrom, Value: agVPCP}, {Name: axis.HServiceType, Value: "eDoc"},
		{Name: axis.HMessageType, Value: "edoc"}, {Name: axis.HHashFile, Value: sha(doc)}}
	seedReq, _ := http.NewRequest(http.MethodPost, "http://axis.test/sendEdoc", bytes.NewReader(body))
	_ = axis.Sign(seedReq, cred(sysA), ctype, sendHeaders, fuzzNow, "seed-send")
	if rec := serve(seedReq); rec.Code != 200 {
		f.Fatalf("seed send: %d %s", rec.Code, rec.Body)
	}
	list, err := store.Received(f.Context(), []string{agNghean}, hub.MessageEdoc, 10)
	if err != nil || len(list) != 1 {
		f.Fatalf("seed list: %v %v", list, err)
	}
	bDoc := list[0].Delivery.DocID

	signedSeeds := []struct {
		method, call string
		sys          byte
		h            []axis.Header
		body         []byte
	}{
		{"POST", axis.CallReceivedList, 1, []axis.Header{{Name: axis.HServiceType, Value: "eDoc"}, {Name: axis.HMessageType, Value: "edoc"}}, nil},
		{"POST", axis.CallGetEdoc, 1, []axis.Header{{Name: axis.HDocID, Value: bDoc}}, nil},
		{"GET", axis.CallDownloadEdoc, 1, []axis.Header{{Name: axis.HDocID, Value: bDoc}}, nil},
		{"POST", axis.CallUpdateStatus, 1, []axis.Header{{Name: axis.HDocID, Value: bDoc}, {Name: axis.HStatus, Value: "processing"}, {Name: axis.HReason, Value: "đang xử lý"}}, nil},
		{"POST", axis.CallSentList, 0, []axis.Header{{Name: axis.HServiceType, Value: "eDoc"}, {Name: axis.HMessageType, Value: "edoc"}}, nil},
		{"GET", axis.CallCountEdoc, 2, []axis.Header{{Name: axis.HServiceType, Value: "eDoc"}}, nil},
		{"GET", axis.CallCountStatus, 2, nil, nil},
		{"POST", axis.CallAgencies, 0, nil, nil},
		{"POST", axis.CallRegisterAgcy, 0, nil, []byte(`{"code":"000.00.07.G22","name":"Đơn vị mới","pid":"1"}`)},
		{"POST", axis.CallDeleteAgency, 0, []axis.Header{{Name: axis.HAgencyCode, Value: "000.00.07.G22"}}, nil},
		{"POST", axis.CallSendEdoc, 0, append([]axis.Header{{Name: "Content-Type", Value: ctype}, {Name: axis.HTo, Value: `["000.00.00.H41/lanhdao"]`}}, sendHeaders...), body},
		{"POST", axis.CallSendEdoc, 1, []axis.Header{{Name: "Content-Type", Value: ""}, {Name: axis.HFrom, Value: agNghean}, {Name: axis.HMessageType, Value: "status"}}, nil},
	}
	for _, s := range signedSeeds {
		f.Add(modeSigned|s.sys<<1, s.method, s.call, headerLines(s.h), s.body)
	}
	// Raw seeds: fully signed requests (valid once), and broken ones.
	for i, s := range signedSeeds {
		req, _ := http.NewRequest(s.method, "http://axis.test/"+s.call, bytes.NewReader(s.body))
		ct := axis.ContentTypeJSON
		h := s.h
		if len(h) > 0 && h[0].Name == "Content-Type" {
			ct, h = h[0].Value, h[1:]
		}
		_ = axis.Sign(req, cred(systems[s.sys]), ct, h, fuzzNow, fmt.Sprintf("raw-%d", i))
		var lines strings.Builder
		for name, vals := range req.Header {
			for _, v := range vals {
				lines.WriteString(name + ": " + v + "\n")
			}
		}
		f.Add(byte(modeRaw), s.method, s.call, lines.String(), s.body)
	}
	f.Add(byte(modeRaw), "GET", "healthz", "", []byte(nil))
	f.Add(byte(modeRaw), "GET", "metrics", "", []byte(nil))
	f.Add(byte(modeRaw), "PUT", "../../etc/passwd", "XroadVnpt-sign-header: {\nXroadVnpt-hash-header: 00", []byte("{}"))
	f.Add(byte(modeRaw), "POST", "sendEdoc", "XroadVnpt-sign-header: {\"XroadVnpt-systemid\":\"vpcp\"}\nXroadVnpt-sign-header-key: XroadVnpt-systemid\nXroadVnpt-hash-header: 00\nXroadVnpt-systemid: vpcp", body)

	f.Fuzz(func(t *testing.T, mode byte, method, call, headers string, reqBody []byte) {
		req, err := http.NewRequest(method, "http://axis.test/"+call, bytes.NewReader(reqBody))
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		req = req.WithContext(ctx)
		lines := parseLines(headers)
		authentic := false
		if mode&1 == modeSigned {
			sys := systems[int(mode>>1)%len(systems)]
			ct := axis.ContentTypeJSON
			var logical []axis.Header
			for _, h := range lines {
				if strings.EqualFold(h.Name, "Content-Type") {
					ct = h.Value
					continue
				}
				logical = append(logical, h)
			}
			if err := axis.Sign(req, cred(sys), ct, logical, fuzzNow, fmt.Sprintf("fuzz-%d", reqSeq.Add(1))); err != nil {
				return
			}
			authentic = true
		} else {
			for _, h := range lines {
				req.Header.Add(h.Name, h.Value)
			}
			// Whether the raw request authenticates (a signed seed, once).
			_, err := axis.Verify(req.Clone(ctx), axis.VerifyOptions{Now: fuzzNow, Secret: func(id string) ([]byte, bool) {
				for _, s := range systems {
					if s.ID == id {
						return s.Secret, true
					}
				}
				return nil, false
			}})
			authentic = err == nil
		}
		before, err := store.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rec := serve(req)

		ct := rec.Header().Get("Content-Type")
		isEnvelope := strings.HasPrefix(ct, "application/json")
		switch {
		case rec.Code == 200 && (call == axis.CallDownloadEdoc || call == "metrics"):
		case !isEnvelope:
			t.Fatalf("%s %s: answer %d of type %q, not the envelope", method, call, rec.Code, ct)
		default:
			var env axis.Envelope
			if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
				t.Fatalf("%s %s: the envelope does not parse: %v", method, call, err)
			}
			if env.ErrorCode == axis.CodeInternal {
				t.Fatalf("%s %s: internal failure: %s", method, call, env.ErrorDesc)
			}
			if (env.ErrorCode == axis.CodeOK) != (rec.Code == 200) || (env.Status == "OK") != (rec.Code == 200) {
				t.Fatalf("%s %s: HTTP %d with %s/%s", method, call, rec.Code, env.Status, env.ErrorCode)
			}
		}
		if !authentic {
			after, err := store.Counts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if after != before {
				t.Fatalf("%s %s: an unauthenticated request changed the store: %+v → %+v", method, call, before, after)
			}
		}
	})
}
