package inbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// CheckOptions tune Check.
type CheckOptions struct {
	SkipHash bool // only check that blobs exist with the right size, do not read them
}

// CheckReport is what Check found. Each list is empty when all is well.
type CheckReport struct {
	Integrity    []string // PRAGMA integrity_check, when not "ok"
	ForeignKeys  []string // PRAGMA foreign_key_check violations
	MissingBlobs []string // referenced blobs that are not on disk
	CorruptBlobs []string // referenced blobs whose content does not match their hash (or size)
	Counts       []string // folder counters that disagree with the documents
	Audit        AuditResult
	Blobs        int // referenced blobs checked
}

// OK reports whether nothing is wrong.
func (r CheckReport) OK() bool {
	return len(r.Integrity) == 0 && len(r.ForeignKeys) == 0 && len(r.MissingBlobs) == 0 &&
		len(r.CorruptBlobs) == 0 && len(r.Counts) == 0 && r.Audit.OK
}

// Check verifies the database (integrity and foreign keys), every blob a
// row references (present, and unless SkipHash, with the right hash) and
// the audit chain.
func (s *Store) Check(ctx context.Context, opts CheckOptions) (CheckReport, error) {
	var rep CheckReport
	var err error
	if rep.Integrity, err = integrityProblems(ctx, s); err != nil {
		return rep, err
	}
	if rep.ForeignKeys, err = foreignKeyProblems(ctx, s); err != nil {
		return rep, err
	}
	if rep.Counts, err = countProblems(ctx, s); err != nil {
		return rep, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT sha256, max(size) FROM attachments GROUP BY sha256
		UNION SELECT payload_sha256, -1 FROM outbox WHERE payload_sha256 IS NOT NULL`)
	if err != nil {
		return rep, fmt.Errorf("check blobs: %w", err)
	}
	type ref struct {
		sha  string
		size int64
	}
	var refs []ref
	for rows.Next() {
		var r ref
		if err := rows.Scan(&r.sha, &r.size); err != nil {
			rows.Close()
			return rep, fmt.Errorf("check blobs: %w", err)
		}
		refs = append(refs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("check blobs: %w", err)
	}
	for _, r := range refs {
		rep.Blobs++
		if r.size >= 0 {
			err = s.checkBlobPresent(Blob{SHA256: r.sha, Size: r.size})
		} else {
			err = s.checkBlobPresent(Blob{SHA256: r.sha, Size: -1})
			if errors.Is(err, ErrInvalid) {
				err = nil // size unknown for outbox payloads
			}
		}
		switch {
		case errors.Is(err, ErrNotFound):
			rep.MissingBlobs = append(rep.MissingBlobs, r.sha)
			continue
		case errors.Is(err, ErrInvalid):
			rep.CorruptBlobs = append(rep.CorruptBlobs, r.sha)
			continue
		case err != nil:
			return rep, err
		}
		if opts.SkipHash {
			continue
		}
		switch err := s.hashBlob(ctx, r.sha); {
		case errors.Is(err, ErrCorruptBlob):
			rep.CorruptBlobs = append(rep.CorruptBlobs, r.sha)
		case err != nil:
			return rep, fmt.Errorf("check blob %s: %w", r.sha, err)
		}
	}
	if rep.Audit, err = s.VerifyAudit(ctx); err != nil {
		return rep, err
	}
	return rep, nil
}

func integrityProblems(ctx context.Context, s *Store) ([]string, error) {
	// FTS5 caches its index structure per connection and, unlike a query,
	// its integrity check does not first notice commits made by other
	// connections: on a reader that searched before the last writes it
	// reports corruption that is not there. A search in the same read
	// transaction refreshes the cache first.
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("integrity check: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM doc_fts WHERE doc_fts MATCH '"0"'`).Scan(&one); err != nil {
		return nil, fmt.Errorf("integrity check: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return nil, fmt.Errorf("integrity check: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, fmt.Errorf("integrity check: %w", err)
		}
		if line != "ok" {
			out = append(out, line)
		}
	}
	return out, rows.Err()
}

func foreignKeyProblems(ctx context.Context, s *Store) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return nil, fmt.Errorf("foreign key check: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var table, parent string
		var rowid, fkid any
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return nil, fmt.Errorf("foreign key check: %w", err)
		}
		out = append(out, fmt.Sprintf("%s row %v refers to a missing %s row", table, rowid, parent))
	}
	return out, rows.Err()
}

func countProblems(ctx context.Context, s *Store) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT c.folder, c.total, c.unread, count(d.id), coalesce(sum(d.read = 0), 0)
		FROM folder_counts c LEFT JOIN documents d ON d.folder = c.folder GROUP BY c.folder
		UNION ALL
		SELECT d.folder, 0, 0, count(*), sum(d.read = 0) FROM documents d
		WHERE d.folder NOT IN (SELECT folder FROM folder_counts) GROUP BY d.folder`)
	if err != nil {
		return nil, fmt.Errorf("check counts: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var folder string
		var total, unread, realTotal, realUnread int
		if err := rows.Scan(&folder, &total, &unread, &realTotal, &realUnread); err != nil {
			return nil, fmt.Errorf("check counts: %w", err)
		}
		if total != realTotal || unread != realUnread {
			out = append(out, fmt.Sprintf("folder %s counts %d (%d unread), holds %d (%d unread)", folder, total, unread, realTotal, realUnread))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("check counts: %w", err)
	}
	rows.Close()
	// Filter.where relies on it: a folder other than FolderHidden holds no
	// hidden document.
	var strays int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM documents WHERE hidden = 1 AND folder <> 'hidden'`).Scan(&strays); err != nil {
		return nil, fmt.Errorf("check counts: %w", err)
	}
	if strays > 0 {
		out = append(out, fmt.Sprintf("%d hidden documents are outside the hidden folder", strays))
	}
	ob, err := s.r.QueryContext(ctx, `SELECT c.state, c.n, (SELECT count(*) FROM outbox o WHERE o.state = c.state) FROM outbox_counts c`)
	if err != nil {
		return nil, fmt.Errorf("check counts: %w", err)
	}
	defer ob.Close()
	for ob.Next() {
		var state string
		var n, real int
		if err := ob.Scan(&state, &n, &real); err != nil {
			return nil, fmt.Errorf("check counts: %w", err)
		}
		if n != real {
			out = append(out, fmt.Sprintf("outbox counts %d %s packets, holds %d", n, state, real))
		}
	}
	return out, ob.Err()
}
