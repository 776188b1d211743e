package axis_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox/axis"
)

// TestReplayedReadIsRetried: Go's HTTP transport sends a GET again, with
// the same signed headers, when a reused connection breaks before the
// answer; the axis refuses the copy as a replay. The Client must then try
// again with a fresh request id instead of failing. A call that changes
// something is not retried on AUTH_REPLAY.
func TestReplayedReadIsRetried(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]bool{}
	var ids []string
	dropped := false
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(axis.Prefix + axis.HeaderRequestID)
		mu.Lock()
		replay := seen[id]
		seen[id] = true
		ids = append(ids, r.URL.Path+" "+id)
		drop := r.URL.Path == "/"+axis.CallDownloadEdoc && !dropped
		if drop {
			dropped = true
		}
		mu.Unlock()
		fail := func(code string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(axis.StatusFor(code))
			_ = json.NewEncoder(w).Encode(axis.Envelope{Status: "FAIL", ErrorCode: code, ErrorDesc: "request id used already"})
		}
		switch {
		case replay:
			fail(axis.CodeAuthReplay)
		case drop:
			// The request was read (and its id remembered); the connection
			// breaks before the answer.
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		case r.URL.Path == "/"+axis.CallDownloadEdoc:
			w.Header().Set("Content-Type", "application/xml")
			_, _ = io.WriteString(w, "<edXML/>")
		case r.URL.Path == "/"+axis.CallSendEdoc:
			_, _ = io.Copy(io.Discard, r.Body)
			fail(axis.CodeAuthReplay)
		default:
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(axis.Envelope{Status: "OK", ErrorCode: "0", Data: json.RawMessage(`[]`)})
		}
	}))
	defer hs.Close()
	tr, err := axis.NewVXP(hs.URL, axis.Credentials{SystemID: "he-thong", Secret: []byte("bí-mật-0123456789abcdef")}, axis.VXPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := axis.NewClient(tr, axis.ClientOptions{BaseDelay: time.Millisecond})
	// A first call leaves a connection to reuse.
	if _, err := c.Agencies(t.Context()); err != nil {
		t.Fatal(err)
	}
	rc, err := c.Download(t.Context(), "doc-1")
	if err != nil {
		t.Fatalf("Download after a broken reused connection: %v (requests: %v)", err, ids)
	}
	body, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || string(body) != "<edXML/>" {
		t.Fatalf("downloaded %q, %v", body, err)
	}
	mu.Lock()
	if len(ids) != 4 || ids[1] != ids[2] || ids[2] == ids[3] {
		t.Errorf("requests %v: want the agencies call, the dropped download, the transport's silent copy, a fresh attempt", ids)
	}
	mu.Unlock()

	// A send refused as a replay is not sent again.
	_, err = c.Send(t.Context(), axis.MessageEdoc, "000.00.00.G22", nil, strings.NewReader("<edXML/>"), -1)
	var ae *axis.Error
	if !errors.As(err, &ae) || ae.Code != axis.CodeAuthReplay {
		t.Errorf("Send answered AUTH_REPLAY: got %v", err)
	}
	mu.Lock()
	if n := len(ids); n != 5 {
		t.Errorf("%d requests after the send, want 5 (the send once)", n)
	}
	mu.Unlock()
}
