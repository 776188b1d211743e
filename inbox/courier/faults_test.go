package courier_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/axis/hub"
	"github.com/vanthu/vanthu/inbox/courier"
	"github.com/vanthu/vanthu/signing/sample"
)

// Documents of the fault test: the brief's thousand (about 25 seconds
// here); under the race detector, which would take minutes for them, a
// smaller exchange in-process and the thousand in a child test binary built
// without it.
const (
	faultDocs     = 1000
	faultDocsRace = 120
)

// TestFaults exchanges documents and their statuses among three desks
// over a hub that fails on purpose (faultSpec): every document is stored
// exactly once, every status applied once, every outbox empty at the end.
func TestFaults(t *testing.T) {
	if !raceDetector {
		res := runExchange(t, faultDocs, 4*time.Minute)
		checkFaults(t, faultDocs, res)
		return
	}
	t.Run("race", func(t *testing.T) {
		res := runExchange(t, faultDocsRace, 3*time.Minute)
		checkFaults(t, faultDocsRace, res)
	})
	t.Run("full", func(t *testing.T) {
		gobin, err := exec.LookPath("go")
		if err != nil {
			t.Fatalf("no go command to build the test binary without the race detector: %v", err)
		}
		bin := filepath.Join(t.TempDir(), "courier.test")
		build := exec.Command(gobin, "test", "-c", "-o", bin, ".")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go test -c: %v\n%s", err, out)
		}
		out, err := exec.Command(bin, "-test.run", "^TestFaults$", "-test.v", "-test.count=1").CombinedOutput()
		t.Logf("%s", out)
		if err != nil {
			t.Fatalf("the exchange of %d documents without the race detector failed: %v", faultDocs, err)
		}
	})
}

// faultSpec is the misbehaviour of the hub in the fault tests: 30% of the
// requests answered 503 (half of them after doing the work), 5% of the
// connections dropped (half after the work), 10% of the list entries
// listed twice, 2% of the requests refused as expired credentials.
const faultSpec = "5xx=0.3,drop=0.05,dup=0.1,expire=0.02,seed=7"

// exchange is the outcome of runExchange.
type exchange struct {
	reports    [3]courier.Report // summed over each desk's passes
	faults     map[string]int
	passErrors int
	took       time.Duration
}

