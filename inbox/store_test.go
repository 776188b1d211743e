package inbox

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestOpenConfiguresConnections(t *testing.T) {
	f := newFixture(t)
	for _, p := range []string{"inbox.db", "inbox.db-wal", "blobs"} {
		if _, err := os.Stat(filepath.Join(f.dir, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	var mode string
	var sync, fk, version int
	if err := f.s.w.QueryRowContext(f.ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode: %q %v", mode, err)
	}
	if err := f.s.w.QueryRowContext(f.ctx, `PRAGMA synchronous`).Scan(&sync); err != nil || sync != 2 {
		t.Errorf("writer synchronous: %d %v, want 2 (FULL)", sync, err)
	}
	var temp int
	if err := f.s.w.QueryRowContext(f.ctx, `PRAGMA temp_store`).Scan(&temp); err != nil || temp != 2 {
		t.Errorf("writer temp_store: %d %v, want 2 (statement journals in memory)", temp, err)
	}
	if err := f.s.w.QueryRowContext(f.ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("writer foreign_keys: %d %v", fk, err)
	}
	if err := f.s.r.QueryRowContext(f.ctx, `PRAGMA user_version`).Scan(&version); err != nil || version != schemaVersion() || version < 2 {
		t.Errorf("user_version: %d %v, want %d", version, err, schemaVersion())
	}
	if f.s.w.Stats().MaxOpenConnections != 1 || f.s.r.Stats().MaxOpenConnections != 4 {
		t.Errorf("pools: writer %d, readers %d", f.s.w.Stats().MaxOpenConnections, f.s.r.Stats().MaxOpenConnections)
	}
	if _, err := f.s.r.ExecContext(f.ctx, `INSERT INTO comments (document, author, text, at) VALUES (1, 'x', 'y', 0)`); err == nil {
		t.Error("a reader connection accepted a write")
	}
	// A foreign key violation is refused by the writer.
	if _, err := f.s.w.ExecContext(f.ctx, `INSERT INTO comments (document, author, text, at) VALUES (12345, 'x', 'y', 0)`); err == nil {
		t.Error("the writer accepted a comment on a missing document")
	}
}

func TestReopenKeepsData(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	enc := &recorder{}
	s, err := Open(ctx, dir, Options{EncodeStatus: enc.Encode, Self: self})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{s: s, ctx: ctx}
	id, err := s.InsertIncoming(ctx, f.incoming("Lưu lại"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, dir, Options{EncodeStatus: enc.Encode, Self: self})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if d, err := s.Get(ctx, id); err != nil || d.Subject != "Lưu lại" {
		t.Errorf("after reopen: %v %v", d, err)
	}
	checkDB(t, s)
}

// TestMigrateFromVersion1 opens a database left at schema version 1 (no
// search index) with documents in it: Open adds the index and fills it.
func TestMigrateFromVersion1(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	if err := os.MkdirAll(filepath.Join(dir, "blobs"), 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", dsn(filepath.Join(dir, "inbox.db"), false, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, db, 1, nil); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2023, 5, 1, 8, 0, 0, 0, time.UTC).UnixMilli()
	if _, err := db.ExecContext(ctx, `INSERT INTO documents (direction, state, folder, document_id, sender_code, sender_name,
		subject, sort_at, created_at, updated_at) VALUES ('incoming', 'arrived', 'to_register', 'G22,2023/04/30,1/VPCP',
		'000.00.00.G22', 'Văn phòng Chính phủ', 'Công văn khẩn về phòng chống lụt bão', ?, ?, ?)`, now, now, now); err != nil {
		t.Fatal(err)
	}
	var v int
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil || v != 1 {
		t.Fatalf("old database at version %d %v", v, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, dir, Options{EncodeStatus: (&recorder{}).Encode})
	if err != nil {
		t.Fatalf("Open of a version 1 database: %v", err)
	}
	defer s.Close()
	if err := s.r.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil || v != schemaVersion() {
		t.Errorf("migrated to %d %v, want %d", v, err, schemaVersion())
	}
	hits, err := s.Search(ctx, "cong van khan", Filter{}, 10)
	if err != nil || len(hits) != 1 || hits[0].Subject != "Công văn khẩn về phòng chống lụt bão" {
		t.Errorf("search after migration: %+v %v", hits, err)
	}
	checkDB(t, s)
}

func TestRefuseNewerDatabase(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, `PRAGMA user_version = 99`); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, dir, Options{}); !errors.Is(err, ErrNewerDatabase) {
		t.Errorf("Open of a newer database: got %v, want ErrNewerDatabase", err)
	}
}

func TestMigrationsAreWellFormed(t *testing.T) {
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if m.version != i+1 || m.sql == "" {
			t.Errorf("migration %d: %+v", i, m.name)
		}
	}
}

func TestOutboxDelivery(t *testing.T) {
	f := newFixture(t)
	a := f.insert(t, f.incoming("A"))
	b := f.insert(t, f.incoming("B"))
	pending, err := f.s.PendingOutbox(f.ctx, 10)
	if err != nil || len(pending) != 2 || pending[0].Document != a || pending[1].Document != b {
		t.Fatalf("pending: %+v %v", pending, err)
	}
	first, second := pending[0], pending[1]
	if err := f.s.MarkSent(f.ctx, first.ID, "axis-1"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.MarkSent(f.ctx, first.ID, "axis-1"); err != nil {
		t.Errorf("marking sent twice with the same id: %v", err)
	}
	if err := f.s.MarkSent(f.ctx, first.ID, "axis-2"); !errors.Is(err, ErrIllegalTransition) {
		t.Errorf("marking sent with another id: got %v", err)
	}
	retry := f.clock.Now().Add(5 * time.Minute)
	if err := f.s.MarkFailed(f.ctx, second.ID, "axis: 503", retry); err != nil {
		t.Fatal(err)
	}
	if pending, _ := f.s.PendingOutbox(f.ctx, 10); len(pending) != 0 {
		t.Errorf("a row waiting for its retry is pending: %+v", pending)
	}
	f.clock.Advance(5 * time.Minute)
	pending, _ = f.s.PendingOutbox(f.ctx, 10)
	if len(pending) != 1 || pending[0].Attempts != 1 || pending[0].LastError != "axis: 503" {
		t.Errorf("after the retry time: %+v", pending)
	}
	if err := f.s.MarkFailed(f.ctx, second.ID, "axis: unknown recipient", time.Time{}); err != nil {
		t.Fatal(err)
	}
	c, err := f.s.Counts(f.ctx)
	if err != nil || c.OutboxPending != 0 || c.OutboxFailed != 1 {
		t.Errorf("counts: %+v %v", c, err)
	}
	if err := f.s.MarkFailed(f.ctx, first.ID, "late", retry); !errors.Is(err, ErrIllegalTransition) {
		t.Errorf("failing a sent row: got %v", err)
	}
	if err := f.s.MarkSent(f.ctx, 999, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown row: got %v", err)
	}
	// The counters follow every change of state.
	if rep, err := f.s.Check(f.ctx, CheckOptions{SkipHash: true}); err != nil || len(rep.Counts) != 0 {
		t.Errorf("counts after the outbox changed: %q %v", rep.Counts, err)
	}
}
