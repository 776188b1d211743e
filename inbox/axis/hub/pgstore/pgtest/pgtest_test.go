package pgtest_test

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vanthu/vanthu/inbox/axis/hub/pgstore/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// tables counts the tables a DSN sees in its search_path's schemas.
func tables(t *testing.T, dsn string) int {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	var n int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM pg_tables WHERE schemaname = ANY (current_schemas(false))`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func run(t *testing.T, dsn, sql string) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	if _, err := conn.Exec(t.Context(), sql); err != nil {
		t.Fatal(err)
	}
}

// TestDSN: each DSN is an empty place of its own.
func TestDSN(t *testing.T) {
	for _, get := range []func(testing.TB) string{pgtest.DSN, pgtest.DatabaseDSN} {
		a, b := get(t), get(t)
		if a == b {
			t.Fatal("two DSNs are the same")
		}
		if n := tables(t, a); n != 0 {
			t.Errorf("a fresh DSN sees %d tables", n)
		}
		run(t, a, `CREATE TABLE x (id int)`)
		if n := tables(t, a); n != 1 {
			t.Errorf("after CREATE TABLE: %d tables, want 1", n)
		}
		if n := tables(t, b); n != 0 {
			t.Errorf("another DSN sees %d tables, want 0", n)
		}
	}
}

// TestPassword: the server wants the password over TCP.
func TestPassword(t *testing.T) {
	u, err := url.Parse(pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(pgtest.Superuser, "wrong")
	if conn, err := pgx.Connect(t.Context(), u.String()); err == nil {
		_ = conn.Close(t.Context())
		t.Fatal("a wrong password was accepted")
	}
}

// TestStart: a private server of its own, stopped by Stop.
func TestStart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a second server")
	}
	orphan := fakeOrphan(t)
	s := pgtest.Start(t)
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Errorf("the directory of a dead test process's server is still there: %v", err)
	}
	if s.Port() == pgtest.Shared(t).Port() {
		t.Fatal("the private server is the shared one")
	}
	// Cleanups run last first: this one after the schema's is dropped,
	// before Start's own Stop, which then does nothing.
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat(s.SocketDir()); !os.IsNotExist(err) {
			t.Errorf("after Stop the server's files are still there: %v", err)
		}
	})
	dsn := s.NewSchema(t)
	if n := tables(t, dsn); n != 0 {
		t.Errorf("%d tables", n)
	}
	if _, err := os.Stat(s.SocketDir()); err != nil {
		t.Errorf("socket directory: %v", err)
	}
}

// fakeOrphan makes the directory a server of a dead test process would
// have left (without the server) for Start to reap.
func fakeOrphan(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "vanthu-pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.WriteFile(filepath.Join(dir, "owner"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}
