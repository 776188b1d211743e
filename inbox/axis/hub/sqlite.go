package hub

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite" // the database driver (pure Go)
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/vanthu/vanthu/internal/batch"
	"github.com/vanthu/vanthu/internal/sqlstmt"
)

//go:embed sqlite/*.sql
var sqliteMigrations embed.FS

// chunkSize is the size of the pieces a packet body is stored in.
const chunkSize = 256 << 10

// SQLite is the Store of a single host: one file, WAL, one writer
// connection and a pool of readers. One process at a time uses the file:
// the queue stamps are counted in memory.
type SQLite struct {
	w *sql.DB // the one writer
	r *sql.DB // readers (query_only)

	stampMu sync.Mutex
	stamps  map[queueKey]uint64 // changes to each queue since the store was opened

	// Writes that requests make (request ids, packets, deliveries'
	// states) are committed in groups (see write); Close stops the group.
	writes *batch.Group[writeOp]

	stmts sqlstmt.Cache // on both pools
}

// row runs a query of one row on db through its prepared statement.
func (s *SQLite) row(ctx context.Context, db *sql.DB, query string, args ...any) *sql.Row {
	return s.stmts.Row(ctx, db, query, args...)
}

// txStmt returns one of txQueries for a transaction of the writer: its
// statement prepared at open (preparing one now would wait for the
// writer's one connection, which the transaction holds).
func (s *SQLite) txStmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	st, ok := s.stmts.Prepared(s.w, query)
	if !ok {
		return nil, fmt.Errorf("hub: statement not prepared at open: %.60s", query)
	}
	return tx.StmtContext(ctx, st), nil
}

// txExec runs one of txQueries in a transaction of the writer.
func (s *SQLite) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	st, err := s.txStmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// txScan runs one of txQueries that returns a row in a transaction of the
// writer and scans the row into dest.
func (s *SQLite) txScan(ctx context.Context, tx *sql.Tx, query string, args []any, dest ...any) error {
	st, err := s.txStmt(ctx, tx, query)
	if err != nil {
		return err
	}
	return st.QueryRowContext(ctx, args...).Scan(dest...)
}