// runExchange exchanges n documents among A, B and C over a hub with
// faultSpec: document i goes from desk i%3 to desk (i+1)%3, which says it
// arrived (01) and, for even i, registers it (03). It waits until every
// document is stored, every status recorded, every outbox empty and
// nothing waits on the hub, then checks that nothing was stored or
// applied twice.
func runExchange(t *testing.T, n int, timeout time.Duration) exchange {
	faults, err := hub.ParseFaults(faultSpec)
	if err != nil {
		t.Fatal(err)
	}
	h := newHub(t, func(c *hub.Config) { c.Faults = faults })
	orgs := []inbox.Organization{orgA, orgB, orgC}
	syss := []hub.System{sysA, sysB, sysC}
	var desks [3]*desk
	for i := range desks {
		desks[i] = newDesk(t, h.URL, orgs[i], syss[i], deskOptions{engine: func(o *courier.Options) {
			o.Logger = nil
			o.DirectoryEvery = -1
		}})
	}

	// The documents, issued on each desk in parallel.
	start := time.Now()
	type sent struct {
		from, to int
		id       int64
		docID    string
		register bool
	}
	docs := make([]sent, n)
	pdf := sample.SimplePDF(1)
	var wg sync.WaitGroup
	for k := range desks {
		wg.Go(func() {
			d := desks[k]
			for i := k; i < n; i += 3 {
				to := (i + 1) % 3
				id, st := d.issue(t, fmt.Sprintf("Văn bản thử nghiệm số %d", i), d.putPDF(t, "ky.pdf", pdf), nil, orgs[to])
				docs[i] = sent{from: k, to: to, id: id, docID: st.DocumentID, register: i%2 == 0}
			}
		})
	}
	wg.Wait()
	t.Logf("%d documents issued in %s", n, time.Since(start).Round(time.Millisecond))
	want := map[string]sent{}
	for _, s := range docs {
		want[s.docID] = s
	}

	// The desks sync on their own; their clerks register what arrives.
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var res exchange
	var mu sync.Mutex
	var workers sync.WaitGroup
	for k, d := range desks {
		workers.Go(func() {
			for ctx.Err() == nil {
				rep, err := d.eng.Once(ctx)
				mu.Lock()
				if err != nil && ctx.Err() == nil {
					res.passErrors++ // a list refused (expired credentials, 503 after retries)
				}
				r := &res.reports[k]
				r.Received += rep.Received
				r.Duplicates += rep.Duplicates
				r.Statuses += rep.Statuses
				r.Quarantined += rep.Quarantined
				r.Retry += rep.Retry
				r.Sent += rep.Sent
				r.Refused += rep.Refused
				r.Postponed += rep.Postponed
				mu.Unlock()
				select {
				case <-ctx.Done():
				case <-time.After(20 * time.Millisecond):
				}
			}
		})
		workers.Go(func() {
			for ctx.Err() == nil {
				list, _, err := d.store.List(ctx, inbox.Filter{Folder: inbox.FolderToRegister}, inbox.Page{Limit: 200})
				if err != nil {
					continue
				}
				for _, sum := range list {
					if s, ok := want[sum.DocumentID]; ok && s.register {
						if _, err := d.store.Register(ctx, sum.ID, clerk, "Sổ văn bản đến"); err != nil && ctx.Err() == nil {
							t.Errorf("%s: register %s: %v", d.org.Code, sum.DocumentID, err)
						}
					}
				}
				select {
				case <-ctx.Done():
				case <-time.After(50 * time.Millisecond):
				}
			}
		})
	}

	// Done when every desk holds its documents, registered or not, and
	// nothing is left in an outbox or on the hub: every status then went
	// through (checked one by one below).
	wantArrived, wantRegistered := [3]int{}, [3]int{}
	for _, s := range docs {
		if s.register {
			wantRegistered[s.to]++
		} else {
			wantArrived[s.to]++
		}
	}
	complete := func() (string, bool) {
		for k, d := range desks {
			c, err := d.store.Counts(ctx)
			if err != nil {
				return err.Error(), false
			}
			arrived, registered := c.Folders[inbox.FolderToRegister].Total, c.Folders[inbox.FolderToProcess].Total
			if arrived != wantArrived[k] || registered != wantRegistered[k] {
				return fmt.Sprintf("%s holds %d arrived and %d registered documents, want %d and %d",
					d.org.Code, arrived, registered, wantArrived[k], wantRegistered[k]), false
			}
			if c.OutboxPending+c.OutboxFailed > 0 {
				return fmt.Sprintf("%s: %d outbox rows left", d.org.Code, c.OutboxPending+c.OutboxFailed), false
			}
			for _, mt := range []string{"edoc", "status"} {
				if p := h.pending(t, d.org.Code, mt); len(p) > 0 {
					return fmt.Sprintf("%s: %d %s deliveries pending", d.org.Code, len(p), mt), false
				}
			}
		}
		return "", true
	}
	for {
		why, ok := complete()
		if ok {
			break
		}
		if ctx.Err() != nil {
			cancel()
			workers.Wait()
			t.Fatalf("not done after %s: %s", timeout, why)
		}
		time.Sleep(200 * time.Millisecond)
	}
	res.took = time.Since(start)
	cancel()
	workers.Wait()

	// Every document stored once, every status applied once.
	for k, d := range desks {
		got := d.incoming(t)
		wantHere := 0
		for _, s := range docs {
			if s.to != k {
				continue
			}
			wantHere++
			sum, ok := got[s.docID]
			if !ok {
				t.Errorf("%s: %s missing", d.org.Code, s.docID)
				continue
			}
			if wantState := map[bool]inbox.State{true: inbox.StateRegistered, false: inbox.StateArrived}[s.register]; sum.State != wantState {
				t.Errorf("%s: %s is %s", d.org.Code, s.docID, sum.State)
			}
		}
		if len(got) != wantHere {
			t.Errorf("%s holds %d documents, want %d", d.org.Code, len(got), wantHere)
		}
	}
	bg := context.Background()
	for _, s := range docs {
		doc, err := desks[s.from].store.Get(bg, s.id)
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, st := range doc.Recipients[0].Statuses {
			codes = append(codes, string(st.Code))
		}
		want := []string{"01"}
		if s.register {
			want = append(want, "03")
		}
		if fmt.Sprint(codes) != fmt.Sprint(want) {
			t.Errorf("%s: statuses %v, want %v", s.docID, codes, want)
			for _, st := range doc.Recipients[0].Statuses {
				t.Logf("  %s at %s", st.Code, st.At.Format(time.RFC3339Nano))
			}
			for _, en := range h.sent(t, orgs[s.to].Code, "status") {
				if en.Packet.ResponseFor == s.docID {
					t.Logf("  hub: %s %s created %s delivery %s status %s", en.Packet.StatusCode, en.Packet.ID, en.Packet.Created.Format(time.RFC3339Nano), en.Delivery.DocID, en.Delivery.Status)
				}
			}
		}
		trail, err := desks[s.from].store.AuditTrail(bg, s.id)
		if err != nil {
			t.Fatal(err)
		}
		applied := 0
		for _, e := range trail {
			if e.Action == inbox.ActionRecipientStatus {
				applied++
			}
		}
		if applied != len(want) {
			t.Errorf("%s: %d statuses recorded in the audit trail, want %d", s.docID, applied, len(want))
		}
	}
	for _, d := range desks {
		if res, err := d.store.VerifyAudit(bg); err != nil || !res.OK {
			t.Errorf("%s: audit chain %+v, %v", d.org.Code, res, err)
		}
		if q := quarantineFiles(t, d); len(q) != 0 {
			t.Errorf("%s: packets quarantined: %v", d.org.Code, q)
		}
	}
	res.faults = hubFaults(t, h)
	return res
}

