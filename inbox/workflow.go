package inbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// rule says in which states an action is legal and where it leads ("" for
// no state change).
type rule struct {
	from []State
	to   State
}

// ruleFor is the Decree 30 workflow (ARCHITECTURE.md "Document workflow").
func ruleFor(a Action) rule {
	unfrozen := slices.DeleteFunc(States(), func(s State) bool { return s == StateRecalled })
	switch a {
	case ActionRegister:
		return rule{[]State{StateArrived}, StateRegistered}
	case ActionRefuse:
		return rule{[]State{StateArrived}, StateRefused}
	case ActionAssign:
		return rule{[]State{StateRegistered, StateAssigned}, StateAssigned}
	case ActionStartProcessing:
		return rule{[]State{StateRegistered, StateAssigned}, StateProcessing}
	case ActionDone:
		return rule{[]State{StateProcessing}, StateDone}
	case ActionRecallRequested:
		return rule{[]State{StateArrived, StateRegistered, StateAssigned, StateProcessing, StateDone}, StateRecallRequested}
	case ActionAcceptRecall:
		return rule{[]State{StateRecallRequested}, StateRecalled}
	case ActionRefuseRecall:
		return rule{[]State{StateRecallRequested}, ""} // back to where it was
	case ActionReviseDraft:
		return rule{[]State{StateDraft, StateReturned}, ""}
	case ActionSubmit:
		return rule{[]State{StateDraft, StateReturned}, StateSubmitted}
	case ActionReturn:
		return rule{[]State{StateSubmitted}, StateReturned}
	case ActionApprove:
		return rule{[]State{StateSubmitted}, StateApproved}
	case ActionIssue:
		return rule{[]State{StateApproved}, StateIssued}
	case ActionRecall:
		return rule{[]State{StateIssued}, StateRecallSent}
	case ActionRecipientStatus:
		return rule{[]State{StateIssued, StateRecallSent}, ""}
	case ActionComment, ActionSetText:
		return rule{unfrozen, ""}
	}
	return rule{}
}

// Allowed reports whether action is legal for a document in state st, so
// the GUI can enable its buttons.
func Allowed(action Action, st State) bool {
	return slices.Contains(ruleFor(action).from, st)
}

// effect is what an action did, for the audit entry and the status packet.
type effect struct {
	to          State // overrides the rule's target
	detail      map[string]any
	notify      StatusCode // "" when the sender is not told
	description string
}

// transition runs one workflow action in one transaction: legal-state
// check, the action's own updates, the state change, the audit entry and
// the status packet.
func (s *Store) transition(ctx context.Context, id int64, actor Actor, action Action,
	apply func(tx *wtx, d *docState, now time.Time) (effect, error),
) error {
	if err := validateActor(actor); err != nil {
		return err
	}
	return s.write(ctx, func(tx *wtx, now time.Time) error {
		d, err := loadDocState(ctx, tx, id)
		if err != nil {
			return err
		}
		r := ruleFor(action)
		if d.Frozen || !slices.Contains(r.from, d.State) {
			return &TransitionError{Document: id, Action: action, State: d.State}
		}
		var eff effect
		if apply != nil {
			if eff, err = apply(tx, d, now); err != nil {
				return err
			}
		}
		to := r.to
		if eff.to != "" {
			to = eff.to
		}
		detail := eff.detail
		if detail == nil {
			detail = map[string]any{}
		}
		if to != "" && to != d.State {
			detail["from"], detail["to"] = d.State, to
			if _, err := tx.ExecContext(ctx, `UPDATE documents SET state = ?, folder = ?, updated_at = ? WHERE id = ?`,
				string(to), string(folderOf(to)), millis(now), id); err != nil {
				return fmt.Errorf("%s document %d: %w", action.verb(), id, err)
			}
		} else if _, err := tx.ExecContext(ctx, `UPDATE documents SET updated_at = ? WHERE id = ?`, millis(now), id); err != nil {
			return fmt.Errorf("%s document %d: %w", action.verb(), id, err)
		}
		if err := appendAudit(ctx, tx, now, actor.ID, action, id, detail); err != nil {
			return err
		}
		if eff.notify != "" {
			return s.queueStatus(ctx, tx, d, eff.notify, eff.description, actor, now)
		}
		return nil
	})
}

