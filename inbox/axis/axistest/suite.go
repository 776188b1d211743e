package axistest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox/axis"
)

// NewTransport returns a profile's client side for a fake axis.
type NewTransport func(t *testing.T, cfg TransportConfig) axis.Transport

// TransportConfig is what a transport needs to reach a fake axis.
type TransportConfig struct {
	URL     string
	System  System
	CA      *x509.CertPool // nil: the system's roots
	Timeout time.Duration  // 0: the transport's default
}

// The suite's systems: two agencies that write to each other.
var (
	Hanoi  = System{ID: "vpcp-hanoi", Secret: []byte("s3cret-of-hanoi-7f1e9c"), Agency: "000.00.00.G22"}
	NgheAn = System{ID: "vpubnd-nghean", Secret: []byte("s3cret-of-nghean-2b8d4a"), Agency: "000.00.00.H41"}
)

// RunClientSuite runs the axis client over one transport profile against
// fake axes speaking that profile's server side (a new Profile from
// newProfile for each fake): every call, retries, refusals, timeouts,
// cancellation, TLS, a 100 MB download streamed in bounded memory, the
// upload's hash-file, and that no secret reaches an error or a log.
func RunClientSuite(t *testing.T, newTransport NewTransport, newProfile func() Profile) {
	s := suite{nt: newTransport, np: newProfile}
	for _, c := range []struct {
		name string
		run  func(*testing.T)
	}{
		{"SendReceiveAcknowledge", s.sendReceiveAcknowledge},
		{"StatusMessagesAndMailboxes", s.statusMessagesAndMailboxes},
		{"SendSources", s.sendSources},
		{"PacketChangedWhileSending", s.packetChanged},
		{"Refusals", s.refusals},
		{"InvalidArguments", s.invalidArguments},
		{"Agencies", s.agencies},
		{"RetriesTransientFailures", s.retriesTransient},
		{"NoRetryOnRefusal", s.noRetryOnRefusal},
		{"RetriesExhausted", s.retriesExhausted},
		{"RateLimitedRetryAfter", s.rateLimited},
		{"MalformedAnswers", s.malformedAnswers},
		{"Timeouts", s.timeouts},
		{"Context", s.context},
		{"TLS", s.tls},
		{"SecretsStayOut", s.secretsStayOut},
		{"Concurrent", s.concurrent},
		{"LargeDownloadStreamed", s.largeDownload},
	} {
		t.Run(c.name, c.run)
	}
}

type suite struct {
	nt NewTransport
	np func() Profile
}

// env is one fake axis with the clients of a subtest.
type env struct {
	t    *testing.T
	s    suite
	fake *Fake
	logs *lockedBuffer
}

func (s suite) env(t *testing.T, opts Options) *env {
	t.Helper()
	e := &env{t: t, s: s, fake: New(t, s.np(), opts, Hanoi, NgheAn), logs: &lockedBuffer{}}
	t.Cleanup(func() { e.noSecret("the log", e.logs.String()) })
	return e
}

func (e *env) config(sys System) TransportConfig {
	return TransportConfig{URL: e.fake.URL, System: sys, CA: e.fake.CA()}
}

// client returns a client for sys with quick retries unless opts says.
func (e *env) client(sys System, opts axis.ClientOptions, mod ...func(*TransportConfig)) *axis.Client {
	e.t.Helper()
	cfg := e.config(sys)
	for _, m := range mod {
		m(&cfg)
	}
	if opts.BaseDelay == 0 {
		opts.BaseDelay = 5 * time.Millisecond
	}
	if opts.MaxDelay == 0 {
		opts.MaxDelay = 50 * time.Millisecond
	}
	opts.Logger = slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return axis.NewClient(e.s.nt(e.t, cfg), opts)
}

// noSecret fails the test if s holds a system's secret.
func (e *env) noSecret(what, s string, more ...[]byte) {
	e.t.Helper()
	for _, x := range append([][]byte{Hanoi.Secret, NgheAn.Secret}, more...) {
		if len(x) > 0 && strings.Contains(s, string(x)) {
			e.t.Errorf("%s holds a secret: %s", what, s)
		}
	}
}

// err checks an error for secrets and returns it.
func (e *env) err(err error) error {
	e.t.Helper()
	if err != nil {
		e.noSecret("the error", err.Error())
	}
	return err
}

func (e *env) requests(t *testing.T, call string, want int) []Request {
	t.Helper()
	got := e.fake.Requests(call)
	if len(got) != want {
		t.Errorf("%s: the axis saw %d requests, want %d", call, len(got), want)
	}
	return got
}

func (e *env) retried() bool { return strings.Contains(e.logs.String(), "retrying") }

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// wantAxisError checks that err is the axis's refusal with status and code.
func wantAxisError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var ae *axis.Error
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want an *axis.Error %s", err, code)
	}
	if ae.HTTPStatus != status || ae.Code != code {
		t.Errorf("got HTTP %d %s, want HTTP %d %s (%v)", ae.HTTPStatus, ae.Code, status, code, err)
	}
}

