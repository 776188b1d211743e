package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/axis/hub"
	"github.com/vanthu/vanthu/signing/sample"
)

// The agencies and axis systems of the sync tests.
var (
	axOrgA = inbox.Organization{Code: "000.00.00.G22", Name: "Văn phòng Chính phủ"}
	axOrgB = inbox.Organization{Code: "000.00.00.H41", Name: "UBND tỉnh Nghệ An"}
	axOrgC = inbox.Organization{Code: "000.00.00.H23", Name: "UBND tỉnh Hà Nam"}

	axSysA = hub.System{ID: "vpcp", Secret: []byte("bí-mật-của-vpcp-0123456789"), Agency: axOrgA.Code, Name: axOrgA.Name}
	axSysB = hub.System{ID: "vpubnd-nghean", Secret: []byte("bí-mật-của-nghệ-an-0123456789"), Agency: axOrgB.Code, Name: axOrgB.Name}
	axSysC = hub.System{ID: "vpubnd-hanam", Secret: []byte("bí-mật-của-hà-nam-0123456789"), Agency: axOrgC.Code, Name: axOrgC.Name}
)

// startHub serves a reference axis for A, B and C on 127.0.0.1.
func startHub(t *testing.T) (string, *hub.SQLite) {
	t.Helper()
	store, err := hub.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "axis.db"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := hub.New(context.Background(), hub.Config{Systems: []hub.System{axSysA, axSysB, axSysC}, Store: store, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		_ = srv.Close()
		_ = store.Close()
	})
	return hs.URL, store
}

// secretFile writes a system's secret to a file of its own.
func secretFile(t *testing.T, sys hub.System) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), sys.ID+".secret")
	mustWrite(t, p, append(append([]byte(nil), sys.Secret...), '\n'), 0o600)
	return p
}

// initDesk makes a desk for an agency.
func initDesk(t *testing.T, org inbox.Organization) string {
	t.Helper()
	dir := t.TempDir()
	if code, _, stderr := ctl(t, "inbox", "init", "--agency", org.Code, "--name", org.Name, "--data", dir); code != 0 {
		t.Fatal(stderr)
	}
	return dir
}

// issueOn issues a dispatch on a desk (the CLI has no drafting commands)
// to the recipients and returns its id and DocumentId.
func issueOn(t *testing.T, dir string, self inbox.Organization, subject string, to ...inbox.Organization) (int64, string) {
	t.Helper()
	ctx := context.Background()
	s, err := inbox.Open(ctx, dir, inbox.Options{EncodeStatus: inbox.EncodeStatus, Self: self})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	actor := inbox.Actor{ID: "van.thu"}
	year := time.Now().In(time.FixedZone("ICT", 7*3600)).Year()
	if regs, _ := s.Registers(ctx); len(regs) == 0 {
		if _, err := s.CreateRegister(ctx, actor, "Sổ đi", inbox.RegisterOutgoing, year); err != nil {
			t.Fatal(err)
		}
	}
	doc := &inbox.Document{CodeNotation: "VP-TH", TypeName: "Công văn", Subject: subject}
	for _, o := range to {
		doc.Recipients = append(doc.Recipients, inbox.Recipient{Organization: o})
	}
	blob, err := s.PutBlob(ctx, bytes.NewReader(sample.SimplePDF(1)))
	if err != nil {
		t.Fatal(err)
	}
	att := []inbox.NewAttachment{{Name: "cong-van.pdf", ContentType: "application/pdf", Blob: blob}}
	id, err := s.CreateDraft(ctx, actor, doc, att)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Submit(ctx, id, actor); err != nil {
		t.Fatal(err)
	}
	if err := s.Approve(ctx, id, actor, att); err != nil {
		t.Fatal(err)
	}
	st, err := s.Issue(ctx, id, actor, "Sổ đi", nil)
	if err != nil {
		t.Fatal(err)
	}
	return id, st.DocumentID
}

func outboxJSON(t *testing.T, dir string) []jsonOutboxRow {
	t.Helper()
	code, out, stderr := ctl(t, "outbox", "--json", "--data", dir)
	if code != 0 {
		t.Fatalf("outbox: exit %d: %s", code, stderr)
	}
	var rows []jsonOutboxRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("outbox --json: %v\n%s", err, out)
	}
	return rows
}

