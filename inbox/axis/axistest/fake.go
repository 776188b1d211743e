// Package axistest is a fake of the document axis for tests, and the test
// suite every axis transport profile must pass (RunClientSuite).
//
// The fake keeps its state in memory and serves it over a real HTTP (or
// HTTPS) server on 127.0.0.1. A Profile gives it a transport profile's
// server side: where calls go and how they are authenticated. Faults can
// be scripted per call (Fail). It is strict where the axis is known to be
// (authentication, hash-file, recipients) and no more faithful than the
// suite needs; the reference server is inbox/axis/hub.
package axistest

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"mime"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox/axis"
)

// System is an account of the fake axis: it sends as its agency and
// receives for its agency and the agency's mailboxes (code/mailbox).
type System struct {
	ID     string
	Secret []byte
	Agency string
}

// Caller is an authenticated request.
type Caller struct {
	SystemID  string
	RequestID string    // empty when the profile has none
	Timestamp time.Time // zero when the profile has none
	// Param returns a call parameter, only as authenticated (for the VXP
	// profile, only signed headers).
	Param func(name string) string
}

// Profile is the server side of a transport profile.
type Profile interface {
	// Route returns the call a request's path names.
	Route(path string) (call string, ok bool)
	// Authenticate checks a request's credentials; its error is the
	// *axis.Error to answer.
	Authenticate(r *http.Request, f *Fake) (*Caller, error)
	// ServeExtra serves the profile's own endpoints (a token endpoint),
	// reporting whether r was one.
	ServeExtra(w http.ResponseWriter, r *http.Request, f *Fake) bool
}

// Fault is a scripted misbehaviour for one request.
type Fault struct {
	Status     int    // the HTTP status of a FAIL envelope with Code (or of Raw)
	Code       string // the envelope's ErrorCode
	RetryAfter string // a Retry-After header
	Raw        string // a body instead of the envelope
	RawType    string // Raw's Content-Type
	Echo       bool   // put the request's headers in ErrorDesc, as a careless axis might
	Drop       bool   // close the connection without an answer
	// Delay waits before answering (normally, when nothing else is set).
	// With Stall, a download sends half its bytes, then waits Delay.
	Delay time.Duration
	Stall bool
}

// Request is one request the fake authenticated.
type Request struct {
	Call      string
	SystemID  string
	RequestID string
	Timestamp time.Time
}

// Options configure a Fake.
type Options struct {
	TLS       bool
	MaxPacket int64 // the largest packet sendEdoc takes (default 32 MiB)
}

// Fake is a fake axis.
type Fake struct {
	URL     string
	srv     *httptest.Server
	profile Profile
	max     int64

	mu       sync.Mutex
	skew     time.Duration
	systems  map[string]System
	agencies map[string]axis.Agency
	msgs     []*message
	byID     map[string]*message
	sends    map[string]*sending
	faults   map[string][]Fault
	requests []Request
	seq      int
}

type message struct {
	docID    string
	mt       axis.MessageType
	from, to string
	created  time.Time
	size     int64
	open     func() io.Reader
	state    string
	reason   string
	hash     string
}

type sending struct {
	docID    string
	system   string
	mt       axis.MessageType
	messages []*message
}

// New starts a fake axis on 127.0.0.1 speaking profile p, with its
// systems; it stops when the test ends.
func New(t testing.TB, p Profile, opts Options, systems ...System) *Fake {
	t.Helper()
	f := &Fake{profile: p, max: opts.MaxPacket, systems: map[string]System{}, agencies: map[string]axis.Agency{},
		byID: map[string]*message{}, sends: map[string]*sending{}, faults: map[string][]Fault{}}
	if f.max <= 0 {
		f.max = 32 << 20
	}
	for _, s := range systems {
		f.systems[s.ID] = s
		f.agencies[s.Agency] = axis.Agency{Code: s.Agency, Name: "Agency of " + s.ID}
	}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // TLS handshakes the suite fails on purpose
	if opts.TLS {
		f.srv.StartTLS()
	} else {
		f.srv.Start()
	}
	f.URL = f.srv.URL
	t.Cleanup(f.srv.Close)
	return f
}