// samplePacket returns an edXML-looking packet of n bytes.
func samplePacket(n int) []byte {
	head := `<?xml version="1.0" encoding="UTF-8"?><edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">` +
		`<edXML:Subject>V/v triển khai văn bản điện tử</edXML:Subject><!--`
	b := make([]byte, 0, n)
	b = append(b, head...)
	for i := 0; len(b) < n; i++ {
		b = append(b, "0123456789abcdef"[i%16])
	}
	return b[:n]
}

func hexSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func (s suite) sendReceiveAcknowledge(t *testing.T) {
	e := s.env(t, Options{})
	ctx := t.Context()
	a, b := e.client(Hanoi, axis.ClientOptions{}), e.client(NgheAn, axis.ClientOptions{})
	packet := samplePacket(10_000)
	sent, err := a.Send(ctx, axis.MessageEdoc, Hanoi.Agency, []string{NgheAn.Agency}, bytes.NewReader(packet), int64(len(packet)))
	if e.err(err) != nil {
		t.Fatal(err)
	}
	msgs := e.fake.Messages(NgheAn.Agency)
	if len(msgs) != 1 || !bytes.Equal(msgs[0].Packet, packet) || msgs[0].HashFile != hexSum(packet) {
		t.Fatalf("the axis holds %+v", msgs)
	}
	if n, err := b.CountReceived(ctx, axis.MessageEdoc); e.err(err) != nil || n != 1 {
		t.Errorf("CountReceived(edoc) = %d, %v; want 1", n, err)
	}
	if n, err := b.CountReceived(ctx, axis.MessageStatus); e.err(err) != nil || n != 0 {
		t.Errorf("CountReceived(status) = %d, %v; want 0", n, err)
	}
	items, err := b.ReceivedList(ctx, axis.MessageEdoc)
	if e.err(err) != nil {
		t.Fatal(err)
	}
	if len(items) != 1 {
		t.Fatalf("got %d items, want 1", len(items))
	}
	it := items[0]
	if it.DocID != msgs[0].DocID || it.From != Hanoi.Agency || it.To != NgheAn.Agency || it.MessageType != axis.MessageEdoc || it.Created == "" {
		t.Errorf("item %+v", it)
	}
	got, err := b.Get(ctx, it.DocID)
	if e.err(err) != nil || !bytes.Equal(got, packet) {
		t.Errorf("Get: %d bytes, %v; want the packet", len(got), err)
	}
	rc, err := b.Download(ctx, it.DocID)
	if e.err(err) != nil {
		t.Fatal(err)
	}
	got, err = io.ReadAll(rc)
	if err := rc.Close(); err != nil {
		t.Error(err)
	}
	if err != nil || !bytes.Equal(got, packet) {
		t.Errorf("Download: %d bytes, %v; want the packet", len(got), err)
	}
	if _, err := a.Get(ctx, it.DocID); err == nil {
		t.Error("a packet for Nghệ An was given to Hà Nội")
	}
	if err := e.err(b.UpdateStatus(ctx, it.DocID, axis.StatusDone, "")); err != nil {
		t.Fatal(err)
	}
	if items, err := b.ReceivedList(ctx, axis.MessageEdoc); e.err(err) != nil || len(items) != 0 {
		t.Errorf("after done: %d items, %v; want none", len(items), err)
	}
	rows, err := a.SentList(ctx, axis.MessageEdoc, sent)
	if e.err(err) != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].ReceiverDocID != it.DocID || rows[0].ToCode != NgheAn.Agency || rows[0].ReceiveStatus != "done" {
		t.Errorf("sent list %+v", rows)
	}
}

