// Package app is Vanthu's desktop GUI (Fyne): windows, screens, dialogs and
// view state over the inbox, the signing engine and the sync engine. It is
// the only package tree that imports Fyne; it holds no business logic.
//
// Screens read the store; actions call the store's (or the service
// layer's) methods off the UI goroutine and apply their results with
// fyne.Do; after any change the screens re-read the store.
package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/lang"

	"github.com/vanthu/vanthu/inbox"
)

// ID is the application id (FyneApp.toml, preferences, the data dir).
const ID = "vn.vanthu.desktop"

// Params is what main hands to the GUI.
type Params struct {
	DataDir string // the inbox and settings; empty = the user's data dir
	Demo    bool   // start with the embedded demo axis and demo PKI
}

// Run opens the main window and returns when it is closed.
func Run(p Params) error {
	a := fyneapp.NewWithID(ID)
	set := newSettings(a.Preferences(), p.Demo)
	if err := useLanguage(set.Language()); err != nil {
		return err
	}
	applyTheme(a, set.Theme())

	dir, err := dataDir(p)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var env *environment
	if p.Demo {
		env, err = startDemo(ctx, dir, set)
	} else {
		env, err = openDesk(ctx, dir, set)
	}
	if err != nil {
		return err
	}
	defer env.close()

	w := a.NewWindow(lang.L("Vanthu — official documents"))
	u := newUI(ctx, a, w, env, set)
	w.SetContent(u.content())
	w.Resize(fyne.NewSize(1280, 780))
	w.SetMaster()
	u.start()
	if !p.Demo && !set.Configured() {
		u.showWizard()
	}
	w.ShowAndRun()
	cancel()
	u.wait()
	return nil
}

// dataDir is where the desk keeps its inbox.
func dataDir(p Params) (string, error) {
	if p.DataDir != "" {
		return p.DataDir, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the data directory (give one with --data): %w", err)
	}
	dir := filepath.Join(base, "vanthu")
	if p.Demo {
		dir = filepath.Join(dir, "demo")
	}
	return dir, nil
}

// environment is what the screens work on: the store and, where there is
// one, the service layer and the sync engine.
type environment struct {
	dir     string
	store   *inbox.Store
	closers []func()
}

func (e *environment) close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
}

// openDesk opens the store of a configured (or not yet configured) desk.
func openDesk(ctx context.Context, dir string, set *settings) (*environment, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the data directory %s: %w", dir, err)
	}
	st, err := inbox.Open(ctx, dir, inbox.Options{EncodeStatus: inbox.EncodeStatus, Self: set.Agency()})
	if errors.Is(err, inbox.ErrNewerDatabase) {
		return nil, fmt.Errorf("the inbox in %s was written by a newer version of Vanthu; install that version", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("open the inbox in %s: %w", dir, err)
	}
	env := &environment{dir: dir, store: st}
	env.closers = append(env.closers, func() { _ = st.Close() })
	return env, nil
}

// tasks runs the UI's background work and applies its results on the UI
// goroutine.
type tasks struct {
	wg sync.WaitGroup
	// queue, when set (tests), collects the UI work of background tasks for
	// wait to run on the test's goroutine, as the real driver runs it on
	// its one UI goroutine; nil hands it to fyne.Do.
	queue *uiQueue
}

// goTask runs fn on its own goroutine; fn applies UI changes with do.
func (t *tasks) goTask(fn func()) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		fn()
	}()
}

// do runs fn on the UI goroutine (from any goroutine).
func (t *tasks) do(fn func()) {
	if t.queue != nil {
		t.queue.push(fn)
		return
	}
	fyne.Do(fn)
}

// wait returns when every task has finished and, in tests, their UI work
// (and the tasks it started in turn) has run.
func (t *tasks) wait() {
	for {
		t.wg.Wait()
		if t.queue == nil {
			return
		}
		fns := t.queue.take()
		if len(fns) == 0 {
			return
		}
		for _, fn := range fns {
			fn()
		}
	}
}

// uiQueue holds UI work for a test's goroutine.
type uiQueue struct {
	mu  sync.Mutex
	fns []func()
}

func (q *uiQueue) push(fn func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.fns = append(q.fns, fn)
}

func (q *uiQueue) take() []func() {
	q.mu.Lock()
	defer q.mu.Unlock()
	fns := q.fns
	q.fns = nil
	return fns
}
