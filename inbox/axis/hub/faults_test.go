package hub_test

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/axis/hub"
)

func TestParseFaults(t *testing.T) {
	f, err := hub.ParseFaults(" 5xx=0.3, drop=0.1,dup=0.1,delay=200ms,expire=0.05,seed=42 ")
	mustOK(t, "parse", err)
	if f.FiveXX != 0.3 || f.Drop != 0.1 || f.Dup != 0.1 || f.Delay != 200*time.Millisecond || f.Expire != 0.05 || f.Seed != 42 {
		t.Errorf("got %s", f)
	}
	if f, err := hub.ParseFaults(""); err != nil || f.Seed != 1 || f.FiveXX != 0 {
		t.Errorf("empty spec: got %v, %v", f, err)
	}
	for _, bad := range []string{"5xx", "5xx=2", "5xx=-0.1", "drop=x", "delay=forever", "delay=-1s", "delay=2m", "seed=-1", "flood=0.5"} {
		if _, err := hub.ParseFaults(bad); err == nil {
			t.Errorf("ParseFaults(%q): got nil error", bad)
		}
	}
}

func withFaults(t *testing.T, spec string) func(*hub.Config) {
	t.Helper()
	f, err := hub.ParseFaults(spec)
	mustOK(t, "faults", err)
	return func(c *hub.Config) { c.Faults = f }
}

// outcomes sends n countReceiveEdoc requests and returns their codes
// (DROPPED for a lost connection).
//
// Each request has a connection of its own: on a reused connection that
// closes without an answer, Go's transport silently sends an idempotent
// GET again, with the same request id.
func outcomes(e *env, n int) []string {
	var out []string
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for range n {
		req := e.request(rawCall{name: axis.CallCountEdoc, method: http.MethodGet, sys: sysB})
		resp, err := hc.Do(req)
		if err != nil {
			out = append(out, "DROPPED")
			continue
		}
		var env axis.Envelope
		_ = jsonDecode(resp.Body, &env)
		_ = resp.Body.Close()
		out = append(out, env.ErrorCode)
	}
	return out
}

func TestFaultsDeterministic(t *testing.T) {
	spec := "5xx=0.3,drop=0.1,expire=0.1,seed=7"
	a := outcomes(newEnv(t, withFaults(t, spec)), 40)
	b := outcomes(newEnv(t, withFaults(t, spec)), 40)
	c := outcomes(newEnv(t, withFaults(t, strings.Replace(spec, "seed=7", "seed=8", 1))), 40)
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Errorf("same seed, different faults:\n%v\n%v", a, b)
	}
	if strings.Join(a, ",") == strings.Join(c, ",") {
		t.Errorf("another seed, the same faults: %v", a)
	}
	seen := map[string]int{}
	for _, o := range a {
		seen[o]++
	}
	for _, code := range []string{axis.CodeOK, axis.CodeUnavailable, "DROPPED", axis.CodeAuthExpired} {
		if seen[code] == 0 {
			t.Errorf("no %s among %v", code, a)
		}
	}
}

