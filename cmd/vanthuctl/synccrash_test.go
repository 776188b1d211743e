package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/axis/hub"
	"github.com/vanthu/vanthu/inbox/edxml"
)

// Packets the crash tests pull, and how often the sync process is killed
// while it pulls them.
const (
	crashPackets = 500
	crashKills   = 50
)

// buildCommand builds a command of this module (pkg relative to this
// directory) without the race detector.
func buildCommand(t *testing.T, pkg, name string) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command to build %s: %v", name, err)
	}
	bin := filepath.Join(t.TempDir(), name)
	cmd := exec.Command(gobin, "build", "-o", bin, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// axisProc is a running axisd.
type axisProc struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{} // closed when it has exited, with err set
	err  error
	log  *bytes.Buffer
	mu   *sync.Mutex
}

// startAxisd runs axisd and waits until it listens.
func startAxisd(t *testing.T, bin string, args ...string) *axisProc {
	t.Helper()
	p, err := tryStartAxisd(t, bin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// signal sends sig and waits for the process to end.
func (p *axisProc) signal(sig syscall.Signal) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// freeAddr returns a local address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// writeSystems writes axisd's systems file for A, B and C.
func writeSystems(t *testing.T, dir string) string {
	t.Helper()
	type sys struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
		Agency string `json:"agency"`
		Name   string `json:"name"`
	}
	var f struct {
		Systems []sys `json:"systems"`
	}
	for _, s := range []hub.System{axSysA, axSysB, axSysC} {
		f.Systems = append(f.Systems, sys{s.ID, string(s.Secret), s.Agency, s.Name})
	}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "systems.json")
	mustWrite(t, p, b, 0o600)
	return p
}

