package hub_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/axis/hub"
)

// Agencies and systems of the tests.
const (
	agVPCP   = "000.00.00.G22" // Văn phòng Chính phủ: A, the sender
	agNghean = "000.00.00.H41" // UBND tỉnh Nghệ An: B, with mailboxes
	agHanam  = "000.00.00.H23" // UBND tỉnh Hà Nam: C
)

var (
	sysA = hub.System{ID: "vpcp", Secret: []byte("bí-mật-của-vpcp-0123456789"), Agency: agVPCP, Name: "Văn phòng Chính phủ"}
	sysB = hub.System{ID: "vpubnd-nghean", Secret: []byte("bí-mật-của-nghệ-an-0123456789"), Agency: agNghean,
		Name: "Văn phòng UBND tỉnh Nghệ An", Mailboxes: []string{"lanhdao", "vanthu"}}
	sysC = hub.System{ID: "vpubnd-hanam", Secret: []byte("bí-mật-của-hà-nam-0123456789"), Agency: agHanam, Name: "Văn phòng UBND tỉnh Hà Nam"}
)

func cred(s hub.System) axis.Credentials { return axis.Credentials{SystemID: s.ID, Secret: s.Secret} }

// clock is real time plus an offset the test moves.
type clock struct{ off atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) Advance(d time.Duration) { c.off.Add(int64(d)) }

// logBuffer collects the server's JSON log.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// env is a hub served over real HTTP on 127.0.0.1 with a SQLite store.
type env struct {
	t      *testing.T
	dbPath string
	cfg    hub.Config
	store  *hub.SQLite
	srv    *hub.Server
	hs     *httptest.Server
	clock  *clock
	logs   *logBuffer
}

// newEnv starts a hub with systems A, B and C; opts adjust the config.
func newEnv(t *testing.T, opts ...func(*hub.Config)) *env {
	t.Helper()
	e := &env{t: t, dbPath: filepath.Join(t.TempDir(), "axis.db"), clock: &clock{}, logs: &logBuffer{}}
	e.cfg = hub.Config{
		Systems: []hub.System{sysA, sysB, sysC},
		Now:     e.clock.Now,
		Logger:  slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		TempDir: t.TempDir(),
	}
	for _, o := range opts {
		o(&e.cfg)
	}
	e.start()
	t.Cleanup(e.stop)
	return e
}

func (e *env) start() {
	e.t.Helper()
	store, err := hub.OpenSQLite(e.t.Context(), e.dbPath)
	if err != nil {
		e.t.Fatal(err)
	}
	cfg := e.cfg
	cfg.Store = store
	srv, err := hub.New(e.t.Context(), cfg)
	if err != nil {
		_ = store.Close()
		e.t.Fatal(err)
	}
	e.store, e.srv = store, srv
	e.hs = httptest.NewServer(srv)
}

func (e *env) stop() {
	if e.hs == nil {
		return
	}
	e.hs.Close()
	if err := e.srv.Close(); err != nil {
		e.t.Error(err)
	}
	if err := e.store.Close(); err != nil {
		e.t.Error(err)
	}
	e.hs = nil
}

// restart closes the server and the database and opens them again.
func (e *env) restart() {
	e.t.Helper()
	e.stop()
	e.start()
}

// client returns the project's axis client for a system, retrying quickly.
func (e *env) client(s hub.System) *axis.Client {
	e.t.Helper()
	tr, err := axis.NewVXP(e.hs.URL, cred(s), axis.VXPOptions{Now: e.clock.Now, Timeout: 20 * time.Second})
	if err != nil {
		e.t.Fatal(err)
	}
	return axis.NewClient(tr, axis.ClientOptions{Retries: -1})
}

func (e *env) counts() hub.Counts {
	e.t.Helper()
	c, err := e.store.Counts(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// answer is a raw HTTP answer with its envelope.
type answer struct {
	status int
	header http.Header
	body   []byte
	env    axis.Envelope
}

// rawCall signs and sends one request the way a client would, but lets
// the test break any part of it.
type rawCall struct {
	method  string
	name    string
	sys     hub.System
	at      time.Time // signing time (default: the env's clock)
	reqID   string    // request id ("-" for none; default: fresh)
	headers []axis.Header
	ctype   string
	body    []byte
	chunked bool // send without Content-Length
	mutate  func(r *http.Request)
}

func (e *env) do(c rawCall) answer {
	e.t.Helper()
	req := e.request(c)
	resp, err := e.hs.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s: %v", c.name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, body: b}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &a.env); err != nil {
			e.t.Fatalf("%s: the answer is not the JSON envelope: %v: %q", c.name, err, b)
		}
	}
	return a
}

