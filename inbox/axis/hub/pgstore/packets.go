package pgstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/vanthu/vanthu/inbox/axis/hub"
)

// chunkSize is the size of the pieces a packet body is stored in.
const chunkSize = 256 << 10

// agencyOf returns the agency part of an address (agency or
// agency/mailbox), as the hub does.
func agencyOf(addr string) string {
	agency, _, _ := strings.Cut(addr, "/")
	return agency
}

// AddPacket implements hub.Store: the packet, its body and its
// deliveries in one transaction. The unique constraints on the packet id
// and the docIds make a second copy fail with hub.ErrExists whichever
// instance stores the first.
func (s *Store) AddPacket(ctx context.Context, req hub.Request, p hub.Packet, body io.Reader, to []hub.Delivery) (err error) {
	if len(to) == 0 {
		return errNoRecipient
	}
	if p.Size < 0 {
		return fmt.Errorf("pgstore: packet size %d", p.Size)
	}
	if err := s.rememberFor(ctx, req); err != nil {
		return err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: store packet: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	created := ts(nowOr(p.Created))
	var pk int64
	err = tx.QueryRow(ctx, `
		INSERT INTO packets (id, sender_system, from_addr, from_agency, service_type, message_type, sha256, size,
			document_id, subject, notation, status_code, status_desc, response_for, created)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		RETURNING pk`,
		p.ID, p.SenderSystem, p.From, agencyOf(p.From), p.ServiceType, p.MessageType, p.SHA256, p.Size,
		p.DocumentID, p.Subject, p.Notation, p.StatusCode, p.StatusDesc, p.ResponseFor, created).Scan(&pk)
	if err != nil {
		if c, ok := uniqueViolation(err); ok && c == uniquePacketID {
			return fmt.Errorf("packet %s: %w", p.ID, hub.ErrExists)
		}
		return fmt.Errorf("pgstore: store packet: %w", err)
	}
	if err := writeChunks(ctx, tx, pk, body, p.Size); err != nil {
		return err
	}
	docs := make([]string, len(to))
	addrs := make([]string, len(to))
	agencies := make([]string, len(to))
	for i, d := range to {
		docs[i], addrs[i], agencies[i] = d.DocID, d.To, agencyOf(d.To)
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO deliveries (doc_id, packet_pk, to_addr, to_agency, message_type, status, created, updated)
		SELECT u.doc_id, $4, u.to_addr, u.to_agency, $5, 'pending', $6, $6
		FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS u (doc_id, to_addr, to_agency, n)
		ORDER BY u.n`,
		docs, addrs, agencies, pk, p.MessageType, created)
	if err != nil {
		if c, ok := uniqueViolation(err); ok && c == uniqueDocID {
			return fmt.Errorf("a delivery's docId: %w", hub.ErrExists)
		}
		return fmt.Errorf("pgstore: store deliveries: %w", err)
	}
	if p.MessageType == hub.MessageStatus && p.ResponseFor != "" {
		// Lock the answered deliveries in primary-key order before updating
		// them: two status packets about one document cannot deadlock.
		if _, err := tx.Exec(ctx, `
			WITH answered AS (
				SELECT d.pk FROM deliveries d JOIN packets p ON p.pk = d.packet_pk
				WHERE d.to_agency = $4 AND p.message_type = 'edoc' AND p.document_id = $5 AND p.from_agency = ANY ($6)
				ORDER BY d.pk
				FOR UPDATE OF d)
			UPDATE deliveries d SET business_status = $1, business_desc = $2, business_time = $3
			FROM answered WHERE d.pk = answered.pk`,
			p.StatusCode, p.StatusDesc, created, agencyOf(p.From), p.ResponseFor, agencies); err != nil {
			return fmt.Errorf("pgstore: record business status: %w", err)
		}
	}
	// Last, so that the queues' counter rows stay locked only for the
	// commit: the rows in a fixed order, so that two packets to the same
	// recipients cannot deadlock.
	queues := slices.Clone(addrs)
	slices.Sort(queues)
	queues = slices.Compact(queues)
	if _, err := tx.Exec(ctx, `
		INSERT INTO queue_versions (to_addr, message_type, version)
		SELECT a, $2, 1 FROM unnest($1::text[]) WITH ORDINALITY AS u (a, n) ORDER BY u.n
		ON CONFLICT (to_addr, message_type) DO UPDATE SET version = queue_versions.version + 1`,
		queues, p.MessageType); err != nil {
		return fmt.Errorf("pgstore: count the change of the queues: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("pgstore: store packet: %w", err)
	}
	return nil
}

// writeChunks copies body (exactly size bytes) into packet_chunks with
// one COPY, a row per chunk.
func writeChunks(ctx context.Context, tx pgx.Tx, pk int64, body io.Reader, size int64) error {
	// A chunk's room, or one byte more than a smaller body so that a body
	// longer than its size is noticed.
	buf := make([]byte, min(chunkSize, max(size, 0)+1))
	var total int64
	var readErr error
	seq := int32(0)
	done := false
	next := func() ([]any, error) {
		if done {
			return nil, nil
		}
		n, err := io.ReadFull(body, buf)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			done = true
		} else if err != nil {
			readErr = fmt.Errorf("pgstore: read packet body: %w", err)
			return nil, readErr
		}
		if n == 0 {
			return nil, nil
		}
		total += int64(n)
		if total > size {
			readErr = fmt.Errorf("pgstore: the packet body is longer than its size %d", size)
			return nil, readErr
		}
		row := []any{pk, seq, buf[:n]}
		seq++
		return row, nil
	}
	// CopyFrom reads the source in a goroutine of its own and waits for it
	// before returning, so readErr is safe to read then.
	src := pgx.CopyFromFunc(next)
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"packet_chunks"}, []string{"packet_pk", "seq", "data"}, src); err != nil {
		if readErr != nil {
			return readErr
		}
		return fmt.Errorf("pgstore: store packet body: %w", err)
	}
	if total != size {
		return fmt.Errorf("pgstore: the packet body has %d bytes, not its size %d", total, size)
	}
	return nil
}

// OpenBody implements hub.Store.
func (s *Store) OpenBody(ctx context.Context, packetID string) (io.ReadCloser, error) {
	var pk int64
	err := s.pool.QueryRow(ctx, `SELECT pk FROM packets WHERE id = $1`, packetID).Scan(&pk)
	if err != nil {
		if nf := notFound(err, "packet "+packetID); nf != nil {
			return nil, nf
		}
		return nil, fmt.Errorf("pgstore: open packet body: %w", err)
	}
	return &chunkReader{ctx: ctx, s: s, pk: pk}, nil
}

// chunkReader reads a body one chunk (one query) at a time, so that no
// connection or transaction is held while the client is slow.
type chunkReader struct {
	ctx context.Context // the reader lives for one request
	s   *Store
	pk  int64
	seq int32
	buf []byte
	eof bool
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.buf) == 0 {
		if c.eof {
			return 0, io.EOF
		}
		err := c.s.pool.QueryRow(c.ctx, `SELECT data FROM packet_chunks WHERE packet_pk = $1 AND seq = $2`, c.pk, c.seq).Scan(&c.buf)
		if errors.Is(err, pgx.ErrNoRows) {
			c.eof = true
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("pgstore: read packet body: %w", err)
		}
		c.seq++
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

func (c *chunkReader) Close() error { c.eof, c.buf = true, nil; return nil }

const entryCols = `p.id, p.sender_system, p.from_addr, p.service_type, p.message_type, p.sha256, p.size,
	p.document_id, p.subject, p.notation, p.status_code, p.status_desc, p.response_for, p.created,
	d.doc_id, d.to_addr, d.status, d.status_desc, d.created, d.updated, d.fetched,
	d.business_status, d.business_desc, d.business_time`

func scanEntry(row pgx.Row) (hub.Entry, error) {
	var e hub.Entry
	p, d := &e.Packet, &e.Delivery
	var fetched, business pgtype.Timestamptz
	err := row.Scan(&p.ID, &p.SenderSystem, &p.From, &p.ServiceType, &p.MessageType, &p.SHA256, &p.Size,
		&p.DocumentID, &p.Subject, &p.Notation, &p.StatusCode, &p.StatusDesc, &p.ResponseFor, &p.Created,
		&d.DocID, &d.To, &d.Status, &d.StatusDesc, &d.Created, &d.Updated, &fetched,
		&d.BusinessStatus, &d.BusinessDesc, &business)
	p.Created, d.Created, d.Updated = p.Created.UTC(), d.Created.UTC(), d.Updated.UTC()
	d.PacketID, d.Fetched, d.BusinessTime = p.ID, fromNull(fetched), fromNull(business)
	return e, err
}

func (s *Store) entries(ctx context.Context, query string, args ...any) ([]hub.Entry, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("pgstore: list deliveries: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (hub.Entry, error) { return scanEntry(row) })
	if err != nil {
		return nil, fmt.Errorf("pgstore: list deliveries: %w", err)
	}
	if out == nil {
		out = []hub.Entry{}
	}
	return out, nil
}

// Entry implements hub.Store.
func (s *Store) Entry(ctx context.Context, docID string) (hub.Entry, error) {
	e, err := scanEntry(s.pool.QueryRow(ctx, `SELECT `+entryCols+`
		FROM deliveries d JOIN packets p ON p.pk = d.packet_pk WHERE d.doc_id = $1`, docID))
	if err != nil {
		if nf := notFound(err, "delivery "+docID); nf != nil {
			return hub.Entry{}, nf
		}
		return hub.Entry{}, fmt.Errorf("pgstore: read delivery: %w", err)
	}
	return e, nil
}

// sqlLimit maps a Store limit to LIMIT's argument: a negative limit is
// none (NULL), as in SQLite.
func sqlLimit(limit int) *int {
	if limit < 0 {
		return nil
	}
	return &limit
}

// Received implements hub.Store.
func (s *Store) Received(ctx context.Context, to []string, messageType string, limit int) ([]hub.Entry, error) {
	if len(to) == 0 {
		return []hub.Entry{}, nil
	}
	return s.entries(ctx, `SELECT `+entryCols+`
		FROM deliveries d JOIN packets p ON p.pk = d.packet_pk
		WHERE d.to_addr = ANY ($1) AND d.message_type = $2 AND d.status <> 'done'
		ORDER BY d.pk LIMIT $3`, to, messageType, sqlLimit(limit))
}

// QueueStamp implements hub.Store: the sum of the queues' counters, which
// every change raises in its own transaction, whichever instance makes
// it.
func (s *Store) QueueStamp(ctx context.Context, to []string, messageType string) (uint64, error) {
	if len(to) == 0 {
		return 0, nil
	}
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(sum(version), 0)::bigint FROM queue_versions
		WHERE to_addr = ANY ($1) AND message_type = $2`, to, messageType).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("pgstore: queue stamp: %w", err)
	}
	return uint64(n), nil
}

