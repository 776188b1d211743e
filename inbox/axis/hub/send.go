package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strings"

	"github.com/vanthu/vanthu/inbox/axis"
)

// maxRecipients bounds the recipients of one packet.
const maxRecipients = 500

// sentTo is one recipient's docId in sendEdoc's answer.
type sentTo struct {
	To    string `json:"toCode"`
	DocID string `json:"docId"`
}

// sendEdoc stores an uploaded packet for each of its recipients. Every
// check passes before anything is stored: the headers first, then the
// upload streamed to a temporary file while its SHA-256 is computed, then
// the edXML, then the recipients.
func (s *Server) sendEdoc(ctx context.Context, w http.ResponseWriter, r *http.Request, q *request) error {
	if err := checkService(q); err != nil {
		return err
	}
	mt, err := messageType(q, "")
	if err != nil {
		return err
	}
	if mt == "" {
		return badRequest("the messagetype header (edoc or status) is required")
	}
	from := q.v.Get(axis.HFrom)
	if from == "" {
		return axis.NewError(axis.CodeUnknownSender, "the from header is required")
	}
	if !q.owns(from) {
		return axis.NewError(axis.CodeUnknownSender, fmt.Sprintf("%s may send only as %s, not as %q", q.sys.ID, strings.Join(q.addresses(), ", "), truncate(from, 40)))
	}
	if _, err := s.store.Agency(ctx, agencyOf(from)); errors.Is(err, ErrNotFound) {
		return axis.NewError(axis.CodeUnknownSender, "the sending agency "+agencyOf(from)+" is not registered")
	} else if err != nil {
		return err
	}
	wantHash := strings.ToLower(q.v.Get(axis.HHashFile))
	if wantHash == "" {
		return badRequest("the hash-file header (hex SHA-256 of the file) is required")
	}
	if b, err := hex.DecodeString(wantHash); err != nil || len(b) != sha256.Size {
		return badRequest("hash-file %q is not a hex SHA-256", truncate(wantHash, 80))
	}
	var to []string
	if raw := q.v.Get(axis.HTo); raw != "" {
		if to, err = axis.ParseRecipients(raw); err != nil {
			return axis.NewError(axis.CodeUnknownRecipient, "the to header: "+err.Error())
		}
		if to, err = s.checkRecipients(ctx, to); err != nil {
			return err
		}
	}

	boundary, err := s.boundary(r, q)
	if err != nil {
		return err
	}
	up := &upload{dir: s.tempDir, budget: &s.uploads}
	defer func() { _ = up.close() }()
	h := sha256.New()
	size, err := readUpload(multipart.NewReader(r.Body, boundary), up, h)
	if err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != wantHash {
		return axis.NewError(axis.CodeHashMismatch, "the file's SHA-256 is "+got+", not the signed hash-file "+wantHash)
	}
	info, attachmentFault, err := s.readPacket(ctx, up.reader())
	if err != nil {
		return err
	}
	if info.Kind != mt {
		return badRequest("messagetype is %s but the packet is an %s message", mt, info.Kind)
	}
	if info.From != agencyOf(from) {
		return axis.NewError(axis.CodeUnknownSender, fmt.Sprintf("the packet's sender %q is not the sending agency %s", truncate(info.From, 40), agencyOf(from)))
	}
	if to == nil {
		switch {
		case mt == MessageEdoc:
			to = info.To
		case info.ResponseForOrg != "":
			to = []string{info.ResponseForOrg}
		}
		if to, err = s.checkRecipients(ctx, to); err != nil {
			return err
		}
	}

	p := Packet{
		ID:           axis.NewRequestID(),
		SenderSystem: q.sys.ID,
		From:         from,
		ServiceType:  axis.ServiceTypeEDoc,
		MessageType:  mt,
		SHA256:       wantHash,
		Size:         size,
		DocumentID:   info.DocumentID,
		Subject:      info.Subject,
		Notation:     info.Notation(),
		Created:      q.now,
	}
	if mt == MessageStatus {
		p.DocumentID = info.ResponseForDoc
		p.StatusCode, p.StatusDesc, p.ResponseFor = info.StatusCode, info.StatusDesc, info.ResponseForDoc
	}
	deliveries := make([]Delivery, len(to))
	answer := make([]sentTo, len(to))
	for i, addr := range to {
		deliveries[i] = Delivery{DocID: axis.NewRequestID(), To: addr}
		answer[i] = sentTo{To: addr, DocID: deliveries[i].DocID}
	}
	if err := s.store.AddPacket(ctx, q.req, p, up.reader(), deliveries); err != nil {
		return err
	}
	if attachmentFault != "" {
		s.log.Warn("packet carried despite a bad attachment", "systemId", q.sys.ID, "packetId", p.ID, "reason", truncate(attachmentFault, 300))
	}
	s.metrics.stored(mt, size)
	s.log.Info("packet stored", "systemId", q.sys.ID, "packetId", p.ID, "messageType", mt,
		"from", from, "recipients", len(to), "size", size, "documentId", p.DocumentID)
	return s.ok(w, axis.Envelope{DocID: p.ID}, answer)
}