func TestFaultKinds(t *testing.T) {
	doc := edoc(agVPCP, []string{agNghean}, "9", "Lỗi có chủ đích")

	t.Run("5xx before and after the work", func(t *testing.T) {
		e := newEnv(t, withFaults(t, "5xx=1,seed=3"))
		const n = 16
		for i := range n {
			a := e.do(sendCall(sysA, agVPCP, "edoc", nil, doc))
			if a.status != http.StatusServiceUnavailable || a.env.ErrorCode != axis.CodeUnavailable {
				t.Fatalf("send %d: got %s, want 503 UNAVAILABLE", i, describe(a))
			}
		}
		// Some answers came after the work was done: those packets exist.
		stored := e.counts().Packets
		if stored == 0 || stored == n {
			t.Errorf("%d of %d failed sends were stored; want some (5xx after the work) and not all (5xx before)", stored, n)
		}
		if !strings.Contains(e.logs.String(), "fault injection is on") {
			t.Error("the start-up log does not say faults are on")
		}
	})

	t.Run("drop", func(t *testing.T) {
		e := newEnv(t, withFaults(t, "drop=1"))
		req := e.request(rawCall{name: axis.CallCountEdoc, method: http.MethodGet, sys: sysB})
		resp, err := e.hs.Client().Do(req)
		if err == nil {
			_ = resp.Body.Close()
			t.Fatalf("got HTTP %d, want a dropped connection", resp.StatusCode)
		}
	})

	t.Run("dup", func(t *testing.T) {
		e := newEnv(t, withFaults(t, "dup=1"))
		for _, n := range []string{"1", "2"} {
			_, err := e.client(sysA).Send(ctxT(t), axis.MessageEdoc, agVPCP, nil, bytes.NewReader(edoc(agVPCP, []string{agNghean}, n, "x")), -1)
			mustOK(t, "send", err)
		}
		list, err := e.client(sysB).ReceivedList(ctxT(t), axis.MessageEdoc)
		mustOK(t, "list", err)
		if len(list) != 4 || list[0].DocID != list[1].DocID || list[2].DocID != list[3].DocID || list[0].DocID == list[2].DocID {
			t.Errorf("got %d entries %+v, want each of 2 twice", len(list), list)
		}
		if n, _ := e.client(sysB).CountReceived(ctxT(t), axis.MessageEdoc); n != 2 {
			t.Errorf("count: got %d, want 2 (only lists duplicate)", n)
		}
	})

	t.Run("delay", func(t *testing.T) {
		e := newEnv(t, withFaults(t, "delay=150ms"))
		start := time.Now()
		if a := e.do(rawCall{name: axis.CallCountEdoc, method: http.MethodGet, sys: sysB}); a.env.ErrorCode != axis.CodeOK {
			t.Fatal(describe(a))
		}
		if d := time.Since(start); d < 150*time.Millisecond {
			t.Errorf("answered in %s, want at least 150ms", d)
		}
	})

	t.Run("expire", func(t *testing.T) {
		e := newEnv(t, withFaults(t, "expire=1"))
		a := e.do(rawCall{name: axis.CallCountEdoc, method: http.MethodGet, sys: sysB})
		if a.status != http.StatusUnauthorized || a.env.ErrorCode != axis.CodeAuthExpired {
			t.Errorf("got %s, want 401 AUTH_EXPIRED", describe(a))
		}
		// Expiry is judged on authenticated requests only.
		if a := e.do(rawCall{name: axis.CallCountEdoc, method: http.MethodGet}); a.env.ErrorCode != axis.CodeAuthMissing {
			t.Errorf("unsigned: got %s, want AUTH_MISSING", describe(a))
		}
	})

	t.Run("off by default", func(t *testing.T) {
		e := newEnv(t)
		for i, o := range outcomes(e, 20) {
			if o != axis.CodeOK {
				t.Errorf("request %d: %s", i, o)
			}
		}
	})
}

// TestFaultsClient drives the project's client through a faulty axis: it
// retries until each call succeeds, and the duplicates a lost answer makes
// are visible to the recipient as distinct docIds with one DocumentId.
func TestFaultsClient(t *testing.T) {
	e := newEnv(t, withFaults(t, "5xx=0.3,drop=0.15,dup=0.2,seed=11"))
	tr, err := axis.NewVXP(e.hs.URL, cred(sysA), axis.VXPOptions{Now: e.clock.Now, Timeout: 5 * time.Second})
	mustOK(t, "vxp", err)
	a := axis.NewClient(tr, axis.ClientOptions{Retries: 20, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond})
	trB, err := axis.NewVXP(e.hs.URL, cred(sysB), axis.VXPOptions{Now: e.clock.Now, Timeout: 5 * time.Second})
	mustOK(t, "vxp", err)
	b := axis.NewClient(trB, axis.ClientOptions{Retries: 20, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond})
	const n = 10
	for i := range n {
		doc := edoc(agVPCP, []string{agNghean}, string(rune('A'+i)), "Gửi qua trục lỗi")
		if _, err := a.Send(ctxT(t), axis.MessageEdoc, agVPCP, nil, bytes.NewReader(doc), -1); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	stored := e.counts().Packets
	if stored < n {
		t.Errorf("%d packets stored for %d sends", stored, n)
	}
	// Drain B's queue as a sync engine would: list, get, done; duplicates
	// in the list are harmless.
	docs := map[string]bool{}
	for round := 0; round < 50; round++ {
		list, err := b.ReceivedList(ctxT(t), axis.MessageEdoc)
		mustOK(t, "list", err)
		if len(list) == 0 {
			break
		}
		for _, it := range list {
			if _, err := b.Get(ctxT(t), it.DocID); err != nil {
				t.Fatalf("get: %v", err)
			}
			err := b.UpdateStatus(ctxT(t), it.DocID, axis.StatusDone, "")
			var ae *axis.Error
			if err != nil && (!errors.As(err, &ae) || ae.Code != axis.CodeBadRequest) {
				t.Fatalf("done: %v", err)
			}
			docs[it.DocID] = true
		}
	}
	if len(docs) != stored {
		t.Errorf("B acknowledged %d docIds; %d packets were stored", len(docs), stored)
	}
	if n, _ := b.CountReceived(ctxT(t), axis.MessageEdoc); n != 0 {
		t.Errorf("B's queue after draining: %d", n)
	}
}