// CountPending implements hub.Store.
func (s *Store) CountPending(ctx context.Context, to []string, messageType string) (int, error) {
	if len(to) == 0 {
		return 0, nil
	}
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM deliveries
		WHERE to_addr = ANY ($1) AND message_type = $2 AND status <> 'done'`, to, messageType).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("pgstore: count deliveries: %w", err)
	}
	return n, nil
}

// MarkFetched implements hub.Store: one UPDATE keeping the first time,
// whichever instance serves the first download.
func (s *Store) MarkFetched(ctx context.Context, req hub.Request, docID string, at time.Time) error {
	if err := s.rememberFor(ctx, req); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE deliveries SET fetched = coalesce(fetched, $1) WHERE doc_id = $2`,
		ts(nowOr(at)), docID)
	if err != nil {
		return fmt.Errorf("pgstore: mark fetched: %w", err)
	}
	return oneRow(tag, "delivery "+docID)
}

// SetStatus implements hub.Store. One statement locks the delivery, reads
// its status and updates it unless it is done: two instances setting the
// status of one docId at once are serialised by the row lock, and the
// second sees what the first wrote.
func (s *Store) SetStatus(ctx context.Context, req hub.Request, docID, status, desc string, at time.Time) error {
	switch status {
	case hub.StatusPending, hub.StatusProcessing, hub.StatusDone, hub.StatusFail:
	default:
		return fmt.Errorf("pgstore: unknown delivery status %q", status)
	}
	if err := s.rememberFor(ctx, req); err != nil {
		return err
	}
	var cur string
	var updated bool
	err := s.pool.QueryRow(ctx, `
		WITH cur AS (SELECT pk, status FROM deliveries WHERE doc_id = $1 FOR UPDATE),
		upd AS (
			UPDATE deliveries d SET status = $2, status_desc = $3, updated = $4
			FROM cur WHERE d.pk = cur.pk AND cur.status <> 'done'
			RETURNING d.to_addr, d.message_type),
		ver AS (
			INSERT INTO queue_versions (to_addr, message_type, version)
			SELECT to_addr, message_type, 1 FROM upd
			ON CONFLICT (to_addr, message_type) DO UPDATE SET version = queue_versions.version + 1)
		SELECT cur.status, EXISTS (SELECT 1 FROM upd) FROM cur`,
		docID, status, desc, ts(nowOr(at))).Scan(&cur, &updated)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("delivery %s: %w", docID, hub.ErrNotFound)
	case err != nil:
		return fmt.Errorf("pgstore: set status: %w", err)
	case updated, status == hub.StatusDone:
		return nil
	}
	return fmt.Errorf("delivery %s: %w", docID, hub.ErrFinal)
}

