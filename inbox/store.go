package inbox

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the database driver (pure Go, FTS5 included)

	"github.com/vanthu/vanthu/internal/sqlstmt"
)

// migrationFiles holds the schema, one file per version: NNNN_name.sql.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// Options configure a Store.
type Options struct {
	// ReadConns is the size of the read-only connection pool (default 4).
	ReadConns int
	// ReadCacheMB is the page cache of each reader, in megabytes
	// (default 8), so that the readers' memory stays within ReadConns ×
	// ReadCacheMB. (Mapping the database instead is no faster for the
	// searches and lists measured, and keeps every page it touched
	// resident together with its neighbours — the kernel maps 64 KB
	// around each page read — most of a large database after a while.)
	ReadCacheMB int
	// EncodeStatus builds the edXML status packet for an outbox row. It is
	// called inside the transaction of the action that notifies; without it
	// those actions fail with ErrNoEncoder.
	EncodeStatus func(StatusPacket) ([]byte, error)
	// Now is the clock (default time.Now). Blob ages for GC use the file
	// system's clock instead.
	Now func() time.Time
	// Self is this desk's agency: the sender of status packets and the
	// issuer of outgoing documents.
	Self Organization
	// SearchWindow is how many of the newest matching documents Search
	// ranks (default 300); see Search.
	SearchWindow int
}

// Store is one desk's local inbox: dir/inbox.db and dir/blobs/.
//
// All writes go through one connection, one transaction at a time; reads
// use a pool of read-only connections and see the last committed state
// (WAL), so they never wait for a writer.
//
// Durability: the writer runs with synchronous=FULL. Every write carries an
// audit entry, and many are promises made to someone else (a packet
// acknowledged "done" to the axis, a status sent to a sender, a number
// given out), so a commit must survive a power cut; in WAL mode FULL costs
// one fsync of the WAL per commit. Readers do not sync.
type Store struct {
	dir    string
	blobs  string
	w      *sql.DB // exactly one connection
	r      *sql.DB // read-only pool
	opts   Options
	stmts  stmtCache     // statements prepared on w
	rstmts sqlstmt.Cache // the readers' statements for the lookups an import makes per packet (readRow)

	blobMu sync.Mutex // orders PutBlob's publish step against GC's delete step
}

