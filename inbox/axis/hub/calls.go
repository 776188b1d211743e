package hub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/vanthu/vanthu/inbox/axis"
)

// Choices the field leaves open, kept here so that they can change in one
// place:
//   - times in list answers are RFC 3339 in Vietnam time (UTC+7);
//   - a delivery's status is pending until its recipient says processing,
//     fail or done; only done takes it off the received list;
//   - a missing messagetype means edoc in the received list and the counts,
//     and "both" in the sent list;
//   - sendEdoc answers the packet's own id (senderDocId) as DocId, and one
//     docId per recipient in data;
//   - the sent list's sendStatus is "sent" once the axis stored the packet.
const sendStatusSent = "sent"

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(axis.VietnamTime).Format(time.RFC3339)
}

func badRequest(format string, args ...any) *axis.Error {
	return axis.NewError(axis.CodeBadRequest, fmt.Sprintf(format, args...))
}

// checkService refuses a servicetype other than eDoc (absent is eDoc).
func checkService(q *request) error {
	if st := q.v.Get(axis.HServiceType); st != "" && !strings.EqualFold(st, axis.ServiceTypeEDoc) {
		return badRequest("servicetype %q is not %s", truncate(st, 40), axis.ServiceTypeEDoc)
	}
	return nil
}

// messageType reads the messagetype header; def stands for an absent one.
func messageType(q *request, def string) (string, error) {
	mt := q.v.Get(axis.HMessageType)
	if mt == "" {
		return def, nil
	}
	if !axis.MessageType(strings.ToLower(mt)).Valid() {
		return "", badRequest("messagetype %q is neither edoc nor status", truncate(mt, 40))
	}
	return strings.ToLower(mt), nil
}

// delivery returns the target of a call on a delivery addressed to the
// calling system; others' deliveries are answered as unknown, so that ids
// reveal nothing.
func (s *Server) delivery(ctx context.Context, q *request) (target, error) {
	docID := q.v.Get(axis.HDocID)
	if docID == "" {
		return target{}, badRequest("the docId header is required")
	}
	t, ok := s.targets.get(docID)
	if !ok {
		e, err := s.store.Entry(ctx, docID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return target{}, err
		}
		if err == nil {
			t, ok = targetOf(e), true
			s.targets.put(t)
		}
	}
	if !ok || !q.owns(t.to) {
		return target{}, axis.NewError(axis.CodeNotFound, "no document "+strconv.Quote(truncate(docID, 80))+" for "+q.sys.ID)
	}
	return t, nil
}

func receivedItem(e Entry) axis.ReceivedItem {
	return axis.ReceivedItem{
		DocID:       e.Delivery.DocID,
		ServiceType: e.Packet.ServiceType,
		MessageType: axis.MessageType(e.Packet.MessageType),
		Created:     formatTime(e.Delivery.Created),
		Updated:     formatTime(e.Delivery.Updated),
		From:        e.Packet.From,
		To:          e.Delivery.To,
		Status:      e.Delivery.Status,
		StatusDesc:  e.Delivery.StatusDesc,
	}
}

// receivedList answers the pending deliveries to the system, from the
// list cache while the queue's stamp has not grown past the cached
// answer's (the list is read after its stamp, so the answer holds every
// change the stamp counts). Many clients asking at once after a change
// wait for one read of the store.
func (s *Server) receivedList(ctx context.Context, w http.ResponseWriter, r *http.Request, q *request) error {
	if err := checkService(q); err != nil {
		return err
	}
	mt, err := messageType(q, MessageEdoc)
	if err != nil {
		return err
	}
	if s.faults != nil { // injected duplicates differ from answer to answer
		entries, err := s.store.Received(ctx, q.addresses(), mt, s.listLimit)
		if err != nil {
			return err
		}
		items := make([]axis.ReceivedItem, 0, len(entries))
		for _, e := range entries {
			it := receivedItem(e)
			items = append(items, it)
			if s.faults.dup() {
				s.metrics.fault("dup")
				items = append(items, it)
			}
		}
		return s.ok(w, axis.Envelope{}, items)
	}
	key := listKey{system: q.sys.ID, messageType: mt}
	stamp, err := s.store.QueueStamp(ctx, q.addresses(), mt)
	if err != nil {
		return err
	}
	answer, ok := s.lists.get(key, stamp)
	if !ok {
		var err error
		if answer, err = s.fillList(ctx, key, stamp, q.addresses()); err != nil {
			return err
		}
	}
	answer.write(w, r)
	return nil
}