// queueStatus encodes a status packet about d and queues it in the outbox:
// for an incoming document to its sender, for our own to its recipients.
func (s *Store) queueStatus(ctx context.Context, tx *wtx, d *docState, code StatusCode, desc string, actor Actor, now time.Time) error {
	if s.opts.EncodeStatus == nil {
		return ErrNoEncoder
	}
	var to []Organization
	if d.Direction == Incoming {
		to = []Organization{d.Sender}
	} else {
		rows, err := tx.QueryContext(ctx, `SELECT organ_code, organ_name FROM recipients WHERE document = ? ORDER BY position`, d.ID)
		if err != nil {
			return fmt.Errorf("status %s: %w", code, err)
		}
		for rows.Next() {
			var o Organization
			if err := rows.Scan(&o.Code, &o.Name); err != nil {
				rows.Close()
				return fmt.Errorf("status %s: %w", code, err)
			}
			to = append(to, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("status %s: %w", code, err)
		}
		if len(to) == 0 {
			return nil // nobody to tell
		}
	}
	pkt := StatusPacket{
		ResponseFor: d.ref(),
		From:        s.opts.Self,
		To:          to,
		Code:        code,
		Description: desc,
		Timestamp:   now,
		Staff:       actor,
	}
	payload, err := s.opts.EncodeStatus(pkt)
	if err != nil {
		return fmt.Errorf("encode status %s: %w", code, err)
	}
	codes := make([]string, len(to))
	for i, o := range to {
		codes[i] = o.Code
	}
	return insertOutbox(ctx, tx, OutboxStatus, d.ID, d.DocumentID, code, codes, payload, now)
}

// Register enters an arrived document in the incoming register called
// registerName for the year it arrived (Vietnam time), giving it the
// register's next arrival number, and tells the sender (03).
func (s *Store) Register(ctx context.Context, id int64, actor Actor, registerName string) (int, error) {
	var number int
	err := s.transition(ctx, id, actor, ActionRegister, func(tx *wtx, d *docState, now time.Time) (effect, error) {
		ref, n, err := takeNumber(ctx, tx, RegisterIncoming, registerName, d.ReceivedYear, now)
		if err != nil {
			return effect{}, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET register_id = ?, reg_number = ?, registered_at = ? WHERE id = ?`,
			ref.ID, n, millis(now), id); err != nil {
			return effect{}, fmt.Errorf("register document %d: %w", id, err)
		}
		number = n
		return effect{
			detail:      map[string]any{"register": ref.Name, "year": ref.Year, "number": n},
			notify:      StatusRegistered,
			description: fmt.Sprintf("Đã vào sổ %s, số đến %d", ref.Name, n),
		}, nil
	})
	if err != nil {
		return 0, err
	}
	return number, nil
}

// Refuse refuses an arrived document (wrong recipient, invalid) and tells
// the sender why (02).
func (s *Store) Refuse(ctx context.Context, id int64, actor Actor, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return invalidf("a refusal needs a reason")
	}
	return s.transition(ctx, id, actor, ActionRefuse, func(tx *wtx, _ *docState, now time.Time) (effect, error) {
		if err := insertComment(ctx, tx, id, actor, "Từ chối tiếp nhận: "+reason, now); err != nil {
			return effect{}, err
		}
		return effect{detail: map[string]any{"reason": reason}, notify: StatusRefused, description: reason}, nil
	})
}

// Assign hands a registered document to a unit or officer. The first
// assignment tells the sender (04); later ones (more coordinating units, a
// new lead) are recorded without a new status. A lead's deadline becomes
// the document's deadline.
func (s *Store) Assign(ctx context.Context, id int64, actor Actor, a Assignment) error {
	a.Assignee = strings.TrimSpace(a.Assignee)
	if a.Assignee == "" {
		return invalidf("the assignment names nobody")
	}
	if a.Role == "" {
		a.Role = RoleLead
	}
	if a.Role != RoleLead && a.Role != RoleCoordinating {
		return invalidf("role %q is neither lead nor coordinating", a.Role)
	}
	return s.transition(ctx, id, actor, ActionAssign, func(tx *wtx, d *docState, now time.Time) (effect, error) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO assignments (document, assignee, role, deadline, note, by, at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, id, a.Assignee, string(a.Role), dateString(a.Deadline), a.Note, actor.ID, millis(now)); err != nil {
			return effect{}, fmt.Errorf("assign document %d: %w", id, err)
		}
		if a.Role == RoleLead && !a.Deadline.IsZero() {
			if _, err := tx.ExecContext(ctx, `UPDATE documents SET deadline = ? WHERE id = ?`, dateString(a.Deadline), id); err != nil {
				return effect{}, fmt.Errorf("assign document %d: %w", id, err)
			}
		}
		eff := effect{detail: map[string]any{"assignee": a.Assignee, "role": a.Role, "deadline": dateString(a.Deadline), "note": a.Note}}
		if d.State != StateAssigned {
			eff.notify, eff.description = StatusAssigned, "Đã phân công xử lý"
		}
		return eff, nil
	})
}

// StartProcessing records that work on the document has begun (05).
func (s *Store) StartProcessing(ctx context.Context, id int64, actor Actor) error {
	return s.transition(ctx, id, actor, ActionStartProcessing, func(*wtx, *docState, time.Time) (effect, error) {
		return effect{notify: StatusProcessing, description: "Đang xử lý"}, nil
	})
}

// Done records that the document has been dealt with (06).
func (s *Store) Done(ctx context.Context, id int64, actor Actor) error {
	return s.transition(ctx, id, actor, ActionDone, func(*wtx, *docState, time.Time) (effect, error) {
		return effect{notify: StatusDone, description: "Đã xử lý xong"}, nil
	})
}

// RecallRequested records the sender's request (status 13) to take an
// incoming document back; it waits for AcceptRecall or RefuseRecall. from
// is the sender's staff as the status packet names them.
func (s *Store) RecallRequested(ctx context.Context, id int64, from Actor, reason string) error {
	return s.transition(ctx, id, from, ActionRecallRequested, func(tx *wtx, d *docState, _ time.Time) (effect, error) {
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET state_before_recall = ?, recall_reason = ? WHERE id = ?`,
			string(d.State), reason, id); err != nil {
			return effect{}, fmt.Errorf("record recall request for document %d: %w", id, err)
		}
		return effect{detail: map[string]any{"reason": reason}}, nil
	})
}

// AcceptRecall agrees to the sender's recall (15): the document is frozen
// and hidden from normal views, and kept for the record.
func (s *Store) AcceptRecall(ctx context.Context, id int64, actor Actor) error {
	return s.transition(ctx, id, actor, ActionAcceptRecall, func(tx *wtx, _ *docState, _ time.Time) (effect, error) {
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET hidden = 1, frozen = 1 WHERE id = ?`, id); err != nil {
			return effect{}, fmt.Errorf("accept recall of document %d: %w", id, err)
		}
		return effect{notify: StatusRecallAccepted, description: "Đồng ý thu hồi văn bản"}, nil
	})
}

// RefuseRecall refuses the sender's recall (16); the document goes back to
// the state it was in.
func (s *Store) RefuseRecall(ctx context.Context, id int64, actor Actor, reason string) error {
	reason = strings.TrimSpace(reason)
	return s.transition(ctx, id, actor, ActionRefuseRecall, func(tx *wtx, d *docState, _ time.Time) (effect, error) {
		back := d.StateBeforeRecall
		if !back.incoming() || back == StateRecallRequested || back == StateRecalled {
			back = StateRegistered
		}
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET state_before_recall = '' WHERE id = ?`, id); err != nil {
			return effect{}, fmt.Errorf("refuse recall of document %d: %w", id, err)
		}
		desc := "Từ chối thu hồi văn bản"
		if reason != "" {
			desc += ": " + reason
		}
		return effect{to: back, detail: map[string]any{"reason": reason}, notify: StatusRecallRefused, description: desc}, nil
	})
}