// Statements run in transactions (see txExec).
const (
	insertPacketSQL = `
		INSERT INTO packets (id, sender_system, from_addr, from_agency, service_type, message_type, sha256, size,
			document_id, subject, notation, status_code, status_desc, response_for, created_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	insertDeliverySQL = `
		INSERT INTO deliveries (doc_id, packet_pk, to_addr, to_agency, message_type, status, created_ms, updated_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	insertChunkSQL = `INSERT INTO packet_chunks (packet_pk, seq, data) VALUES (?, ?, ?)`
	rememberSQL    = `INSERT INTO requests (system_id, request_id, until_ms) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`
	markFetchedSQL = `UPDATE deliveries SET fetched_ms = CASE WHEN fetched_ms = 0 THEN ? ELSE fetched_ms END
		WHERE doc_id = ?`
	setStatusSQL = `UPDATE deliveries SET status = ?, status_desc = ?, updated_ms = ?
		WHERE doc_id = ? AND status <> 'done'
		RETURNING to_addr, message_type`
	deliveryStatusSQL = `SELECT status FROM deliveries WHERE doc_id = ?`
	savepointSQL      = `SAVEPOINT write`
	rollbackToSQL     = `ROLLBACK TO write`
	releaseSQL        = `RELEASE write`
)

var txQueries = []string{insertPacketSQL, insertDeliverySQL, insertChunkSQL, businessStatusSQL(1),
	rememberSQL, markFetchedSQL, setStatusSQL, deliveryStatusSQL, savepointSQL, rollbackToSQL, releaseSQL}

// writeOp is one write in a group commit.
type writeOp struct {
	run   func(ctx context.Context, tx *sql.Tx) error
	after func() // once committed (nil: nothing)
}

// writeBatch is the most writes one transaction holds.
const writeBatch = 128

// queueKey is one queue: a recipient address and a message type.
type queueKey struct{ to, messageType string }

var _ Store = (*SQLite)(nil)

// OpenSQLite opens (creating if needed, mode 0600) the database at path
// and brings its schema up to date.
func OpenSQLite(ctx context.Context, path string) (*SQLite, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("hub: unusable database path %q", path)
	}
	// The database holds official documents: readable by its owner only.
	// SQLite gives its -wal and -shm files the database file's mode.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		_ = f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("hub: create %s: %w", path, err)
	}
	params := url.Values{}
	params.Add("_pragma", "busy_timeout(10000)")
	params.Add("_pragma", "journal_mode(WAL)")
	params.Add("_pragma", "foreign_keys(1)")
	params.Add("_pragma", "synchronous(NORMAL)")
	// Checkpoints every 10,000 pages (40 MB of log) rather than SQLite's
	// 1,000: the pages a delivery's writes touch (its queue's index, the
	// replay memory) are copied to the database once per checkpoint however
	// often they changed, and each checkpoint syncs the file.
	params.Add("_pragma", "wal_autocheckpoint(10000)")
	// Statement journals (what a savepoint of a group commit undoes) in
	// memory, not spilled to temporary files.
	params.Add("_pragma", "temp_store(MEMORY)")
	params.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite", path+"?"+params.Encode())
	if err != nil {
		return nil, fmt.Errorf("hub: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	if err := migrateSQLite(ctx, w); err != nil {
		_ = w.Close()
		return nil, err
	}
	params.Add("_pragma", "query_only(1)")
	params.Del("_txlock")
	r, err := sql.Open("sqlite", path+"?"+params.Encode())
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("hub: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4) // a connection closed and opened again loses its prepared statements
	s := &SQLite{w: w, r: r, stamps: map[queueKey]uint64{}}
	for _, q := range txQueries {
		if _, err := s.stmts.Get(ctx, w, q); err != nil {
			_ = s.stmts.Close()
			_ = w.Close()
			_ = r.Close()
			return nil, fmt.Errorf("hub: open %s: %w", path, err)
		}
	}
	s.writes = batch.NewGroup(writeBatch, s.writeAll)
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func migrateSQLite(ctx context.Context, db *sql.DB) error {
	names, err := fs.Glob(sqliteMigrations, "sqlite/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("hub: read schema version: %w", err)
	}
	if version > len(names) {
		return fmt.Errorf("hub: the database has schema version %d, newer than this program (%d)", version, len(names))
	}
	for i := version; i < len(names); i++ {
		text, err := sqliteMigrations.ReadFile(names[i])
		if err != nil {
			return err
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("hub: migrate: %w", err)
		}
		if _, err := tx.ExecContext(ctx, string(text)); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("hub: migrate %s: %w", names[i], err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1)); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("hub: migrate %s: %w", names[i], err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("hub: migrate %s: %w", names[i], err)
		}
	}
	return nil
}

// Close stops the group commits and closes both pools.
func (s *SQLite) Close() error {
	s.writes.Close()
	return errors.Join(s.stmts.Close(), s.r.Close(), s.w.Close())
}

// write runs op in a transaction of the writer, and its after once
// committed. The writes that requests make arrive a few at a time from
// many connections, and a commit each would bound the server's rate: those
// arriving while a transaction runs share the next one (group commit),
// each in its own savepoint, so that one failing leaves the others be.
// write returns once op's changes are committed, or with op's error (its
// changes undone), or with the transaction's.
func (s *SQLite) write(ctx context.Context, op writeOp) error {
	err := s.writes.Do(ctx, op)
	if errors.Is(err, batch.ErrClosed) {
		return errors.New("hub: the store is closed")
	}
	return err
}

// writeAll runs a group of writes in one transaction and sets what became
// of each.
func (s *SQLite) writeAll(calls []*batch.Call[writeOp]) {
	// The transaction serves several requests; each was checked for its
	// own context before its turn.
	if err := s.writeTx(context.Background(), calls); err != nil {
		err = fmt.Errorf("hub: store: %w", err)
		for _, c := range calls {
			if c.Err == nil { // undone with the transaction
				c.Err = err
			}
		}
		return
	}
	for _, c := range calls {
		if c.Err == nil && c.Value.after != nil {
			c.Value.after()
		}
	}
}

// writeTx runs the calls' writes in one transaction, setting each call's
// own error; a write that fails is undone by a savepoint, or by the
// rollback when it is alone. err is the transaction's failure (every
// change undone).
func (s *SQLite) writeTx(ctx context.Context, calls []*batch.Call[writeOp]) (err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	for _, c := range calls {
		if c.Err = c.Ctx.Err(); c.Err != nil {
			continue
		}
		if len(calls) == 1 {
			if c.Err = c.Value.run(ctx, tx); c.Err != nil {
				return tx.Rollback()
			}
			continue
		}
		if _, err := s.txExec(ctx, tx, savepointSQL); err != nil {
			return err
		}
		if c.Err = c.Value.run(ctx, tx); c.Err != nil {
			// A failure of the rollback means the transaction is gone
			// (SQLite rolls back a whole transaction on some failures).
			if _, err := s.txExec(ctx, tx, rollbackToSQL); err != nil {
				return err
			}
		}
		if _, err := s.txExec(ctx, tx, releaseSQL); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Ping checks both pools.
func (s *SQLite) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("hub: store: %w", err)
	}
	if err := s.r.PingContext(ctx); err != nil {
		return fmt.Errorf("hub: store: %w", err)
	}
	return nil
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func nowOr(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// placeholders returns "?,?,…" for n values and the values as []any.
func placeholders(vals []string) (string, []any) {
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	return strings.TrimSuffix(strings.Repeat("?,", len(vals)), ","), args
}

// PutAgency implements Store.
func (s *SQLite) PutAgency(ctx context.Context, a Agency) (Agency, error) {
	t := ms(nowOr(a.Updated))
	var id, created, updated int64
	err := s.w.QueryRowContext(ctx, `
		INSERT INTO agencies (code, old_code, name, mail, parent_id, owner, created_ms, updated_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET old_code = excluded.old_code, name = excluded.name,
			mail = excluded.mail, parent_id = excluded.parent_id, owner = excluded.owner,
			updated_ms = excluded.updated_ms
		RETURNING id, created_ms, updated_ms`,
		a.Code, a.OldCode, a.Name, a.Mail, a.ParentID, a.Owner, t, t).Scan(&id, &created, &updated)
	if err != nil {
		return Agency{}, fmt.Errorf("hub: store agency: %w", err)
	}
	a.ID, a.Created, a.Updated = id, fromMS(created), fromMS(updated)
	return a, nil
}

// DeleteAgency implements Store.
func (s *SQLite) DeleteAgency(ctx context.Context, code string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM agencies WHERE code = ?`, code)
	if err != nil {
		return fmt.Errorf("hub: delete agency: %w", err)
	}
	return oneRow(res, "agency "+code)
}

func oneRow(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}

const agencyCols = `id, code, old_code, name, mail, parent_id, owner, created_ms, updated_ms`

func scanAgency(row interface{ Scan(...any) error }) (Agency, error) {
	var a Agency
	var created, updated int64
	err := row.Scan(&a.ID, &a.Code, &a.OldCode, &a.Name, &a.Mail, &a.ParentID, &a.Owner, &created, &updated)
	a.Created, a.Updated = fromMS(created), fromMS(updated)
	return a, err
}

// Agency implements Store.
func (s *SQLite) Agency(ctx context.Context, code string) (Agency, error) {
	a, err := scanAgency(s.row(ctx, s.r, `SELECT `+agencyCols+` FROM agencies WHERE code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return Agency{}, fmt.Errorf("agency %s: %w", code, ErrNotFound)
	}
	if err != nil {
		return Agency{}, fmt.Errorf("hub: read agency: %w", err)
	}
	return a, nil
}

// Agencies implements Store.
func (s *SQLite) Agencies(ctx context.Context) ([]Agency, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+agencyCols+` FROM agencies ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("hub: list agencies: %w", err)
	}
	defer rows.Close()
	var out []Agency
	for rows.Next() {
		a, err := scanAgency(rows)
		if err != nil {
			return nil, fmt.Errorf("hub: list agencies: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// PutSystem implements Store.
func (s *SQLite) PutSystem(ctx context.Context, sys SystemRecord) error {
	boxes := sys.Mailboxes
	if boxes == nil {
		boxes = []string{}
	}
	mb, err := json.Marshal(boxes)
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, `
		INSERT INTO systems (id, agency, name, mailboxes, sealed_secret, updated_ms) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET agency = excluded.agency, name = excluded.name,
			mailboxes = excluded.mailboxes, sealed_secret = excluded.sealed_secret, updated_ms = excluded.updated_ms`,
		sys.ID, sys.Agency, sys.Name, string(mb), sys.SealedSecret, ms(nowOr(sys.Updated)))
	if err != nil {
		return fmt.Errorf("hub: store system: %w", err)
	}
	return nil
}

// DeleteSystem implements Store.
func (s *SQLite) DeleteSystem(ctx context.Context, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM systems WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("hub: delete system: %w", err)
	}
	return oneRow(res, "system "+id)
}

// Systems implements Store.
func (s *SQLite) Systems(ctx context.Context) ([]SystemRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, agency, name, mailboxes, sealed_secret, updated_ms FROM systems ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("hub: list systems: %w", err)
	}
	defer rows.Close()
	var out []SystemRecord
	for rows.Next() {
		var r SystemRecord
		var mb string
		var updated int64
		if err := rows.Scan(&r.ID, &r.Agency, &r.Name, &mb, &r.SealedSecret, &updated); err != nil {
			return nil, fmt.Errorf("hub: list systems: %w", err)
		}
		if err := json.Unmarshal([]byte(mb), &r.Mailboxes); err != nil {
			return nil, fmt.Errorf("hub: system %s: mailboxes: %w", r.ID, err)
		}
		r.Updated = fromMS(updated)
		out = append(out, r)
	}
	return out, rows.Err()
}

// RememberRequest implements Store. Every request the server accepts
// records its id: one of the group commits (see write). It returns once
// the id is committed, or with ErrReplay when the id was recorded before,
// in an earlier transaction or earlier in the same.
func (s *SQLite) RememberRequest(ctx context.Context, systemID, requestID string, until time.Time) error {
	return s.write(ctx, s.rememberOp(systemID, requestID, until))
}

func (s *SQLite) rememberOp(systemID, requestID string, until time.Time) writeOp {
	return writeOp{run: func(ctx context.Context, tx *sql.Tx) error {
		res, err := s.txExec(ctx, tx, rememberSQL, systemID, requestID, ms(until))
		if err != nil {
			return fmt.Errorf("hub: remember request: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("hub: remember request: %w", err)
		}
		if n == 0 {
			return ErrReplay
		}
		return nil
	}}
}

// remembering runs op after remembering req's id, in op's savepoint: a
// replay changes nothing, and a failing op undoes the id with its own
// changes (the request had no effect, so nothing can be replayed).
func (s *SQLite) remembering(req Request, op writeOp) writeOp {
	if req.ID == "" {
		return op
	}
	remember := s.rememberOp(req.SystemID, req.ID, req.Until)
	return writeOp{run: func(ctx context.Context, tx *sql.Tx) error {
		if err := remember.run(ctx, tx); err != nil {
			return err
		}
		return op.run(ctx, tx)
	}, after: op.after}
}

// ForgetRequests implements Store.
func (s *SQLite) ForgetRequests(ctx context.Context, t time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM requests WHERE until_ms < ?`, ms(t))
	if err != nil {
		return 0, fmt.Errorf("hub: forget requests: %w", err)
	}
	return res.RowsAffected()
}

// AddPacket implements Store: one of the group commits (see write).
func (s *SQLite) AddPacket(ctx context.Context, req Request, p Packet, body io.Reader, to []Delivery) error {
	if len(to) == 0 {
		return errors.New("hub: a packet needs at least one recipient")
	}
	return s.write(ctx, s.remembering(req, s.addPacketOp(p, body, to)))
}

func (s *SQLite) addPacketOp(p Packet, body io.Reader, to []Delivery) writeOp {
	keys := make([]queueKey, len(to))
	for i, d := range to {
		keys[i] = queueKey{d.To, p.MessageType}
	}
	return writeOp{
		run:   func(ctx context.Context, tx *sql.Tx) error { return s.addPacket(ctx, tx, p, body, to) },
		after: func() { s.bump(keys...) },
	}
}

func (s *SQLite) addPacket(ctx context.Context, tx *sql.Tx, p Packet, body io.Reader, to []Delivery) error {
	created := ms(nowOr(p.Created))
	res, err := s.txExec(ctx, tx, insertPacketSQL,
		p.ID, p.SenderSystem, p.From, agencyOf(p.From), p.ServiceType, p.MessageType, p.SHA256, p.Size,
		p.DocumentID, p.Subject, p.Notation, p.StatusCode, p.StatusDesc, p.ResponseFor, created)
	if err != nil {
		if isConstraint(err) {
			return fmt.Errorf("packet %s: %w", p.ID, ErrExists)
		}
		return fmt.Errorf("hub: store packet: %w", err)
	}
	pk, err := res.LastInsertId()
	if err != nil {
		return err
	}
	if err := s.writeChunks(ctx, tx, pk, body, p.Size); err != nil {
		return err
	}
	for _, d := range to {
		_, err := s.txExec(ctx, tx, insertDeliverySQL,
			d.DocID, pk, d.To, agencyOf(d.To), p.MessageType, StatusPending, created, created)
		if err != nil {
			if isConstraint(err) {
				return fmt.Errorf("delivery %s: %w", d.DocID, ErrExists)
			}
			return fmt.Errorf("hub: store delivery: %w", err)
		}
	}
	if p.MessageType == MessageStatus && p.ResponseFor != "" {
		agencies := make([]string, 0, len(to))
		for _, d := range to {
			agencies = append(agencies, agencyOf(d.To))
		}
		_, args := placeholders(agencies)
		args = append([]any{p.StatusCode, p.StatusDesc, created, agencyOf(p.From), MessageEdoc, p.ResponseFor}, args...)
		q := businessStatusSQL(len(agencies))
		var err error
		if len(agencies) == 1 { // most status packets answer one agency
			_, err = s.txExec(ctx, tx, q, args...)
		} else {
			_, err = tx.ExecContext(ctx, q, args...)
		}
		if err != nil {
			return fmt.Errorf("hub: record business status: %w", err)
		}
	}
	return nil
}

// bump counts a change to queues, after it was committed.
func (s *SQLite) bump(keys ...queueKey) {
	s.stampMu.Lock()
	for _, k := range keys {
		s.stamps[k]++
	}
	s.stampMu.Unlock()
}

// QueueStamp implements Store: the changes counted since the store was
// opened (the cache it serves lives no longer than the process).
func (s *SQLite) QueueStamp(_ context.Context, to []string, messageType string) (uint64, error) {
	s.stampMu.Lock()
	defer s.stampMu.Unlock()
	var n uint64
	for _, addr := range to {
		n += s.stamps[queueKey{addr, messageType}]
	}
	return n, nil
}

// businessStatusSQL records a status packet's code on the deliveries it
// answers, for n agencies among its recipients. The answered packets are
// found first, then their deliveries: the unary + keeps SQLite from
// walking every delivery to the answering agency instead, which grows
// with the agency's queue (a status per document would cost the whole
// queue each).
func businessStatusSQL(n int) string {
	ph, _ := placeholders(make([]string, n))
	//nolint:gosec // only "?" placeholders are concatenated
	return `UPDATE deliveries SET business_status = ?, business_desc = ?, business_ms = ?
		WHERE +to_agency = ? AND packet_pk IN (
			SELECT pk FROM packets WHERE message_type = ? AND document_id = ? AND from_agency IN (` + ph + `))`
}

func (s *SQLite) writeChunks(ctx context.Context, tx *sql.Tx, pk int64, body io.Reader, size int64) error {
	// A chunk's room, or one byte more than a smaller body so that a body
	// longer than its size is noticed.
	buf := make([]byte, min(chunkSize, max(size, 0)+1))
	var total int64
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(body, buf)
		if n > 0 {
			total += int64(n)
			if total > size {
				return fmt.Errorf("hub: the packet body is longer than its size %d", size)
			}
			if _, err := s.txExec(ctx, tx, insertChunkSQL, pk, seq, buf[:n]); err != nil {
				return fmt.Errorf("hub: store packet body: %w", err)
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("hub: read packet body: %w", err)
		}
	}
	if total != size {
		return fmt.Errorf("hub: the packet body has %d bytes, not its size %d", total, size)
	}
	return nil
}

func isConstraint(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
}

// OpenBody implements Store.
func (s *SQLite) OpenBody(ctx context.Context, packetID string) (io.ReadCloser, error) {
	var pk int64
	err := s.row(ctx, s.r, `SELECT pk FROM packets WHERE id = ?`, packetID).Scan(&pk)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("packet %s: %w", packetID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("hub: open packet body: %w", err)
	}
	return &chunkReader{ctx: ctx, s: s, pk: pk}, nil
}

// chunkReader reads a body one chunk (one query) at a time, so that no
// read transaction stays open while the client is slow.
type chunkReader struct {
	ctx context.Context // the reader lives for one request
	s   *SQLite
	pk  int64
	seq int
	buf []byte
	eof bool
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.buf) == 0 {
		if c.eof {
			return 0, io.EOF
		}
		err := c.s.row(c.ctx, c.s.r, `SELECT data FROM packet_chunks WHERE packet_pk = ? AND seq = ?`, c.pk, c.seq).Scan(&c.buf)
		if errors.Is(err, sql.ErrNoRows) {
			c.eof = true
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("hub: read packet body: %w", err)
		}
		c.seq++
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

func (c *chunkReader) Close() error { c.eof, c.buf = true, nil; return nil }

const entryCols = `p.id, p.sender_system, p.from_addr, p.service_type, p.message_type, p.sha256, p.size,
	p.document_id, p.subject, p.notation, p.status_code, p.status_desc, p.response_for, p.created_ms,
	d.doc_id, d.to_addr, d.status, d.status_desc, d.created_ms, d.updated_ms, d.fetched_ms,
	d.business_status, d.business_desc, d.business_ms`

func scanEntry(row interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	p, d := &e.Packet, &e.Delivery
	var pc, dc, du, df, db int64
	err := row.Scan(&p.ID, &p.SenderSystem, &p.From, &p.ServiceType, &p.MessageType, &p.SHA256, &p.Size,
		&p.DocumentID, &p.Subject, &p.Notation, &p.StatusCode, &p.StatusDesc, &p.ResponseFor, &pc,
		&d.DocID, &d.To, &d.Status, &d.StatusDesc, &dc, &du, &df,
		&d.BusinessStatus, &d.BusinessDesc, &db)
	p.Created = fromMS(pc)
	d.PacketID, d.Created, d.Updated, d.Fetched, d.BusinessTime = p.ID, fromMS(dc), fromMS(du), fromMS(df), fromMS(db)
	return e, err
}

func (s *SQLite) entries(ctx context.Context, query string, args ...any) ([]Entry, error) {
	st, err := s.stmts.Get(ctx, s.r, query)
	if err != nil {
		return nil, fmt.Errorf("hub: list deliveries: %w", err)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("hub: list deliveries: %w", err)
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("hub: list deliveries: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Entry implements Store.
func (s *SQLite) Entry(ctx context.Context, docID string) (Entry, error) {
	e, err := scanEntry(s.row(ctx, s.r, `SELECT `+entryCols+`
		FROM deliveries d JOIN packets p ON p.pk = d.packet_pk WHERE d.doc_id = ?`, docID))
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, fmt.Errorf("delivery %s: %w", docID, ErrNotFound)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("hub: read delivery: %w", err)
	}
	return e, nil
}

// Received implements Store.
func (s *SQLite) Received(ctx context.Context, to []string, messageType string, limit int) ([]Entry, error) {
	if len(to) == 0 {
		return []Entry{}, nil
	}
	ph, args := placeholders(to)
	args = append(args, messageType, limit)
	return s.entries(ctx, `SELECT `+entryCols+`
		FROM deliveries d JOIN packets p ON p.pk = d.packet_pk
		WHERE d.to_addr IN (`+ph+`) AND d.message_type = ? AND d.status <> 'done'
		ORDER BY d.pk LIMIT ?`, args...)
}

// CountPending implements Store.
func (s *SQLite) CountPending(ctx context.Context, to []string, messageType string) (int, error) {
	if len(to) == 0 {
		return 0, nil
	}
	ph, args := placeholders(to)
	args = append(args, messageType)
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM deliveries d
		WHERE d.to_addr IN (`+ph+`) AND d.message_type = ? AND d.status <> 'done'`, args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("hub: count deliveries: %w", err)
	}
	return n, nil
}

// MarkFetched implements Store: one of the group commits (see write).
func (s *SQLite) MarkFetched(ctx context.Context, req Request, docID string, at time.Time) error {
	return s.write(ctx, s.remembering(req, s.markFetchedOp(docID, at)))
}

func (s *SQLite) markFetchedOp(docID string, at time.Time) writeOp {
	return writeOp{run: func(ctx context.Context, tx *sql.Tx) error {
		res, err := s.txExec(ctx, tx, markFetchedSQL, ms(nowOr(at)), docID)
		if err != nil {
			return fmt.Errorf("hub: mark fetched: %w", err)
		}
		return oneRow(res, "delivery "+docID)
	}}
}

// SetStatus implements Store: one of the group commits (see write).
func (s *SQLite) SetStatus(ctx context.Context, req Request, docID, status, desc string, at time.Time) error {
	switch status {
	case StatusPending, StatusProcessing, StatusDone, StatusFail:
	default:
		return fmt.Errorf("hub: unknown delivery status %q", status)
	}
	return s.write(ctx, s.remembering(req, s.setStatusOp(docID, status, desc, at)))
}

func (s *SQLite) setStatusOp(docID, status, desc string, at time.Time) writeOp {
	var k queueKey
	changed := false
	return writeOp{run: func(ctx context.Context, tx *sql.Tx) error {
		err := s.txScan(ctx, tx, setStatusSQL, []any{status, desc, ms(nowOr(at)), docID}, &k.to, &k.messageType)
		if err == nil {
			changed = true
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("hub: set status: %w", err)
		}
		// Not updated: absent, or done already.
		var cur string
		err = s.txScan(ctx, tx, deliveryStatusSQL, []any{docID}, &cur)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("delivery %s: %w", docID, ErrNotFound)
		case err != nil:
			return fmt.Errorf("hub: set status: %w", err)
		case status == StatusDone:
			return nil
		}
		return fmt.Errorf("delivery %s: %w", docID, ErrFinal)
	}, after: func() {
		if changed {
			s.bump(k)
		}
	}}
}

// Sent implements Store.
func (s *SQLite) Sent(ctx context.Context, from []string, packetID, messageType string, limit int) ([]Entry, error) {
	if len(from) == 0 {
		return []Entry{}, nil
	}
	ph, args := placeholders(from)
	q := `SELECT ` + entryCols + ` FROM deliveries d JOIN packets p ON p.pk = d.packet_pk
		WHERE p.from_addr IN (` + ph + `)`
	if packetID != "" {
		q += ` AND p.id = ?`
		args = append(args, packetID)
	}
	if messageType != "" {
		q += ` AND p.message_type = ?`
		args = append(args, messageType)
	}
	q += ` ORDER BY p.pk DESC, d.pk LIMIT ?`
	args = append(args, limit)
	return s.entries(ctx, q, args...)
}

// QueueDepth implements Store.
func (s *SQLite) QueueDepth(ctx context.Context) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT message_type, count(*) FROM deliveries WHERE status <> 'done' GROUP BY message_type`)
	if err != nil {
		return nil, fmt.Errorf("hub: queue depth: %w", err)
	}
	defer rows.Close()
	out := map[string]int{MessageEdoc: 0, MessageStatus: 0}
	for rows.Next() {
		var mt string
		var n int
		if err := rows.Scan(&mt, &n); err != nil {
			return nil, fmt.Errorf("hub: queue depth: %w", err)
		}
		out[mt] = n
	}
	return out, rows.Err()
}

// Counts implements Store.
func (s *SQLite) Counts(ctx context.Context) (Counts, error) {
	var c Counts
	err := s.r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM agencies), (SELECT count(*) FROM systems), (SELECT count(*) FROM packets),
		(SELECT count(*) FROM deliveries), (SELECT count(*) FROM requests)`).
		Scan(&c.Agencies, &c.Systems, &c.Packets, &c.Deliveries, &c.Requests)
	if err != nil {
		return c, fmt.Errorf("hub: counts: %w", err)
	}
	return c, nil
}