func (s suite) statusMessagesAndMailboxes(t *testing.T) {
	e := s.env(t, Options{})
	ctx := t.Context()
	a, b := e.client(Hanoi, axis.ClientOptions{}), e.client(NgheAn, axis.ClientOptions{})
	box := NgheAn.Agency + "/vanthu"
	status := samplePacket(600)
	if _, err := a.Send(ctx, axis.MessageStatus, Hanoi.Agency+"/lanhdao", []string{box, NgheAn.Agency}, bytes.NewReader(status), -1); e.err(err) != nil {
		t.Fatal(err)
	}
	if items, err := b.ReceivedList(ctx, axis.MessageEdoc); e.err(err) != nil || len(items) != 0 {
		t.Errorf("edoc list: %d items, %v; want none", len(items), err)
	}
	items, err := b.ReceivedList(ctx, axis.MessageStatus)
	if e.err(err) != nil || len(items) != 2 {
		t.Fatalf("status list: %d items, %v; want 2", len(items), err)
	}
	if items[0].To != box || items[0].From != Hanoi.Agency+"/lanhdao" || items[0].MessageType != axis.MessageStatus {
		t.Errorf("item %+v", items[0])
	}
	if n, err := b.CountReceived(ctx, axis.MessageStatus); e.err(err) != nil || n != 2 {
		t.Errorf("CountReceived(status) = %d, %v; want 2", n, err)
	}
	reason := "không đọc được\r\nXML\x00"
	if err := e.err(b.UpdateStatus(ctx, items[0].DocID, axis.StatusFail, reason)); err != nil {
		t.Fatal(err)
	}
	if err := e.err(b.UpdateStatus(ctx, items[1].DocID, axis.StatusProcessing, "")); err != nil {
		t.Fatal(err)
	}
	for _, m := range e.fake.Messages("") {
		switch m.DocID {
		case items[0].DocID:
			if m.State != "fail" || m.Reason != "không đọc được  XML" {
				t.Errorf("failed packet: state %q, reason %q", m.State, m.Reason)
			}
		case items[1].DocID:
			if m.State != "processing" {
				t.Errorf("state %q, want processing", m.State)
			}
		}
	}
	if n, err := b.CountReceived(ctx, axis.MessageStatus); e.err(err) != nil || n != 1 {
		t.Errorf("CountReceived(status) = %d, %v; want 1 (processing still waits)", n, err)
	}
}