// CA returns the pool trusting the fake's TLS certificate (nil without TLS).
func (f *Fake) CA() *x509.CertPool {
	if f.srv.Certificate() == nil {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AddCert(f.srv.Certificate())
	return pool
}

// Certificate returns the fake's TLS certificate (nil without TLS).
func (f *Fake) Certificate() *x509.Certificate { return f.srv.Certificate() }

// Now is the fake's clock: the real one moved by SetSkew.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return time.Now().Add(f.skew)
}

// SetSkew moves the fake's clock away from the real one.
func (f *Fake) SetSkew(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.skew = d
}

// Secret returns a system's secret.
func (f *Fake) Secret(id string) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.systems[id]
	return s.Secret, ok
}

// Fail scripts the next requests of a call ("" for any call) to fail.
func (f *Fake) Fail(call string, faults ...Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[call] = append(f.faults[call], faults...)
}

// Requests returns the authenticated requests of a call ("" for all).
func (f *Fake) Requests(call string) []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Request
	for _, r := range f.requests {
		if call == "" || r.Call == call {
			out = append(out, r)
		}
	}
	return out
}

// Deliver queues a packet for a recipient as if another system sent it,
// returning its axis id.
func (f *Fake) Deliver(from, to string, mt axis.MessageType, packet []byte) string {
	p := append([]byte(nil), packet...)
	return f.DeliverStream(from, to, mt, int64(len(p)), func() io.Reader { return strings.NewReader(string(p)) })
}

// DeliverStream queues a packet of size bytes produced by open (which must
// give the same bytes each time), without holding it in memory.
func (f *Fake) DeliverStream(from, to string, mt axis.MessageType, size int64, open func() io.Reader) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queue(from, to, mt, size, open, "").docID
}

func (f *Fake) queue(from, to string, mt axis.MessageType, size int64, open func() io.Reader, hash string) *message {
	f.seq++
	m := &message{docID: fmt.Sprintf("R%06d", f.seq), mt: mt, from: from, to: to, created: time.Now().Add(f.skew),
		size: size, open: open, state: "pending", hash: hash}
	f.msgs = append(f.msgs, m)
	f.byID[m.docID] = m
	return m
}

// Message is a packet the fake holds.
type Message struct {
	DocID, From, To string
	Type            axis.MessageType
	State, Reason   string
	HashFile        string // the hash-file it was sent with
	Packet          []byte
}

// Messages returns the packets queued for a recipient ("" for all).
func (f *Fake) Messages(to string) []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Message
	for _, m := range f.msgs {
		if to != "" && m.to != to {
			continue
		}
		b, _ := io.ReadAll(m.open())
		out = append(out, Message{DocID: m.docID, From: m.from, To: m.to, Type: m.mt, State: m.state,
			Reason: m.reason, HashFile: m.hash, Packet: b})
	}
	return out
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Date", f.Now().UTC().Format(http.TimeFormat))
	if f.profile.ServeExtra(w, r, f) {
		return
	}
	call, ok := f.profile.Route(r.URL.Path)
	method, known := methods[call]
	if !ok || !known {
		writeFail(w, axis.NewError(axis.CodeNotFound, "no such call"), "")
		return
	}
	if r.Method != method {
		writeFail(w, &axis.Error{HTTPStatus: http.StatusMethodNotAllowed, Code: axis.CodeBadRequest, Desc: call + " takes " + method}, "")
		return
	}
	c, err := f.profile.Authenticate(r, f)
	if err != nil {
		writeFail(w, asAxisError(err), "")
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, Request{Call: call, SystemID: c.SystemID, RequestID: c.RequestID, Timestamp: c.Timestamp})
	fault, faulty := f.nextFault(call)
	sys := f.systems[c.SystemID]
	f.mu.Unlock()
	if faulty && f.misbehave(w, r, call, fault) {
		return
	}
	switch call {
	case axis.CallReceivedList:
		f.receivedList(w, c, sys)
	case axis.CallGetEdoc:
		f.getEdoc(w, c, sys)
	case axis.CallDownloadEdoc:
		f.download(w, r, c, sys, fault)
	case axis.CallSendEdoc:
		f.sendEdoc(w, r, c, sys)
	case axis.CallUpdateStatus:
		f.updateStatus(w, c, sys)
	case axis.CallSentList:
		f.sentList(w, c)
	case axis.CallCountEdoc, axis.CallCountStatus:
		f.count(w, c, sys, call)
	case axis.CallAgencies:
		f.listAgencies(w)
	case axis.CallRegisterAgcy:
		f.registerAgency(w, r)
	case axis.CallDeleteAgency:
		f.deleteAgency(w, c)
	}
}