// Open opens (creating if needed) the store in dir and brings its schema
// up to date. It refuses a database written by a newer version.
func Open(ctx context.Context, dir string, opts Options) (*Store, error) {
	if opts.ReadConns <= 0 {
		opts.ReadConns = 4
	}
	if opts.ReadCacheMB <= 0 {
		opts.ReadCacheMB = 8
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SearchWindow <= 0 {
		opts.SearchWindow = 300
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open inbox: %w", err)
	}
	s := &Store{dir: abs, blobs: filepath.Join(abs, "blobs"), opts: opts}
	if err := os.MkdirAll(s.blobs, 0o700); err != nil {
		return nil, fmt.Errorf("open inbox: %w", err)
	}
	path := filepath.Join(abs, "inbox.db")

	s.w, err = sql.Open("sqlite", dsn(path, false, 0))
	if err != nil {
		return nil, fmt.Errorf("open inbox: %w", err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	if err := migrate(ctx, s.w, -1, s.migrationHooks()); err != nil {
		_ = s.w.Close()
		return nil, err
	}
	s.stmts.db = s.w

	s.r, err = sql.Open("sqlite", dsn(path, true, opts.ReadCacheMB))
	if err != nil {
		_ = s.w.Close()
		return nil, fmt.Errorf("open inbox: %w", err)
	}
	s.r.SetMaxOpenConns(opts.ReadConns)
	s.r.SetMaxIdleConns(opts.ReadConns)
	if err := s.r.PingContext(ctx); err != nil {
		_ = s.w.Close()
		_ = s.r.Close()
		return nil, fmt.Errorf("open inbox readers: %w", err)
	}
	return s, nil
}

// dsn is the driver's data source name for the writer or a reader (with a
// page cache of cacheMB).
func dsn(path string, readOnly bool, cacheMB int) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	if readOnly {
		q.Set("mode", "ro")
		q.Add("_pragma", "query_only(1)")
		q.Add("_pragma", fmt.Sprintf("cache_size(%d)", -cacheMB<<10))
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		// A larger page cache than the default 2 MB: an import
		// transaction updates the documents, their statuses, the audit
		// chain and the search index, and reading those pages back
		// through a system call each is most of a small transaction's
		// cost.
		q.Add("_pragma", "cache_size(-16384)")
		// Statement journals (what undoes one statement inside a larger
		// transaction) in memory: past 64 KB SQLite spills them to a
		// temporary file, and an import transaction wrote some 27 pages
		// per document there, a system call each.
		q.Add("_pragma", "temp_store(MEMORY)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Set("_txlock", "immediate")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

// Close closes the database connections.
func (s *Store) Close() error {
	s.stmts.close()
	return errors.Join(s.rstmts.Close(), s.r.Close(), s.w.Close())
}

// readRow runs a query of one row on the readers through a statement
// prepared once (query is a constant: every one is kept until Close).
func (s *Store) readRow(ctx context.Context, query string, args ...any) *sql.Row {
	return s.rstmts.Row(ctx, s.r, query, args...)
}

func (s *Store) now() time.Time { return s.opts.Now() }

// write runs fn in one write transaction on the writer connection. Only one
// runs at a time; fn must not call other writing methods of the Store.
func (s *Store) write(ctx context.Context, fn func(tx *wtx, now time.Time) error) error {
	// Statements met for the first time in the last transaction are
	// prepared once it has released the connection.
	defer s.stmts.preparePending(ctx)
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(&wtx{tx: tx, stmts: &s.stmts}, s.now()); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// migration is one schema version.
type migration struct {
	version int
	name    string
	sql     string
}

// migrationHook runs after the SQL of its version, in the same transaction.
type migrationHook func(ctx context.Context, tx *wtx) error

func (s *Store) migrationHooks() map[int]migrationHook {
	return map[int]migrationHook{
		2: func(ctx context.Context, tx *wtx) error { return reindexAll(ctx, tx) },
	}
}

func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("migration file %s: name must be NNNN_name.sql", name)
		}
		b, err := migrationFiles.ReadFile("migrations/" + name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: versions must run 1, 2, 3, … without gaps", m.name)
		}
	}
	return ms, nil
}

// schemaVersion is the version the code writes.
func schemaVersion() int {
	ms, err := loadMigrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// migrate brings db up to version upTo (-1: the latest), one transaction
// per version.
func migrate(ctx context.Context, db *sql.DB, upTo int, hooks map[int]migrationHook) error {
	ms, err := loadMigrations()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if upTo < 0 {
		upTo = len(ms)
	}
	var have int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if have > len(ms) {
		return fmt.Errorf("%w: schema version %d, this version knows up to %d", ErrNewerDatabase, have, len(ms))
	}
	for _, m := range ms[have:upTo] {
		if err := applyMigration(ctx, db, m, hooks[m.version]); err != nil {
			return fmt.Errorf("migrate to version %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

func applyMigration(ctx context.Context, db *sql.DB, m migration, hook migrationHook) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	// Another process may have migrated while we waited for the lock.
	var have int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have); err != nil {
		return err
	}
	if have >= m.version {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if hook != nil {
		if err := hook(ctx, &wtx{tx: tx}); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
		return err
	}
	return tx.Commit()
}

// wtx is a transaction whose statements, on the writer connection, come
// from a cache of prepared statements: SQLite then parses each statement
// once per process instead of once per call (parsing was a fifth of an
// import's time).
type wtx struct {
	tx    *sql.Tx
	stmts *stmtCache // nil for read transactions: statements are not cached
}

// stmt returns the cached statement bound to this transaction, or nil when
// the query is not prepared yet (it is then prepared after the
// transaction: the writer's single connection is busy until then).
func (t *wtx) stmt(ctx context.Context, query string) *sql.Stmt {
	if t.stmts == nil {
		return nil
	}
	st := t.stmts.get(query)
	if st == nil {
		return nil
	}
	return t.tx.StmtContext(ctx, st)
}

func (t *wtx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t *wtx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t *wtx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

// stmtCache holds statements prepared on the writer pool (whose single
// connection they then live on).
type stmtCache struct {
	mu      sync.Mutex
	db      *sql.DB
	m       map[string]*sql.Stmt
	pending map[string]bool
}

// maxStmts bounds the cache; queries built at run time would otherwise
// grow it without end.
const maxStmts = 256

func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if len(c.m)+len(c.pending) < maxStmts {
		if c.pending == nil {
			c.pending = map[string]bool{}
		}
		c.pending[query] = true
	}
	return nil
}

// preparePending prepares the statements seen since the last call. It
// needs the writer's connection, so it runs outside any transaction.
func (c *stmtCache) preparePending(ctx context.Context) {
	c.mu.Lock()
	queries := make([]string, 0, len(c.pending))
	for q := range c.pending {
		queries = append(queries, q)
	}
	clear(c.pending)
	c.mu.Unlock()
	// Not under mu: preparing waits for the connection, which another
	// writer may hold while it looks up its statements.
	for _, q := range queries {
		st, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			continue // used unprepared; the statement reports its own errors
		}
		c.mu.Lock()
		if c.m == nil {
			c.m = map[string]*sql.Stmt{}
		}
		if old, ok := c.m[q]; ok {
			_ = old.Close()
		}
		c.m[q] = st
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}