// fillList reads and caches a list answer, one request at a time for a
// key: those that waited find the answer their predecessor cached. The
// wait ends before the answer is written to a client, however slow.
func (s *Server) fillList(ctx context.Context, key listKey, stamp uint64, addresses []string) (listAnswer, error) {
	unlock := s.lists.lockFill(key)
	defer unlock()
	if answer, ok := s.lists.get(key, stamp); ok {
		return answer, nil
	}
	entries, err := s.store.Received(ctx, addresses, key.messageType, s.listLimit)
	if err != nil {
		return listAnswer{}, err
	}
	items := make([]axis.ReceivedItem, len(entries))
	for i, e := range entries {
		items[i] = receivedItem(e)
	}
	body, err := envelopeJSON(axis.Envelope{}, items)
	if err != nil {
		return listAnswer{}, err
	}
	answer := newListAnswer(stamp, body)
	s.lists.put(key, answer)
	return answer, nil
}

func (s *Server) count(ctx context.Context, w http.ResponseWriter, q *request, mt string) error {
	if err := checkService(q); err != nil {
		return err
	}
	if got, err := messageType(q, mt); err != nil {
		return err
	} else if got != mt {
		return badRequest("messagetype %s does not go with this call (%s)", got, mt)
	}
	n, err := s.store.CountPending(ctx, q.addresses(), mt)
	if err != nil {
		return err
	}
	return s.ok(w, axis.Envelope{Count: &n}, nil)
}

func (s *Server) countEdoc(ctx context.Context, w http.ResponseWriter, _ *http.Request, q *request) error {
	return s.count(ctx, w, q, MessageEdoc)
}

func (s *Server) countStatus(ctx context.Context, w http.ResponseWriter, _ *http.Request, q *request) error {
	return s.count(ctx, w, q, MessageStatus)
}

// getEdoc answers the packet base64 in the envelope's data, streamed.
func (s *Server) getEdoc(ctx context.Context, w http.ResponseWriter, _ *http.Request, q *request) error {
	t, err := s.delivery(ctx, q)
	if err != nil {
		return err
	}
	if err := s.store.MarkFetched(ctx, q.req, t.docID, q.now); err != nil {
		return err
	}
	rc, err := s.store.OpenBody(ctx, t.packetID)
	if err != nil {
		return err
	}
	const head, tail = `{"status":"OK","ErrorCode":"0","data":"`, `"}`
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.FormatInt(int64(len(head)+len(tail))+int64(base64.StdEncoding.EncodedLen(int(t.size))), 10))
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, head)
	enc := base64.NewEncoder(base64.StdEncoding, w)
	err = copyBody(enc, rc)
	err = errors.Join(err, enc.Close())
	_, _ = io.WriteString(w, tail)
	if err != nil {
		return s.streamFailed(w, t, err)
	}
	return nil
}

// streamFailed notes a failure after the answer started: nothing can be
// said to the client any more (its copy is short and will not parse).
func (s *Server) streamFailed(w http.ResponseWriter, t target, err error) error {
	s.log.Error("streaming a packet failed", "docId", t.docID, "err", err)
	if rec, ok := w.(*recorder); ok {
		rec.code = axis.CodeInternal
	}
	return nil
}

// downloadEdoc answers the raw packet.
func (s *Server) downloadEdoc(ctx context.Context, w http.ResponseWriter, _ *http.Request, q *request) error {
	t, err := s.delivery(ctx, q)
	if err != nil {
		return err
	}
	if err := s.store.MarkFetched(ctx, q.req, t.docID, q.now); err != nil {
		return err
	}
	rc, err := s.store.OpenBody(ctx, t.packetID)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.FormatInt(t.size, 10))
	w.Header().Set("Content-Disposition", `attachment; filename="`+t.docID+`.edxml"`)
	if sum, err := hex.DecodeString(t.sha256); err == nil {
		w.Header().Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum)+":")
	}
	w.WriteHeader(http.StatusOK)
	if err := copyBody(w, rc); err != nil {
		return s.streamFailed(w, t, err)
	}
	return nil
}

