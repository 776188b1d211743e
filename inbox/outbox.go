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

// OutboxKind says what an outbox row carries.
type OutboxKind string

// Outbox kinds.
const (
	OutboxStatus OutboxKind = "status" // an encoded status packet, in Payload
	OutboxEdoc   OutboxKind = "edoc"   // an issued document; the sender encodes it from Get and the blobs
)

// OutboxState is the delivery state of an outbox row.
type OutboxState string

// Outbox states.
const (
	OutboxPending OutboxState = "pending"
	OutboxSent    OutboxState = "sent"
	OutboxFailed  OutboxState = "failed" // given up; needs a person
)

// OutboxItem is one packet waiting for (or done with) the axis. The
// DocumentId is the idempotency key end to end (AXIS.md §3).
type OutboxItem struct {
	ID            int64
	Kind          OutboxKind
	Document      int64  // our document the packet is about
	DocumentID    string // its edXML DocumentId
	StatusCode    StatusCode
	Recipients    []string // organisation codes
	Payload       []byte   // the encoded packet (status rows)
	PayloadSHA256 string   // or a blob holding it ("" when none)
	CreatedAt     time.Time
	Attempts      int
	NextAttemptAt time.Time
	AxisDocID     string
	State         OutboxState
	LastError     string
}

func insertOutbox(ctx context.Context, tx *wtx, kind OutboxKind, doc int64, documentID string, code StatusCode,
	recipients []string, payload []byte, now time.Time,
) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (kind, document, document_id, status_code, recipients, payload,
		created_at, next_attempt_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
		string(kind), doc, documentID, string(code), jsonStrings(recipients), pack(payload), millis(now), millis(now)); err != nil {
		return fmt.Errorf("queue %s packet: %w", kind, err)
	}
	return nil
}

const outboxColumns = `id, kind, coalesce(document, 0), document_id, status_code, recipients, payload,
	coalesce(payload_sha256, ''), created_at, attempts, next_attempt_at, axis_doc_id, state, last_error`

func scanOutbox(rows *sql.Rows) (OutboxItem, error) {
	var it OutboxItem
	var kind, code, recips, state string
	var created, next int64
	if err := rows.Scan(&it.ID, &kind, &it.Document, &it.DocumentID, &code, &recips, &it.Payload, &it.PayloadSHA256,
		&created, &it.Attempts, &next, &it.AxisDocID, &state, &it.LastError); err != nil {
		return it, err
	}
	it.Kind, it.StatusCode, it.State = OutboxKind(kind), StatusCode(code), OutboxState(state)
	var err error
	if it.Payload, err = unpack(it.Payload); err != nil {
		return it, fmt.Errorf("outbox row %d: %w", it.ID, err)
	}
	it.CreatedAt, it.NextAttemptAt = time.UnixMilli(created), time.UnixMilli(next)
	if err := json.Unmarshal([]byte(recips), &it.Recipients); err != nil {
		return it, fmt.Errorf("outbox row %d: recipients: %w", it.ID, err)
	}
	return it, nil
}

// PendingOutbox returns up to limit pending rows whose next attempt is due,
// oldest first.
func (s *Store) PendingOutbox(ctx context.Context, limit int) ([]OutboxItem, error) {
	if limit <= 0 {
		limit = 100
	}
	return s.queryOutbox(ctx, `WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`,
		millis(s.now()), limit)
}

// Outbox returns the outbox rows about one document, oldest first.
func (s *Store) Outbox(ctx context.Context, document int64) ([]OutboxItem, error) {
	return s.queryOutbox(ctx, `WHERE document = ? ORDER BY id`, document)
}

