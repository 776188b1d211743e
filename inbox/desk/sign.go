package desk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/appearance"
	"github.com/vanthu/vanthu/signing/keys"
)

// Placement is where a personal signature goes: the point clicked on a
// page, the centre of the signature, in PDF points from the page's lower
// left corner (user space).
type Placement struct {
	Page int // 1-based
	X, Y float64
	// Width and Height of the signature box (0: the default 200 × 130 pt).
	Width, Height float64
}

// SignOptions configure the leader's signatures.
type SignOptions struct {
	// Placement nil puts the signature where Decree 30 wants it by default
	// (last page, right half, above the bottom margin).
	Placement *Placement
	// Image is the handwritten signature (PNG, transparent background;
	// nil: the demo image).
	Image []byte
	// Position holds the position lines above the signature (nil: the
	// identity's position); Name the full name below it (""
	// : the certificate's name).
	Position []string
	Name     string
	// ImageOnly draws only the image, for a document that prints the
	// position and name around the space left for it.
	ImageOnly bool
	// Reason and Location go into the signature ("" : "Phê duyệt văn bản"
	// and the agency's place).
	Reason, Location string
}

// Result is what became of one document of a batch.
type Result struct {
	ID  int64
	Err error // nil when the document is signed and approved
	// Attachment is the signed file's name; Verdict the verification of
	// the stored file against the desk's trusted roots.
	Attachment string
	Verdict    signing.Verdict
}

// BatchUpdate is the progress of a batch: Done of Total documents
// finished, the last one being ID (with its error, nil on success).
type BatchUpdate struct {
	Done, Total int
	ID          int64
	Err         error
}

// errNoPDF says a document has no PDF to sign.
var errNoPDF = errors.New("the document has no PDF file to sign")

// ApproveAndSign signs the main PDF of each submitted document with key
// (opened once, so one PIN serves the whole batch), verifies it, and
// approves the document with the signed file in place of the draft.
// Documents are signed two at a time; a failure (a document not submitted,
// a damaged file, a store error) is that document's Result and does not
// stop the others. progress, when not nil, is called after each document,
// from the batch's goroutines, one call at a time. The results come back
// in the order of ids.
func (d *Desk) ApproveAndSign(ctx context.Context, ids []int64, key *keys.Key, opts SignOptions,
	progress func(BatchUpdate),
) []Result {
	results := make([]Result, len(ids))
	for i, id := range ids {
		results[i].ID = id
	}
	if key == nil || key.Signer == nil || len(key.Chain) == 0 {
		for i := range results {
			results[i].Err = errors.New("no signing key is open")
		}
		return results
	}
	work, err := os.MkdirTemp(d.opts.DataDir, "signing-")
	if err != nil {
		for i := range results {
			results[i].Err = fmt.Errorf("cannot prepare the signing: %w", err)
		}
		return results
	}
	defer os.RemoveAll(work)

	type prepared struct {
		slot int // index in ids
		doc  *inbox.Document
		main int // index of the signed attachment
	}
	var jobs []signing.BatchJob
	var preps []prepared
	done := 0
	report := func(i int) {
		done++
		if progress != nil {
			progress(BatchUpdate{Done: done, Total: len(ids), ID: results[i].ID, Err: results[i].Err})
		}
	}
	for i, id := range ids {
		doc, main, in, err := d.prepareSigning(ctx, id, work)
		if err != nil {
			results[i].Err = err
			report(i)
			continue
		}
		ap := d.personalAppearance(opts, doc)
		jobs = append(jobs, signing.BatchJob{In: in, Out: in + ".signed.pdf", Appearance: &ap})
		preps = append(preps, prepared{slot: i, doc: doc, main: main})
	}
	popts := signing.PDFOptions{
		Signer: signing.Signer{Key: key.Signer, Chain: key.Chain},
		Reason: opts.Reason, Location: opts.Location, Time: d.now(),
	}
	if popts.Reason == "" {
		popts.Reason = "Phê duyệt văn bản"
	}
	if d.tsa != nil {
		popts.Level, popts.TSA = signing.LevelBT, d.tsa
	}
	signing.SignBatch(ctx, jobs, popts, 2, batchProgress(func(j int, r signing.BatchResult) {
		p := preps[j]
		res := &results[p.slot]
		if r.Err != nil {
			res.Err = r.Err
		} else {
			res.Attachment, res.Verdict, res.Err = d.storeApproval(ctx, p.doc, p.main, r.Job.Out)
		}
		report(p.slot)
	}))
	var changed []int64
	for _, r := range results {
		if r.Err == nil {
			changed = append(changed, r.ID)
		}
	}
	if len(changed) > 0 {
		d.changed(changed...)
	}
	return results
}

// batchProgress adapts a function to signing.BatchProgress.
type batchProgress func(i int, r signing.BatchResult)

