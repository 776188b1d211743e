package pgstore_test

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vanthu/vanthu/inbox/axis/hub"
	"github.com/vanthu/vanthu/inbox/axis/hub/pgstore"
	"github.com/vanthu/vanthu/inbox/axis/hub/pgstore/pgtest"
	"github.com/vanthu/vanthu/inbox/axis/hub/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// open opens a store on dsn, closed in t.Cleanup.
func open(t testing.TB, dsn string) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(t.Context(), dsn, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestStoreSuite(t *testing.T) {
	storetest.RunStoreSuite(t, func(t *testing.T) hub.Store {
		return open(t, pgtest.DSN(t))
	})
}

// TestOpenConcurrently: instances starting together on an empty database
// apply the migrations once and all come up.
func TestOpenConcurrently(t *testing.T) {
	dsn := pgtest.DSN(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			s, err := pgstore.Open(t.Context(), dsn, pgstore.Options{MaxConns: 2})
			if err != nil {
				t.Error(err)
				return
			}
			_ = s.Close()
		})
	}
	wg.Wait()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	var n, max int
	if err := conn.QueryRow(t.Context(), `SELECT count(*), max(version) FROM axis_schema_versions`).Scan(&n, &max); err != nil {
		t.Fatal(err)
	}
	if n != max || n < 1 {
		t.Errorf("%d schema versions recorded, the last %d: each migration should be recorded once", n, max)
	}
}

// TestReopen: what one store wrote another finds after it closed; a
// database newer than the program is refused.
func TestReopen(t *testing.T) {
	dsn := pgtest.DSN(t)
	s, err := pgstore.Open(t.Context(), dsn, pgstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("edXML "), 100000)
	p := hub.Packet{ID: "p1", From: "000.00.00.G22", ServiceType: "eDoc", MessageType: hub.MessageEdoc, Size: int64(len(data))}
	if err := s.AddPacket(t.Context(), hub.Request{}, p, bytes.NewReader(data), []hub.Delivery{{DocID: "d1", To: "000.00.00.H41"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dsn)
	e, err := s.Entry(t.Context(), "d1")
	if err != nil {
		t.Fatal(err)
	}
	if e.Packet.Size != int64(len(data)) || e.Delivery.Status != hub.StatusPending || time.Since(e.Packet.Created) > time.Minute {
		t.Errorf("after reopening: got %+v", e)
	}
	rc, err := s.OpenBody(t.Context(), "p1")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	_ = rc.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("the body after reopening: %d bytes, %v", len(got), err)
	}

	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	if _, err := conn.Exec(t.Context(), `INSERT INTO axis_schema_versions (version) VALUES (999)`); err != nil {
		t.Fatal(err)
	}
	if s, err := pgstore.Open(t.Context(), dsn, pgstore.Options{}); err == nil || !strings.Contains(err.Error(), "newer") {
		if s != nil {
			_ = s.Close()
		}
		t.Errorf("a newer schema: got %v, want an error saying so", err)
	}
}

// TestOpenErrors: bad DSNs and unreachable servers fail without
// repeating the password.
func TestOpenErrors(t *testing.T) {
	const pw = "mật-khẩu-bí-mật-42"
	u, err := url.Parse(pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	wrongPW := *u
	wrongPW.User = url.UserPassword(pgtest.Superuser, pw)
	closed := *u
	closed.Host = "127.0.0.1:1"
	closed.User = url.UserPassword("axis", pw)
	for _, dsn := range []string{
		"postgres://axis:" + pw + "@127.0.0.1:notaport/axis",
		"host=127.0.0.1 password=" + pw + " port=x",
		"postgres://axis:" + pw + "@[::1/axis",
		wrongPW.String(),
		closed.String(),
	} {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		s, err := pgstore.Open(ctx, dsn, pgstore.Options{})
		cancel()
		if err == nil {
			_ = s.Close()
			t.Errorf("Open with a bad DSN: got nil error")
			continue
		}
		t.Logf("%v", err)
		if strings.Contains(err.Error(), pw) || strings.Contains(err.Error(), url.QueryEscape(pw)) {
			t.Errorf("the error %q holds the password", err)
		}
	}
	if _, err := pgstore.Open(t.Context(), u.String(), pgstore.Options{MaxConns: -1}); err == nil {
		t.Error("a negative pool size: got nil error")
	}
}
