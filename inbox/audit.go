package inbox

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Action names something that happened to a document (or the store); it is
// the audit entry's action and the verb in TransitionError.
type Action string

// Actions.
const (
	ActionReceive         Action = "receive"
	ActionRegister        Action = "register"
	ActionRefuse          Action = "refuse"
	ActionAssign          Action = "assign"
	ActionStartProcessing Action = "start_processing"
	ActionDone            Action = "done"
	ActionRecallRequested Action = "recall_requested"
	ActionAcceptRecall    Action = "accept_recall"
	ActionRefuseRecall    Action = "refuse_recall"
	ActionCreateDraft     Action = "create_draft"
	ActionReviseDraft     Action = "revise_draft"
	ActionSubmit          Action = "submit"
	ActionReturn          Action = "return"
	ActionApprove         Action = "approve"
	ActionIssue           Action = "issue"
	ActionRecall          Action = "recall"
	ActionRecipientStatus Action = "recipient_status"
	ActionComment         Action = "comment"
	ActionMarkRead        Action = "mark_read"
	ActionSetText         Action = "set_text"
	ActionCreateRegister  Action = "create_register"
)

func (a Action) verb() string {
	switch a {
	case ActionStartProcessing:
		return "start processing"
	case ActionDone:
		return "finish"
	case ActionRecallRequested:
		return "record a recall request for"
	case ActionAcceptRecall:
		return "accept the recall of"
	case ActionRefuseRecall:
		return "refuse the recall of"
	case ActionReviseDraft:
		return "revise"
	case ActionRecipientStatus:
		return "record a recipient's status for"
	case ActionComment:
		return "comment on"
	case ActionMarkRead:
		return "mark as read"
	case ActionSetText:
		return "set the text of"
	}
	return string(a)
}

// AuditEntry is one link of the audit chain.
type AuditEntry struct {
	Seq      int64
	At       time.Time
	Actor    string
	Action   Action
	Document int64 // 0 when the entry is about no document
	Detail   json.RawMessage
	PrevHash string
	Hash     string
}

// AuditResult is the outcome of VerifyAudit.
type AuditResult struct {
	OK          bool
	Entries     int64  // entries checked
	FirstBroken int64  // seq of the first entry that is altered or missing; 0 when OK
	Reason      string // clerk-readable
}

const genesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// auditHash is SHA-256 over the previous hash and a canonical encoding of
// the entry: a version tag, then each field as "<decimal length>:<bytes>"
// (seq, time in Unix milliseconds, actor, action, document id, detail).
func auditHash(prev string, seq, atMillis int64, actor string, action Action, doc int64, detail []byte) string {
	h := sha256.New()
	field := func(b []byte) {
		h.Write(strconv.AppendInt(nil, int64(len(b)), 10))
		h.Write([]byte{':'})
		h.Write(b)
	}
	h.Write([]byte("vanthu-audit-v1\n"))
	field([]byte(prev))
	field(strconv.AppendInt(nil, seq, 10))
	field(strconv.AppendInt(nil, atMillis, 10))
	field([]byte(actor))
	field([]byte(action))
	field(strconv.AppendInt(nil, doc, 10))
	field(detail)
	return hex.EncodeToString(h.Sum(nil))
}

// appendAudit adds an entry to the chain inside tx. detail is marshalled to
// JSON (maps marshal with sorted keys, so the bytes are canonical).
func appendAudit(ctx context.Context, tx *wtx, now time.Time, actor string, action Action, doc int64, detail any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	d, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit detail: %w", err)
	}
	var seq int64
	var prev string
	if err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&seq, &prev); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	seq++
	at := now.UnixMilli()
	hash := auditHash(prev, seq, at, actor, action, doc, d)
	var docArg any
	if doc != 0 {
		docArg = doc
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit (seq, at, actor, action, document, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, seq, at, actor, string(action), docArg, string(d), prev, hash); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", seq, hash); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	return nil
}

// VerifyAudit recomputes the whole chain and names the first entry that was
// altered, inserted or removed.
func (s *Store) VerifyAudit(ctx context.Context) (AuditResult, error) {
	return verifyAudit(ctx, s.r)
}

func verifyAudit(ctx context.Context, db *sql.DB) (AuditResult, error) {
	// One read transaction, so that the entries and the head are one snapshot.
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return AuditResult{}, fmt.Errorf("verify audit: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	rows, err := tx.QueryContext(ctx, `SELECT seq, at, actor, action, coalesce(document, 0), detail, prev_hash, hash
		FROM audit ORDER BY seq`)
	if err != nil {
		return AuditResult{}, fmt.Errorf("verify audit: %w", err)
	}
	defer rows.Close()
	res := AuditResult{OK: true}
	prev, want := genesisHash, int64(1)
	broken := func(seq int64, reason string) {
		if res.OK {
			res.OK, res.FirstBroken, res.Reason = false, seq, reason
		}
	}
	for rows.Next() && res.OK {
		var (
			seq, at, doc     int64
			actor, action    string
			detail, prevHash string
			hash             string
		)
		if err := rows.Scan(&seq, &at, &actor, &action, &doc, &detail, &prevHash, &hash); err != nil {
			return AuditResult{}, fmt.Errorf("verify audit: %w", err)
		}
		res.Entries++
		switch {
		case seq != want:
			broken(want, fmt.Sprintf("audit entry %d is missing", want))
		case prevHash != prev:
			broken(seq, fmt.Sprintf("audit entry %d does not follow entry %d", seq, seq-1))
		case auditHash(prevHash, seq, at, actor, Action(action), doc, []byte(detail)) != hash:
			broken(seq, fmt.Sprintf("audit entry %d was altered", seq))
		}
		prev, want = hash, seq+1
	}
	if err := rows.Err(); err != nil {
		return AuditResult{}, fmt.Errorf("verify audit: %w", err)
	}
	if !res.OK {
		return res, nil
	}
	var headSeq int64
	var headHash string
	if err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&headSeq, &headHash); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			broken(want, "the audit log's head record is missing")
			return res, nil
		}
		return AuditResult{}, fmt.Errorf("verify audit: %w", err)
	}
	switch {
	case headSeq > want-1:
		broken(want, fmt.Sprintf("audit entries %d to %d are missing", want, headSeq))
	case headSeq < want-1:
		broken(headSeq+1, fmt.Sprintf("audit entries after %d were added outside Vanthu", headSeq))
	case headHash != prev:
		broken(headSeq, fmt.Sprintf("audit entry %d was altered", headSeq))
	}
	return res, nil
}

// AuditTrail returns the audit entries about one document, oldest first.
func (s *Store) AuditTrail(ctx context.Context, id int64) ([]AuditEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, at, actor, action, coalesce(document, 0), detail, prev_hash, hash
		FROM audit WHERE document = ? ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("audit trail: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		var action, detail string
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &action, &e.Document, &detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("audit trail: %w", err)
		}
		e.At, e.Action, e.Detail = time.UnixMilli(at), Action(action), json.RawMessage(detail)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit trail: %w", err)
	}
	return out, nil
}
