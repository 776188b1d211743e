package main

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/axis/hub/pgstore/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestProcessPostgres runs two axisd processes on one PostgreSQL
// database, the password in PGPASSWORD as the flag's help advises: a
// packet sent through the first is listed, fetched and acknowledged
// through the second; then SIGTERM stops both.
func TestProcessPostgres(t *testing.T) {
	bin := buildAxisd(t)
	dir := t.TempDir()
	systems := writeSystems(t, dir)
	u, err := url.Parse(pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	u.User = url.User(u.User.Username())
	t.Setenv("PGPASSWORD", pw) // the children inherit it
	args := []string{"--listen", "127.0.0.1:0", "--postgres", u.String(), "--postgres-conns", "3",
		"--systems", systems, "--secret-key", filepath.Join(dir, "axis.key")}
	ctx := t.Context()

	one := start(t, bin, args...)
	two := start(t, bin, args...)
	client := func(d *daemon, id, secret string) *axis.Client {
		tr, err := axis.NewVXP("http://"+d.addr, axis.Credentials{SystemID: id, Secret: []byte(secret)}, axis.VXPOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return axis.NewClient(tr, axis.ClientOptions{Retries: -1})
	}
	doc := edoc(agencyA, agencyB, "1")
	if _, err := client(one, "vpcp", secretA).Send(ctx, axis.MessageEdoc, agencyA, nil, bytes.NewReader(doc), -1); err != nil {
		t.Fatalf("send through the first: %v", err)
	}
	b := client(two, "vpubnd-nghean", secretB)
	list, err := b.ReceivedList(ctx, axis.MessageEdoc)
	if err != nil || len(list) != 1 {
		t.Fatalf("B's list through the second: %v %v", list, err)
	}
	got, err := b.Get(ctx, list[0].DocID)
	if err != nil || !bytes.Equal(got, doc) {
		t.Fatalf("B's packet through the second: %v", err)
	}
	if err := b.UpdateStatus(ctx, list[0].DocID, axis.StatusDone, ""); err != nil {
		t.Fatalf("ack through the second: %v", err)
	}
	if n, err := client(one, "vpubnd-nghean", secretB).CountReceived(ctx, axis.MessageEdoc); err != nil || n != 0 {
		t.Errorf("B's count through the first after the ack: %d %v, want 0", n, err)
	}
	one.stop(t, syscall.SIGTERM)
	two.stop(t, syscall.SIGTERM)

	for i, d := range []*daemon{one, two} {
		logs := d.stderr.String()
		if !strings.Contains(logs, `"store":"postgres"`) {
			t.Errorf("axisd %d: no postgres store in the log:\n%s", i, logs)
		}
		for _, s := range []string{secretA, secretB, pw} {
			if strings.Contains(logs, s) {
				t.Errorf("axisd %d: the log holds a secret", i)
			}
		}
	}
}