var methods = map[string]string{
	axis.CallReceivedList: http.MethodPost, axis.CallGetEdoc: http.MethodPost,
	axis.CallDownloadEdoc: http.MethodGet, axis.CallSendEdoc: http.MethodPost,
	axis.CallUpdateStatus: http.MethodPost, axis.CallSentList: http.MethodPost,
	axis.CallCountEdoc: http.MethodGet, axis.CallCountStatus: http.MethodGet,
	axis.CallAgencies: http.MethodPost, axis.CallRegisterAgcy: http.MethodPost,
	axis.CallDeleteAgency: http.MethodPost,
}

func (f *Fake) nextFault(call string) (Fault, bool) {
	for _, k := range []string{call, ""} {
		if q := f.faults[k]; len(q) > 0 {
			f.faults[k] = q[1:]
			return q[0], true
		}
	}
	return Fault{}, false
}

// misbehave applies a fault, reporting whether it answered.
func (f *Fake) misbehave(w http.ResponseWriter, r *http.Request, call string, fault Fault) bool {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, f.max))
	if fault.Stall {
		return false // the download stalls itself
	}
	if fault.Delay > 0 {
		t := time.NewTimer(fault.Delay)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return true
		case <-t.C:
		}
	}
	switch {
	case fault.Drop:
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("axistest: the server cannot drop a connection")
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			conn.Close()
		}
		return true
	case fault.Raw != "":
		if fault.RawType != "" {
			w.Header().Set("Content-Type", fault.RawType)
		}
		if fault.RetryAfter != "" {
			w.Header().Set("Retry-After", fault.RetryAfter)
		}
		w.WriteHeader(fault.Status)
		_, _ = io.WriteString(w, fault.Raw)
		return true
	case fault.Code != "" || fault.Echo:
		e := &axis.Error{HTTPStatus: fault.Status, Code: fault.Code, Desc: "scripted fault of " + call}
		if e.Code == "" {
			e.Code = axis.CodeInternal
		}
		if e.HTTPStatus == 0 {
			e.HTTPStatus = axis.StatusFor(e.Code)
		}
		if fault.Echo {
			var b strings.Builder
			for k, v := range r.Header {
				fmt.Fprintf(&b, "%s: %s; ", k, strings.Join(v, ","))
			}
			e.Desc = "your request: " + b.String()
		}
		writeFail(w, e, fault.RetryAfter)
		return true
	}
	return false
}

func asAxisError(err error) *axis.Error {
	if e, ok := err.(*axis.Error); ok { //nolint:errorlint // profiles return *axis.Error itself
		return e
	}
	return axis.NewError(axis.CodeAuthMalformed, err.Error())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", axis.ContentTypeJSON)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeOK(w http.ResponseWriter, env axis.Envelope) {
	env.Status, env.ErrorCode, env.ErrorDesc = "OK", axis.CodeOK, "Success"
	writeJSON(w, http.StatusOK, env)
}

func writeFail(w http.ResponseWriter, e *axis.Error, retryAfter string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	writeJSON(w, e.HTTPStatus, axis.Envelope{Status: "FAIL", ErrorCode: e.Code, ErrorDesc: e.Desc})
}

func bad(w http.ResponseWriter, code, desc string) { writeFail(w, axis.NewError(code, desc), "") }

// receives reports whether a system receives what is addressed to code.
func receives(sys System, code string) bool {
	return code == sys.Agency || strings.HasPrefix(code, sys.Agency+"/")
}

func messageType(w http.ResponseWriter, c *Caller) (axis.MessageType, bool) {
	if st := c.Param(axis.HServiceType); st != axis.ServiceTypeEDoc {
		bad(w, axis.CodeBadRequest, "servicetype must be eDoc")
		return "", false
	}
	mt := axis.MessageType(c.Param(axis.HMessageType))
	if !mt.Valid() {
		bad(w, axis.CodeBadRequest, "messagetype must be edoc or status")
		return "", false
	}
	return mt, true
}

func stamp(t time.Time) string { return t.In(axis.VietnamTime).Format("2006/01/02 15:04:05") }