// ReviseDraft replaces the attachments of a draft (or a returned draft).
func (s *Store) ReviseDraft(ctx context.Context, id int64, actor Actor, atts []NewAttachment) error {
	if err := validateAttachments(atts); err != nil {
		return err
	}
	return s.transition(ctx, id, actor, ActionReviseDraft, func(tx *wtx, _ *docState, now time.Time) (effect, error) {
		if err := s.replaceAttachments(ctx, tx, id, StageDraft, atts, now); err != nil {
			return effect{}, err
		}
		return effect{detail: map[string]any{"attachments": attachmentDetail(atts)}}, reindex(ctx, tx, id)
	})
}

// Submit sends a draft to a leader for signing.
func (s *Store) Submit(ctx context.Context, id int64, actor Actor) error {
	return s.transition(ctx, id, actor, ActionSubmit, nil)
}

// Return sends a submitted draft back to its drafter with comments.
func (s *Store) Return(ctx context.Context, id int64, actor Actor, comment string) error {
	comment = strings.TrimSpace(comment)
	if comment == "" {
		return invalidf("returning a draft needs a comment")
	}
	return s.transition(ctx, id, actor, ActionReturn, func(tx *wtx, _ *docState, now time.Time) (effect, error) {
		if err := insertComment(ctx, tx, id, actor, comment, now); err != nil {
			return effect{}, err
		}
		return effect{detail: map[string]any{"comment": comment}}, nil
	})
}