func (s *Server) updateStatus(ctx context.Context, w http.ResponseWriter, _ *http.Request, q *request) error {
	st := axis.TransportStatus(strings.ToLower(q.v.Get(axis.HStatus)))
	if !st.Valid() {
		return badRequest("status %q is not done, fail or processing", truncate(q.v.Get(axis.HStatus), 40))
	}
	reason := q.v.Get(axis.HReason)
	if len(reason) > axis.MaxReasonLen {
		return badRequest("the reason has %d bytes; at most %d are accepted", len(reason), axis.MaxReasonLen)
	}
	t, err := s.delivery(ctx, q)
	if err != nil {
		return err
	}
	err = s.store.SetStatus(ctx, q.req, t.docID, string(st), reason, q.now)
	if errors.Is(err, ErrFinal) {
		return badRequest("document %s is acknowledged done already", t.docID)
	}
	if err != nil {
		return err
	}
	return s.ok(w, axis.Envelope{}, nil)
}

// sentItem is a row of the sent list: the shared fields and what this
// axis knows beyond them.
type sentItem struct {
	axis.SentItem
	DocumentID         string `json:"documentId,omitempty"`
	UpdatedTime        string `json:"updatedTime,omitempty"`
	BusinessStatus     string `json:"businessStatus,omitempty"`
	BusinessStatusDesc string `json:"businessStatusDesc,omitempty"`
	BusinessTime       string `json:"businessTime,omitempty"`
}

func (s *Server) sentList(ctx context.Context, w http.ResponseWriter, _ *http.Request, q *request) error {
	if err := checkService(q); err != nil {
		return err
	}
	mt, err := messageType(q, "")
	if err != nil {
		return err
	}
	docID := q.v.Get(axis.HDocID)
	entries, err := s.store.Sent(ctx, q.addresses(), docID, mt, s.listLimit)
	if err != nil {
		return err
	}
	if docID != "" && len(entries) == 0 {
		return axis.NewError(axis.CodeNotFound, "no sent packet "+strconv.Quote(truncate(docID, 80))+" from "+q.sys.ID)
	}
	items := make([]sentItem, 0, len(entries))
	for _, e := range entries {
		p, d := e.Packet, e.Delivery
		items = append(items, sentItem{
			SentItem: axis.SentItem{
				ServiceType: p.ServiceType, MessageType: axis.MessageType(p.MessageType),
				SenderDocID: p.ID, ReceiverDocID: d.DocID, FromCode: p.From, ToCode: d.To,
				Title: p.Subject, Notation: p.Notation, SentTime: formatTime(p.Created),
				ReceivedTime: formatTime(d.Fetched), SendStatus: sendStatusSent,
				ReceiveStatus: d.Status, ReceiveStatusDesc: d.StatusDesc,
			},
			DocumentID:         p.DocumentID,
			UpdatedTime:        formatTime(d.Updated),
			BusinessStatus:     d.BusinessStatus,
			BusinessStatusDesc: d.BusinessDesc,
			BusinessTime:       formatTime(d.BusinessTime),
		})
	}
	return s.ok(w, axis.Envelope{}, items)
}

// agencyItem is an agency of the list, with the mailboxes under it.
type agencyItem struct {
	axis.Agency
	Mailboxes []string `json:"mailboxes,omitempty"`
}

func (s *Server) agencyItem(a Agency) agencyItem {
	var boxes []string
	for addr := range s.mailboxes {
		if agencyOf(addr) == a.Code {
			boxes = append(boxes, strings.TrimPrefix(addr, a.Code+"/"))
		}
	}
	slices.Sort(boxes)
	return agencyItem{Agency: axis.Agency{ID: strconv.FormatInt(a.ID, 10), Code: a.Code, OldCode: a.OldCode,
		Name: a.Name, Mail: a.Mail, ParentID: a.ParentID}, Mailboxes: boxes}
}

func (s *Server) agencies(ctx context.Context, w http.ResponseWriter, _ *http.Request, _ *request) error {
	list, err := s.store.Agencies(ctx)
	if err != nil {
		return err
	}
	items := make([]agencyItem, 0, len(list))
	for _, a := range list {
		items = append(items, s.agencyItem(a))
	}
	return s.ok(w, axis.Envelope{}, items)
}