// preload sends n document packets from A to B through the axis.
func preload(t *testing.T, url string, n int) {
	t.Helper()
	tr, err := axis.NewVXP(url, axis.Credentials{SystemID: axSysA.ID, Secret: axSysA.Secret}, axis.VXPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := axis.NewClient(tr, axis.ClientOptions{BaseDelay: 10 * time.Millisecond})
	pdf := simplePDF(1)
	jobs := make(chan int)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range jobs {
				number := strconv.Itoa(1000 + i)
				date := time.Date(2026, 11, 20, 0, 0, 0, 0, edxml.Vietnam)
				e := &edxml.Edoc{}
				e.Header.From = edxml.Organization{OrganID: axOrgA.Code, OrganName: axOrgA.Name}
				e.Header.To = []edxml.Organization{{OrganID: axOrgB.Code, OrganName: axOrgB.Name}}
				e.Header.DocumentID, _ = edxml.MakeDocumentID(axOrgA.Code, date, number, "VPCP-KSTT")
				e.Header.Code = edxml.Code{CodeNumber: number, CodeNotation: "VPCP-KSTT"}
				e.Header.PromulgationInfo = edxml.PromulgationInfo{Place: "Hà Nội", PromulgationDate: edxml.NewDate(date)}
				e.Header.DocumentType = edxml.DocumentType{Type: 1, TypeName: "Công văn"}
				e.Header.Subject = "V/v kiểm tra độ bền đồng bộ số " + number
				e.Attachments = []edxml.Attachment{{ContentID: "a1", Name: "cong-van-" + number + ".pdf", ContentType: "application/pdf", Ref: "a1"}}
				var buf bytes.Buffer
				if err := edxml.EncodeEdoc(context.Background(), &buf, e, memSource{"a1": pdf}, edxml.EncodeOptions{}); err != nil {
					errs <- err
					continue
				}
				if _, err := c.Send(context.Background(), axis.MessageEdoc, axOrgA.Code, []string{axOrgB.Code}, &buf, int64(buf.Len())); err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// deskCount returns how many documents a desk holds (the store closed
// again at once: the sync process may run).
func deskCount(t *testing.T, dir string) int {
	t.Helper()
	s, err := inbox.Open(context.Background(), dir, inbox.Options{EncodeStatus: inbox.EncodeStatus, Self: axOrgB})
	if err != nil {
		t.Fatalf("opening the desk: %v", err)
	}
	defer s.Close()
	c, err := s.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range c.Folders {
		n += f.Total
	}
	return n
}

// checkSynced checks B's desk and the axis after the last sync: every
// packet stored once and complete, the desk consistent, its status 01 for
// each sent, every delivery acknowledged done on the axis (its database
// read after axisd stopped), the spool and the quarantine empty.
func checkSynced(t *testing.T, data, db string) {
	t.Helper()
	ctx := context.Background()
	s, err := inbox.Open(ctx, data, inbox.Options{EncodeStatus: inbox.EncodeStatus, Self: axOrgB})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rep, err := s.Check(ctx, inbox.CheckOptions{})
	if err != nil || !rep.OK() {
		t.Fatalf("the desk is not consistent: %+v, %v", rep, err)
	}
	seen := map[string]bool{}
	var cur inbox.Cursor
	for {
		list, next, err := s.List(ctx, inbox.Filter{}, inbox.Page{Limit: 200, Cursor: cur})
		if err != nil {
			t.Fatal(err)
		}
		for _, sum := range list {
			if seen[sum.DocumentID] {
				t.Fatalf("document %s stored twice", sum.DocumentID)
			}
			seen[sum.DocumentID] = true
			doc, err := s.Get(ctx, sum.ID)
			if err != nil || len(doc.Attachments) != 1 {
				t.Fatalf("document %d: %v, %d attachments", sum.ID, err, len(doc.Attachments))
			}
			rows, err := s.Outbox(ctx, sum.ID)
			if err != nil || len(rows) != 1 || rows[0].State != inbox.OutboxSent {
				t.Fatalf("document %d: outbox %+v (%v), want its status 01 sent", sum.ID, rows, err)
			}
		}
		if next == "" || len(list) == 0 {
			break
		}
		cur = next
	}
	if len(seen) != crashPackets {
		t.Fatalf("%d documents, want %d", len(seen), crashPackets)
	}
	for _, sub := range []string{"spool", "quarantine"} {
		if entries, _ := os.ReadDir(filepath.Join(data, sub)); len(entries) != 0 {
			t.Errorf("%s holds %d files after the last sync", sub, len(entries))
		}
	}

	hs, err := hub.OpenSQLite(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer hs.Close()
	if left, err := hs.Received(ctx, []string{axOrgB.Code}, hub.MessageEdoc, 10000); err != nil || len(left) != 0 {
		t.Fatalf("%d deliveries to B not done on the axis (%v)", len(left), err)
	}
	sent, err := hs.Sent(ctx, []string{axOrgA.Code}, "", hub.MessageEdoc, 10000)
	if err != nil || len(sent) != crashPackets {
		t.Fatalf("%d deliveries from A on the axis (%v), want %d", len(sent), err, crashPackets)
	}
	for _, en := range sent {
		if en.Delivery.Status != hub.StatusDone || en.Delivery.Fetched.IsZero() {
			t.Fatalf("delivery %s: %s", en.Delivery.DocID, en.Delivery.Status)
		}
	}
	statuses, err := hs.Sent(ctx, []string{axOrgB.Code}, "", hub.MessageStatus, 10000)
	if err != nil {
		t.Fatal(err)
	}
	answered := map[string]int{}
	for _, en := range statuses {
		if en.Packet.StatusCode != "01" {
			t.Errorf("status %s sent", en.Packet.StatusCode)
		}
		answered[en.Packet.ResponseFor]++
	}
	if len(answered) != crashPackets {
		t.Errorf("status 01 for %d documents on the axis, want %d", len(answered), crashPackets)
	}
	t.Logf("B's 01 statuses on the axis: %d for %d documents (copies from kills between a send and its record)", len(statuses), len(answered))
}

// TestSyncSurvivesKill kills a child `vanthuctl sync` (--once, and --watch
// one time in three) with SIGKILL at random points, 50 times while it
// pulls 500 packets from axisd. After each tenth kill the desk is checked;
// after the last restart it holds the 500 documents once each, and the
// axis has every delivery acknowledged done.
func TestSyncSurvivesKill(t *testing.T) {
	ctl := buildCommand(t, ".", "vanthuctl")
	axisd := buildCommand(t, "../axisd", "axisd")
	work := t.TempDir()
	db := filepath.Join(work, "axis.db")
	ax := startAxisd(t, axisd, "--systems", writeSystems(t, work), "--db", db, "--listen", "127.0.0.1:0", "--log-level", "info")
	url := "http://" + ax.addr
	preload(t, url, crashPackets)
	data := initDesk(t, axOrgB)
	secret := secretFile(t, axSysB)
	syncArgs := func(watch bool) []string {
		a := []string{"sync", "--no-text", "--data", data, "--axis", url, "--system-id", axSysB.ID, "--secret-file", secret}
		if watch {
			return append(a, "--watch", "--interval", "50ms")
		}
		return append(a, "--once")
	}

	// The kill points adapt so that about 80 kills would be needed to
	// pull everything: each interrupted run does a share of the work, and
	// the 50 kills all land before the pull is over.
	rng := rand.New(rand.NewPCG(5, 6))
	// A pull of the 500 packets takes well under a second: begin short.
	delay := 50 * time.Millisecond
	have := 0
	whilePulling := 0
	start := time.Now()
	for kill := 1; kill <= crashKills; kill++ {
		cmd := exec.Command(ctl, syncArgs(kill%3 == 0)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.Int64N(int64(2 * delay))))
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		n := deskCount(t, data)
		if n < have {
			t.Fatalf("kill %d: the desk lost documents (%d, had %d)", kill, n, have)
		}
		if have < crashPackets {
			whilePulling++
		}
		// The desk commits documents a batch at a time (up to 50), so a
		// run stores nothing or a lump: the delay grows slowly between
		// lumps, or a few lumps would end the pull before the kills.
		target := float64(crashPackets-n) / float64(crashKills-kill+30)
		switch got := float64(n - have); {
		case got > 2*target:
			delay /= 2
		case got > target:
			delay = delay * 3 / 4
		case got < target/3:
			delay = delay * 21 / 20
		}
		have = n
		if kill%10 == 0 {
			s, err := inbox.Open(context.Background(), data, inbox.Options{EncodeStatus: inbox.EncodeStatus, Self: axOrgB})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := s.Check(context.Background(), inbox.CheckOptions{})
			s.Close()
			if err != nil || !rep.OK() {
				t.Fatalf("kill %d: the desk is not consistent: %+v, %v", kill, rep, err)
			}
		}
	}
	t.Logf("%d kills in %s, %d of them while pulling; %d of %d documents stored before the last restart",
		crashKills, time.Since(start).Round(time.Millisecond), whilePulling, have, crashPackets)
	if whilePulling < crashKills {
		t.Errorf("only %d of %d kills hit the pull", whilePulling, crashKills)
	}

	// The last restart finishes the work.
	out, err := exec.Command(ctl, syncArgs(false)...).CombinedOutput()
	if err != nil {
		t.Fatalf("the last sync: %v\n%s", err, out)
	}
	ax.signal(syscall.SIGTERM)
	checkSynced(t, data, db)
}

// TestSyncSurvivesAxisRestarts kills axisd with SIGKILL and starts it
// again on its address and database, at random points while a `vanthuctl
// sync --watch` pulls 500 packets from it: the sync finds the axis gone,
// waits, and finishes when it is back.
func TestSyncSurvivesAxisRestarts(t *testing.T) {
	ctl := buildCommand(t, ".", "vanthuctl")
	axisd := buildCommand(t, "../axisd", "axisd")
	work := t.TempDir()
	db := filepath.Join(work, "axis.db")
	systems := writeSystems(t, work)
	addr := freeAddr(t)
	axisArgs := []string{"--systems", systems, "--db", db, "--listen", addr, "--log-level", "info"}
	ax := startAxisd(t, axisd, axisArgs...)
	url := "http://" + ax.addr
	preload(t, url, crashPackets)
	data := initDesk(t, axOrgB)
	secret := secretFile(t, axSysB)

	syncLog := &lockedBuf{}
	watch := exec.Command(ctl, "sync", "--watch", "--interval", "100ms", "--no-text", "--data", data,
		"--axis", url, "--system-id", axSysB.ID, "--secret-file", secret)
	watch.Stdout, watch.Stderr = syncLog, syncLog
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- watch.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			_ = watch.Process.Kill()
			if err := <-exited; err != nil {
				t.Logf("sync --watch killed: %v", err)
			}
		}
	}()

	rng := rand.New(rand.NewPCG(7, 8))
	restarts, midPull := 0, 0
	for restarts < 10 {
		time.Sleep(100*time.Millisecond + time.Duration(rng.Int64N(int64(400*time.Millisecond))))
		before := deskCount(t, data)
		ax.signal(syscall.SIGKILL)
		time.Sleep(time.Duration(rng.Int64N(int64(300 * time.Millisecond))))
		var err error
		for try := 0; try < 50; try++ { // the port may linger a moment
			if ax, err = tryStartAxisd(t, axisd, axisArgs...); err == nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("axisd did not start again: %v", err)
		}
		restarts++
		if before < crashPackets {
			midPull++
		}
	}
	// Wait for the pull to finish, then stop the watch.
	deadline := time.Now().Add(2 * time.Minute)
	for deskCount(t, data) < crashPackets {
		if time.Now().After(deadline) {
			t.Fatalf("the sync did not finish after the restarts:\n%s", syncLog.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // a pass to send the last statuses
	_ = watch.Process.Signal(os.Interrupt)
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Errorf("sync --watch ended with %v\n%s", err, syncLog.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("sync --watch did not stop on SIGINT")
	}
	t.Logf("axisd restarted %d times, %d of them while the desk was pulling", restarts, midPull)
	if midPull < 3 {
		t.Errorf("only %d restarts hit the pull", midPull)
	}
	// The outages were seen: calls that failed and were tried again, or a
	// pass that found the axis unreachable.
	if l := syncLog.String(); !strings.Contains(l, "offline=true") && !strings.Contains(l, "axis call failed, retrying") {
		t.Errorf("the sync never found the axis gone:\n%s", l)
	}
	// Whatever the watch left (statuses not yet sent) goes in a last pass.
	out, err := exec.Command(ctl, "sync", "--once", "--no-text", "--data", data, "--axis", url,
		"--system-id", axSysB.ID, "--secret-file", secret).CombinedOutput()
	if err != nil {
		t.Fatalf("the last sync: %v\n%s", err, out)
	}
	ax.signal(syscall.SIGTERM)
	checkSynced(t, data, db)
}

// tryStartAxisd is startAxisd that reports a failure to start instead of
// failing the test.
func tryStartAxisd(t *testing.T, bin string, args ...string) (p *axisProc, err error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var log bytes.Buffer
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p = &axisProc{cmd: cmd, done: make(chan struct{}), log: &log, mu: &sync.Mutex{}}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
		_ = pw.Close()
	}()
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Bytes()
			p.mu.Lock()
			p.log.Write(append(line, '\n'))
			p.mu.Unlock()
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "listening" {
				addrc <- rec.Addr
			}
		}
	}()
	select {
	case p.addr = <-addrc:
	case <-p.done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return nil, fmt.Errorf("axisd exited: %w: %s", p.err, p.log.String())
	case <-time.After(30 * time.Second):
		p.signal(syscall.SIGKILL)
		return nil, fmt.Errorf("axisd did not start listening")
	}
	t.Cleanup(func() { p.signal(syscall.SIGKILL) })
	return p, nil
}

// lockedBuf collects a child's output while the test reads it.
type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