func (s suite) sendSources(t *testing.T) {
	e := s.env(t, Options{})
	ctx := t.Context()
	spool := t.TempDir()
	a := e.client(Hanoi, axis.ClientOptions{TempDir: spool})
	to := []string{NgheAn.Agency}
	check := func(name string, want []byte) {
		t.Helper()
		msgs := e.fake.Messages(NgheAn.Agency)
		last := msgs[len(msgs)-1]
		if !bytes.Equal(last.Packet, want) || last.HashFile != hexSum(want) {
			t.Errorf("%s: the axis got %d bytes with hash %s, want %d bytes", name, len(last.Packet), last.HashFile, len(want))
		}
	}
	packet := samplePacket(50_000)

	r := bytes.NewReader(append([]byte("JUNK"), packet...))
	if _, err := r.Seek(4, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Send(ctx, axis.MessageEdoc, Hanoi.Agency, to, r, int64(len(packet))); e.err(err) != nil {
		t.Fatal(err)
	}
	check("from the reader's offset", packet)

	if _, err := a.Send(ctx, axis.MessageEdoc, Hanoi.Agency, to, io.MultiReader(bytes.NewReader(packet)), -1); e.err(err) != nil {
		t.Fatal(err)
	}
	check("unseekable", packet)

	big := samplePacket(3 << 20)
	e.fake.Fail(axis.CallSendEdoc, Fault{Status: 503, Code: axis.CodeUnavailable}) // the spooled packet is sent twice
	if _, err := a.Send(ctx, axis.MessageEdoc, Hanoi.Agency, to, io.MultiReader(bytes.NewReader(big)), int64(len(big))); e.err(err) != nil {
		t.Fatal(err)
	}
	check("unseekable, spooled to a file, retried", big)
	if left, _ := os.ReadDir(spool); len(left) != 0 {
		t.Errorf("the spool directory keeps %d files", len(left))
	}

	path := filepath.Join(t.TempDir(), "packet.edxml")
	if err := os.WriteFile(path, packet, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SendFile(ctx, axis.MessageEdoc, Hanoi.Agency, to, path); e.err(err) != nil {
		t.Fatal(err)
	}
	check("from a file", packet)

	before := len(e.fake.Requests(axis.CallSendEdoc))
	if _, err := a.Send(ctx, axis.MessageEdoc, Hanoi.Agency, to, bytes.NewReader(packet), int64(len(packet)+1)); !errors.Is(err, axis.ErrInvalidArgument) {
		t.Errorf("wrong size: got %v, want ErrInvalidArgument", err)
	}
	if _, err := a.Send(ctx, axis.MessageEdoc, Hanoi.Agency, to, bytes.NewReader(nil), -1); !errors.Is(err, axis.ErrInvalidArgument) {
		t.Errorf("empty packet: got %v, want ErrInvalidArgument", err)
	}
	if _, err := a.SendFile(ctx, axis.MessageEdoc, Hanoi.Agency, to, filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v", err)
	}
	if n := len(e.fake.Requests(axis.CallSendEdoc)); n != before {
		t.Errorf("refused packets reached the axis (%d requests)", n-before)
	}
}

// shifty is a packet that changes after it has been read once.
type shifty struct {
	mu   sync.Mutex
	data []byte
}

func (s *shifty) ReadAt(p []byte, off int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if off >= int64(len(s.data)) {
		s.data[0] ^= 1
		return 0, io.EOF
	}
	return copy(p, s.data[off:]), nil
}

func (s *shifty) Seek(int64, int) (int64, error) { return 0, nil }

func (s *shifty) Read([]byte) (int, error) { return 0, errors.New("shifty is read at offsets") }

func (s suite) packetChanged(t *testing.T) {
	e := s.env(t, Options{})
	a := e.client(Hanoi, axis.ClientOptions{})
	_, err := a.Send(t.Context(), axis.MessageEdoc, Hanoi.Agency, []string{NgheAn.Agency}, &shifty{data: samplePacket(40_000)}, -1)
	if !errors.Is(e.err(err), axis.ErrPacketChanged) {
		t.Fatalf("got %v, want ErrPacketChanged", err)
	}
	if n := len(e.fake.Messages("")); n != 0 {
		t.Errorf("the axis stored %d packets", n)
	}
	if n := len(e.fake.Requests(axis.CallSendEdoc)); n > 1 || e.retried() {
		t.Errorf("a changed packet was retried (%d requests)", n)
	}
}

func (s suite) refusals(t *testing.T) {
	e := s.env(t, Options{})
	ctx := t.Context()
	a := e.client(Hanoi, axis.ClientOptions{})
	packet := samplePacket(1000)
	_, err := a.Get(ctx, "R999999")
	wantAxisError(t, e.err(err), 404, axis.CodeNotFound)
	_, err = a.Download(ctx, "R999999")
	wantAxisError(t, e.err(err), 404, axis.CodeNotFound)
	wantAxisError(t, e.err(a.UpdateStatus(ctx, "R999999", axis.StatusDone, "")), 404, axis.CodeNotFound)
	_, err = a.SentList(ctx, axis.MessageEdoc, "S999999")
	wantAxisError(t, e.err(err), 404, axis.CodeNotFound)
	wantAxisError(t, e.err(a.DeleteAgency(ctx, "000.00.00.Z99")), 404, axis.CodeNotFound)
	_, err = a.Send(ctx, axis.MessageEdoc, Hanoi.Agency, []string{"000.00.00.Z99"}, bytes.NewReader(packet), -1)
	wantAxisError(t, e.err(err), 400, axis.CodeUnknownRecipient)
	_, err = a.Send(ctx, axis.MessageEdoc, NgheAn.Agency, []string{Hanoi.Agency}, bytes.NewReader(packet), -1)
	wantAxisError(t, e.err(err), 400, axis.CodeUnknownSender)
	if e.retried() {
		t.Error("a refusal was retried")
	}
	e.requests(t, "", 7)
}

func (s suite) invalidArguments(t *testing.T) {
	e := s.env(t, Options{})
	ctx := t.Context()
	a := e.client(Hanoi, axis.ClientOptions{})
	p := func() io.Reader { return bytes.NewReader(samplePacket(100)) }
	for name, err := range map[string]error{
		"empty docId":       func() error { _, err := a.Get(ctx, ""); return err }(),
		"line break":        func() error { _, err := a.Download(ctx, "R1\r\nX-Evil: 1"); return err }(),
		"message type":      func() error { _, err := a.ReceivedList(ctx, "edocs"); return err }(),
		"count type":        func() error { _, err := a.CountReceived(ctx, ""); return err }(),
		"status":            a.UpdateStatus(ctx, "R1", "ok", ""),
		"no sender":         func() error { _, err := a.Send(ctx, axis.MessageEdoc, "", nil, p(), -1); return err }(),
		"empty recipient":   func() error { _, err := a.Send(ctx, axis.MessageEdoc, Hanoi.Agency, []string{""}, p(), -1); return err }(),
		"sent list docId":   func() error { _, err := a.SentList(ctx, axis.MessageEdoc, ""); return err }(),
		"agency without":    a.RegisterAgency(ctx, axis.Agency{Code: "000.00.00.H29"}),
		"delete empty code": a.DeleteAgency(ctx, ""),
	} {
		if !errors.Is(e.err(err), axis.ErrInvalidArgument) {
			t.Errorf("%s: got %v, want ErrInvalidArgument", name, err)
		}
	}
	e.requests(t, "", 0)
}

func (s suite) agencies(t *testing.T) {
	e := s.env(t, Options{})
	ctx := t.Context()
	a := e.client(Hanoi, axis.ClientOptions{})
	find := func(code string) (axis.Agency, bool) {
		t.Helper()
		list, err := a.Agencies(ctx)
		if e.err(err) != nil {
			t.Fatal(err)
		}
		for _, x := range list {
			if x.Code == code {
				return x, true
			}
		}
		return axis.Agency{}, false
	}
	if _, ok := find(NgheAn.Agency); !ok {
		t.Error("the registry lacks Nghệ An")
	}
	agency := axis.Agency{Code: "000.00.00.H29", Name: "Sở Nội vụ", Mail: "sonv@example.vn", ParentID: "1"}
	if err := e.err(a.RegisterAgency(ctx, agency)); err != nil {
		t.Fatal(err)
	}
	if got, ok := find(agency.Code); !ok || got != agency {
		t.Errorf("registered %+v, listed %+v", agency, got)
	}
	agency.Name = "Sở Nội vụ tỉnh Nghệ An"
	if err := e.err(a.RegisterAgency(ctx, agency)); err != nil {
		t.Fatal(err)
	}
	if got, _ := find(agency.Code); got.Name != agency.Name {
		t.Errorf("renamed to %q, listed as %q", agency.Name, got.Name)
	}
	if err := e.err(a.DeleteAgency(ctx, agency.Code)); err != nil {
		t.Fatal(err)
	}
	if _, ok := find(agency.Code); ok {
		t.Error("a deleted agency is still listed")
	}
}

func (s suite) retriesTransient(t *testing.T) {
	e := s.env(t, Options{})
	ctx := t.Context()
	e.fake.Deliver(Hanoi.Agency, NgheAn.Agency, axis.MessageEdoc, samplePacket(100))
	b := e.client(NgheAn, axis.ClientOptions{})
	for _, c := range []struct {
		name   string
		faults []Fault
	}{
		{"503 twice", []Fault{{Status: 503, Code: axis.CodeUnavailable}, {Status: 503, Code: axis.CodeUnavailable}}},
		{"500", []Fault{{Status: 500, Code: axis.CodeInternal}}},
		{"AUTH_STALE", []Fault{{Status: 401, Code: axis.CodeAuthStale}}},
		{"dropped connection", []Fault{{Drop: true}}},
		{"FAIL UNAVAILABLE in a 200", []Fault{{Status: 200, Raw: `{"status":"FAIL","ErrorCode":"UNAVAILABLE","ErrorDesc":"busy"}`}}},
		{"408", []Fault{{Status: 408, Code: axis.CodeBadRequest}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(e.fake.Requests(axis.CallReceivedList))
			e.fake.Fail(axis.CallReceivedList, c.faults...)
			items, err := b.ReceivedList(ctx, axis.MessageEdoc)
			if e.err(err) != nil || len(items) != 1 {
				t.Fatalf("got %d items, %v", len(items), err)
			}
			reqs := e.fake.Requests(axis.CallReceivedList)[before:]
			if len(reqs) != len(c.faults)+1 {
				t.Errorf("%d attempts, want %d", len(reqs), len(c.faults)+1)
			}
			ids := map[string]bool{}
			for i, r := range reqs {
				if r.RequestID != "" {
					if ids[r.RequestID] {
						t.Errorf("attempt %d reused request id %s", i+1, r.RequestID)
					}
					ids[r.RequestID] = true
				}
				if i > 0 && r.Timestamp.Before(reqs[i-1].Timestamp) {
					t.Errorf("attempt %d signed an older timestamp", i+1)
				}
			}
		})
	}
	if !e.retried() {
		t.Error("retries were not logged")
	}
}

func (s suite) noRetryOnRefusal(t *testing.T) {
	e := s.env(t, Options{})
	ctx := t.Context()
	a := e.client(Hanoi, axis.ClientOptions{})
	for _, f := range []Fault{
		{Status: 400, Code: axis.CodeBadRequest},
		{Status: 401, Code: axis.CodeAuthBadSignature},
		{Status: 401, Code: axis.CodeAuthReplay},
		{Status: 413, Code: axis.CodeTooLarge},
		{Status: 400, Code: axis.CodeHashMismatch},
	} {
		before := len(e.fake.Requests(""))
		e.fake.Fail("", f)
		_, err := a.ReceivedList(ctx, axis.MessageEdoc)
		wantAxisError(t, e.err(err), f.Status, f.Code)
		if n := len(e.fake.Requests("")) - before; n != 1 {
			t.Errorf("%s: %d attempts, want 1", f.Code, n)
		}
	}
}

func (s suite) retriesExhausted(t *testing.T) {
	e := s.env(t, Options{})
	a := e.client(Hanoi, axis.ClientOptions{Retries: 2})
	for range 5 {
		e.fake.Fail("", Fault{Status: 503, Code: axis.CodeUnavailable})
	}
	_, err := a.Agencies(t.Context())
	wantAxisError(t, e.err(err), 503, axis.CodeUnavailable)
	if !strings.Contains(err.Error(), "3 attempts") {
		t.Errorf("the error does not say how often it tried: %v", err)
	}
	e.requests(t, axis.CallAgencies, 3)
	none := e.client(Hanoi, axis.ClientOptions{Retries: -1})
	_, err = none.Agencies(t.Context())
	wantAxisError(t, e.err(err), 503, axis.CodeUnavailable)
	e.requests(t, axis.CallAgencies, 4)
}

func (s suite) rateLimited(t *testing.T) {
	e := s.env(t, Options{})
	ctx := t.Context()
	a := e.client(Hanoi, axis.ClientOptions{MaxDelay: 2 * time.Second})
	e.fake.Fail(axis.CallCountEdoc, Fault{Status: 429, Code: axis.CodeRateLimited, RetryAfter: "1"})
	start := time.Now()
	if _, err := a.CountReceived(ctx, axis.MessageEdoc); e.err(err) != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("retried after %s, before the Retry-After of 1s", d)
	}
	e.requests(t, axis.CallCountEdoc, 2)

	e.fake.Fail(axis.CallCountEdoc, Fault{Status: 429, Code: axis.CodeRateLimited, RetryAfter: "120"})
	start = time.Now()
	_, err := a.CountReceived(ctx, axis.MessageEdoc)
	var ra *axis.RetryAfterError
	if !errors.As(e.err(err), &ra) || ra.After != 120*time.Second {
		t.Fatalf("got %v, want a RetryAfterError of 2m0s", err)
	}
	wantAxisError(t, err, 429, axis.CodeRateLimited)
	if d := time.Since(start); d > time.Second {
		t.Errorf("waited %s for a Retry-After it gives back", d)
	}
	e.requests(t, axis.CallCountEdoc, 3)
}

func (s suite) malformedAnswers(t *testing.T) {
	e := s.env(t, Options{})
	ctx := t.Context()
	a := e.client(Hanoi, axis.ClientOptions{Retries: 1})
	count := func() error { _, err := a.CountReceived(ctx, axis.MessageEdoc); return e.err(err) }
	for _, c := range []struct {
		name     string
		fault    Fault
		attempts int
		check    func(t *testing.T, err error)
	}{
		{"captive portal", Fault{Status: 200, Raw: "<html>login</html>", RawType: "text/html"}, 1, wantProtocol},
		{"no ErrorCode", Fault{Status: 200, Raw: `{"status":"OK","count":1}`}, 1, wantProtocol},
		{"FAIL with code 0", Fault{Status: 200, Raw: `{"status":"FAIL","ErrorCode":"0"}`}, 1, wantProtocol},
		{"two status members", Fault{Status: 200, Raw: `{"status":"OK","Status":"FAIL","ErrorCode":"0","count":1}`}, 1, wantProtocol},
		{"no count", Fault{Status: 200, Raw: `{"status":"OK","ErrorCode":"0"}`}, 1, wantProtocol},
		{"trailing data", Fault{Status: 200, Raw: `{"status":"OK","ErrorCode":"0","count":1} {}`}, 1, wantProtocol},
		{"FAIL in a 200", Fault{Status: 200, Raw: `{"status":"FAIL","ErrorCode":"NOT_FOUND","ErrorDesc":"gone"}`}, 1,
			func(t *testing.T, err error) { wantAxisError(t, err, 200, axis.CodeNotFound) }},
		{"bad gateway page", Fault{Status: 502, Raw: "<html>502</html>", RawType: "text/html"}, 2,
			func(t *testing.T, err error) { wantAxisError(t, err, 502, axis.CodeHTTPPrefix+"502") }},
		{"multi-line description", Fault{Status: 400, Raw: `{"status":"FAIL","ErrorCode":"BAD_REQUEST","ErrorDesc":"a\nb\u0000c"}`}, 1,
			func(t *testing.T, err error) {
				wantAxisError(t, err, 400, axis.CodeBadRequest)
				if strings.ContainsAny(err.Error(), "\n\x00") {
					t.Errorf("the error holds control characters: %q", err)
				}
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(e.fake.Requests(""))
			for range c.attempts {
				e.fake.Fail(axis.CallCountEdoc, c.fault)
			}
			c.check(t, count())
			if n := len(e.fake.Requests("")) - before; n != c.attempts {
				t.Errorf("%d attempts, want %d", n, c.attempts)
			}
		})
	}
	t.Run("list data not a list", func(t *testing.T) {
		e.fake.Fail(axis.CallReceivedList, Fault{Status: 200, Raw: `{"status":"OK","ErrorCode":"0","data":{"docId":"1"}}`})
		_, err := a.ReceivedList(ctx, axis.MessageEdoc)
		wantProtocol(t, e.err(err))
	})
	t.Run("packet not base64", func(t *testing.T) {
		e.fake.Fail(axis.CallGetEdoc, Fault{Status: 200, Raw: `{"status":"OK","ErrorCode":"0","data":"***"}`})
		_, err := a.Get(ctx, "R1")
		wantProtocol(t, e.err(err))
	})
	t.Run("answer too large", func(t *testing.T) {
		for range 20 {
			e.fake.Deliver(NgheAn.Agency, Hanoi.Agency, axis.MessageEdoc, []byte("<x/>"))
		}
		small := e.client(Hanoi, axis.ClientOptions{MaxResponse: 512})
		before := len(e.fake.Requests(""))
		_, err := small.ReceivedList(ctx, axis.MessageEdoc)
		if !errors.Is(e.err(err), axis.ErrResponseTooLarge) {
			t.Errorf("got %v, want ErrResponseTooLarge", err)
		}
		if n := len(e.fake.Requests("")) - before; n != 1 {
			t.Errorf("%d attempts, want 1", n)
		}
	})
}

func wantProtocol(t *testing.T, err error) {
	t.Helper()
	var pe *axis.ProtocolError
	if !errors.As(err, &pe) {
		t.Errorf("got %v, want a ProtocolError", err)
	}
}

func (s suite) timeouts(t *testing.T) {
	e := s.env(t, Options{})
	ctx := t.Context()
	short := func(c *TransportConfig) { c.Timeout = 300 * time.Millisecond }
	once := e.client(Hanoi, axis.ClientOptions{Retries: -1}, short)
	e.fake.Fail(axis.CallAgencies, Fault{Delay: 5 * time.Second})
	start := time.Now()
	_, err := once.Agencies(ctx)
	if !errors.Is(e.err(err), axis.ErrTimeout) {
		t.Errorf("got %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the timeout took %s", d)
	}

	retrying := e.client(Hanoi, axis.ClientOptions{}, short)
	e.fake.Fail(axis.CallAgencies, Fault{Delay: 5 * time.Second})
	if _, err := retrying.Agencies(ctx); e.err(err) != nil {
		t.Errorf("a timed-out attempt was not retried: %v", err)
	}

	packet := samplePacket(2 << 20)
	id := e.fake.Deliver(NgheAn.Agency, Hanoi.Agency, axis.MessageEdoc, packet)
	e.fake.Fail(axis.CallDownloadEdoc, Fault{Stall: true, Delay: 5 * time.Second})
	rc, err := retrying.Download(ctx, id)
	if e.err(err) != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	start = time.Now()
	got, err := io.ReadAll(rc)
	if !errors.Is(err, axis.ErrTimeout) {
		t.Errorf("a stalled download ended with %v after %d bytes, want ErrTimeout", err, len(got))
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the stall was noticed after %s", d)
	}

	// A reader that pauses longer than the timeout (a slow disk) is not
	// a stalled axis.
	rc, err = retrying.Download(ctx, id)
	if e.err(err) != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	time.Sleep(500 * time.Millisecond)
	n, err := io.Copy(io.Discard, &trickle{r: rc, every: 512 << 10, pause: 500 * time.Millisecond})
	if err != nil || n != int64(len(packet)) {
		t.Errorf("a slow reader got %d bytes, %v", n, err)
	}
}

// trickle reads slowly: a pause before every so many bytes.
type trickle struct {
	r     io.Reader
	every int
	pause time.Duration
	n     int
}

func (tr *trickle) Read(p []byte) (int, error) {
	if len(p) > tr.every {
		p = p[:tr.every]
	}
	if tr.n >= tr.every {
		time.Sleep(tr.pause)
		tr.n = 0
	}
	n, err := tr.r.Read(p)
	tr.n += n
	return n, err
}

func (s suite) context(t *testing.T) {
	e := s.env(t, Options{})
	t.Run("cancelled before", func(t *testing.T) {
		a := e.client(Hanoi, axis.ClientOptions{})
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := a.Agencies(ctx)
		if !errors.Is(e.err(err), context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
		e.requests(t, "", 0)
	})
	t.Run("deadline during an attempt", func(t *testing.T) {
		a := e.client(Hanoi, axis.ClientOptions{})
		e.fake.Fail(axis.CallAgencies, Fault{Delay: 5 * time.Second})
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := a.Agencies(ctx)
		if !errors.Is(e.err(err), context.DeadlineExceeded) {
			t.Errorf("got %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("returned after %s", d)
		}
	})
	t.Run("backoff past the deadline", func(t *testing.T) {
		a := e.client(Hanoi, axis.ClientOptions{BaseDelay: 5 * time.Second, MaxDelay: 5 * time.Second})
		e.fake.Fail(axis.CallAgencies, Fault{Status: 503, Code: axis.CodeUnavailable})
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		start := time.Now()
		_, err := a.Agencies(ctx)
		wantAxisError(t, e.err(err), 503, axis.CodeUnavailable)
		if d := time.Since(start); d > time.Second {
			t.Errorf("slept %s into a backoff the deadline cuts short", d)
		}
	})
	t.Run("cancelled during backoff", func(t *testing.T) {
		a := e.client(Hanoi, axis.ClientOptions{BaseDelay: 5 * time.Second, MaxDelay: 5 * time.Second})
		e.fake.Fail(axis.CallAgencies, Fault{Status: 503, Code: axis.CodeUnavailable})
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(200*time.Millisecond, cancel)
		start := time.Now()
		_, err := a.Agencies(ctx)
		if !errors.Is(e.err(err), context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("returned after %s", d)
		}
	})
}

func (s suite) tls(t *testing.T) {
	e := s.env(t, Options{TLS: true})
	ctx := t.Context()
	if !strings.HasPrefix(e.fake.URL, "https://") {
		t.Fatalf("the fake is not on TLS: %s", e.fake.URL)
	}
	a, b := e.client(Hanoi, axis.ClientOptions{}), e.client(NgheAn, axis.ClientOptions{})
	packet := samplePacket(1 << 20)
	if _, err := a.Send(ctx, axis.MessageEdoc, Hanoi.Agency, []string{NgheAn.Agency}, bytes.NewReader(packet), -1); e.err(err) != nil {
		t.Fatal(err)
	}
	items, err := b.ReceivedList(ctx, axis.MessageEdoc)
	if e.err(err) != nil || len(items) != 1 {
		t.Fatalf("got %d items, %v", len(items), err)
	}
	rc, err := b.Download(ctx, items[0].DocID)
	if e.err(err) != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, packet) {
		t.Errorf("download over TLS: %d bytes, %v", len(got), err)
	}

	untrusting := e.client(Hanoi, axis.ClientOptions{}, func(c *TransportConfig) { c.CA = nil })
	before := len(e.fake.Requests(""))
	_, err = untrusting.Agencies(ctx)
	var ua x509.UnknownAuthorityError
	var cv *tls.CertificateVerificationError
	if !errors.As(e.err(err), &ua) && !errors.As(err, &cv) {
		t.Errorf("got %v, want a certificate verification error", err)
	}
	if len(e.fake.Requests("")) != before {
		t.Error("a request passed an untrusted certificate")
	}
	if e.retried() {
		t.Error("an untrusted certificate was retried")
	}
}

func (s suite) secretsStayOut(t *testing.T) {
	e := s.env(t, Options{})
	ctx := t.Context()
	a := e.client(Hanoi, axis.ClientOptions{})
	e.fake.Fail("", Fault{Status: 503, Code: axis.CodeUnavailable, Echo: true}, Fault{Status: 401, Code: axis.CodeAuthBadSignature, Echo: true})
	_, err := a.Agencies(ctx)
	wantAxisError(t, e.err(err), 401, axis.CodeAuthBadSignature)
	if !strings.Contains(err.Error(), "your request") {
		t.Errorf("the axis's description was lost: %v", err)
	}
	if !e.retried() {
		t.Error("the echoed 503 was not retried (and logged)")
	}
	wrong := []byte("wrong-secret-0a1b2c3d")
	bad := e.client(Hanoi, axis.ClientOptions{}, func(c *TransportConfig) { c.System.Secret = wrong })
	_, err = bad.Agencies(ctx)
	wantAxisError(t, e.err(err), 401, axis.CodeAuthBadSignature)
	e.noSecret("the error", err.Error(), wrong)
	e.noSecret("the log", e.logs.String(), wrong)
}

func (s suite) concurrent(t *testing.T) {
	e := s.env(t, Options{})
	ctx := t.Context()
	a := e.client(Hanoi, axis.ClientOptions{})
	e.fake.Deliver(NgheAn.Agency, Hanoi.Agency, axis.MessageEdoc, samplePacket(100))
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 8 {
		wg.Go(func() {
			if _, err := a.ReceivedList(ctx, axis.MessageEdoc); err != nil {
				errs <- err
			}
			if _, err := a.CountReceived(ctx, axis.MessageEdoc); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(e.err(err))
	}
	e.requests(t, "", 16)
}

func (s suite) largeDownload(t *testing.T) {
	if testing.Short() {
		t.Skip("100 MB download")
	}
	e := s.env(t, Options{})
	const size = 100 << 20
	gen := func() io.Reader {
		return io.LimitReader(rand.NewChaCha8([32]byte{'v', 'a', 'n', 't', 'h', 'u'}), size)
	}
	want := sha256.New()
	if _, err := io.Copy(want, gen()); err != nil {
		t.Fatal(err)
	}
	id := e.fake.DeliverStream("000.00.00.A01", NgheAn.Agency, axis.MessageEdoc, size, gen)
	b := e.client(NgheAn, axis.ClientOptions{})

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rc, err := b.Download(t.Context(), id)
	if e.err(err) != nil {
		t.Fatal(err)
	}
	got := sha256.New()
	n, err := io.Copy(got, rc)
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.Close(); err != nil {
		t.Error(err)
	}
	runtime.ReadMemStats(&after)
	if n != size || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatalf("got %d bytes with another hash, want %d", n, size)
	}
	// Client and fake share the process: what both allocated while 100 MB
	// went through must stay far below 100 MB.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 24<<20 {
		t.Errorf("the download allocated %d MiB", alloc>>20)
	} else {
		t.Logf("100 MiB streamed with %s allocated", fmt.Sprintf("%.1f MiB", float64(alloc)/(1<<20)))
	}
}
