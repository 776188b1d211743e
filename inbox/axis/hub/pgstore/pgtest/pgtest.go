// Package pgtest runs throwaway PostgreSQL servers for tests and
// benchmarks: the real server of the Debian package postgresql, not a
// fake.
//
// A package whose tests need PostgreSQL shares one server per test
// process and gives each test a schema (or a database) of its own:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		dsn := pgtest.DSN(t) // a fresh, empty schema, dropped after the test
//		…
//	}
//
// The server is started on the first DSN call: initdb into a temporary
// data directory, pg_ctl start on a free 127.0.0.1 port with its unix
// socket in the same temporary directory, fsync off, the C locale and
// UTF8. Its superuser is postgres with a random password that only the
// DSNs carry (scram-sha-256 over TCP), so other local users cannot reach
// it. DSN then creates a schema in the database vanthu_test (created
// once) and returns a DSN whose search_path is that schema, about ten
// times cheaper than a database; DatabaseDSN creates a database. Both are
// dropped in the test's Cleanup. Main stops the server (pg_ctl stop -m
// fast) and removes its files after the tests. Start runs a private
// server instead, stopped in the test's Cleanup.
//
// When the test process is root the server runs as the postgres system
// user (runuser -u postgres --, its directory chowned to that user), as
// PostgreSQL refuses to run as root. The binaries are looked up in
// /usr/lib/postgresql/*/bin (the newest version), then with
// pg_config --bindir, then on PATH; when none is found the test fails
// (never skips) naming the Debian package postgresql.
//
// A test process killed before Main returns (a -timeout panic) leaves its
// server running; the next Start stops servers whose owning process is
// gone.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Superuser is the name of every server's superuser.
const Superuser = "postgres"

// dirPrefix names the temporary directories of the servers (and lets
// Start find the servers of dead test processes).
const dirPrefix = "vanthu-pgtest-"

// Server is a running PostgreSQL server of its own.
type Server struct {
	bin      string // directory of initdb, pg_ctl
	dir      string // temporary directory: data/, sock/, server.log, owner
	port     int
	password string
	runAs    string // system user running the server ("" for the current one)

	stopOnce sync.Once
	stopErr  error

	schemaOnce sync.Once // creates the database of NewSchema
	schemaErr  error
}

// Port returns the server's TCP port on 127.0.0.1.
func (s *Server) Port() int { return s.port }

// SocketDir returns the directory of the server's unix socket.
func (s *Server) SocketDir() string { return filepath.Join(s.dir, "sock") }

// DSN returns the URL of database db on the server, superuser and
// password included. Do not log it.
func (s *Server) DSN(db string) string {
	return s.dsn(db, "")
}

// dsn is DSN with search_path set to schema when not empty.
func (s *Server) dsn(db, schema string) string {
	q := url.Values{"sslmode": {"disable"}}
	if schema != "" {
		q.Set("search_path", schema)
	}
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(Superuser, s.password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)),
		Path:     "/" + db,
		RawQuery: q.Encode(),
	}
	return u.String()
}

