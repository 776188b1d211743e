package pgstore_test

import (
	"os"
	"testing"

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