// Approve records the leader's approval: signed (the leader's signed PDF,
// and any appendices) replaces the draft's attachments.
func (s *Store) Approve(ctx context.Context, id int64, actor Actor, signed []NewAttachment) error {
	if len(signed) == 0 {
		return invalidf("approval needs the signed file")
	}
	if err := validateAttachments(signed); err != nil {
		return err
	}
	return s.transition(ctx, id, actor, ActionApprove, func(tx *wtx, _ *docState, now time.Time) (effect, error) {
		if err := s.replaceAttachments(ctx, tx, id, StageApproved, signed, now); err != nil {
			return effect{}, err
		}
		return effect{detail: map[string]any{"attachments": attachmentDetail(signed)}}, reindex(ctx, tx, id)
	})
}

// IssueStamp is what the clerk's stamping step needs to know: the number
// Issue took, the issue date and the resulting DocumentId.
type IssueStamp struct {
	Register   RegisterRef
	Number     int
	Notation   string
	Date       time.Time // the issue date, Vietnam time
	DocumentID string
}

// Issue numbers an approved document with the next number of the outgoing
// register registerName for this year (Vietnam time), lets stamp produce
// the issued files with that number (stamped and sealed), stores them in
// place of the approved ones and queues one edoc outbox row per recipient.
// stamp runs inside the transaction: if it fails, nothing happened and no
// number was used. It must not call writing methods of the Store (PutBlob
// is fine). A nil stamp keeps the approved files.
func (s *Store) Issue(ctx context.Context, id int64, actor Actor, registerName string,
	stamp func(IssueStamp) ([]NewAttachment, error),
) (IssueStamp, error) {
	if strings.TrimSpace(s.opts.Self.Code) == "" {
		return IssueStamp{}, invalidf("this desk has no agency code (Options.Self), so it cannot issue")
	}
	var out IssueStamp
	err := s.transition(ctx, id, actor, ActionIssue, func(tx *wtx, d *docState, now time.Time) (effect, error) {
		local := now.In(vietnam())
		ref, n, err := takeNumber(ctx, tx, RegisterOutgoing, registerName, local.Year(), now)
		if err != nil {
			return effect{}, err
		}
		date := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, vietnam())
		st := IssueStamp{Register: ref, Number: n, Notation: d.CodeNotation, Date: date,
			DocumentID: fmt.Sprintf("%s,%s,%d/%s", s.opts.Self.Code, date.Format("2006/01/02"), n, d.CodeNotation)}
		var detail map[string]any
		if stamp != nil {
			atts, err := stamp(st)
			if err != nil {
				return effect{}, fmt.Errorf("stamp document %d: %w", id, err)
			}
			if len(atts) == 0 {
				return effect{}, invalidf("stamping produced no files")
			}
			if err := validateAttachments(atts); err != nil {
				return effect{}, err
			}
			if err := s.replaceAttachments(ctx, tx, id, StageIssued, atts, now); err != nil {
				return effect{}, err
			}
			detail = map[string]any{"attachments": attachmentDetail(atts)}
		} else {
			detail = map[string]any{}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET code_number = ?, promulgation_date = ?, document_id = ?,
			register_id = ?, reg_number = ?, registered_at = ?, sort_at = ? WHERE id = ?`,
			fmt.Sprint(n), dateString(date), st.DocumentID, ref.ID, n, millis(now), millis(now), id); err != nil {
			return effect{}, fmt.Errorf("issue document %d: %w", id, err)
		}
		if err := reindex(ctx, tx, id); err != nil {
			return effect{}, err
		}
		rows, err := tx.QueryContext(ctx, `SELECT organ_code FROM recipients WHERE document = ? ORDER BY position`, id)
		if err != nil {
			return effect{}, fmt.Errorf("issue document %d: %w", id, err)
		}
		var to []string
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return effect{}, fmt.Errorf("issue document %d: %w", id, err)
			}
			to = append(to, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return effect{}, fmt.Errorf("issue document %d: %w", id, err)
		}
		for _, c := range to {
			if err := insertOutbox(ctx, tx, OutboxEdoc, id, st.DocumentID, "", []string{c}, nil, now); err != nil {
				return effect{}, err
			}
		}
		detail["register"], detail["year"], detail["number"] = ref.Name, ref.Year, n
		detail["documentId"], detail["recipients"] = st.DocumentID, to
		out = st
		return effect{detail: detail}, nil
	})
	if err != nil {
		return IssueStamp{}, err
	}
	return out, nil
}

// Recall asks the recipients of an issued document to give it back (13).
func (s *Store) Recall(ctx context.Context, id int64, actor Actor, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return invalidf("a recall needs a reason")
	}
	return s.transition(ctx, id, actor, ActionRecall, func(tx *wtx, _ *docState, _ time.Time) (effect, error) {
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET recall_reason = ? WHERE id = ?`, reason, id); err != nil {
			return effect{}, fmt.Errorf("recall document %d: %w", id, err)
		}
		return effect{detail: map[string]any{"reason": reason}, notify: StatusRecall, description: reason}, nil
	})
}