// BinDir returns the directory of the PostgreSQL server binaries, or an
// error naming the Debian package to install.
func BinDir() (string, error) {
	has := func(dir string) bool {
		for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
			if info, err := os.Stat(filepath.Join(dir, name)); err != nil || info.IsDir() {
				return false
			}
		}
		return true
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if has(d) {
			return d, nil
		}
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if d := strings.TrimSpace(string(out)); has(d) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil && has(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	return "", errors.New("pgtest: no PostgreSQL server binaries (initdb, pg_ctl, postgres) in /usr/lib/postgresql/*/bin, " +
		"pg_config --bindir or PATH; install the Debian package postgresql (apt-get install postgresql)")
}

// version is the major version in /usr/lib/postgresql/N/bin.
func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// Start initialises and starts a private server, stopped and removed in
// tb.Cleanup. It fails tb when the server cannot be started.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s, err := start(tb.Context())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Stop(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

// StartServer is Start for a program that is not a test (a benchmark
// command): the caller stops the server with Stop, which also removes
// its files.
func StartServer(ctx context.Context) (*Server, error) { return start(ctx) }

func start(ctx context.Context) (*Server, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	reapOrphans()
	var lastErr error
	for range 3 { // the free port may be taken before the server binds it
		s, err := startOnce(ctx, bin)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

func startOnce(ctx context.Context, bin string) (s *Server, err error) {
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s = &Server{bin: bin, dir: dir}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(dir)
		}
	}()
	if err := os.WriteFile(filepath.Join(dir, "owner"), []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	pw := make([]byte, 16)
	if _, err := rand.Read(pw); err != nil {
		return nil, err
	}
	s.password = hex.EncodeToString(pw)
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte(s.password+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	if err := os.Mkdir(s.SocketDir(), 0o700); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	if os.Geteuid() == 0 {
		s.runAs = "postgres"
		if err := chown(s.runAs, dir, pwFile, s.SocketDir()); err != nil {
			return nil, err
		}
	}
	if s.port, err = freePort(); err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if out, err := s.run(ctx, "initdb", "--pgdata", data, "--username", Superuser, "--pwfile", pwFile,
		"--auth-local", "trust", "--auth-host", "scram-sha-256", "--encoding", "UTF8", "--locale", "C",
		"--no-sync", "--no-instructions"); err != nil {
		return nil, fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	_ = os.Remove(pwFile)
	opts := strings.Join([]string{
		"-c listen_addresses=127.0.0.1",
		"-c port=" + strconv.Itoa(s.port),
		"-c unix_socket_directories=" + s.SocketDir(),
		"-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
		"-c max_connections=200",
	}, " ")
	logFile := filepath.Join(dir, "server.log")
	if out, err := s.run(ctx, "pg_ctl", "start", "--pgdata", data, "--log", logFile, "--wait", "--timeout", "60",
		"--options", opts); err != nil {
		log, _ := os.ReadFile(logFile)
		_, _ = s.run(context.WithoutCancel(ctx), "pg_ctl", "stop", "--pgdata", data, "--mode", "immediate", "--wait")
		return nil, fmt.Errorf("pgtest: pg_ctl start: %w\n%s\n%s", err, out, tail(log, 2000))
	}
	return s, nil
}

// run runs a server binary as the server's user.
func (s *Server) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	prog := filepath.Join(s.bin, name)
	var cmd *exec.Cmd
	if s.runAs != "" {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", s.runAs, "--", prog}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, prog, args...)
	}
	cmd.Dir = s.dir // a directory the server's user may enter
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	return cmd.CombinedOutput()
}

// Stop stops the server (pg_ctl stop -m fast) and removes its files.
// Later calls return the first call's result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, err := s.run(ctx, "pg_ctl", "stop", "--pgdata", filepath.Join(s.dir, "data"), "--mode", "fast", "--wait")
		if err != nil {
			s.stopErr = fmt.Errorf("pgtest: pg_ctl stop: %w\n%s", err, out)
			return
		}
		s.stopErr = os.RemoveAll(s.dir)
	})
	return s.stopErr
}

// CreateDatabase creates an empty database and returns its DSN.
func (s *Server) CreateDatabase(ctx context.Context, name string) (string, error) {
	if err := s.exec(ctx, "postgres", "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("pgtest: create database %s: %w", name, err)
	}
	return s.DSN(name), nil
}

// DropDatabase drops a database, ending its connections.
func (s *Server) DropDatabase(ctx context.Context, name string) error {
	if err := s.exec(ctx, "postgres", "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("pgtest: drop database %s: %w", name, err)
	}
	return nil
}

// exec runs one statement in database db as the superuser.
func (s *Server) exec(ctx context.Context, db, sql string) error {
	conn, err := pgx.Connect(ctx, s.DSN(db))
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}

// NewDatabase creates a database on s for one test and drops it in
// tb.Cleanup (after the cleanups registered later, such as closing a
// store on it). It returns the database's DSN.
func (s *Server) NewDatabase(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("test_%d", dbSeq.Add(1))
	dsn, err := s.CreateDatabase(tb.Context(), name)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.DropDatabase(ctx, name); err != nil {
			tb.Error(err)
		}
	})
	return dsn
}

// schemaDB is the database holding the schemas of NewSchema.
const schemaDB = "vanthu_test"

