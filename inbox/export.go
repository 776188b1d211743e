package inbox

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/vanthu/vanthu/inbox/edxml"
)

// EdocFor returns the edXML packet of a stored document: the packet it
// arrived in (incoming), or one built from its metadata (our documents),
// with its current attachments (Ref = blob SHA-256).
func EdocFor(doc *Document) (*edxml.Edoc, error) {
	e := &edxml.Edoc{}
	if len(doc.Header) > 0 {
		header, err := unpack(doc.Header)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", doc.ID, err)
		}
		if err := json.Unmarshal(header, e); err != nil {
			return nil, fmt.Errorf("document %d: its stored header is damaged: %w", doc.ID, err)
		}
	} else {
		h := &e.Header
		h.From = orgToEdxml(doc.Sender)
		for _, r := range doc.Recipients {
			h.To = append(h.To, orgToEdxml(r.Organization))
		}
		h.DocumentID = doc.DocumentID
		h.Code = edxml.Code{CodeNumber: doc.CodeNumber, CodeNotation: doc.CodeNotation}
		if doc.CodeNumber == "" && doc.Number > 0 {
			h.Code.CodeNumber = strconv.Itoa(doc.Number)
		}
		h.PromulgationInfo = edxml.PromulgationInfo{Place: doc.PromulgationPlace}
		if !doc.PromulgationDate.IsZero() {
			h.PromulgationInfo.PromulgationDate = edxml.NewDate(doc.PromulgationDate)
		}
		if n, err := strconv.Atoi(doc.TypeCode); err == nil {
			h.DocumentType.Type = n
		}
		h.DocumentType.TypeName = doc.TypeName
		h.Subject, h.Content = doc.Subject, doc.Content
		h.SignerInfo = edxml.SignerInfo{Competence: doc.Signer.Competence, Position: doc.Signer.Position, FullName: doc.Signer.FullName}
		if !doc.DueDate.IsZero() {
			h.DueDate = edxml.NewDate(doc.DueDate)
		}
		h.OtherInfo = edxml.OtherInfo{Priority: edxml.Priority(doc.Priority), SphereOfPromulgation: doc.Sphere,
			TyperNotation: doc.TyperNotation, PromulgationAmount: doc.PromulgationAmount, PageAmount: doc.PageAmount}
		h.SteeringType = doc.SteeringType
		if doc.ResponseFor.DocumentID != "" {
			rf := edxml.ResponseFor{OrganID: doc.ResponseFor.OrganID, Code: doc.ResponseFor.Code, DocumentID: doc.ResponseFor.DocumentID}
			if !doc.ResponseFor.PromulgationDate.IsZero() {
				rf.PromulgationDate = edxml.NewDate(doc.ResponseFor.PromulgationDate)
			}
			h.ResponseFor = []edxml.ResponseFor{rf}
		}
		e.Trace.TraceHeader = []edxml.TraceHeader{{OrganID: doc.Sender.Code, Timestamp: edxml.NewDateTime(time.Now())}}
	}
	// The current attachments, whatever the original packet listed.
	e.Manifest = edxml.Manifest{}
	e.Attachments = e.Attachments[:0]
	for i, a := range doc.Attachments {
		cid := a.ContentID
		if cid == "" {
			cid = fmt.Sprintf("att%d", i+1)
		}
		e.Attachments = append(e.Attachments, edxml.Attachment{
			ContentID: cid, Name: a.Name, Description: a.Description, ContentType: a.ContentType,
			Ref: edxml.AttachmentRef(a.Blob.SHA256),
		})
	}
	return e, nil
}

// blobSource feeds the encoder from the blob store.
type blobSource struct{ store *Store }

func (b blobSource) Open(_ context.Context, a *edxml.Attachment) (io.ReadCloser, error) {
	return b.store.OpenBlob(string(a.Ref))
}

// ExportEdxml writes document id as an edXML packet.
func (s *Store) ExportEdxml(ctx context.Context, id int64, w io.Writer, opts edxml.EncodeOptions) error {
	doc, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	e, err := EdocFor(doc)
	if err != nil {
		return err
	}
	return edxml.EncodeEdoc(ctx, w, e, blobSource{s}, opts)
}

// ExportZip writes document id as a ZIP for people: its files under their
// names, each file's signature verification as JSON under verification/,
// and metadata.json (the document, its recipients and statuses,
// assignments, comments and audit trail).
func (s *Store) ExportZip(ctx context.Context, id int64, w io.Writer) error {
	doc, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	trail, err := s.AuditTrail(ctx, id)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	used := map[string]bool{}
	unique := func(name string) string {
		name = path.Base(strings.ReplaceAll(name, "\\", "/"))
		if name == "." || name == "/" || name == "" {
			name = "file"
		}
		base, ext := strings.TrimSuffix(name, path.Ext(name)), path.Ext(name)
		for i := 2; used[strings.ToLower(name)]; i++ {
			name = fmt.Sprintf("%s (%d)%s", base, i, ext)
		}
		used[strings.ToLower(name)] = true
		return name
	}
	used["metadata.json"] = true
	type fileMeta struct {
		Name         string          `json:"name"`
		Path         string          `json:"path"`
		ContentType  string          `json:"contentType,omitempty"`
		SHA256       string          `json:"sha256"`
		Size         int64           `json:"size"`
		Stage        Stage           `json:"stage"`
		Verdict      string          `json:"verdict,omitempty"`
		Verification json.RawMessage `json:"-"`
	}
	var files []fileMeta
	for _, a := range doc.Attachments {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := unique(a.Name)
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: a.CreatedAt})
		if err != nil {
			return err
		}
		rc, err := s.OpenBlob(a.Blob.SHA256)
		if err != nil {
			return err
		}
		_, err = io.Copy(fw, rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("attachment %q: %w", a.Name, err)
		}
		fm := fileMeta{Name: a.Name, Path: name, ContentType: a.ContentType, SHA256: a.Blob.SHA256, Size: a.Blob.Size,
			Stage: a.Stage, Verdict: a.Verdict, Verification: a.Verification}
		if len(a.Verification) > 0 {
			vw, err := zw.Create("verification/" + name + ".json")
			if err != nil {
				return err
			}
			if _, err := vw.Write(a.Verification); err != nil {
				return err
			}
		}
		files = append(files, fm)
	}
	meta := struct {
		Document *Document    `json:"document"`
		Files    []fileMeta   `json:"files"`
		Audit    []AuditEntry `json:"audit"`
		Exported time.Time    `json:"exported"`
	}{Document: doc, Files: files, Audit: trail, Exported: s.now()}
	doc.Attachments = nil // listed under files
	mw, err := zw.Create("metadata.json")
	if err != nil {
		return err
	}
	enc := json.NewEncoder(mw)
	enc.SetIndent("", "  ")
	if err := enc.Encode(meta); err != nil {
		return err
	}
	return zw.Close()
}
