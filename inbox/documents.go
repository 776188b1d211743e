package inbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// vietnam is the time zone of calendar decisions (register years, overdue).
func vietnam() *time.Location { return time.FixedZone("ICT", 7*60*60) }

// dateString stores a calendar date as YYYY-MM-DD, taking the year, month
// and day as the caller wrote them.
func dateString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func parseDate(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation(time.DateOnly, s, vietnam())
	if err != nil {
		return time.Time{}
	}
	return t
}

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms sql.NullInt64) time.Time {
	if !ms.Valid {
		return time.Time{}
	}
	return time.UnixMilli(ms.Int64)
}

func validateActor(a Actor) error {
	if strings.TrimSpace(a.ID) == "" {
		return invalidf("who is acting is not known (empty actor)")
	}
	return nil
}

func validateDoc(d *Document) error {
	if d.Priority < 0 || d.Priority > maxPriority {
		return invalidf("priority %d is not between 0 and 4", d.Priority)
	}
	seen := map[string]bool{}
	for _, r := range d.Recipients {
		if strings.TrimSpace(r.Code) == "" {
			return invalidf("a recipient has no organisation code")
		}
		if seen[r.Code] {
			return invalidf("recipient %s is listed twice", r.Code)
		}
		seen[r.Code] = true
	}
	return nil
}

func validateAttachments(atts []NewAttachment) error {
	for i, a := range atts {
		if strings.TrimSpace(a.Name) == "" {
			return invalidf("attachment %d has no name", i+1)
		}
		if a.Verification != nil && !json.Valid(a.Verification) {
			return invalidf("the signature verification of attachment %q is not JSON", a.Name)
		}
	}
	return nil
}

// insertDocument writes the document row and its recipients.
func insertDocument(ctx context.Context, tx *wtx, d *Document, dir Direction, st State, read bool, now time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO documents (
		direction, state, folder, document_id, sender_code, sender_name, code_number, code_notation,
		promulgation_place, promulgation_date, type_code, type_name, subject, content,
		signer_competence, signer_position, signer_name, due_date, deadline, priority, sphere,
		typer_notation, promulgation_amount, page_amount, steering_type,
		response_organ, response_code, response_date, response_document_id, header,
		read, sort_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(dir), string(st), string(folderOf(st)), d.DocumentID, d.Sender.Code, d.Sender.Name,
		d.CodeNumber, d.CodeNotation, d.PromulgationPlace, dateString(d.PromulgationDate),
		d.TypeCode, d.TypeName, d.Subject, d.Content,
		d.Signer.Competence, d.Signer.Position, d.Signer.FullName,
		dateString(d.DueDate), dateString(d.DueDate), int(d.Priority), d.Sphere,
		d.TyperNotation, d.PromulgationAmount, d.PageAmount, d.SteeringType,
		d.ResponseFor.OrganID, d.ResponseFor.Code, dateString(d.ResponseFor.PromulgationDate), d.ResponseFor.DocumentID,
		d.Header, read, millis(now), millis(now), millis(now))
	if err != nil {
		return 0, fmt.Errorf("store document: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("store document: %w", err)
	}
	for i, r := range d.Recipients {
		if _, err := tx.ExecContext(ctx, `INSERT INTO recipients (document, position, organ_code, organ_name)
			VALUES (?, ?, ?, ?)`, id, i, r.Code, r.Name); err != nil {
			return 0, fmt.Errorf("store recipient %s: %w", r.Code, err)
		}
	}
	return id, nil
}

// insertAttachments adds attachments as the document's current set.
func (s *Store) insertAttachments(ctx context.Context, tx *wtx, doc int64, stage Stage, atts []NewAttachment, now time.Time) error {
	for i, a := range atts {
		if err := s.checkBlobPresent(a.Blob); err != nil {
			return err
		}
		var ver any
		if a.Verification != nil {
			ver = string(a.Verification)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO attachments (document, position, stage, name, content_type,
			description, content_id, sha256, size, verdict, verification, created_at, text)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			doc, i, string(stage), a.Name, a.ContentType, a.Description, a.ContentID, a.Blob.SHA256, a.Blob.Size,
			a.Verdict, ver, millis(now), a.Text); err != nil {
			return fmt.Errorf("store attachment %q: %w", a.Name, err)
		}
	}
	return nil
}

// replaceAttachments supersedes the current attachments with atts.
func (s *Store) replaceAttachments(ctx context.Context, tx *wtx, doc int64, stage Stage, atts []NewAttachment, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE attachments SET superseded_at = ? WHERE document = ? AND superseded_at IS NULL`,
		millis(now), doc); err != nil {
		return fmt.Errorf("replace attachments: %w", err)
	}
	return s.insertAttachments(ctx, tx, doc, stage, atts, now)
}

// InsertIncoming stores a received document (state arrived) with its
// attachments, whose files must already be in the blob store, and queues
// status 01 to the sender. A second document with the same sender and
// DocumentId fails with a *DuplicateError naming the stored one.
func (s *Store) InsertIncoming(ctx context.Context, doc *Document, atts []NewAttachment) (int64, error) {
	if strings.TrimSpace(doc.DocumentID) == "" {
		return 0, invalidf("the incoming document has no DocumentId")
	}
	if strings.TrimSpace(doc.Sender.Code) == "" {
		return 0, invalidf("the incoming document has no sender organisation code")
	}
	if err := validateDoc(doc); err != nil {
		return 0, err
	}
	if err := validateAttachments(atts); err != nil {
		return 0, err
	}
	var id int64
	err := s.write(ctx, func(tx *wtx, now time.Time) error {
		var err error
		if id, err = s.insertIncomingTx(ctx, tx, doc, atts, now); err != nil {
			return err
		}
		return reindex(ctx, tx, id)
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

func (s *Store) insertIncomingTx(ctx context.Context, tx *wtx, doc *Document, atts []NewAttachment, now time.Time) (int64, error) {
	var existing int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM documents WHERE direction = 'incoming' AND sender_code = ? AND document_id = ?`,
		doc.Sender.Code, doc.DocumentID).Scan(&existing)
	switch {
	case err == nil:
		return 0, &DuplicateError{Existing: existing, Sender: doc.Sender.Code, DocumentID: doc.DocumentID}
	case !errors.Is(err, sql.ErrNoRows):
		return 0, fmt.Errorf("look for duplicates: %w", err)
	}
	id, err := insertDocument(ctx, tx, doc, Incoming, StateArrived, false, now)
	if err != nil {
		return 0, err
	}
	if err := s.insertAttachments(ctx, tx, id, StageReceived, atts, now); err != nil {
		return 0, err
	}
	actor := Actor{ID: "axis", Name: doc.Sender.Name}
	if err := appendAudit(ctx, tx, now, actor.ID, ActionReceive, id, map[string]any{
		"to": StateArrived, "sender": doc.Sender.Code, "documentId": doc.DocumentID, "attachments": len(atts),
	}); err != nil {
		return 0, err
	}
	cur, err := loadDocState(ctx, tx, id)
	if err != nil {
		return 0, err
	}
	if err := s.queueStatus(ctx, tx, cur, StatusArrived, "Đã nhận văn bản", Actor{ID: "system"}, now); err != nil {
		return 0, err
	}
	return id, nil
}