// Sent implements hub.Store.
func (s *Store) Sent(ctx context.Context, from []string, packetID, messageType string, limit int) ([]hub.Entry, error) {
	if len(from) == 0 {
		return []hub.Entry{}, nil
	}
	args := []any{from}
	q := `SELECT ` + entryCols + ` FROM deliveries d JOIN packets p ON p.pk = d.packet_pk
		WHERE p.from_addr = ANY ($1)`
	if packetID != "" {
		args = append(args, packetID)
		q += fmt.Sprintf(` AND p.id = $%d`, len(args))
	}
	if messageType != "" {
		args = append(args, messageType)
		q += fmt.Sprintf(` AND p.message_type = $%d`, len(args))
	}
	args = append(args, sqlLimit(limit))
	q += fmt.Sprintf(` ORDER BY p.pk DESC, d.pk LIMIT $%d`, len(args))
	return s.entries(ctx, q, args...)
}

// QueueDepth implements hub.Store.
func (s *Store) QueueDepth(ctx context.Context) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT message_type, count(*) FROM deliveries WHERE status <> 'done' GROUP BY message_type`)
	if err != nil {
		return nil, fmt.Errorf("pgstore: queue depth: %w", err)
	}
	defer rows.Close()
	out := map[string]int{hub.MessageEdoc: 0, hub.MessageStatus: 0}
	for rows.Next() {
		var mt string
		var n int
		if err := rows.Scan(&mt, &n); err != nil {
			return nil, fmt.Errorf("pgstore: queue depth: %w", err)
		}
		out[mt] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: queue depth: %w", err)
	}
	return out, nil
}

// Counts implements hub.Store.
func (s *Store) Counts(ctx context.Context) (hub.Counts, error) {
	var c hub.Counts
	err := s.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM agencies), (SELECT count(*) FROM systems), (SELECT count(*) FROM packets),
		(SELECT count(*) FROM deliveries), (SELECT count(*) FROM requests)`).
		Scan(&c.Agencies, &c.Systems, &c.Packets, &c.Deliveries, &c.Requests)
	if err != nil {
		return c, fmt.Errorf("pgstore: counts: %w", err)
	}
	return c, nil
}
