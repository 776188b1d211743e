package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/demoworld"
	"github.com/vanthu/vanthu/inbox/desk"
)

// testWorld is a demo world built once for the package's tests (documents
// in every state, the demo PKI and keys), then stopped: each test works on
// a copy of its desk, offline.
var testWorld struct {
	w   *demoworld.World
	err error
	dir string
}

func TestMain(m *testing.M) {
	code := func() int {
		dir, err := os.MkdirTemp("", "vanthu-app-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		testWorld.dir = dir
		testWorld.w, testWorld.err = demoworld.Start(context.Background(), demoworld.Options{
			Dir: filepath.Join(dir, "world"), Docs: 16, Token: demoworld.TokenOff, DispatchEvery: -1})
		if testWorld.err == nil {
			_ = testWorld.w.Close()
		}
		return m.Run()
	}()
	os.Exit(code)
}

// newWorldHarness is the main window on a copy of the demo world's desk,
// as the demo opens it (keys and their secrets in the settings), offline.
func newWorldHarness(t *testing.T, r role) *harness {
	t.Helper()
	if testWorld.err != nil {
		t.Fatalf("the demo world did not build: %v", testWorld.err)
	}
	w := testWorld.w
	a := test.NewTempApp(t)
	if err := useLanguage("vi"); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "desk")
	if err := os.CopyFS(dir, os.DirFS(w.Desk.DataDir)); err != nil {
		t.Fatal(err)
	}
	opts := w.Desk
	opts.DataDir = dir
	opts.Axis = nil
	set := newSettings(a.Preferences(), true)
	set.SetRole(r)
	set.SetConfigured(true)
	ctx, cancel := context.WithCancel(context.Background())
	d, err := desk.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	set.SetAgency(opts.Identity.Agency)
	set.SetActor(opts.Identity.Actor())
	set.SetPersonalKey(w.Leader.Source)
	set.SetSealKey(w.Agency.Source)
	env := &environment{desk: d, dataDir: dir, secrets: map[string]string{
		w.Leader.Source.String(): w.Leader.Secret,
		w.Agency.Source.String(): w.Agency.Secret,
	}}
	env.closers = append(env.closers, func() { _ = d.Close() })
	return harnessOn(t, ctx, cancel, a, set, env)
}

// inState returns the ids of documents in state st.
func (h *harness) inState(st inbox.State) []int64 {
	h.t.Helper()
	rows, _, err := h.st.List(h.ctx, inbox.Filter{States: []inbox.State{st}, IncludeHidden: true}, inbox.Page{Limit: 100})
	if err != nil {
		h.t.Fatal(err)
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	if len(ids) == 0 {
		h.t.Fatalf("the demo world has no document in state %s", st)
	}
	return ids
}

// open shows document id in the document view.
func (h *harness) open(id int64) {
	h.t.Helper()
	h.u.view.show(id)
	h.settle()
	if h.u.view.doc == nil || h.u.view.doc.ID != id {
		h.t.Fatalf("document %d is not shown: %q", id, h.u.view.title.Text)
	}
}