// NewIncoming is one received document for InsertIncomingMany.
type NewIncoming struct {
	Doc         *Document
	Attachments []NewAttachment
}

// InsertIncomingMany stores several received documents in one transaction
// (one commit, one sync to disk): ids[i] is the new document's id, or 0
// when errs[i] says why document i was not stored (a *DuplicateError, or a
// validation error). Any other failure stores nothing and is returned.
func (s *Store) InsertIncomingMany(ctx context.Context, docs []NewIncoming) (ids []int64, errs []error, err error) {
	ids, errs = make([]int64, len(docs)), make([]error, len(docs))
	valid := false
	for i, in := range docs {
		switch {
		case strings.TrimSpace(in.Doc.DocumentID) == "":
			errs[i] = invalidf("the incoming document has no DocumentId")
		case strings.TrimSpace(in.Doc.Sender.Code) == "":
			errs[i] = invalidf("the incoming document has no sender organisation code")
		default:
			if errs[i] = validateDoc(in.Doc); errs[i] == nil {
				errs[i] = validateAttachments(in.Attachments)
			}
		}
		valid = valid || errs[i] == nil
	}
	if !valid {
		return ids, errs, nil
	}
	err = s.write(ctx, func(tx *wtx, now time.Time) error {
		for i, in := range docs {
			if errs[i] != nil {
				continue
			}
			id, err := s.insertIncomingTx(ctx, tx, in.Doc, in.Attachments, now)
			var dup *DuplicateError
			if errors.As(err, &dup) {
				errs[i] = err
				continue
			}
			if err != nil {
				return err
			}
			ids[i] = id
		}
		for _, id := range ids {
			if id != 0 {
				if err := reindex(ctx, tx, id); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return make([]int64, len(docs)), make([]error, len(docs)), err
	}
	return ids, errs, nil
}

// FindIncoming returns the id of the incoming document a sender identified
// by its DocumentId, or ErrNotFound.
func (s *Store) FindIncoming(ctx context.Context, senderCode, documentID string) (int64, error) {
	var id int64
	err := s.readRow(ctx, `SELECT id FROM documents WHERE direction = 'incoming' AND sender_code = ? AND document_id = ?`,
		senderCode, documentID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFoundf("no document %q from %s", documentID, senderCode)
	}
	if err != nil {
		return 0, fmt.Errorf("find document: %w", err)
	}
	return id, nil
}

// CreateDraft stores a new outgoing (or internal) document in state draft,
// with this agency as the sender. doc.Recipients are where Issue will send
// it.
func (s *Store) CreateDraft(ctx context.Context, actor Actor, doc *Document, atts []NewAttachment) (int64, error) {
	if err := validateActor(actor); err != nil {
		return 0, err
	}
	dir := doc.Direction
	switch dir {
	case "":
		dir = Outgoing
	case Outgoing, Internal:
	default:
		return 0, invalidf("a draft is outgoing or internal, not %s", dir)
	}
	if err := validateDoc(doc); err != nil {
		return 0, err
	}
	if err := validateAttachments(atts); err != nil {
		return 0, err
	}
	d := *doc
	d.Sender = s.opts.Self
	d.DocumentID = ""
	var id int64
	err := s.write(ctx, func(tx *wtx, now time.Time) error {
		var err error
		id, err = insertDocument(ctx, tx, &d, dir, StateDraft, true, now)
		if err != nil {
			return err
		}
		if err := s.insertAttachments(ctx, tx, id, StageDraft, atts, now); err != nil {
			return err
		}
		if err := reindex(ctx, tx, id); err != nil {
			return err
		}
		return appendAudit(ctx, tx, now, actor.ID, ActionCreateDraft, id, map[string]any{
			"to": StateDraft, "direction": dir, "attachments": len(atts),
		})
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

// docState is what transitions need to know about a document.
type docState struct {
	ID                int64
	Direction         Direction
	State             State
	Frozen            bool
	DocumentID        string
	Sender            Organization
	CodeNumber        string
	CodeNotation      string
	PromulgationDate  string
	StateBeforeRecall State
	SortAt            int64
	ReceivedYear      int
}

func loadDocState(ctx context.Context, tx *wtx, id int64) (*docState, error) {
	var d docState
	var dir, st, before string
	err := tx.QueryRowContext(ctx, `SELECT id, direction, state, frozen, document_id, sender_code, sender_name,
		code_number, code_notation, promulgation_date, state_before_recall, sort_at
		FROM documents WHERE id = ?`, id).Scan(&d.ID, &dir, &st, &d.Frozen, &d.DocumentID, &d.Sender.Code,
		&d.Sender.Name, &d.CodeNumber, &d.CodeNotation, &d.PromulgationDate, &before, &d.SortAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundf("document %d does not exist", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read document %d: %w", id, err)
	}
	d.Direction, d.State, d.StateBeforeRecall = Direction(dir), State(st), State(before)
	d.ReceivedYear = time.UnixMilli(d.SortAt).In(vietnam()).Year()
	return &d, nil
}

func (d *docState) ref() DocumentRef {
	code := d.CodeNumber
	if d.CodeNotation != "" {
		code += "/" + d.CodeNotation
	}
	return DocumentRef{OrganID: d.Sender.Code, Code: code, PromulgationDate: parseDate(d.PromulgationDate), DocumentID: d.DocumentID}
}

// Get returns a document with its current attachments, recipients and
// their statuses, assignments and comments. Hidden documents are returned
// too (with Hidden set).
func (s *Store) Get(ctx context.Context, id int64) (*Document, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("read document: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	d, err := getDocument(ctx, &wtx{tx: tx}, id)
	if err != nil {
		return nil, err
	}
	return d, nil
}

func getDocument(ctx context.Context, tx *wtx, id int64) (*Document, error) {
	var (
		d                                     Document
		dir, st, folder                       string
		promDate, dueDate, deadline, respDate string
		prio                                  int
		regID, regNumber, regAt               sql.NullInt64
		sortAt, createdAt, updatedAt          int64
	)
	err := tx.QueryRowContext(ctx, `SELECT id, direction, state, folder, document_id, sender_code, sender_name,
		code_number, code_notation, promulgation_place, promulgation_date, type_code, type_name, subject, content,
		signer_competence, signer_position, signer_name, due_date, deadline, priority, sphere, typer_notation,
		promulgation_amount, page_amount, steering_type, response_organ, response_code, response_date,
		response_document_id, header, register_id, reg_number, registered_at, read, hidden, frozen, recall_reason,
		sort_at, created_at, updated_at
		FROM documents WHERE id = ?`, id).Scan(&d.ID, &dir, &st, &folder, &d.DocumentID, &d.Sender.Code, &d.Sender.Name,
		&d.CodeNumber, &d.CodeNotation, &d.PromulgationPlace, &promDate, &d.TypeCode, &d.TypeName, &d.Subject, &d.Content,
		&d.Signer.Competence, &d.Signer.Position, &d.Signer.FullName, &dueDate, &deadline, &prio, &d.Sphere, &d.TyperNotation,
		&d.PromulgationAmount, &d.PageAmount, &d.SteeringType, &d.ResponseFor.OrganID, &d.ResponseFor.Code, &respDate,
		&d.ResponseFor.DocumentID, &d.Header, &regID, &regNumber, &regAt, &d.Read, &d.Hidden, &d.Frozen, &d.RecallReason,
		&sortAt, &createdAt, &updatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundf("document %d does not exist", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read document %d: %w", id, err)
	}
	d.Direction, d.State, d.Folder, d.Priority = Direction(dir), State(st), Folder(folder), Priority(prio)
	d.PromulgationDate, d.DueDate, d.Deadline = parseDate(promDate), parseDate(dueDate), parseDate(deadline)
	d.ResponseFor.PromulgationDate = parseDate(respDate)
	d.Date, d.CreatedAt, d.UpdatedAt = time.UnixMilli(sortAt), time.UnixMilli(createdAt), time.UnixMilli(updatedAt)
	if regID.Valid {
		var r RegisterRef
		var kind string
		if err := tx.QueryRowContext(ctx, `SELECT id, name, kind, year FROM registers WHERE id = ?`, regID.Int64).
			Scan(&r.ID, &r.Name, &kind, &r.Year); err != nil {
			return nil, fmt.Errorf("read register of document %d: %w", id, err)
		}
		r.Kind = RegisterKind(kind)
		d.Register, d.Number, d.RegisteredAt = &r, int(regNumber.Int64), fromMillis(regAt)
	}
	if d.Attachments, err = currentAttachments(ctx, tx, id); err != nil {
		return nil, err
	}
	if d.Recipients, err = recipients(ctx, tx, id); err != nil {
		return nil, err
	}
	if d.Assignments, err = assignments(ctx, tx, id); err != nil {
		return nil, err
	}
	if d.Comments, err = comments(ctx, tx, id); err != nil {
		return nil, err
	}
	return &d, nil
}

func currentAttachments(ctx context.Context, tx *wtx, id int64) ([]Attachment, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, position, stage, name, content_type, description, content_id,
		sha256, size, verdict, verification, created_at
		FROM attachments WHERE document = ? AND superseded_at IS NULL ORDER BY position, id`, id)
	if err != nil {
		return nil, fmt.Errorf("read attachments: %w", err)
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		var a Attachment
		var stage string
		var ver sql.NullString
		var at int64
		if err := rows.Scan(&a.ID, &a.Position, &stage, &a.Name, &a.ContentType, &a.Description, &a.ContentID,
			&a.Blob.SHA256, &a.Blob.Size, &a.Verdict, &ver, &at); err != nil {
			return nil, fmt.Errorf("read attachments: %w", err)
		}
		a.Stage, a.CreatedAt = Stage(stage), time.UnixMilli(at)
		if ver.Valid {
			a.Verification = json.RawMessage(ver.String)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read attachments: %w", err)
	}
	return out, nil
}

func recipients(ctx context.Context, tx *wtx, id int64) ([]Recipient, error) {
	rows, err := tx.QueryContext(ctx, `SELECT r.id, r.organ_code, r.organ_name, s.code, s.at, s.description, s.staff, s.department
		FROM recipients r LEFT JOIN recipient_statuses s ON s.recipient = r.id
		WHERE r.document = ? ORDER BY r.position, s.at, s.id`, id)
	if err != nil {
		return nil, fmt.Errorf("read recipients: %w", err)
	}
	defer rows.Close()
	var out []Recipient
	var last int64 = -1
	for rows.Next() {
		var rid int64
		var org Organization
		var code, desc, staff, dept sql.NullString
		var at sql.NullInt64
		if err := rows.Scan(&rid, &org.Code, &org.Name, &code, &at, &desc, &staff, &dept); err != nil {
			return nil, fmt.Errorf("read recipients: %w", err)
		}
		if rid != last {
			out = append(out, Recipient{Organization: org})
			last = rid
		}
		if code.Valid {
			r := &out[len(out)-1]
			r.Statuses = append(r.Statuses, RecipientStatus{Code: StatusCode(code.String), At: fromMillis(at),
				Description: desc.String, Staff: staff.String, Department: dept.String})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read recipients: %w", err)
	}
	for i := range out {
		if n := len(out[i].Statuses); n > 0 {
			latest := out[i].Statuses[n-1]
			out[i].Latest = &latest
		}
	}
	return out, nil
}

func assignments(ctx context.Context, tx *wtx, id int64) ([]Assignment, error) {
	rows, err := tx.QueryContext(ctx, `SELECT assignee, role, deadline, note, by, at FROM assignments
		WHERE document = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("read assignments: %w", err)
	}
	defer rows.Close()
	var out []Assignment
	for rows.Next() {
		var a Assignment
		var role, deadline string
		var at int64
		if err := rows.Scan(&a.Assignee, &role, &deadline, &a.Note, &a.By, &at); err != nil {
			return nil, fmt.Errorf("read assignments: %w", err)
		}
		a.Role, a.Deadline, a.At = Role(role), parseDate(deadline), time.UnixMilli(at)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read assignments: %w", err)
	}
	return out, nil
}

func comments(ctx context.Context, tx *wtx, id int64) ([]Comment, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, author, text, at FROM comments WHERE document = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("read comments: %w", err)
	}
	defer rows.Close()
	var out []Comment
	for rows.Next() {
		var c Comment
		var at int64
		if err := rows.Scan(&c.ID, &c.Author, &c.Text, &at); err != nil {
			return nil, fmt.Errorf("read comments: %w", err)
		}
		c.At = time.UnixMilli(at)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read comments: %w", err)
	}
	return out, nil
}

// reindex rewrites a document's row in the search index.
func reindex(ctx context.Context, tx *wtx, id int64) error {
	var subject, content, number, notation, senderCode, senderName, signerComp, signerPos, signerName, typeName string
	if err := tx.QueryRowContext(ctx, `SELECT subject, content, code_number, code_notation, sender_code, sender_name,
		signer_competence, signer_position, signer_name, type_name FROM documents WHERE id = ?`, id).Scan(
		&subject, &content, &number, &notation, &senderCode, &senderName, &signerComp, &signerPos, &signerName, &typeName); err != nil {
		return fmt.Errorf("index document %d: %w", id, err)
	}
	orgs := []string{senderName, senderCode}
	rows, err := tx.QueryContext(ctx, `SELECT organ_name, organ_code FROM recipients WHERE document = ? ORDER BY position`, id)
	if err != nil {
		return fmt.Errorf("index document %d: %w", id, err)
	}
	for rows.Next() {
		var n, c string
		if err := rows.Scan(&n, &c); err != nil {
			rows.Close()
			return fmt.Errorf("index document %d: %w", id, err)
		}
		orgs = append(orgs, n, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("index document %d: %w", id, err)
	}
	var texts []string
	rows, err = tx.QueryContext(ctx, `SELECT name, text FROM attachments WHERE document = ? AND superseded_at IS NULL ORDER BY position, id`, id)
	if err != nil {
		return fmt.Errorf("index document %d: %w", id, err)
	}
	for rows.Next() {
		var n, t string
		if err := rows.Scan(&n, &t); err != nil {
			rows.Close()
			return fmt.Errorf("index document %d: %w", id, err)
		}
		texts = append(texts, n, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("index document %d: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM doc_fts WHERE rowid = ?`, id); err != nil {
		return fmt.Errorf("index document %d: %w", id, err)
	}
	code := strings.TrimPrefix(number+"/"+notation, "/")
	signer := signerComp + " " + signerPos + " " + signerName
	if _, err := tx.ExecContext(ctx, `INSERT INTO doc_fts (rowid, subject, content, code, orgs, signer, attachments)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id, fold(subject), fold(content+" "+typeName), fold(code),
		fold(strings.Join(orgs, " ")), fold(signer), fold(strings.Join(texts, " "))); err != nil {
		return fmt.Errorf("index document %d: %w", id, err)
	}
	fields := strings.Join([]string{fold(subject), fold(code), fold(content), fold(senderName), fold(signer)}, fieldSep)
	if _, err := tx.ExecContext(ctx, `INSERT INTO search_fields (document, fields) VALUES (?, ?)
		ON CONFLICT (document) DO UPDATE SET fields = excluded.fields`, id, fields); err != nil {
		return fmt.Errorf("index document %d: %w", id, err)
	}
	return nil
}

// fieldSep separates the folded fields in search_fields.
const fieldSep = "\x1f"

// reindexAll rebuilds the search index (the Go step of migration 2).
func reindexAll(ctx context.Context, tx *wtx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM documents ORDER BY id`)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if err := reindex(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}
