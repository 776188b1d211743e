package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/signing"
)

// Verification is the signature report of one attachment, for the
// signature panel.
type Verification struct {
	Attachment inbox.Attachment
	// Verdict is the document's verdict: signing.Valid, Invalid or
	// Indeterminate; "UNSIGNED" (inbox.VerdictUnsigned) for a PDF without
	// signatures.
	Verdict string
	// Summary says it in one sentence.
	Summary    string
	Signatures []SignatureView
	// Fresh: verified now against the desk's trusted roots; false: the
	// result stored when the file arrived or was signed.
	Fresh bool
	// Report is the verifier's full report.
	Report *signing.Report
}

// SignatureView is one signature in plain words.
type SignatureView struct {
	Field   string
	Kind    string // "signature", "certification" or "document timestamp"
	Verdict signing.Verdict
	// Why is the reason a signature is not valid ("" when it is).
	Why string
	// Signer is the signer's name, Organization and Title from the
	// certificate; Issuer the CA that issued it.
	Signer, Organization, Title, Issuer string
	// SignedAt is the time the signer claims; TimestampAt the time a
	// timestamp authority proves (zero without a timestamp), by
	// TimestampAuthority, whose own verdict is TimestampVerdict.
	SignedAt           time.Time
	TimestampAt        time.Time
	TimestampAuthority string
	TimestampVerdict   signing.Verdict
	// Coverage says how much of the file the signature covers, e.g. "the
	// whole document" or "revision 2 of 4; 2 later revisions".
	Coverage       string
	CoversDocument bool
	// Revision is the revision of the file the signature closes, of
	// Revisions in all.
	Revision, Revisions int
	// Modifications lists the changes made after the signature, each
	// with whether the rules allow it; Changes holds the same as data.
	Modifications []string
	Changes       []signing.Change
	// Chain lists the certificates from the signer up to the root.
	Chain      []string
	Revocation []string
	Problems   []string
	Warnings   []string
	Page       int
	Level      string
}

// Verification returns the signature report of attachment attachmentID of
// document docID: verified afresh against the desk's trusted roots when the
// file is a PDF; the stored result when verification fails to run.
func (d *Desk) Verification(ctx context.Context, docID, attachmentID int64) (*Verification, error) {
	doc, err := d.store.Get(ctx, docID)
	if err != nil {
		return nil, err
	}
	var att *inbox.Attachment
	for i := range doc.Attachments {
		if doc.Attachments[i].ID == attachmentID {
			att = &doc.Attachments[i]
		}
	}
	if att == nil {
		return nil, fmt.Errorf("%w: document %d has no attachment %d", inbox.ErrNotFound, docID, attachmentID)
	}
	v := &Verification{Attachment: *att}
	if isPDF(*att) {
		work, err := os.MkdirTemp(d.opts.DataDir, "verify-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(work)
		path := filepath.Join(work, "file.pdf")
		if err := d.copyBlob(att.Blob.SHA256, path); err != nil {
			return nil, err
		}
		rep, err := signing.VerifyPDFFile(ctx, path, d.verify)
		if err == nil {
			v.Fresh = true
			v.fill(rep)
			return v, nil
		}
		d.log.Warn("verify attachment", "attachment", attachmentID, "err", err)
	}
	if len(att.Verification) > 0 {
		var rep signing.Report
		if err := json.Unmarshal(att.Verification, &rep); err == nil && rep.Verdict != "" {
			v.fill(&rep)
			return v, nil
		}
	}
	v.Verdict = att.Verdict
	if v.Verdict == "" {
		v.Summary = "the file carries no signature Vanthu can check"
	}
	return v, nil
}

func (v *Verification) fill(rep *signing.Report) {
	v.Report = rep
	v.Verdict, v.Summary = string(rep.Verdict), rep.Summary
	if len(rep.Signatures) == 0 {
		v.Verdict = inbox.VerdictUnsigned
	}
	for _, s := range rep.Signatures {
		sv := SignatureView{
			Field: s.Field, Kind: s.Kind, Verdict: s.Verdict, Why: s.Reason, SignedAt: s.ClaimedTime,
			CoversDocument: s.CoversDocument, Revision: s.Revision, Revisions: s.Revisions, Changes: s.Changes,
			Revocation: s.Revocation, Problems: s.Problems,
			Warnings: s.Warnings, Page: s.Page, Level: s.Level,
		}
		if s.Signer != nil {
			sv.Signer, sv.Organization, sv.Title, sv.Issuer = s.Signer.Name, s.Signer.Organization, s.Signer.Title, s.Signer.Issuer
		}
		if s.Timestamp != nil {
			sv.TimestampAt, sv.TimestampVerdict = s.Timestamp.Time, s.Timestamp.Verdict
			if s.Timestamp.TSA != nil {
				sv.TimestampAuthority = s.Timestamp.TSA.Name
			}
		}
		switch later := s.Revisions - s.Revision; {
		case s.CoversDocument || later <= 0:
			sv.Coverage = "the whole document"
		default:
			sv.Coverage = fmt.Sprintf("revision %d of %d; %d later revision(s) were added after it", s.Revision, s.Revisions, later)
		}
		for _, c := range s.Changes {
			what := c.What
			if c.Allowed {
				what += " (allowed)"
			} else {
				what += " (NOT allowed)"
			}
			sv.Modifications = append(sv.Modifications, fmt.Sprintf("revision %d: %s", c.Revision, what))
		}
		for _, c := range s.Chain {
			if c != nil {
				sv.Chain = append(sv.Chain, c.Name)
			}
		}
		v.Signatures = append(v.Signatures, sv)
	}
}