// hubFaults reads the faults the hub injected from its metrics.
func hubFaults(t *testing.T, h *testHub) map[string]int {
	t.Helper()
	resp, err := http.Get(h.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, m := range regexp.MustCompile(`axis_faults_injected_total\{kind="([a-z0-9_]+)"\} (\d+)`).FindAllStringSubmatch(string(b), -1) {
		out[m[1]], _ = strconv.Atoi(m[2])
	}
	return out
}

// checkFaults says what the faults did and fails when some kind never
// fired or the desks never met a duplicate.
func checkFaults(t *testing.T, n int, res exchange) {
	t.Helper()
	var total courier.Report
	for _, r := range res.reports {
		total.Received += r.Received
		total.Duplicates += r.Duplicates
		total.Statuses += r.Statuses
		total.Sent += r.Sent
		total.Retry += r.Retry
		total.Postponed += r.Postponed
		total.Refused += r.Refused
		total.Quarantined += r.Quarantined
	}
	t.Logf("%d documents with their statuses in %s: received %d, statuses %d, duplicates %d, sent %d, postponed %d, retried %d, passes ended early %d; faults %v",
		n, res.took.Round(time.Millisecond), total.Received, total.Statuses, total.Duplicates, total.Sent, total.Postponed, total.Retry, res.passErrors, res.faults)
	for _, kind := range []string{"5xx", "5xx_after", "drop", "drop_after", "dup", "expire"} {
		if res.faults[kind] == 0 {
			t.Errorf("no %s fault was injected", kind)
		}
	}
	if total.Refused != 0 || total.Quarantined != 0 {
		t.Errorf("%d sends refused, %d packets quarantined: a fault was taken for a refusal", total.Refused, total.Quarantined)
	}
	if total.Duplicates == 0 {
		t.Error("no duplicate was met: the faults did not test the duplicate detection")
	}
}