func (f batchProgress) Done(i int, r signing.BatchResult) { f(i, r) }

// prepareSigning checks that document id may be approved and copies its
// main PDF into work.
func (d *Desk) prepareSigning(ctx context.Context, id int64, work string) (*inbox.Document, int, string, error) {
	doc, err := d.store.Get(ctx, id)
	if err != nil {
		return nil, 0, "", err
	}
	if doc.Frozen || !inbox.Allowed(inbox.ActionApprove, doc.State) {
		return nil, 0, "", &inbox.TransitionError{Document: id, Action: inbox.ActionApprove, State: doc.State}
	}
	main := mainPDF(doc.Attachments)
	if main < 0 {
		return nil, 0, "", errNoPDF
	}
	in := filepath.Join(work, fmt.Sprintf("%d.pdf", id))
	if err := d.copyBlob(doc.Attachments[main].Blob.SHA256, in); err != nil {
		return nil, 0, "", err
	}
	return doc, main, in, nil
}

// mainPDF is the index of a document's first PDF attachment, -1 if none.
func mainPDF(atts []inbox.Attachment) int {
	for i, a := range atts {
		if isPDF(a) {
			return i
		}
	}
	return -1
}

func isPDF(a inbox.Attachment) bool {
	return strings.EqualFold(a.ContentType, "application/pdf") || strings.EqualFold(filepath.Ext(a.Name), ".pdf")
}