// RecordRecipientStatus records a status a recipient sent about one of our
// issued documents (01–06, 15, 16), found by its DocumentId. Recording the
// same status (organ, code, time) twice changes nothing.
func (s *Store) RecordRecipientStatus(ctx context.Context, documentID, fromOrgan string, st RecipientStatus) error {
	switch st.Code {
	case StatusArrived, StatusRefused, StatusRegistered, StatusAssigned, StatusProcessing, StatusDone,
		StatusRecallAccepted, StatusRecallRefused:
	default:
		return invalidf("a recipient does not send status %q", st.Code)
	}
	var id int64
	err := s.r.QueryRowContext(ctx, `SELECT id FROM documents WHERE direction <> 'incoming' AND document_id = ?`, documentID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return notFoundf("we issued no document %q", documentID)
	}
	if err != nil {
		return fmt.Errorf("record status: %w", err)
	}
	if st.At.IsZero() {
		st.At = s.now()
	}
	actor := Actor{ID: "axis:" + fromOrgan, Name: st.Staff, Department: st.Department}
	err = s.transition(ctx, id, actor, ActionRecipientStatus, func(tx *wtx, _ *docState, now time.Time) (effect, error) {
		var rid int64
		var lastAt sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT id, last_at FROM recipients WHERE document = ? AND organ_code = ?`, id, fromOrgan).
			Scan(&rid, &lastAt)
		if errors.Is(err, sql.ErrNoRows) {
			return effect{}, notFoundf("%s is not a recipient of document %q", fromOrgan, documentID)
		}
		if err != nil {
			return effect{}, fmt.Errorf("record status: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO recipient_statuses (recipient, code, at, description, staff, department, recorded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (recipient, code, at) DO NOTHING`,
			rid, string(st.Code), millis(st.At), st.Description, st.Staff, st.Department, millis(now))
		if err != nil {
			return effect{}, fmt.Errorf("record status: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return effect{}, errAlreadyRecorded
		}
		if !lastAt.Valid || millis(st.At) >= lastAt.Int64 {
			if _, err := tx.ExecContext(ctx, `UPDATE recipients SET last_code = ?, last_at = ?, last_description = ? WHERE id = ?`,
				string(st.Code), millis(st.At), st.Description, rid); err != nil {
				return effect{}, fmt.Errorf("record status: %w", err)
			}
		}
		return effect{detail: map[string]any{"recipient": fromOrgan, "code": st.Code,
			"at": st.At.UnixMilli(), "description": st.Description}}, nil
	})
	if errors.Is(err, errAlreadyRecorded) {
		return nil
	}
	return err
}

