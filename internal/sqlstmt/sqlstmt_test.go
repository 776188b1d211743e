package sqlstmt

import (
	"database/sql"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"
)

func TestCache(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER); INSERT INTO t VALUES ('a', 1), ('b', 2)`); err != nil {
		t.Fatal(err)
	}
	var c Cache
	const q = `SELECT v FROM t WHERE k = ?`
	if _, ok := c.Prepared(db, q); ok {
		t.Error("a statement before its first use")
	}
	first, err := c.Get(t.Context(), db, q)
	if err != nil {
		t.Fatal(err)
	}
	if again, ok := c.Prepared(db, q); !ok || again != first {
		t.Error("the statement was not kept")
	}
	for k, want := range map[string]int{"a": 1, "b": 2} {
		var v int
		if err := c.Row(t.Context(), db, q, k).Scan(&v); err != nil || v != want {
			t.Errorf("%s: %d %v, want %d", k, v, err, want)
		}
	}
	var v int
	if err := c.Row(t.Context(), db, `SELECT nope FROM t`).Scan(&v); err == nil {
		t.Error("a bad query scanned without error")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Prepared(db, q); ok {
		t.Error("a statement after Close")
	}
	if err := first.QueryRow("a").Scan(&v); err == nil {
		t.Error("a closed statement still runs")
	}
}