func (e *env) request(c rawCall) *http.Request {
	e.t.Helper()
	if c.method == "" {
		c.method = http.MethodPost
	}
	if c.at.IsZero() {
		c.at = e.clock.Now()
	}
	switch c.reqID {
	case "":
		c.reqID = axis.NewRequestID()
	case "-":
		c.reqID = ""
	}
	if c.ctype == "" {
		c.ctype = axis.ContentTypeJSON
	}
	var body io.Reader
	if c.body != nil {
		body = bytes.NewReader(c.body)
		if c.chunked {
			body = io.MultiReader(body) // hides the length
		}
	}
	req, err := http.NewRequestWithContext(e.t.Context(), c.method, e.hs.URL+"/"+c.name, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if c.sys.ID != "" {
		if err := axis.Sign(req, cred(c.sys), c.ctype, c.headers, c.at, c.reqID); err != nil {
			e.t.Fatal(err)
		}
	}
	if c.mutate != nil {
		c.mutate(req)
	}
	return req
}

// upload builds sendEdoc's multipart body holding data as file_doc.
func upload(data []byte) (ctype string, body []byte) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file_doc"; filename="packet.edxml"`)
	h.Set("Content-Type", axis.ContentTypePacket)
	w, _ := mw.CreatePart(h)
	_, _ = w.Write(data)
	_ = mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// sendCall is a sendEdoc of data from sys as from, to (nil: no to header).
func sendCall(sys hub.System, from, mt string, to []string, data []byte) rawCall {
	ctype, body := upload(data)
	h := []axis.Header{{Name: axis.HFrom, Value: from}}
	if to != nil {
		h = append(h, axis.Header{Name: axis.HTo, Value: axis.EncodeRecipients(to)})
	}
	h = append(h, axis.Header{Name: axis.HServiceType, Value: "eDoc"}, axis.Header{Name: axis.HMessageType, Value: mt},
		axis.Header{Name: axis.HHashFile, Value: sha(data)})
	return rawCall{name: axis.CallSendEdoc, sys: sys, headers: h, ctype: ctype, body: body}
}

// edoc returns an edXML document from one agency to others.
func edoc(from string, to []string, number, subject string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<edXML:edXML xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
 <edXML:edXMLEnvelope>
  <edXML:edXMLHeader>
   <edXML:MessageHeader>
    <edXML:From><edXML:OrganId>` + from + `</edXML:OrganId><edXML:OrganName>Cơ quan gửi</edXML:OrganName></edXML:From>
`)
	for _, t := range to {
		b.WriteString(`    <edXML:To><edXML:OrganId>` + t + `</edXML:OrganId></edXML:To>
`)
	}
	b.WriteString(`    <edXML:DocumentId>` + docID(from, number) + `</edXML:DocumentId>
    <edXML:Code><edXML:CodeNumber>` + number + `</edXML:CodeNumber><edXML:CodeNotation>VPCP-TTĐT</edXML:CodeNotation></edXML:Code>
    <edXML:PromulgationInfo><edXML:Place>Hà Nội</edXML:Place><edXML:PromulgationDate>2026/11/26</edXML:PromulgationDate></edXML:PromulgationInfo>
    <edXML:Subject>` + subject + `</edXML:Subject>
    <edXML:ResponseFor><edXML:OrganId>000.00.00.X01</edXML:OrganId><edXML:DocumentId>not-this-one</edXML:DocumentId></edXML:ResponseFor>
   </edXML:MessageHeader>
   <edXML:TraceHeaderList><edXML:TraceHeader><edXML:OrganId>` + from + `</edXML:OrganId><edXML:Timestamp>2026/11/26 09:30:00</edXML:Timestamp></edXML:TraceHeader></edXML:TraceHeaderList>
  </edXML:edXMLHeader>
  <edXML:edXMLBody><edXML:edXMLManifest version="1.0"><edXML:Reference><edXML:ContentId>cid:1</edXML:ContentId></edXML:Reference></edXML:edXMLManifest></edXML:edXMLBody>
 </edXML:edXMLEnvelope>
 <AttachmentEncoded><Attachment><ContentId>1</ContentId><AttachmentName>vb.pdf</AttachmentName><edXML:ContentTransferEncoded>JVBERi0xLjcK</edXML:ContentTransferEncoded></Attachment></AttachmentEncoded>
</edXML:edXML>
`)
	return []byte(b.String())
}

func docID(from, number string) string { return from + ",2026/11/26," + number + "/VPCP-TTĐT" }

// statusPacket returns an edXML status message from an agency about a
// document of another.
func statusPacket(from, to, documentID, code, desc string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<edXML:edXML xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXML:edXMLEnvelope><edXML:edXMLHeader>
<edXML:Status>
 <edXML:ResponseFor><edXML:OrganId>` + to + `</edXML:OrganId><edXML:Code>7816/VPCP-TTĐT</edXML:Code>
  <edXML:PromulgationDate>2026/11/26</edXML:PromulgationDate><edXML:DocumentId>` + documentID + `</edXML:DocumentId></edXML:ResponseFor>
 <edXML:From><edXML:OrganId>` + from + `</edXML:OrganId><edXML:OrganName>Nơi nhận</edXML:OrganName></edXML:From>
 <edXML:StatusCode>` + code + `</edXML:StatusCode><edXML:Description>` + desc + `</edXML:Description>
 <edXML:Timestamp>2026/11/26 10:00:00</edXML:Timestamp>
 <edXML:StaffInfo><edXML:Department>Văn thư</edXML:Department><edXML:Staff>Nguyễn Văn A</edXML:Staff></edXML:StaffInfo>
</edXML:Status></edXML:edXMLHeader></edXML:edXMLEnvelope></edXML:edXML>
`)
}

// sentRows is the sent list as raw JSON objects (to see the fields beyond
// axis.SentItem).
func (e *env) sentRows(sys hub.System, packetID string) []map[string]any {
	e.t.Helper()
	a := e.do(rawCall{name: axis.CallSentList, sys: sys, headers: []axis.Header{
		{Name: axis.HServiceType, Value: "eDoc"}, {Name: axis.HDocID, Value: packetID}}})
	if a.env.ErrorCode != axis.CodeOK {
		e.t.Fatalf("sent list: %d %s %s", a.status, a.env.ErrorCode, a.env.ErrorDesc)
	}
	var rows []map[string]any
	if err := json.Unmarshal(a.env.Data, &rows); err != nil {
		e.t.Fatal(err)
	}
	return rows
}

func mustOK(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func ctxT(t *testing.T) context.Context { return t.Context() }

func describe(a answer) string {
	return fmt.Sprintf("HTTP %d %s %q", a.status, a.env.ErrorCode, a.env.ErrorDesc)
}

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
