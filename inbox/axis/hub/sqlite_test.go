package hub_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/vanthu/vanthu/inbox/axis/hub"
	"github.com/vanthu/vanthu/inbox/axis/hub/storetest"
)

func openSQLite(t *testing.T, path string) *hub.SQLite {
	t.Helper()
	s, err := hub.OpenSQLite(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestSQLiteStore(t *testing.T) {
	storetest.RunStoreSuite(t, func(t *testing.T) hub.Store {
		return openSQLite(t, filepath.Join(t.TempDir(), "axis.db"))
	})
}

func TestSQLiteReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "axis.db")
	s, err := hub.OpenSQLite(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 26, 2, 30, 0, 0, time.UTC)
	data := bytes.Repeat([]byte("edXML "), 100000)
	p := hub.Packet{ID: "p1", From: "000.00.00.G22", ServiceType: "eDoc", MessageType: hub.MessageEdoc, Size: int64(len(data)), Created: at}
	if err := s.AddPacket(t.Context(), hub.Request{}, p, bytes.NewReader(data), []hub.Delivery{{DocID: "d1", To: "000.00.00.H41"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(path); err != nil || runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("the database file: %v %v, want mode 0600", info.Mode(), err)
	}
	s = openSQLite(t, path)
	e, err := s.Entry(t.Context(), "d1")
	if err != nil {
		t.Fatal(err)
	}
	if e.Packet.Size != int64(len(data)) || e.Delivery.Status != hub.StatusPending {
		t.Errorf("after reopening: got %+v", e)
	}
}

func TestSQLiteBadPath(t *testing.T) {
	for _, p := range []string{"", "a?b", filepath.Join(t.TempDir(), "missing", "dir", "x.db")} {
		if s, err := hub.OpenSQLite(t.Context(), p); err == nil {
			_ = s.Close()
			t.Errorf("OpenSQLite(%q): got nil error", p)
		}
	}
}