// readSmallBody reads a bounded body, checking a signed hash-file when
// there is one (the HMAC covers only the headers).
func readSmallBody(r *http.Request, q *request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, axis.NewError(axis.CodeTooLarge, fmt.Sprintf("the request body is larger than %d bytes", mbe.Limit))
	}
	if err != nil {
		return nil, badRequest("the request body could not be read")
	}
	if want := q.v.Get(axis.HHashFile); want != "" {
		sum := sha256.Sum256(body)
		if !strings.EqualFold(want, hex.EncodeToString(sum[:])) {
			return nil, axis.NewError(axis.CodeHashMismatch, "the body's SHA-256 is not the signed hash-file")
		}
	}
	return body, nil
}

func cleanField(name, v string, max int, required bool) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case required && v == "":
		return "", badRequest("the agency's %s is required", name)
	case len(v) > max:
		return "", badRequest("the agency's %s is longer than %d bytes", name, max)
	case strings.ContainsFunc(v, unicode.IsControl):
		return "", badRequest("the agency's %s holds control characters", name)
	}
	return v, nil
}

func (s *Server) registerAgency(ctx context.Context, w http.ResponseWriter, r *http.Request, q *request) error {
	body, err := readSmallBody(r, q)
	if err != nil {
		return err
	}
	var in axis.Agency
	if err := json.Unmarshal(bytes.TrimSpace(body), &in); err != nil {
		return badRequest("the agency is not a JSON object with code and name: %s", truncate(err.Error(), 200))
	}
	a := Agency{Updated: q.now}
	for _, f := range []struct {
		name     string
		in       string
		out      *string
		max      int
		required bool
	}{
		{"code", in.Code, &a.Code, 13, true},
		{"name", in.Name, &a.Name, 500, true},
		{"oldCode", in.OldCode, &a.OldCode, 64, false},
		{"mail", in.Mail, &a.Mail, 254, false},
		{"pid", in.ParentID, &a.ParentID, 64, false},
	} {
		if *f.out, err = cleanField(f.name, f.in, f.max, f.required); err != nil {
			return err
		}
	}
	if !validAgencyCode(a.Code) {
		return badRequest("%q is not an agency code (like 000.00.00.H41)", a.Code)
	}
	if hc := q.v.Get(axis.HAgencyCode); hc != "" && hc != a.Code {
		return badRequest("the signed AgencyCode %q is not the body's code %q", truncate(hc, 40), a.Code)
	}
	prev, err := s.store.Agency(ctx, a.Code)
	switch {
	case errors.Is(err, ErrNotFound):
		a.Owner = q.sys.ID
	case err != nil:
		return err
	case prev.Owner == "" && a.Code != q.sys.Agency:
		return errForbidden("agency " + a.Code + " belongs to the axis's configuration; only its own systems may change it")
	case prev.Owner != "" && prev.Owner != q.sys.ID:
		return errForbidden("agency " + a.Code + " was registered by another system")
	default:
		a.Owner = prev.Owner
	}
	stored, err := s.store.PutAgency(ctx, a)
	if err != nil {
		return err
	}
	s.log.Info("agency registered", "systemId", q.sys.ID, "agency", a.Code)
	return s.ok(w, axis.Envelope{}, s.agencyItem(stored))
}

func (s *Server) deleteAgency(ctx context.Context, w http.ResponseWriter, _ *http.Request, q *request) error {
	code := q.v.Get(axis.HAgencyCode)
	if code == "" {
		return badRequest("the AgencyCode header is required")
	}
	prev, err := s.store.Agency(ctx, code)
	if errors.Is(err, ErrNotFound) {
		return axis.NewError(axis.CodeNotFound, "no agency "+strconv.Quote(truncate(code, 40)))
	}
	if err != nil {
		return err
	}
	for _, sys := range s.systems {
		if sys.Agency == code {
			return errForbidden("agency " + code + " is the agency of a configured system")
		}
	}
	if prev.Owner != q.sys.ID {
		return errForbidden("agency " + code + " was not registered by " + q.sys.ID)
	}
	if err := s.store.DeleteAgency(ctx, code); err != nil {
		return err
	}
	s.log.Info("agency deleted", "systemId", q.sys.ID, "agency", code)
	return s.ok(w, axis.Envelope{}, nil)
}