// errAlreadyRecorded rolls back a repeated status; RecordRecipientStatus
// reports success for it.
var errAlreadyRecorded = errors.New("status already recorded")

// AddComment adds a remark to a document.
func (s *Store) AddComment(ctx context.Context, id int64, actor Actor, text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return invalidf("the comment is empty")
	}
	return s.transition(ctx, id, actor, ActionComment, func(tx *wtx, _ *docState, now time.Time) (effect, error) {
		return effect{detail: map[string]any{"text": text}}, insertComment(ctx, tx, id, actor, text, now)
	})
}

func insertComment(ctx context.Context, tx *wtx, id int64, actor Actor, text string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO comments (document, author, text, at) VALUES (?, ?, ?, ?)`,
		id, actor.ID, text, millis(now)); err != nil {
		return fmt.Errorf("store comment: %w", err)
	}
	return nil
}

// MarkRead marks a document read or unread for the desk. Only a change is
// recorded.
func (s *Store) MarkRead(ctx context.Context, id int64, actor Actor, read bool) error {
	if err := validateActor(actor); err != nil {
		return err
	}
	return s.write(ctx, func(tx *wtx, now time.Time) error {
		res, err := tx.ExecContext(ctx, `UPDATE documents SET read = ? WHERE id = ? AND read <> ?`, read, id, read)
		if err != nil {
			return fmt.Errorf("mark document %d: %w", id, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("mark document %d: %w", id, err)
		}
		if n == 0 {
			var exists bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM documents WHERE id = ?)`, id).Scan(&exists); err != nil {
				return fmt.Errorf("mark document %d: %w", id, err)
			}
			if !exists {
				return notFoundf("document %d does not exist", id)
			}
			return nil
		}
		return appendAudit(ctx, tx, now, actor.ID, ActionMarkRead, id, map[string]any{"read": read})
	})
}

// SetAttachmentText stores the text extracted from an attachment (for
// search) when it was extracted after the attachment was stored.
func (s *Store) SetAttachmentText(ctx context.Context, attachmentID int64, text string) error {
	var doc int64
	err := s.r.QueryRowContext(ctx, `SELECT document FROM attachments WHERE id = ?`, attachmentID).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return notFoundf("attachment %d does not exist", attachmentID)
	}
	if err != nil {
		return fmt.Errorf("set attachment text: %w", err)
	}
	return s.transition(ctx, doc, Actor{ID: "system"}, ActionSetText, func(tx *wtx, _ *docState, _ time.Time) (effect, error) {
		if _, err := tx.ExecContext(ctx, `UPDATE attachments SET text = ? WHERE id = ?`, text, attachmentID); err != nil {
			return effect{}, fmt.Errorf("set attachment text: %w", err)
		}
		return effect{detail: map[string]any{"attachment": attachmentID, "chars": len([]rune(text))}}, reindex(ctx, tx, doc)
	})
}

func attachmentDetail(atts []NewAttachment) []map[string]any {
	out := make([]map[string]any, len(atts))
	for i, a := range atts {
		m := map[string]any{"name": a.Name, "sha256": a.Blob.SHA256, "size": a.Blob.Size}
		if a.Verdict != "" {
			m["verdict"] = a.Verdict
		}
		out[i] = m
	}
	return out
}

// jsonStrings encodes a list of strings as a JSON array.
func jsonStrings(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v) //nolint:errchkjson // []string always marshals
	return string(b)
}
