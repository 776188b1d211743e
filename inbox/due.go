package inbox

import (
	"context"
	"fmt"
	"time"
)

// DueBefore returns up to limit (default 100) open documents, not hidden,
// whose deadline falls on or before the calendar date of t (Vietnam time),
// overdue ones included, earliest deadline first: the desk's reminders of
// approaching deadlines.
func (s *Store) DueBefore(ctx context.Context, t time.Time, limit int) ([]Summary, error) {
	if limit <= 0 {
		limit = 100
	}
	today := s.today()
	rows, err := s.r.QueryContext(ctx, `SELECT `+summaryColumns+` FROM documents d
		WHERE d.is_open = 1 AND d.deadline <> '' AND d.deadline <= ? AND d.hidden = 0
		ORDER BY d.deadline, d.id LIMIT ?`, t.In(vietnam()).Format(time.DateOnly), limit)
	if err != nil {
		return nil, fmt.Errorf("list documents due: %w", err)
	}
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		var sm Summary
		dest := make([]any, summaryColumnCount)
		done := scanSummary(dest, &sm, today)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("list documents due: %w", err)
		}
		done()
		out = append(out, sm)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list documents due: %w", err)
	}
	return out, nil
}
