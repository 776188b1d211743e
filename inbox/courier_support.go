package inbox

// What the sync engine (inbox/courier) needs of the store beyond the
// workflow: the outbox at a glance, its rows by state, and queueing an
// issued document to more recipients (or again).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ActionSend queues an issued document for (more) recipients.
const ActionSend Action = "send"

// OutboxSummary is the outbox at a glance, for a status bar.
type OutboxSummary struct {
	Pending int // waiting to be sent (due or not)
	Failed  int // given up, needing a person
	Sent    int
	// NextAttempt is when the earliest pending row is due (zero when none
	// is pending).
	NextAttempt time.Time
}

// OutboxSummary counts the outbox rows by state.
func (s *Store) OutboxSummary(ctx context.Context) (OutboxSummary, error) {
	var sum OutboxSummary
	rows, err := s.r.QueryContext(ctx, `SELECT state, count(*) FROM outbox GROUP BY state`)
	if err != nil {
		return sum, fmt.Errorf("count outbox: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return sum, fmt.Errorf("count outbox: %w", err)
		}
		switch OutboxState(state) {
		case OutboxPending:
			sum.Pending = n
		case OutboxFailed:
			sum.Failed = n
		case OutboxSent:
			sum.Sent = n
		}
	}
	if err := rows.Err(); err != nil {
		return sum, fmt.Errorf("count outbox: %w", err)
	}
	var next sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT min(next_attempt_at) FROM outbox WHERE state = 'pending'`).Scan(&next); err != nil {
		return sum, fmt.Errorf("count outbox: %w", err)
	}
	sum.NextAttempt = fromMillis(next)
	return sum, nil
}

// OutboxRows returns up to limit outbox rows in a state ("" for every
// state), newest first.
func (s *Store) OutboxRows(ctx context.Context, state OutboxState, limit int) ([]OutboxItem, error) {
	if limit <= 0 {
		limit = 100
	}
	return s.queryOutbox(ctx, `WHERE ? = '' OR state = ? ORDER BY id DESC LIMIT ?`, string(state), string(state), limit)
}

// Resend queues issued document id for the organisations to: one edoc
// outbox row each. An organisation that is not yet a recipient becomes
// one (so that its statuses are recorded); one whose earlier row is still
// pending or has failed has that row retried now instead of a second row;
// one whose copy was sent already is sent it again (the recipient
// recognises the copy by its DocumentId). It returns the rows queued.
func (s *Store) Resend(ctx context.Context, id int64, actor Actor, to []Organization) ([]int64, error) {
	if err := validateActor(actor); err != nil {
		return nil, err
	}
	if len(to) == 0 {
		return nil, invalidf("send to whom? no recipient given")
	}
	to = slices.Clone(to)
	seen := map[string]bool{}
	for i := range to {
		to[i].Code = strings.TrimSpace(to[i].Code)
		if to[i].Code == "" {
			return nil, invalidf("a recipient has no organisation code")
		}
		if to[i].Code == s.opts.Self.Code {
			return nil, invalidf("%s is this desk's own agency", to[i].Code)
		}
		if seen[to[i].Code] {
			return nil, invalidf("recipient %s is listed twice", to[i].Code)
		}
		seen[to[i].Code] = true
	}
	var queued []int64
	err := s.write(ctx, func(tx *wtx, now time.Time) error {
		d, err := loadDocState(ctx, tx, id)
		if err != nil {
			return err
		}
		if d.Direction == Incoming || d.State != StateIssued || d.Frozen {
			return &TransitionError{Document: id, Action: ActionSend, State: d.State}
		}
		var added, retried, again []string
		for _, o := range to {
			var exists bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM recipients WHERE document = ? AND organ_code = ?)`,
				id, o.Code).Scan(&exists); err != nil {
				return fmt.Errorf("send document %d: %w", id, err)
			}
			if !exists {
				if _, err := tx.ExecContext(ctx, `INSERT INTO recipients (document, position, organ_code, organ_name)
					VALUES (?, (SELECT coalesce(max(position), -1) + 1 FROM recipients WHERE document = ?), ?, ?)`,
					id, id, o.Code, o.Name); err != nil {
					return fmt.Errorf("send document %d: add recipient %s: %w", id, o.Code, err)
				}
				added = append(added, o.Code)
			}
			// A row for this recipient alone that has not gone out yet is
			// retried rather than doubled.
			var row int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM outbox WHERE document = ? AND kind = 'edoc' AND state <> 'sent'
				AND recipients = ? ORDER BY id DESC LIMIT 1`, id, jsonStrings([]string{o.Code})).Scan(&row)
			switch {
			case err == nil:
				if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'pending', next_attempt_at = ?, last_error = ''
					WHERE id = ?`, millis(now), row); err != nil {
					return fmt.Errorf("send document %d: %w", id, err)
				}
				retried = append(retried, o.Code)
			case errors.Is(err, sql.ErrNoRows):
				if err := insertOutbox(ctx, tx, OutboxEdoc, id, d.DocumentID, "", []string{o.Code}, nil, now); err != nil {
					return err
				}
				if err := tx.QueryRowContext(ctx, `SELECT last_insert_rowid()`).Scan(&row); err != nil {
					return fmt.Errorf("send document %d: %w", id, err)
				}
				if exists {
					again = append(again, o.Code)
				}
			default:
				return fmt.Errorf("send document %d: %w", id, err)
			}
			queued = append(queued, row)
		}
		if len(added) > 0 {
			if err := reindex(ctx, tx, id); err != nil {
				return err
			}
		}
		return appendAudit(ctx, tx, now, actor.ID, ActionSend, id, map[string]any{
			"documentId": d.DocumentID, "added": nonNil(added), "retried": nonNil(retried), "again": nonNil(again),
		})
	})
	if err != nil {
		return nil, err
	}
	return queued, nil
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}
