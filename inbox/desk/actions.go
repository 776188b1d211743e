package desk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/signing/pdf"
)

// ErrNotPDF is returned (wrapped, with the reason) when a file given as a
// draft is not a readable PDF. Nothing is stored.
var ErrNotPDF = errors.New("the file is not a readable PDF")

// maxDraftSize bounds a draft's PDF (the axis takes 64 MiB packets).
const maxDraftSize = 60 << 20

// DraftInfo is the metadata of a new draft.
type DraftInfo struct {
	Subject  string // trích yếu, required
	Notation string // ký hiệu, e.g. "UBND-VP"; the number is given at issue
	DocType  string // e.g. "Công văn" (the edXML TypeName)
	TypeCode string // the edXML Type code ("" : "1")
	Content  string
	Place    string
	Priority inbox.Priority
	DueDate  time.Time
	// Signer is who will sign (printed in the packet's SignerInfo).
	Signer inbox.Signer
	// Recipients are the agencies Issue sends to.
	Recipients []inbox.Organization
	// FileName names the PDF attachment ("" : "du-thao.pdf").
	FileName string
	// Internal makes an internal document instead of an outgoing one.
	Internal bool
	// ResponseFor names the document this one answers or forwards.
	ResponseFor inbox.DocumentRef
}

// NewDraft stores a new draft with the PDF read from r as its attachment,
// created by the desk's person. A file that is not a readable PDF is
// refused (ErrNotPDF) and nothing is stored.
func (d *Desk) NewDraft(ctx context.Context, r io.Reader, info DraftInfo) (int64, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxDraftSize+1))
	if err != nil {
		return 0, fmt.Errorf("cannot read the draft: %w", err)
	}
	if len(data) > maxDraftSize {
		return 0, fmt.Errorf("the draft is larger than %d MiB; the axis cannot carry it", maxDraftSize>>20)
	}
	pages, err := checkPDF(data)
	if err != nil {
		return 0, err
	}
	if strings.TrimSpace(info.Subject) == "" {
		return 0, fmt.Errorf("%w: the draft needs a subject (trích yếu)", inbox.ErrInvalid)
	}
	name := info.FileName
	if name == "" {
		name = "du-thao.pdf"
	}
	blob, err := d.store.PutBlob(ctx, bytes.NewReader(data))
	if err != nil {
		return 0, err
	}
	att := inbox.NewAttachment{Name: name, ContentType: "application/pdf", Blob: blob, Description: "Dự thảo"}
	if d.opts.Text != nil {
		if text, err := d.opts.Text.Text(ctx, bytes.NewReader(data), int64(len(data))); err == nil {
			att.Text = text
		} else {
			d.log.Warn("extract draft text", "err", err)
		}
	}
	doc := &inbox.Document{
		Direction: inbox.Outgoing, CodeNotation: strings.TrimSpace(info.Notation),
		TypeCode: info.TypeCode, TypeName: info.DocType, Subject: strings.TrimSpace(info.Subject),
		Content: info.Content, PromulgationPlace: info.Place, Priority: info.Priority, DueDate: info.DueDate,
		Signer: info.Signer, PageAmount: pages, ResponseFor: info.ResponseFor,
	}
	if info.Internal {
		doc.Direction = inbox.Internal
	}
	if doc.TypeCode == "" {
		doc.TypeCode = "1"
	}
	if doc.TypeName == "" {
		doc.TypeName = "Công văn"
	}
	for _, o := range info.Recipients {
		doc.Recipients = append(doc.Recipients, inbox.Recipient{Organization: o})
	}
	id, err := d.store.CreateDraft(ctx, d.actor, doc, []inbox.NewAttachment{att})
	if err != nil {
		return 0, err
	}
	d.changed(id)
	return id, nil
}

// NewDraftFile is NewDraft for the PDF at path (a file dropped on the
// window); info.FileName defaults to the file's name.
func (d *Desk) NewDraftFile(ctx context.Context, path string, info DraftInfo) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("cannot open the draft: %w", err)
	}
	defer f.Close()
	if info.FileName == "" {
		info.FileName = filepath.Base(path)
	}
	return d.NewDraft(ctx, f, info)
}

// checkPDF parses data as a PDF and returns its page count.
func checkPDF(data []byte) (pages int, err error) {
	if !bytes.HasPrefix(bytes.TrimLeft(data[:min(len(data), 1024)], "\x00\t\r\n "), []byte("%PDF-")) {
		return 0, fmt.Errorf("%w: it does not start like a PDF (%%PDF-)", ErrNotPDF)
	}
	defer func() {
		if r := recover(); r != nil {
			pages, err = 0, fmt.Errorf("%w: it is damaged", ErrNotPDF)
		}
	}()
	f, err := pdf.Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrNotPDF, err)
	}
	list, err := f.Pages()
	if err != nil {
		return 0, fmt.Errorf("%w: its pages cannot be read: %w", ErrNotPDF, err)
	}
	if len(list) == 0 {
		return 0, fmt.Errorf("%w: it has no pages", ErrNotPDF)
	}
	return len(list), nil
}

// Submit sends a draft to a leader for signing (trình ký).
func (d *Desk) Submit(ctx context.Context, id int64) error {
	return d.do(id, d.store.Submit(ctx, id, d.actor))
}

// Return sends a submitted draft back to its drafter with a comment.
func (d *Desk) Return(ctx context.Context, id int64, comment string) error {
	return d.do(id, d.store.Return(ctx, id, d.actor, comment))
}

// Register enters an arrived document in the incoming register (""
// : Options.IncomingRegister) and returns its arrival number.
func (d *Desk) Register(ctx context.Context, id int64, register string) (int, error) {
	if register == "" {
		register = d.opts.IncomingRegister
	}
	n, err := d.store.Register(ctx, id, d.actor, register)
	if err := d.do(id, err); err != nil {
		return 0, err
	}
	return n, nil
}