func (f *Fake) receivedList(w http.ResponseWriter, c *Caller, sys System) {
	mt, ok := messageType(w, c)
	if !ok {
		return
	}
	f.mu.Lock()
	items := []axis.ReceivedItem{}
	for _, m := range f.msgs {
		if m.mt == mt && receives(sys, m.to) && (m.state == "pending" || m.state == "processing") {
			items = append(items, axis.ReceivedItem{DocID: m.docID, ServiceType: axis.ServiceTypeEDoc, MessageType: m.mt,
				Created: stamp(m.created), Updated: stamp(m.created), From: m.from, To: m.to, Status: m.state})
		}
	}
	f.mu.Unlock()
	data, _ := json.Marshal(items)
	writeOK(w, axis.Envelope{Data: data})
}

// addressed returns the message docId names, if it is the caller's.
func (f *Fake) addressed(w http.ResponseWriter, c *Caller, sys System) (*message, bool) {
	f.mu.Lock()
	m, ok := f.byID[c.Param(axis.HDocID)]
	f.mu.Unlock()
	if !ok || !receives(sys, m.to) {
		bad(w, axis.CodeNotFound, "no such docId for this system")
		return nil, false
	}
	return m, true
}

func (f *Fake) getEdoc(w http.ResponseWriter, c *Caller, sys System) {
	m, ok := f.addressed(w, c, sys)
	if !ok {
		return
	}
	b, err := io.ReadAll(m.open())
	if err != nil {
		bad(w, axis.CodeInternal, "cannot read the packet")
		return
	}
	data, _ := json.Marshal(base64.StdEncoding.EncodeToString(b))
	writeOK(w, axis.Envelope{Data: data})
}

func (f *Fake) download(w http.ResponseWriter, r *http.Request, c *Caller, sys System, fault Fault) {
	m, ok := f.addressed(w, c, sys)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.FormatInt(m.size, 10))
	src := m.open()
	if fault.Stall {
		_, _ = io.CopyN(w, src, m.size/2)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			return
		case <-time.After(fault.Delay):
		}
	}
	_, _ = io.Copy(w, src)
}

