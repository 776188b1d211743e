package inbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/vanthu/vanthu/inbox/edxml"
	"github.com/vanthu/vanthu/inbox/pdftext"
	"github.com/vanthu/vanthu/signing"
)

// Importer turns edXML packets — from the axis or from a USB stick — into
// documents of a Store: document packets become incoming documents (their
// PDF attachments verified and their text indexed), status packets update
// the per-recipient status of our documents or raise a recall request.
type Importer struct {
	Store *Store
	// Verify configures the verification of the attachments' signatures
	// (trust anchors, revocation). Zero: integrity and signer only, no
	// trusted roots, offline.
	Verify signing.VerifyOptions
	// Text extracts the text of PDF attachments for search; nil skips it.
	Text *pdftext.Extractor
	// TempDir holds spool files of the decoder ("" = os.TempDir).
	TempDir string
	// Limits bound what a packet may hold (zero: edxml.DefaultLimits).
	Limits edxml.Limits
	// Workers is how many document packets ImportMany prepares at once
	// (decoding, attachment files written and synced, signatures checked,
	// text extracted): the work of one packet waits on the disk as much as
	// on the processor. Default 4; status packets are applied one after
	// another, in order.
	Workers int
}

// DefaultImportWorkers is Importer.Workers when not set.
const DefaultImportWorkers = 4

// ImportResult says what an import did.
type ImportResult struct {
	Kind       string `json:"kind"` // "edoc" or "status"
	ID         int64  `json:"id"`   // the document created or concerned
	Duplicate  bool   `json:"duplicate,omitempty"`
	DocumentID string `json:"documentId"`
	Sender     string `json:"sender"`
	// Status is the status code a status packet carried.
	Status      string             `json:"status,omitempty"`
	Attachments []AttachmentResult `json:"attachments,omitempty"`
	// PacketSignature is the XML signature of the packet, when it has one.
	PacketSignature *PacketSignature `json:"packetSignature,omitempty"`
}

// AttachmentResult is the check of one attachment.
type AttachmentResult struct {
	Name    string `json:"name"`
	Size    int64  `json:"size"`
	SHA256  string `json:"sha256"`
	Verdict string `json:"verdict,omitempty"` // the PDF signatures' verdict; UNSIGNED when none; "" for other files
	Summary string `json:"summary,omitempty"`
	Text    int    `json:"textChars,omitempty"`
	// TextError says why no text could be indexed (it does not stop the import).
	TextError string `json:"textError,omitempty"`
}