// Refuse refuses an arrived document with a reason the sender is told.
func (d *Desk) Refuse(ctx context.Context, id int64, reason string) error {
	return d.do(id, d.store.Refuse(ctx, id, d.actor, reason))
}

// Assign hands a registered document to an officer or unit.
func (d *Desk) Assign(ctx context.Context, id int64, a inbox.Assignment) error {
	if err := d.do(id, d.store.Assign(ctx, id, d.actor, a)); err != nil {
		return err
	}
	d.checkDeadlines(ctx) // the assignment's deadline may be near
	return nil
}

// StartProcessing records that work on the document has begun.
func (d *Desk) StartProcessing(ctx context.Context, id int64) error {
	return d.do(id, d.store.StartProcessing(ctx, id, d.actor))
}

// Done records that the document has been dealt with.
func (d *Desk) Done(ctx context.Context, id int64) error {
	return d.do(id, d.store.Done(ctx, id, d.actor))
}

// Comment adds a remark to a document.
func (d *Desk) Comment(ctx context.Context, id int64, text string) error {
	return d.do(id, d.store.AddComment(ctx, id, d.actor, text))
}

// MarkRead marks a document read or unread.
func (d *Desk) MarkRead(ctx context.Context, id int64, read bool) error {
	return d.do(id, d.store.MarkRead(ctx, id, d.actor, read))
}

// Recall asks the recipients of an issued document to give it back.
func (d *Desk) Recall(ctx context.Context, id int64, reason string) error {
	return d.sent(id, d.store.Recall(ctx, id, d.actor, reason))
}

// AcceptRecall agrees to a sender's recall: the document is frozen and
// hidden, and the sender told.
func (d *Desk) AcceptRecall(ctx context.Context, id int64) error {
	return d.sent(id, d.store.AcceptRecall(ctx, id, d.actor))
}

// RefuseRecall refuses a sender's recall, with a reason the sender is told.
func (d *Desk) RefuseRecall(ctx context.Context, id int64, reason string) error {
	return d.sent(id, d.store.RefuseRecall(ctx, id, d.actor, reason))
}

// Send sends an issued document to (more) agencies: each becomes a
// recipient and gets its own packet.
func (d *Desk) Send(ctx context.Context, id int64, to []inbox.Organization) error {
	_, err := d.store.Resend(ctx, id, d.actor, to)
	return d.sent(id, err)
}

// Forward starts forwarding a received document to other agencies: a new
// draft, answering the received one (ResponseFor), that carries its files
// and is addressed to to. The draft then goes the usual way (submit,
// approve and sign, issue), since what leaves the agency carries its
// number and seal. It returns the draft's id.
func (d *Desk) Forward(ctx context.Context, id int64, to []inbox.Organization, note string) (int64, error) {
	if len(to) == 0 {
		return 0, fmt.Errorf("%w: forward to whom? no agency chosen", inbox.ErrInvalid)
	}
	src, err := d.store.Get(ctx, id)
	if err != nil {
		return 0, err
	}
	if src.Direction != inbox.Incoming {
		return 0, fmt.Errorf("%w: only a received document is forwarded; send an issued one instead", inbox.ErrInvalid)
	}
	if src.Frozen {
		return 0, &inbox.TransitionError{Document: id, Action: "forward", State: src.State}
	}
	var atts []inbox.NewAttachment
	for _, a := range src.Attachments {
		atts = append(atts, inbox.NewAttachment{
			Name: a.Name, ContentType: a.ContentType, Description: a.Description, Blob: a.Blob,
			Verdict: a.Verdict, Verification: a.Verification,
		})
	}
	subject := "V/v chuyển tiếp văn bản số " + codeOf(src) + " của " + src.Sender.Name
	content := src.Subject
	if strings.TrimSpace(note) != "" {
		content = strings.TrimSpace(note) + "\n" + src.Subject
	}
	doc := &inbox.Document{
		Direction: inbox.Outgoing, TypeCode: "1", TypeName: "Công văn", Subject: subject, Content: content,
		Priority: src.Priority, DueDate: src.DueDate,
		ResponseFor: inbox.DocumentRef{OrganID: src.Sender.Code, Code: codeOf(src),
			PromulgationDate: src.PromulgationDate, DocumentID: src.DocumentID},
	}
	for _, o := range to {
		doc.Recipients = append(doc.Recipients, inbox.Recipient{Organization: o})
	}
	nid, err := d.store.CreateDraft(ctx, d.actor, doc, atts)
	if err != nil {
		return 0, err
	}
	if strings.TrimSpace(note) != "" {
		if err := d.store.AddComment(ctx, nid, d.actor, note); err != nil {
			return nid, err
		}
	}
	d.changed(nid, id)
	return nid, nil
}

// codeOf is a document's "number/notation".
func codeOf(doc *inbox.Document) string {
	switch {
	case doc.CodeNumber != "" && doc.CodeNotation != "":
		return doc.CodeNumber + "/" + doc.CodeNotation
	case doc.CodeNumber != "":
		return doc.CodeNumber
	}
	return doc.CodeNotation
}

// do emits ChangeDocuments for id when err is nil and returns err.
func (d *Desk) do(id int64, err error) error {
	if err != nil {
		return err
	}
	d.changed(id)
	return nil
}

// sent is do for actions that queue packets: it also asks the sync loop
// for a pass.
func (d *Desk) sent(id int64, err error) error {
	if err != nil {
		return err
	}
	d.changed(id)
	d.eng.Kick()
	return nil
}