func (f *Fake) sendEdoc(w http.ResponseWriter, r *http.Request, c *Caller, sys System) {
	mt, ok := messageType(w, c)
	if !ok {
		return
	}
	from := c.Param(axis.HFrom)
	if !receives(sys, from) {
		bad(w, axis.CodeUnknownSender, "this system cannot send as "+from)
		return
	}
	to, err := axis.ParseRecipients(c.Param(axis.HTo))
	if err != nil || len(to) == 0 {
		bad(w, axis.CodeBadRequest, "the fake needs the recipients in the to header")
		return
	}
	f.mu.Lock()
	for _, code := range to {
		agency, _, _ := strings.Cut(code, "/")
		if _, known := f.agencies[agency]; !known {
			f.mu.Unlock()
			bad(w, axis.CodeUnknownRecipient, "unknown recipient "+code)
			return
		}
	}
	f.mu.Unlock()
	want := strings.ToLower(c.Param(axis.HHashFile))
	if len(want) != 64 {
		bad(w, axis.CodeBadRequest, "hash-file must be a hex SHA-256")
		return
	}
	mtype, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mtype != "multipart/form-data" || params["boundary"] == "" {
		bad(w, axis.CodeBadRequest, "sendEdoc takes multipart/form-data")
		return
	}
	mr, err := r.MultipartReader()
	if err != nil {
		bad(w, axis.CodeBadRequest, "sendEdoc takes multipart/form-data")
		return
	}
	var packet []byte
	for {
		p, err := mr.NextPart()
		if err == io.EOF { //nolint:errorlint // NextPart returns io.EOF itself
			break
		}
		if err != nil {
			bad(w, axis.CodeBadRequest, "the multipart body is broken")
			return
		}
		if p.FormName() != axis.PartFileDoc {
			continue
		}
		if packet != nil {
			bad(w, axis.CodeBadRequest, "file_doc given twice")
			return
		}
		packet, err = io.ReadAll(io.LimitReader(p, f.max+1))
		if err != nil {
			bad(w, axis.CodeBadRequest, "the multipart body is broken")
			return
		}
		if int64(len(packet)) > f.max {
			bad(w, axis.CodeTooLarge, "the packet is too large")
			return
		}
	}
	if len(packet) == 0 {
		bad(w, axis.CodeBadRequest, "no file_doc part")
		return
	}
	sum := sha256.Sum256(packet)
	if hex.EncodeToString(sum[:]) != want {
		bad(w, axis.CodeHashMismatch, "hash-file does not match the packet")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	s := &sending{docID: fmt.Sprintf("S%06d", f.seq), system: c.SystemID, mt: mt}
	for _, code := range to {
		m := f.queue(from, code, mt, int64(len(packet)), func() io.Reader { return strings.NewReader(string(packet)) }, want)
		s.messages = append(s.messages, m)
	}
	f.sends[s.docID] = s
	writeOK(w, axis.Envelope{DocID: s.docID})
}

func (f *Fake) updateStatus(w http.ResponseWriter, c *Caller, sys System) {
	m, ok := f.addressed(w, c, sys)
	if !ok {
		return
	}
	st := axis.TransportStatus(c.Param(axis.HStatus))
	if !st.Valid() {
		bad(w, axis.CodeBadRequest, "status must be done, fail or processing")
		return
	}
	f.mu.Lock()
	m.state, m.reason = string(st), c.Param(axis.HReason)
	f.mu.Unlock()
	writeOK(w, axis.Envelope{})
}

func (f *Fake) sentList(w http.ResponseWriter, c *Caller) {
	mt, ok := messageType(w, c)
	if !ok {
		return
	}
	f.mu.Lock()
	s, ok := f.sends[c.Param(axis.HDocID)]
	if !ok || s.system != c.SystemID || s.mt != mt {
		f.mu.Unlock()
		bad(w, axis.CodeNotFound, "no such sent docId for this system")
		return
	}
	rows := []axis.SentItem{}
	for _, m := range s.messages {
		rows = append(rows, axis.SentItem{ServiceType: axis.ServiceTypeEDoc, MessageType: m.mt, SenderDocID: s.docID,
			ReceiverDocID: m.docID, FromCode: m.from, ToCode: m.to, SentTime: stamp(m.created),
			SendStatus: "done", ReceiveStatus: m.state, ReceiveStatusDesc: m.reason})
	}
	f.mu.Unlock()
	data, _ := json.Marshal(rows)
	writeOK(w, axis.Envelope{Data: data})
}

func (f *Fake) count(w http.ResponseWriter, c *Caller, sys System, call string) {
	mt, ok := messageType(w, c)
	if !ok {
		return
	}
	if (call == axis.CallCountStatus) != (mt == axis.MessageStatus) {
		bad(w, axis.CodeBadRequest, call+" does not count "+string(mt))
		return
	}
	f.mu.Lock()
	n := 0
	for _, m := range f.msgs {
		if m.mt == mt && receives(sys, m.to) && (m.state == "pending" || m.state == "processing") {
			n++
		}
	}
	f.mu.Unlock()
	writeOK(w, axis.Envelope{Count: &n})
}

func (f *Fake) listAgencies(w http.ResponseWriter) {
	f.mu.Lock()
	list := make([]axis.Agency, 0, len(f.agencies))
	for _, a := range f.agencies {
		list = append(list, a)
	}
	f.mu.Unlock()
	sort.Slice(list, func(i, j int) bool { return list[i].Code < list[j].Code })
	data, _ := json.Marshal(list)
	writeOK(w, axis.Envelope{Data: data})
}

func (f *Fake) registerAgency(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != axis.ContentTypeJSON {
		bad(w, axis.CodeBadRequest, "registerAgency takes JSON")
		return
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	var a axis.Agency
	if err != nil || json.Unmarshal(b, &a) != nil || a.Code == "" || a.Name == "" {
		bad(w, axis.CodeBadRequest, "the agency needs a code and a name")
		return
	}
	f.mu.Lock()
	f.agencies[a.Code] = a
	f.mu.Unlock()
	writeOK(w, axis.Envelope{})
}

func (f *Fake) deleteAgency(w http.ResponseWriter, c *Caller) {
	code := c.Param(axis.HAgencyCode)
	f.mu.Lock()
	_, ok := f.agencies[code]
	delete(f.agencies, code)
	f.mu.Unlock()
	if !ok {
		bad(w, axis.CodeNotFound, "no such agency")
		return
	}
	writeOK(w, axis.Envelope{})
}