// PacketSignature is the verification of a packet's XMLDSig signature.
type PacketSignature struct {
	Valid  bool   `json:"valid"`
	Weak   bool   `json:"weak,omitempty"`
	Signer string `json:"signer,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// Verdict of a PDF that carries no signature at all.
const VerdictUnsigned = "UNSIGNED"

// ImportFile imports the packet at path.
func (im *Importer) ImportFile(ctx context.Context, path string) (*ImportResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot open the packet: %w", err)
	}
	defer f.Close()
	return im.Import(ctx, f)
}

// Import reads one packet. Packet faults (malformed XML, limits, unsafe
// names, a bad attachment) return an error wrapping edxml.ErrBadPacket and
// store nothing; a packet already stored returns the stored document with
// Duplicate set.
func (im *Importer) Import(ctx context.Context, r io.ReadSeeker) (*ImportResult, error) {
	res, errs, err := im.ImportMany(ctx, []io.ReadSeeker{r})
	if err != nil {
		return nil, err
	}
	return res[0], errs[0]
}

// ImportMany imports several packets and commits the documents they carry
// together, in one transaction (one sync to disk instead of one each):
// results[i] or errs[i] tells what became of packet i. A failure of the
// store itself (err) stores none of them.
func (im *Importer) ImportMany(ctx context.Context, packets []io.ReadSeeker) (results []*ImportResult, errs []error, err error) {
	p, err := im.Prepare(ctx, packets)
	if err != nil {
		return nil, nil, err
	}
	return p.Commit(ctx)
}

// Prepared holds packets that Prepare made ready — their files stored,
// signatures checked, text extracted — until Commit stores their
// documents.
type Prepared struct {
	im       *Importer
	results  []*ImportResult
	errs     []error
	prepared []*NewIncoming
}

// Prepare does ImportMany's work short of storing the documents, so that
// the next packets can be prepared while Commit stores these. The packets
// are read entirely before it returns. Status packets are applied here,
// in order.
func (im *Importer) Prepare(ctx context.Context, packets []io.ReadSeeker) (*Prepared, error) {
	p := &Prepared{im: im, results: make([]*ImportResult, len(packets)), errs: make([]error, len(packets)),
		prepared: make([]*NewIncoming, len(packets))}
	if err := im.prepareAll(ctx, packets, p.results, p.errs, p.prepared); err != nil {
		return nil, err
	}
	return p, nil
}

// JoinPrepared gathers what several Prepare calls of one Importer made
// ready, in order, for one Commit: one transaction for all. Packets can so
// be prepared one at a time as they arrive, on as many goroutines as the
// caller likes, and still be committed together.
func JoinPrepared(parts ...*Prepared) *Prepared {
	if len(parts) == 0 {
		return nil
	}
	j := &Prepared{im: parts[0].im}
	for _, p := range parts {
		j.results = append(j.results, p.results...)
		j.errs = append(j.errs, p.errs...)
		j.prepared = append(j.prepared, p.prepared...)
	}
	return j
}

// Commit stores the prepared documents in one transaction and returns
// ImportMany's answer. A document stored meanwhile (the same packet
// prepared twice) is reported as a duplicate.
func (p *Prepared) Commit(ctx context.Context) (results []*ImportResult, errs []error, err error) {
	results, errs = p.results, p.errs
	var batch []NewIncoming
	var slot []int // packet index of each batch entry
	for i, in := range p.prepared {
		if errs[i] == nil && in != nil {
			batch = append(batch, *in)
			slot = append(slot, i)
		}
	}
	if len(batch) == 0 {
		return results, errs, nil
	}
	ids, insErrs, err := p.im.Store.InsertIncomingMany(ctx, batch)
	if err != nil {
		return nil, nil, err
	}
	for k, i := range slot {
		var dup *DuplicateError
		switch {
		case errors.As(insErrs[k], &dup):
			results[i].ID, results[i].Duplicate = dup.Existing, true
		case insErrs[k] != nil:
			results[i], errs[i] = nil, insErrs[k]
		default:
			results[i].ID = ids[k]
		}
	}
	return results, errs, nil
}

// prepareAll prepares every packet: status packets in order on this
// goroutine (each is applied as it is read), document packets on up to
// Workers goroutines (they only write files and read the store until
// InsertIncomingMany). It fails only when ctx ends.
func (im *Importer) prepareAll(ctx context.Context, packets []io.ReadSeeker, results []*ImportResult, errs []error, prepared []*NewIncoming) error {
	workers := im.Workers
	if workers <= 0 {
		workers = DefaultImportWorkers
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, len(packets)) {
		wg.Go(func() {
			for i := range jobs {
				results[i], prepared[i], errs[i] = im.prepareEdoc(ctx, packets[i])
			}
		})
	}
	defer wg.Wait()
	defer close(jobs)
	for i, r := range packets {
		if err := ctx.Err(); err != nil {
			return err
		}
		kind, err := edxml.Detect(r)
		if err == nil {
			_, err = r.Seek(0, io.SeekStart)
		}
		switch {
		case err != nil:
			errs[i] = err
		case kind == edxml.KindStatus:
			results[i], errs[i] = im.importStatus(ctx, r)
		default:
			select {
			case jobs <- i:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

// prepareEdoc decodes a document packet, stores its files as blobs,
// verifies its PDF attachments and extracts their text. It returns the
// document to insert (nil for a known duplicate).
func (im *Importer) prepareEdoc(ctx context.Context, r io.ReadSeeker) (*ImportResult, *NewIncoming, error) {
	limits := im.Limits
	if limits == (edxml.Limits{}) {
		limits = edxml.DefaultLimits()
	}
	sink := &blobSink{store: im.Store}
	defer sink.release()
	e, err := edxml.DecodeEdoc(ctx, r, sink, edxml.DecodeOptions{Limits: limits, TempDir: im.TempDir})
	if err != nil {
		return nil, nil, err
	}
	res := &ImportResult{Kind: "edoc", DocumentID: e.Header.DocumentID, Sender: e.Header.From.OrganID}
	// The packet's own XML signature, when it carries one, is checked over
	// the bytes as received (a second pass over the packet).
	if strings.TrimSpace(e.Signature) != "" {
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return nil, nil, err
		}
		sig, err := edxml.VerifySignature(r)
		if err != nil {
			return nil, nil, err
		}
		if sig.Present {
			res.PacketSignature = &PacketSignature{Valid: sig.Valid, Weak: sig.Weak, Reason: sig.Reason}
			if sig.Signer != nil {
				res.PacketSignature.Signer = sig.Signer.Subject.CommonName
			}
		}
	}
	// A duplicate is recognised before the attachments are verified.
	if id, err := im.Store.FindIncoming(ctx, e.Header.From.OrganID, e.Header.DocumentID); err == nil {
		res.ID, res.Duplicate = id, true
		return res, nil, nil
	} else if !errors.Is(err, ErrNotFound) {
		return nil, nil, err
	}
	doc, err := DocumentFromEdoc(e)
	if err != nil {
		return nil, nil, err
	}
	atts := make([]NewAttachment, 0, len(e.Attachments))
	for _, a := range e.Attachments {
		blob := sink.blobs[a.Ref]
		na := NewAttachment{
			Name: a.Name, ContentType: a.ContentType, Description: a.Description,
			ContentID: strings.TrimPrefix(a.ContentID, "cid:"), Blob: blob,
		}
		ar := AttachmentResult{Name: a.Name, Size: blob.Size, SHA256: blob.SHA256}
		data := sink.bytes(a.Ref)
		if isPDF(im.Store, blob, data) {
			if err := im.checkPDF(ctx, &na, &ar, data); err != nil {
				return nil, nil, err
			}
		}
		res.Attachments = append(res.Attachments, ar)
		atts = append(atts, na)
	}
	return res, &NewIncoming{Doc: doc, Attachments: atts}, nil
}

// checkPDF verifies a PDF attachment's signatures and extracts its text;
// data holds its bytes when they are in memory.
func (im *Importer) checkPDF(ctx context.Context, na *NewAttachment, ar *AttachmentResult, data []byte) error {
	path := im.Store.BlobPath(na.Blob.SHA256)
	var rep *signing.Report
	var err error
	if data != nil {
		rep, err = signing.VerifyPDF(ctx, bytes.NewReader(data), int64(len(data)), im.Verify)
	} else {
		rep, err = signing.VerifyPDFFile(ctx, path, im.Verify)
	}
	switch {
	case errors.Is(err, signing.ErrUnreadable):
		na.Verdict, ar.Verdict = string(signing.Invalid), string(signing.Invalid)
		ar.Summary = err.Error()
		na.Verification, _ = json.Marshal(map[string]string{"verdict": string(signing.Invalid), "summary": err.Error()})
	case err != nil:
		return err
	default:
		rep.File = na.Name
		verdict := string(rep.Verdict)
		if len(rep.Signatures) == 0 && len(rep.Problems) == 0 {
			verdict = VerdictUnsigned
		}
		na.Verdict, ar.Verdict, ar.Summary = verdict, verdict, rep.Summary
		if na.Verification, err = json.Marshal(rep); err != nil {
			return err
		}
	}
	if im.Text != nil {
		text, err := im.Text.TextFile(ctx, path)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			ar.TextError = err.Error()
		}
		na.Text, ar.Text = text, len([]rune(text))
	}
	return nil
}

// isPDF looks for the PDF header in the first kilobyte of the file (of
// data, when it is in memory).
func isPDF(s *Store, b Blob, data []byte) bool {
	if data != nil {
		return bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-"))
	}
	f, err := os.Open(s.BlobPath(b.SHA256))
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 1024)
	n, _ := io.ReadFull(f, head)
	return bytes.Contains(head[:n], []byte("%PDF-"))
}

// importStatus applies a status packet: a recall request (13) to the
// incoming document it names, any other code to our outgoing document.
func (im *Importer) importStatus(ctx context.Context, r io.Reader) (*ImportResult, error) {
	st, err := edxml.DecodeStatus(ctx, r, edxml.DecodeOptions{TempDir: im.TempDir})
	if err != nil {
		return nil, err
	}
	res := &ImportResult{Kind: "status", DocumentID: st.ResponseFor.DocumentID, Sender: st.From.OrganID, Status: string(st.StatusCode)}
	if st.StatusCode == edxml.StatusRecallRequest {
		id, err := im.Store.FindIncoming(ctx, st.ResponseFor.OrganID, st.ResponseFor.DocumentID)
		if err != nil {
			return nil, fmt.Errorf("recall request for %s: %w", st.ResponseFor.DocumentID, err)
		}
		res.ID = id
		from := Actor{ID: st.From.OrganID, Name: st.StaffInfo.Staff, Department: st.StaffInfo.Department, Email: st.StaffInfo.Email, Mobile: st.StaffInfo.Mobile}
		if from.ID == "" {
			from.ID = "axis"
		}
		return res, im.Store.RecallRequested(ctx, id, from, st.Description)
	}
	err = im.Store.RecordRecipientStatus(ctx, st.ResponseFor.DocumentID, st.From.OrganID, RecipientStatus{
		Code: StatusCode(st.StatusCode), At: st.Timestamp.Time, Description: st.Description,
		Staff: st.StaffInfo.Staff, Department: st.StaffInfo.Department,
	})
	return res, err
}

// blobSink stores a packet's attachments as they stream in. It keeps the
// bytes of those up to memBlob until release, so that the checks after the
// decoding read them from memory, not back from the files.
type blobSink struct {
	store *Store
	blobs map[edxml.AttachmentRef]Blob
	data  map[edxml.AttachmentRef]*bytes.Buffer
}

func (b *blobSink) Put(ctx context.Context, _ edxml.AttachmentInfo, r io.Reader) (edxml.AttachmentRef, error) {
	blob, buf, err := b.store.putBuffered(ctx, r)
	if err != nil {
		return "", err
	}
	if b.blobs == nil {
		b.blobs, b.data = map[edxml.AttachmentRef]Blob{}, map[edxml.AttachmentRef]*bytes.Buffer{}
	}
	ref := edxml.AttachmentRef(blob.SHA256)
	b.blobs[ref] = blob
	if buf != nil {
		releaseBuffer(b.data[ref]) // the same file twice in one packet
		b.data[ref] = buf
	}
	return ref, nil
}

// bytes returns the attachment's bytes when they were kept (nil if not).
func (b *blobSink) bytes(ref edxml.AttachmentRef) []byte {
	if buf := b.data[ref]; buf != nil {
		return buf.Bytes()
	}
	return nil
}

// release gives the kept bytes back.
func (b *blobSink) release() {
	for _, buf := range b.data {
		releaseBuffer(buf)
	}
	b.data = nil
}

// Discard leaves the blob to GC: another document may hold the same file.
func (b *blobSink) Discard(context.Context, edxml.AttachmentRef) error { return nil }

// DocumentFromEdoc maps a decoded packet onto the store's model; the
// whole packet (without the attachment bytes) is kept as Header for export.
func DocumentFromEdoc(e *edxml.Edoc) (*Document, error) {
	h := e.Header
	header, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	doc := &Document{
		Direction:          Incoming,
		DocumentID:         h.DocumentID,
		Sender:             orgFromEdxml(h.From),
		CodeNumber:         h.Code.CodeNumber,
		CodeNotation:       h.Code.CodeNotation,
		PromulgationPlace:  h.PromulgationInfo.Place,
		PromulgationDate:   h.PromulgationInfo.PromulgationDate.Time,
		TypeCode:           typeCode(h.DocumentType),
		TypeName:           h.DocumentType.TypeName,
		Subject:            h.Subject,
		Content:            h.Content,
		Signer:             Signer{Competence: h.SignerInfo.Competence, Position: h.SignerInfo.Position, FullName: h.SignerInfo.FullName},
		DueDate:            h.DueDate.Time,
		Priority:           Priority(h.OtherInfo.Priority),
		Sphere:             h.OtherInfo.SphereOfPromulgation,
		TyperNotation:      h.OtherInfo.TyperNotation,
		PromulgationAmount: h.OtherInfo.PromulgationAmount,
		PageAmount:         h.OtherInfo.PageAmount,
		SteeringType:       h.SteeringType,
		Header:             pack(header),
	}
	for _, to := range h.To {
		doc.Recipients = append(doc.Recipients, Recipient{Organization: orgFromEdxml(to)})
	}
	if len(h.ResponseFor) > 0 {
		rf := h.ResponseFor[0]
		doc.ResponseFor = DocumentRef{OrganID: rf.OrganID, Code: rf.Code, PromulgationDate: rf.PromulgationDate.Time, DocumentID: rf.DocumentID}
	}
	return doc, nil
}

func typeCode(t edxml.DocumentType) string {
	if t.Type == 0 && t.TypeName != "" {
		return ""
	}
	return strconv.Itoa(t.Type)
}

func orgFromEdxml(o edxml.Organization) Organization {
	return Organization{Code: o.OrganID, Name: o.OrganName, InCharge: o.OrganizationInCharge, Address: o.OrganAdd,
		Email: o.Email, Phone: o.Telephone, Fax: o.Fax, Website: o.Website}
}

func orgToEdxml(o Organization) edxml.Organization {
	return edxml.Organization{OrganID: o.Code, OrganName: o.Name, OrganizationInCharge: o.InCharge, OrganAdd: o.Address,
		Email: o.Email, Telephone: o.Phone, Fax: o.Fax, Website: o.Website}
}

// EncodeStatus builds the edXML status packet of a StatusPacket: the
// encoder a Store needs for its outbox (Options.EncodeStatus).
func EncodeStatus(p StatusPacket) ([]byte, error) {
	st := &edxml.Status{
		ResponseFor: edxml.ResponseFor{
			OrganID: p.ResponseFor.OrganID, Code: p.ResponseFor.Code, DocumentID: p.ResponseFor.DocumentID,
		},
		From:        orgToEdxml(p.From),
		StatusCode:  edxml.StatusCode(p.Code),
		Description: p.Description,
		Timestamp:   edxml.NewDateTime(p.Timestamp),
		StaffInfo:   edxml.StaffInfo{Department: p.Staff.Department, Staff: p.Staff.Name, Email: p.Staff.Email, Mobile: p.Staff.Mobile},
	}
	if !p.ResponseFor.PromulgationDate.IsZero() {
		st.ResponseFor.PromulgationDate = edxml.NewDate(p.ResponseFor.PromulgationDate)
	}
	if st.StaffInfo.Staff == "" {
		st.StaffInfo.Staff = p.Staff.ID
	}
	var buf bytes.Buffer
	if err := edxml.EncodeStatus(&buf, st); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