// copyBlob writes a blob to path.
func (d *Desk) copyBlob(sha, path string) error {
	rc, err := d.store.OpenBlob(sha)
	if err != nil {
		return err
	}
	defer rc.Close()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// personalAppearance is the leader's visible signature for doc.
func (d *Desk) personalAppearance(opts SignOptions, _ *inbox.Document) signing.Appearance {
	ap := signing.Appearance{Kind: signing.AppearancePersonal, Image: opts.Image, Name: opts.Name, ImageOnly: opts.ImageOnly}
	ap.Position = append([]string(nil), opts.Position...)
	if len(ap.Position) == 0 && strings.TrimSpace(d.id.Position) != "" {
		ap.Position = []string{d.id.Position}
	}
	if p := opts.Placement; p != nil {
		w, h := p.Width, p.Height
		if w <= 0 {
			w = appearance.DefaultPersonalWidth
		}
		if h <= 0 {
			h = appearance.DefaultPersonalHeight
		}
		ap.Page = p.Page
		ap.Rect = &[4]float64{p.X - w/2, p.Y - h/2, p.X + w/2, p.Y + h/2}
	}
	return ap
}

// storeApproval stores the signed file and approves the document with it
// in place of the draft (the other attachments kept).
func (d *Desk) storeApproval(ctx context.Context, doc *inbox.Document, main int, signed string) (string, signing.Verdict, error) {
	att, verdict, err := d.putSigned(ctx, doc.Attachments[main], signed, "Văn bản đã ký duyệt")
	if err != nil {
		return "", "", err
	}
	atts := keepAttachments(doc.Attachments)
	atts[main] = att
	if err := d.store.Approve(ctx, doc.ID, d.actor, atts); err != nil {
		return "", "", err
	}
	return att.Name, verdict, nil
}

// keepAttachments turns stored attachments back into attachments to store.
func keepAttachments(atts []inbox.Attachment) []inbox.NewAttachment {
	out := make([]inbox.NewAttachment, len(atts))
	for i, a := range atts {
		out[i] = inbox.NewAttachment{Name: a.Name, ContentType: a.ContentType, Description: a.Description,
			ContentID: a.ContentID, Blob: a.Blob, Verdict: a.Verdict, Verification: a.Verification}
	}
	return out
}

// putSigned stores a signed PDF as a blob with its verification.
func (d *Desk) putSigned(ctx context.Context, orig inbox.Attachment, path, desc string) (inbox.NewAttachment, signing.Verdict, error) {
	rep, err := signing.VerifyPDFFile(ctx, path, d.verify)
	if err != nil {
		return inbox.NewAttachment{}, "", fmt.Errorf("verify the signed file: %w", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return inbox.NewAttachment{}, "", err
	}
	defer f.Close()
	blob, err := d.store.PutBlob(ctx, f)
	if err != nil {
		return inbox.NewAttachment{}, "", err
	}
	raw, err := json.Marshal(rep)
	if err != nil {
		return inbox.NewAttachment{}, "", err
	}
	return inbox.NewAttachment{
		Name: orig.Name, ContentType: "application/pdf", Description: desc, ContentID: orig.ContentID,
		Blob: blob, Verdict: string(rep.Verdict), Verification: raw,
	}, rep.Verdict, nil
}

// Issue issues an approved document as the clerk: it takes the next number
// of the outgoing register (""
// : Options.OutgoingRegister) for this year, stamps the number and date on
// the main PDF's first page, applies the agency's signature (the red seal
// over the left third of the leader's signature) with agencyKey, stamps
// each other PDF (appendix) with the number, signs other files with a
// detached CMS signature (name.p7s), and queues one packet per recipient.
// If anything fails no number is used and nothing changes.
func (d *Desk) Issue(ctx context.Context, id int64, register string, agencyKey *keys.Key) (inbox.IssueStamp, error) {
	if agencyKey == nil || agencyKey.Signer == nil || len(agencyKey.Chain) == 0 {
		return inbox.IssueStamp{}, errors.New("no agency key is open")
	}
	if register == "" {
		register = d.opts.OutgoingRegister
	}
	doc, err := d.store.Get(ctx, id)
	if err != nil {
		return inbox.IssueStamp{}, err
	}
	if doc.Frozen || !inbox.Allowed(inbox.ActionIssue, doc.State) {
		return inbox.IssueStamp{}, &inbox.TransitionError{Document: id, Action: inbox.ActionIssue, State: doc.State}
	}
	main := mainPDF(doc.Attachments)
	if main < 0 {
		return inbox.IssueStamp{}, errNoPDF
	}
	work, err := os.MkdirTemp(d.opts.DataDir, "issuing-")
	if err != nil {
		return inbox.IssueStamp{}, fmt.Errorf("cannot prepare the issue: %w", err)
	}
	defer os.RemoveAll(work)
	signer := signing.Signer{Key: agencyKey.Signer, Chain: agencyKey.Chain}
	base := signing.PDFOptions{Signer: signer, Location: doc.PromulgationPlace}
	if d.tsa != nil {
		base.Level, base.TSA = signing.LevelBT, d.tsa
	}
	stamp := func(st inbox.IssueStamp) ([]inbox.NewAttachment, error) {
		code := fmt.Sprintf("%d/%s", st.Number, st.Notation)
		if st.Notation == "" {
			code = fmt.Sprint(st.Number)
		}
		date := st.Date.Format("02/01/2006")
		atts := keepAttachments(doc.Attachments)
		for i, a := range doc.Attachments {
			in := filepath.Join(work, fmt.Sprintf("%d-in", i))
			if err := d.copyBlob(a.Blob.SHA256, in); err != nil {
				return nil, err
			}
			o := base
			o.Time = d.now()
			switch {
			case i == main:
				numbered := in + "-numbered"
				o.Reason = "Cấp số văn bản " + code
				o.Appearance = signing.Appearance{Kind: signing.AppearanceStamp, Text: []string{"Số: " + code, "Ngày " + date}}
				if _, err := signing.SignPDFFile(ctx, in, numbered, o); err != nil {
					return nil, fmt.Errorf("number stamp on %s: %w", a.Name, err)
				}
				sealed := in + "-issued"
				o.Reason = "Phát hành văn bản " + code
				o.Appearance = signing.Appearance{Kind: signing.AppearanceAgency}
				o.Time = d.now()
				if _, err := signing.SignPDFFile(ctx, numbered, sealed, o); err != nil {
					return nil, fmt.Errorf("agency signature on %s: %w", a.Name, err)
				}
				att, _, err := d.putSigned(ctx, a, sealed, "Văn bản phát hành số "+code)
				if err != nil {
					return nil, err
				}
				atts[i] = att
			case isPDF(a):
				out := in + "-issued"
				o.Reason = "Phụ lục kèm theo văn bản " + code
				o.Appearance = signing.Appearance{Kind: signing.AppearanceStamp, Text: []string{"Phụ lục kèm theo văn bản số " + code}}
				if _, err := signing.SignPDFFile(ctx, in, out, o); err != nil {
					return nil, fmt.Errorf("appendix stamp on %s: %w", a.Name, err)
				}
				att, _, err := d.putSigned(ctx, a, out, "Phụ lục kèm theo văn bản số "+code)
				if err != nil {
					return nil, err
				}
				atts[i] = att
			default:
				f, err := os.Open(in)
				if err != nil {
					return nil, err
				}
				sig, err := signing.SignDetached(ctx, f, o)
				f.Close()
				if err != nil {
					return nil, fmt.Errorf("signature of %s: %w", a.Name, err)
				}
				blob, err := d.store.PutBlob(ctx, bytes.NewReader(sig))
				if err != nil {
					return nil, err
				}
				atts = append(atts, inbox.NewAttachment{Name: a.Name + ".p7s", ContentType: "application/pkcs7-signature",
					Description: "Chữ ký số của cơ quan cho " + a.Name, Blob: blob})
			}
		}
		return atts, nil
	}
	st, err := d.store.Issue(ctx, id, d.actor, register, stamp)
	if err := d.sent(id, err); err != nil {
		return inbox.IssueStamp{}, err
	}
	return st, nil
}
