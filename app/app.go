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
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/desk"
)

// ID is the application id (FyneApp.toml, preferences, the data dir).
const ID = "vn.vanthu.desktop"

// Params is what main hands to the GUI.
type Params struct {
	DataDir string // the inbox and settings; empty = the user's data dir
	Demo    bool   // start with the embedded demo axis and demo PKI
	// DemoIfNew starts the demo when the desk has never been set up
	// (the first-run wizard not completed), else the configured desk.
	DemoIfNew bool
}

// Run opens the main window and returns when it is closed.
func Run(p Params) error {
	a := fyneapp.NewWithID(ID)
	if p.DemoIfNew && !newSettings(a.Preferences(), false).Configured() {
		p.Demo = true
	}
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

	w := a.NewWindow(lang.L("Vanthu — official documents"))
	w.Resize(fyne.NewSize(1200, 720)) // fits the 1366×768 laptops common in offices
	w.SetMaster()
	var (
		main *ui
		env  *environment
	)
	open := func(e *environment) {
		env = e
		main = newUI(ctx, a, w, e, set)
		w.SetContent(main.content())
		traceOpen(w, main)
		main.start()
		e.run(ctx)
	}
	switch {
	case p.Demo:
		// The demo world takes a few seconds to build the first time.
		w.SetContent(splash(lang.L("Preparing the demo: axis, agencies, keys and documents…")))
		go func() {
			e, err := startDemo(ctx, dir, set)
			fyne.Do(func() {
				if err != nil {
					w.SetContent(splash(lang.L("The demo could not start: {{.Err}}", map[string]any{"Err": err.Error()})))
					return
				}
				open(e)
			})
		}()
	case set.Configured():
		e, err := openDesk(ctx, dir, set, nil)
		if err != nil {
			return err
		}
		open(e)
	default:
		w.SetContent(newWizard(a, w, set, func(secret []byte) error {
			e, err := openDesk(ctx, dir, set, secret)
			if err != nil {
				return err
			}
			open(e)
			return nil
		}).content())
	}
	w.ShowAndRun()
	cancel()
	if main != nil {
		main.wait()
	}
	if env != nil {
		env.close()
	}
	return nil
}

func splash(text string) fyne.CanvasObject {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	l.Alignment = fyne.TextAlignCenter
	bar := widget.NewProgressBarInfinite()
	return container.NewCenter(container.NewVBox(l, bar))
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

// environment is what the screens work on: the desk (the service layer
// over the store and the sync engine) and, in the demo, the demo world.
type environment struct {
	desk    *desk.Desk
	dataDir string
	// secrets are the demo keys' PINs and passwords, by key source, for
	// prefilling (demo values, nothing real); empty outside the demo.
	secrets map[string]string
	closers []func()
	running chan struct{} // closed when the sync loop has stopped
}

// run starts the desk's sync loop; it stops when ctx ends.
func (e *environment) run(ctx context.Context) {
	e.running = make(chan struct{})
	go func() {
		defer close(e.running)
		if err := e.desk.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			slog.Warn("sync loop stopped", "err", err)
		}
	}()
}

// dir is the desk's data directory.
func (e *environment) dir() string { return e.dataDir }

func (e *environment) close() {
	if e.running != nil {
		<-e.running
	}
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
}

// deskOptions are the desk's options from the settings.
func deskOptions(dir string, set *settings, secret []byte) (desk.Options, error) {
	opts := desk.Options{
		DataDir:          dir,
		Identity:         set.Identity(),
		IncomingRegister: set.RegisterIn(),
		OutgoingRegister: set.RegisterOut(),
		DeadlineWarning:  time.Duration(set.NotifyDeadlineDays()) * 24 * time.Hour,
	}
	for _, path := range set.TrustedRoots() {
		certs, err := readCertificates(path)
		if err != nil {
			return opts, err
		}
		opts.TrustRoots = append(opts.TrustRoots, certs...)
	}
	if ep := set.AxisEndpoint(); ep != "" && len(secret) > 0 {
		opts.Axis = &desk.AxisConfig{URL: ep, SystemID: set.AxisSystemID(), Secret: secret}
	}
	return opts, nil
}

// openDesk opens the desk of a configured desk. secret is the axis secret
// (nil: from the keyring, or none).
func openDesk(ctx context.Context, dir string, set *settings, secret []byte) (*environment, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the data directory %s: %w", dir, err)
	}
	if secret == nil && set.AxisEndpoint() != "" {
		secret, _ = loadAxisSecret(set)
	}
	opts, err := deskOptions(dir, set, secret)
	if err != nil {
		return nil, err
	}
	d, err := desk.Open(ctx, opts)
	if errors.Is(err, inbox.ErrNewerDatabase) {
		return nil, fmt.Errorf("the inbox in %s was written by a newer version of Vanthu; install that version", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("open the inbox in %s: %w", dir, err)
	}
	env := &environment{desk: d, dataDir: dir}
	env.closers = append(env.closers, func() { _ = d.Close() })
	return env, nil
}

// readCertificates reads the PEM certificates of a file.
func readCertificates(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the trusted root %s: %w", path, err)
	}
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("the trusted root %s holds a damaged certificate: %w", path, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the trusted root %s holds no PEM certificate", path)
	}
	return out, nil
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