// boundary returns the multipart boundary of the upload. The signed
// Content-Type, when there is one, must be the one sent.
func (s *Server) boundary(r *http.Request, q *request) (string, error) {
	ct := r.Header.Get(axis.HeaderCType)
	if signed := q.v.Get(axis.HeaderCType); signed != "" {
		if ct != "" && ct != signed {
			return "", axis.NewError(axis.CodeAuthMismatch, "Content-Type was not sent as signed")
		}
		ct = signed
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil || mediaType != "multipart/form-data" || params["boundary"] == "" {
		return "", badRequest("sendEdoc takes multipart/form-data with a boundary, not %q", truncate(ct, 80))
	}
	return params["boundary"], nil
}

// readUpload copies the one file_doc part to dst and h, skipping other
// parts, and returns its size.
func readUpload(mr *multipart.Reader, dst io.Writer, h hash.Hash) (int64, error) {
	var size int64
	found := false
	for {
		part, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, uploadError(err)
		}
		if part.FormName() != axis.PartFileDoc {
			_, err = io.Copy(io.Discard, part)
		} else if found {
			err = badRequest("the upload has more than one %s part", axis.PartFileDoc)
		} else {
			found = true
			size, err = io.Copy(io.MultiWriter(dst, h), part)
		}
		_ = part.Close()
		if err != nil {
			return 0, uploadError(err)
		}
	}
	if !found {
		return 0, badRequest("the upload has no %s part", axis.PartFileDoc)
	}
	return size, nil
}

func uploadError(err error) error {
	var mbe *http.MaxBytesError
	var ae *axis.Error
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &mbe):
		return axis.NewError(axis.CodeTooLarge, fmt.Sprintf("the upload is larger than %d bytes", mbe.Limit))
	case errors.Is(err, os.ErrClosed), errors.Is(err, os.ErrPermission):
		return fmt.Errorf("hub: upload: %w", err)
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("hub: upload: %w", err) // the temporary file, not the client
	}
	return badRequest("malformed multipart upload: %s", truncate(err.Error(), 200))
}

// checkRecipients validates and de-duplicates recipient addresses: each
// an agency code of a registered agency, or agency/mailbox of a mailbox
// some system receives.
func (s *Server) checkRecipients(ctx context.Context, to []string) ([]string, error) {
	if len(to) == 0 {
		return nil, axis.NewError(axis.CodeUnknownRecipient, "the packet has no recipient (neither a to header nor To elements)")
	}
	if len(to) > maxRecipients {
		return nil, axis.NewError(axis.CodeUnknownRecipient, fmt.Sprintf("%d recipients; at most %d are accepted", len(to), maxRecipients))
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(to))
	for _, addr := range to {
		addr = strings.TrimSpace(addr)
		if seen[addr] {
			continue
		}
		seen[addr] = true
		agency, mailbox, ok := splitAddress(addr)
		if !ok {
			return nil, axis.NewError(axis.CodeUnknownRecipient, fmt.Sprintf("%q is not an agency code or agency/mailbox", truncate(addr, 80)))
		}
		if _, err := s.store.Agency(ctx, agency); errors.Is(err, ErrNotFound) {
			return nil, axis.NewError(axis.CodeUnknownRecipient, "agency "+agency+" is not registered")
		} else if err != nil {
			return nil, err
		}
		if mailbox != "" && !s.mailboxes[addr] {
			return nil, axis.NewError(axis.CodeUnknownRecipient, "no mailbox "+addr)
		}
		out = append(out, addr)
	}
	return out, nil
}