// queryOutbox reads the outbox rows that the clause (WHERE … ORDER BY …,
// a fixed fragment) selects.
func (s *Store) queryOutbox(ctx context.Context, clause string, args ...any) ([]OutboxItem, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+outboxColumns+` FROM outbox `+clause, args...) //nolint:gosec // clause is a fixed fragment; values are bound
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxItem
	for rows.Next() {
		it, err := scanOutbox(rows)
		if err != nil {
			return nil, fmt.Errorf("read outbox: %w", err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	return out, nil
}

// MarkSent records that the axis accepted an outbox row and gave it
// axisDocID. Marking a sent row again with the same id is a no-op.
func (s *Store) MarkSent(ctx context.Context, id int64, axisDocID string) error {
	errs, err := s.MarkSentMany(ctx, []SentRow{{ID: id, AxisDocID: axisDocID}})
	if err != nil {
		return err
	}
	return errs[0]
}

// SentRow is an outbox row the axis accepted, with the DocId it gave.
type SentRow struct {
	ID        int64
	AxisDocID string
}

// MarkSentMany is MarkSent for several rows in one transaction (one sync
// to disk): errs[i] tells what became of rows[i]; a failure of the store
// itself (err) records none of them.
func (s *Store) MarkSentMany(ctx context.Context, rows []SentRow) (errs []error, err error) {
	errs = make([]error, len(rows))
	err = s.write(ctx, func(tx *wtx, now time.Time) error {
		for i, r := range rows {
			errs[i] = markSent(ctx, tx, r, now)
			if errs[i] != nil && !errors.Is(errs[i], ErrInvalid) && !errors.Is(errs[i], ErrNotFound) &&
				!errors.Is(errs[i], ErrIllegalTransition) {
				return errs[i]
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return errs, nil
}

func markSent(ctx context.Context, tx *wtx, r SentRow, now time.Time) error {
	if strings.TrimSpace(r.AxisDocID) == "" {
		return invalidf("the axis gave no DocId")
	}
	var state, have string
	err := tx.QueryRowContext(ctx, `SELECT state, axis_doc_id FROM outbox WHERE id = ?`, r.ID).Scan(&state, &have)
	if err == sql.ErrNoRows { //nolint:errorlint // QueryRow returns it unwrapped
		return notFoundf("outbox row %d does not exist", r.ID)
	}
	if err != nil {
		return fmt.Errorf("mark outbox row %d sent: %w", r.ID, err)
	}
	if state == string(OutboxSent) {
		if have == r.AxisDocID {
			return nil
		}
		return fmt.Errorf("%w: outbox row %d was already sent as %s", ErrIllegalTransition, r.ID, have)
	}
	_, err = tx.ExecContext(ctx, `UPDATE outbox SET state = 'sent', axis_doc_id = ?, sent_at = ?, attempts = attempts + 1,
		last_error = '' WHERE id = ?`, r.AxisDocID, millis(now), r.ID)
	if err != nil {
		return fmt.Errorf("mark outbox row %d sent: %w", r.ID, err)
	}
	return nil
}

// MarkFailed records a failed attempt to send an outbox row: it is retried
// at retryAt, or, when retryAt is zero, given up (state failed).
func (s *Store) MarkFailed(ctx context.Context, id int64, sendErr string, retryAt time.Time) error {
	return s.write(ctx, func(tx *wtx, _ time.Time) error {
		state := OutboxPending
		next := millis(retryAt)
		if retryAt.IsZero() {
			state, next = OutboxFailed, 0
		}
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?,
			next_attempt_at = CASE WHEN ? = 0 THEN next_attempt_at ELSE ? END
			WHERE id = ? AND state <> 'sent'`, string(state), sendErr, next, next, id)
		if err != nil {
			return fmt.Errorf("mark outbox row %d failed: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var state string
			err := tx.QueryRowContext(ctx, `SELECT state FROM outbox WHERE id = ?`, id).Scan(&state)
			if err == sql.ErrNoRows { //nolint:errorlint // QueryRow returns it unwrapped
				return notFoundf("outbox row %d does not exist", id)
			}
			if err != nil {
				return fmt.Errorf("mark outbox row %d failed: %w", id, err)
			}
			return fmt.Errorf("%w: outbox row %d was already sent", ErrIllegalTransition, id)
		}
		return nil
	})
}
