// Package sqlstmt keeps statements prepared once per pool and query:
// SQLite compiles a statement at a cost close to running a small one.
package sqlstmt

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// Cache holds prepared statements until Close. Its queries are constants
// of the program: each is kept for good.
type Cache struct {
	m sync.Map // key → *sql.Stmt
}

type key struct {
	db    *sql.DB
	query string
}

// Get returns query prepared on db, preparing it the first time.
func (c *Cache) Get(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	if st, ok := c.Prepared(db, query); ok {
		return st, nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := c.m.LoadOrStore(key{db, query}, st); loaded {
		_ = st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// Prepared returns query's statement on db if it was prepared before
// (inside a transaction that holds a pool's only connection, preparing
// one would wait for that connection).
func (c *Cache) Prepared(db *sql.DB, query string) (*sql.Stmt, bool) {
	st, ok := c.m.Load(key{db, query})
	if !ok {
		return nil, false
	}
	return st.(*sql.Stmt), true
}

// Row runs a query of one row on db through its statement.
func (c *Cache) Row(ctx context.Context, db *sql.DB, query string, args ...any) *sql.Row {
	st, err := c.Get(ctx, db, query)
	if err != nil {
		return db.QueryRowContext(ctx, query, args...) // the same error, from Scan
	}
	return st.QueryRowContext(ctx, args...)
}

// Close closes every statement.
func (c *Cache) Close() error {
	var errs []error
	c.m.Range(func(k, st any) bool {
		errs = append(errs, st.(*sql.Stmt).Close())
		c.m.Delete(k)
		return true
	})
	return errors.Join(errs...)
}