// TestSyncCommands drives sync, send, agencies and outbox against a real
// axis: A sends a document to B, B answers, the settings are kept in
// config.json without the secret, refusals and an unreachable axis end
// with exit status 1, usage errors with 2.
func TestSyncCommands(t *testing.T) {
	url, hubStore := startHub(t)
	secA, secB := secretFile(t, axSysA), secretFile(t, axSysB)
	dataA, dataB := initDesk(t, axOrgA), initDesk(t, axOrgB)
	docA, documentID := issueOn(t, dataA, axOrgA, "V/v thử đồng bộ", axOrgB)
	run := func(want int, args ...string) (string, string) {
		t.Helper()
		if args[0] == "sync" {
			args = append(args, "--no-text") // PDF text extraction is slow under the race detector
		}
		code, stdout, stderr := ctl(t, args...)
		if code != want {
			t.Fatalf("%v: exit %d, want %d\n%s%s", args, code, want, stdout, stderr)
		}
		for _, s := range [][]byte{axSysA.Secret, axSysB.Secret} {
			if strings.Contains(stdout+stderr, string(s)) {
				t.Fatalf("%v printed a secret", args)
			}
		}
		return stdout, stderr
	}

	rows := outboxJSON(t, dataA)
	if len(rows) != 1 || rows[0].Kind != "edoc" || rows[0].State != "pending" || rows[0].DocumentID != documentID ||
		rows[0].To[0] != axOrgB.Code || rows[0].Document != docA {
		t.Fatalf("A's outbox: %+v", rows)
	}
	// No axis yet; no secret given and no terminal to ask on.
	if _, stderr := run(2, "sync", "--data", dataA); !strings.Contains(stderr, "no axis") {
		t.Errorf("sync without an axis: %s", stderr)
	}
	if _, stderr := run(2, "sync", "--data", dataA, "--axis", url, "--system-id", axSysA.ID); !strings.Contains(stderr, "secret") {
		t.Errorf("sync without a secret: %s", stderr)
	}

	// A sends, remembering the settings.
	out, _ := run(0, "sync", "--once", "--json", "--save", "--data", dataA, "--axis", url, "--system-id", axSysA.ID, "--secret-file", secA)
	var rep struct {
		Sent, Outbox int
		Offline      bool
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Sent != 1 || rep.Outbox != 0 || rep.Offline {
		t.Fatalf("A's report: %+v (%v)\n%s", rep, err, out)
	}
	cfg, err := os.ReadFile(filepath.Join(dataA, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var saved deskConfig
	if err := json.Unmarshal(cfg, &saved); err != nil || saved.Axis != url || saved.SystemID != axSysA.ID ||
		saved.SecretFile != secA || saved.Agency.Code != axOrgA.Code {
		t.Errorf("config.json: %s", cfg)
	}
	if bytes.Contains(cfg, axSysA.Secret) {
		t.Error("config.json holds the secret")
	}

	// B receives it and says so.
	out, _ = run(0, "sync", "--no-text", "--save", "--data", dataB, "--axis", url, "--system-id", axSysB.ID, "--secret-file", secB)
	if !strings.Contains(out, "received 1 documents") || !strings.Contains(out, "sent 1 packets") {
		t.Errorf("B's pass: %s", out)
	}
	out, _ = run(0, "inbox", "list", "--data", dataB)
	if !strings.Contains(out, "V/v thử đồng bộ") {
		t.Errorf("B's inbox: %s", out)
	}
	// A, from its config: the status comes back; the directory is there.
	out, _ = run(0, "sync", "--data", dataA)
	if !strings.Contains(out, "1 statuses") {
		t.Errorf("A's second pass: %s", out)
	}
	out, _ = run(0, "inbox", "show", "--json", strconv.FormatInt(docA, 10), "--data", dataA)
	if !strings.Contains(out, `"01"`) {
		t.Errorf("A's document does not show B's status 01: %s", out)
	}
	out, stderr := run(0, "agencies", "--data", dataA)
	if !strings.Contains(out, axOrgB.Name) || !strings.Contains(out, axOrgC.Name) || !strings.Contains(stderr, "3 agencies") {
		t.Errorf("agencies: %s %s", out, stderr)
	}
	out, _ = run(0, "agencies", "--json", "--data", dataA, "ha", "nam")
	var found []struct{ Code, Name string }
	if err := json.Unmarshal([]byte(out), &found); err != nil || len(found) != 1 || found[0].Code != axOrgC.Code {
		t.Errorf("agencies ha nam: %s", out)
	}
	out, _ = run(0, "agencies", "--refresh", "--json", "--data", dataB, "nghe an")
	if !strings.Contains(out, axOrgB.Code) {
		t.Errorf("agencies --refresh: %s", out)
	}

	// send: to one more recipient (the name from the directory), and to
	// one the axis does not know.
	id := strconv.FormatInt(docA, 10)
	out, _ = run(0, "send", id, "--to", axOrgC.Code, "--data", dataA)
	if !strings.Contains(out, axOrgC.Name) {
		t.Errorf("send: %s", out)
	}
	run(2, "send", id, "--data", dataA)
	run(2, "send", id, "--to", "not-a-code", "--data", dataA)
	run(2, "send", "999", "--to", axOrgC.Code, "--data", dataA)
	run(0, "send", id, "--to", "000.00.00.Z99", "--data", dataA)
	if rows := outboxJSON(t, dataA); len(rows) != 2 {
		t.Errorf("outbox after send: %+v", rows)
	}
	out, stderr = run(1, "sync", "--data", dataA)
	if !strings.Contains(out, "sent 1 packets") || !strings.Contains(out, "1 packets refused") || !strings.Contains(stderr, "did not go through") {
		t.Errorf("sync with a refusal: %s %s", out, stderr)
	}
	rows = outboxJSON(t, dataA)
	if len(rows) != 1 || rows[0].State != "failed" || !strings.Contains(rows[0].LastError, "UNKNOWN_RECIPIENT") {
		t.Errorf("outbox after the refusal: %+v", rows)
	}
	out, stderr = run(0, "outbox", "--all", "--data", dataA)
	if !strings.Contains(out, "failed") || !strings.Contains(out, "sent") || !strings.Contains(stderr, "0 waiting, 1 refused, 2 sent") {
		t.Errorf("outbox --all: %s %s", out, stderr)
	}
	if rec, err := hubStore.Received(context.Background(), []string{axOrgC.Code}, "edoc", 10); err != nil || len(rec) != 1 {
		t.Errorf("C's queue on the hub: %d, %v", len(rec), err)
	}

	// An axis that cannot be reached: exit 1, the queue kept.
	run(0, "send", id, "--to", axOrgC.Code, "--data", dataA)
	_, stderr = run(1, "sync", "--data", dataA, "--axis", "http://127.0.0.1:1")
	if !strings.Contains(stderr, "cannot be reached") {
		t.Errorf("sync offline: %s", stderr)
	}
	if rows := outboxJSON(t, dataA); len(rows) != 2 {
		t.Errorf("the queue after an offline pass: %+v", rows)
	}

	// --watch runs until interrupted.
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	var wout, werr bytes.Buffer
	if code := run0(ctx, []string{"sync", "--watch", "--no-text", "--interval", "100ms", "--data", dataA}, &wout, &werr); code != 0 {
		t.Errorf("sync --watch: exit %d\n%s%s", code, wout.String(), werr.String())
	}
	if !strings.Contains(wout.String(), "stopped; 0 packets wait") || !strings.Contains(werr.String(), "sync pass") {
		t.Errorf("sync --watch said: %s %s", wout.String(), werr.String())
	}

	// Usage errors.
	run(2, "sync", "--once", "--watch", "--data", dataA)
	run(2, "sync", "extra", "--data", dataA)
	run(2, "sync", "--interval", "0s", "--data", dataA)
	run(2, "outbox", "extra", "--data", dataA)
	empty := initDesk(t, axOrgC)
	if _, stderr := run(0, "agencies", "--data", empty); !strings.Contains(stderr, "empty") {
		t.Errorf("agencies with no directory: %s", stderr)
	}
	if code, _, _ := ctl(t, "sync", "--data", t.TempDir()); code != 2 {
		t.Error("sync on a desk without an agency did not exit 2")
	}
}

// run0 runs the CLI in-process with a context.
func run0(ctx context.Context, args []string, stdout, stderr *bytes.Buffer) int {
	return run(ctx, args, strings.NewReader(""), stdout, stderr)
}

// TestSyncSecretPrompt runs the real binary on a pseudo-terminal
// (script(1)) without --secret-file: it asks for the system's secret, reads
// it without echo and syncs; the secret appears nowhere.
func TestSyncSecretPrompt(t *testing.T) {
	needTool(t, "script", "bsdutils")
	url, _ := startHub(t)
	bin := buildCommand(t, ".", "vanthuctl")
	data := initDesk(t, axOrgB)
	cmdline := strings.Join([]string{bin, "sync", "--once", "--no-text", "--save", "--data", data, "--axis", url, "--system-id", axSysB.ID}, " ")
	cmd := exec.Command("script", "-qfec", cmdline, "/dev/null")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(stdout)
	var transcript strings.Builder
	got := make(chan error, 1)
	go func() {
		for {
			b, err := r.ReadByte()
			if err != nil {
				got <- err
				return
			}
			transcript.WriteByte(b)
			if strings.HasSuffix(transcript.String(), "secret of system "+axSysB.ID+": ") {
				got <- nil
				return
			}
		}
	}()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("no prompt: %v\n%s", err, transcript.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no prompt within 20 s:\n%s", transcript.String())
	}
	time.Sleep(300 * time.Millisecond) // echo goes off after the prompt
	if _, err := io.WriteString(stdin, string(axSysB.Secret)+"\r"); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(r)
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("sync at the terminal: %v\n%s%s", err, transcript.String(), rest)
	}
	if bytes.Contains(rest, axSysB.Secret) {
		t.Errorf("the secret was echoed:\n%s", rest)
	}
	if !bytes.Contains(rest, []byte("received 0 documents")) {
		t.Errorf("no report after the prompt:\n%s", rest)
	}
	cfg, _ := os.ReadFile(filepath.Join(data, "config.json"))
	if bytes.Contains(cfg, axSysB.Secret) || !bytes.Contains(cfg, []byte(url)) {
		t.Errorf("config.json: %s", cfg)
	}
}