// NewSchema creates a schema for one test in a database shared by such
// schemas (much cheaper than a database) and drops it in tb.Cleanup. It
// returns a DSN whose search_path is that schema: everything created or
// queried unqualified through it lives there.
func (s *Server) NewSchema(tb testing.TB) string {
	tb.Helper()
	s.schemaOnce.Do(func() {
		_, s.schemaErr = s.CreateDatabase(tb.Context(), schemaDB)
	})
	if s.schemaErr != nil {
		tb.Fatal(s.schemaErr)
	}
	name := fmt.Sprintf("test_%d", dbSeq.Add(1))
	if err := s.exec(tb.Context(), schemaDB, "CREATE SCHEMA "+name); err != nil {
		tb.Fatalf("pgtest: create schema %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.exec(ctx, schemaDB, "DROP SCHEMA "+name+" CASCADE"); err != nil {
			tb.Errorf("pgtest: drop schema %s: %v", name, err)
		}
	})
	return s.dsn(schemaDB, name)
}

var dbSeq atomic.Int64

// The shared server of the test process.
var shared struct {
	mu      sync.Mutex
	enabled bool // Main is running the tests
	srv     *Server
	err     error
}

// Main runs the tests (m.Run) and then stops the shared server if one
// was started; it returns the exit code for os.Exit. A stop failure
// turns a passing run into a failing one.
func Main(m *testing.M) int {
	shared.mu.Lock()
	shared.enabled = true
	shared.mu.Unlock()
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	shared.enabled = false
	if shared.srv != nil {
		if err := shared.srv.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			if code == 0 {
				code = 1
			}
		}
		shared.srv = nil
	}
	return code
}

// Shared returns the test process's server, starting it on first use.
// The package's TestMain must run the tests through Main, which stops it.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.enabled {
		tb.Fatal("pgtest: the shared server needs TestMain to run the tests with pgtest.Main (which stops it); or use pgtest.Start")
	}
	if shared.srv == nil && shared.err == nil {
		// Not tb's context: the server outlives the test that starts it.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		shared.srv, shared.err = start(ctx)
		cancel()
	}
	if shared.err != nil {
		tb.Fatal(shared.err)
	}
	return shared.srv
}

// DSN returns the DSN of a fresh, empty schema on the shared server
// (see Server.NewSchema), dropped in tb.Cleanup. The DSN holds the
// server's password: do not log it.
func DSN(tb testing.TB) string {
	tb.Helper()
	return Shared(tb).NewSchema(tb)
}

// DatabaseDSN is DSN with a database of its own (Server.NewDatabase),
// for tests that need one: a database-wide setting, or an
// unqualified-name check across schemas.
func DatabaseDSN(tb testing.TB) string {
	tb.Helper()
	return Shared(tb).NewDatabase(tb)
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// chown gives paths to the system user name.
func chown(name string, paths ...string) error {
	u, err := user.Lookup(name)
	if err != nil {
		return fmt.Errorf("pgtest: running as root needs the %s system user of the Debian package postgresql: %w", name, err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("pgtest: user %s: %w", name, err)
	}
	if _, err := exec.LookPath("runuser"); err != nil {
		return fmt.Errorf("pgtest: running as root needs runuser (Debian package util-linux): %w", err)
	}
	for _, p := range paths {
		if err := os.Lchown(p, uid, gid); err != nil {
			return fmt.Errorf("pgtest: %w", err)
		}
	}
	return nil
}

// reapOrphans stops the servers left by test processes that are gone
// (killed before Main could stop them) and removes their files.
func reapOrphans() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "owner"))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || alive(pid) {
			continue
		}
		s := &Server{dir: dir}
		if s.bin, err = BinDir(); err != nil {
			return
		}
		if os.Geteuid() == 0 {
			s.runAs = "postgres"
		}
		if _, err := os.Stat(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			_, _ = s.run(ctx, "pg_ctl", "stop", "--pgdata", filepath.Join(dir, "data"), "--mode", "immediate", "--wait")
			cancel()
		}
		_ = os.RemoveAll(dir)
	}
}

// alive reports whether process pid exists.
func alive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
