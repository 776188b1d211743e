package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vanthu/vanthu/inbox/axis/hub"
	"github.com/vanthu/vanthu/internal/batch"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key held while migrating
// ("vanthu axis" in ASCII, truncated).
const migrationLock int64 = 0x76616e7468754158

// Store is a hub.Store in a PostgreSQL database shared by any number of
// axisd instances.
type Store struct {
	pool *pgxpool.Pool

	// Request ids are remembered in batches, one statement each (see
	// RememberRequest); Close stops the group.
	remember *batch.Group[requestKey]
}

var _ hub.Store = (*Store)(nil)

// Options tune Open.
type Options struct {
	// MaxConns bounds the connection pool (default: pgxpool's, the larger
	// of 4 and the number of CPUs). Each instance holds up to this many
	// connections; keep their sum below the server's max_connections.
	MaxConns int32
}

// Open connects to the database at dsn (a postgres:// URL or a key=value
// string; PGPASSWORD and ~/.pgpass are honoured) and brings its schema up
// to date. Errors never repeat the DSN.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx masks passwords in this error only on a best-effort basis.
		return nil, errors.New("pgstore: the PostgreSQL DSN does not parse")
	}
	if opts.MaxConns < 0 {
		return nil, fmt.Errorf("pgstore: a pool of %d connections", opts.MaxConns)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "axisd"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	s := &Store{pool: pool}
	if err := s.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	s.remember = batch.NewGroup(rememberBatch, s.rememberAll)
	return s, nil
}

// migrate applies the embedded migrations not yet applied, all in one
// transaction under an advisory lock, so that instances starting at the
// same time apply each once.
func migrate(ctx context.Context, pool *pgxpool.Pool) (err error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS axis_schema_versions (
		version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	var version int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM axis_schema_versions`).Scan(&version); err != nil {
		return fmt.Errorf("pgstore: read the schema version: %w", err)
	}
	if version > len(names) {
		return fmt.Errorf("pgstore: the database has schema version %d, newer than this program (%d)", version, len(names))
	}
	for i := version; i < len(names); i++ {
		text, err := migrations.ReadFile(names[i])
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, string(text)); err != nil {
			return fmt.Errorf("pgstore: migrate %s: %w", names[i], err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO axis_schema_versions (version) VALUES ($1)`, i+1); err != nil {
			return fmt.Errorf("pgstore: migrate %s: %w", names[i], err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	return nil
}

// Close closes the pool, waiting for connections in use to be returned.
func (s *Store) Close() error {
	s.remember.Close()
	s.pool.Close()
	return nil
}

// Ping implements hub.Store.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("pgstore: %w", err)
	}
	return nil
}

// ts is a time as stored: millisecond precision.
func ts(t time.Time) time.Time { return time.UnixMilli(t.UnixMilli()).UTC() }

func fromNull(t pgtype.Timestamptz) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

func nowOr(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// Unique-constraint names of the schema, told apart in errors.
const (
	uniquePacketID = "packets_id_key"
	uniqueDocID    = "deliveries_doc_id_key"
)

// uniqueViolation returns the constraint a unique violation broke.
func uniqueViolation(err error) (string, bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return pe.ConstraintName, true
	}
	return "", false
}

func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, hub.ErrNotFound)
	}
	return nil
}

// oneRow maps an update or delete that touched nothing to ErrNotFound.
func oneRow(tag pgconn.CommandTag, what string) error {
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s: %w", what, hub.ErrNotFound)
	}
	return nil
}
