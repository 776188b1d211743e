package courier

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/axis"
)

// Axis is what the engine needs of the axis: the calls of AXIS.md §2 as
// *axis.Client makes them (with its own retries of transient failures).
type Axis interface {
	ReceivedList(ctx context.Context, mt axis.MessageType) ([]axis.ReceivedItem, error)
	Get(ctx context.Context, docID string) ([]byte, error)
	Download(ctx context.Context, docID string) (io.ReadCloser, error)
	UpdateStatus(ctx context.Context, docID string, status axis.TransportStatus, reason string) error
	Send(ctx context.Context, mt axis.MessageType, from string, to []string, packet io.Reader, size int64) (string, error)
	SendFile(ctx context.Context, mt axis.MessageType, from string, to []string, path string) (string, error)
	Agencies(ctx context.Context) ([]axis.Agency, error)
}

var _ Axis = (*axis.Client)(nil)

// Options configure an Engine.
type Options struct {
	// Store is the desk's store (required).
	Store *inbox.Store
	// Importer stores received packets (its Store, when set, must be
	// Store); nil imports with an Importer that checks signatures without
	// trusted roots and indexes no text. Its TempDir defaults to the
	// engine's spool directory.
	Importer *inbox.Importer
	// Axis is the axis client; nil makes an engine that only reports that
	// no axis is configured (ErrNoAxis), for a desk used offline.
	Axis Axis
	// From is the address packets are sent from: this desk's agency code
	// (or agency/mailbox). Required with Axis.
	From string
	// DataDir holds the quarantine, the spool of packets in transit and
	// the agency directory (required).
	DataDir string

	// Interval is the time between Run's passes (default 1 minute). While
	// the axis cannot be reached Run tries sooner, from OfflineRetry (default
	// 5 seconds) doubling up to Interval.
	Interval     time.Duration
	OfflineRetry time.Duration
	// Workers is how many downloads, acknowledgements and sends run at
	// once (default 4).
	Workers int
	// Batch is how many packets at most one import transaction takes
	// (default 50).
	Batch int
	// RetryBase is the delay before a failed send is tried again (default
	// 30 seconds); it doubles with each attempt up to RetryMax (default 30
	// minutes), jittered between half and all of it.
	RetryBase, RetryMax time.Duration
	// OrphanAfter is how long a recall request waits on the axis for the
	// document it names before it is refused (default 7 days).
	OrphanAfter time.Duration
	// DirectoryEvery is how often a pass refreshes the agency directory
	// (default 24 hours; negative: never).
	DirectoryEvery time.Duration

	// Progress receives the progress of passes (nil: none).
	Progress Progress
	// Logger receives structured logs (nil: none).
	Logger *slog.Logger
	// Now is the clock (default time.Now); Rand returns numbers in [0, 1)
	// for the jitter (default math/rand/v2).
	Now  func() time.Time
	Rand func() float64
}

// Status is the engine's state for a status bar.
type Status struct {
	Configured bool `json:"configured"` // an axis is configured
	Online     bool `json:"online"`     // the last call reached the axis
	Syncing    bool `json:"syncing"`    // a pass is running
	// LastSync is when the last pass that reached the axis throughout
	// ended; LastAttempt when the last pass ended.
	LastSync    time.Time `json:"lastSync"`
	LastAttempt time.Time `json:"lastAttempt"`
	// LastError says what went wrong in the last pass ("" when nothing).
	LastError string `json:"lastError,omitempty"`
	// Outbox is how many packets wait to be sent; OutboxFailed how many
	// the axis refused for good (they need a person).
	Outbox       int `json:"outbox"`
	OutboxFailed int `json:"outboxFailed"`
}

// Report is what one pass did.
type Report struct {
	Received    int `json:"received"`    // documents stored
	Duplicates  int `json:"duplicates"`  // packets stored before, acknowledged again
	Statuses    int `json:"statuses"`    // status messages applied
	Quarantined int `json:"quarantined"` // bad packets kept aside and acknowledged fail
	// Waiting counts recall requests left on the axis until their
	// document arrives.
	Waiting int `json:"waiting"`
	// Retry counts received packets left on the axis after a passing
	// failure (network, the axis, the store), and acknowledgements the
	// axis did not take: the next pass tries them again.
	Retry     int `json:"retry"`
	Sent      int `json:"sent"`      // outbox packets the axis accepted
	Refused   int `json:"refused"`   // outbox packets the axis refused for good (marked failed)
	Postponed int `json:"postponed"` // outbox packets whose send failed for now (retried later)
	// Bytes moved over the network (packets, not the protocol around them).
	Bytes int64 `json:"bytes"`
	// Offline is set when the axis could not be reached.
	Offline bool `json:"offline"`
	// Outbox is how many packets wait to be sent after the pass, the
	// earliest due at NextAttempt.
	Outbox      int       `json:"outbox"`
	NextAttempt time.Time `json:"nextAttempt"`
	Started     time.Time `json:"started"`
	Finished    time.Time `json:"finished"`
}

// Failures counts what did not go through in the pass.
func (r Report) Failures() int {
	n := r.Quarantined + r.Retry + r.Refused + r.Postponed
	if r.Offline {
		n++
	}
	return n
}

// Engine is the sync engine of one desk. Its methods are safe for
// concurrent use; passes run one at a time. Run one engine per desk.
type Engine struct {
	store         *inbox.Store
	im            *inbox.Importer
	ax            Axis
	from          string
	opts          Options
	log           *slog.Logger
	dir           *Directory
	quarantineDir string
	spoolDir      string

	pass chan struct{} // holds a token while a pass runs
	kick chan struct{}

	progMu sync.Mutex // one Report call at a time

	mu      sync.Mutex
	st      Status
	unacked map[string]ack       // judged, the axis has not taken the acknowledgement yet
	waiting map[string]time.Time // recall requests waiting for their document: first seen
	useGet  bool                 // the axis lacks downloadEdoc
	randMu  sync.Mutex

	memBytes atomic.Int64 // downloaded packets held in memory (see memTotal)
}

// New returns an engine; it creates the quarantine and spool directories
// and removes spool files a crash left behind.
func New(opts Options) (*Engine, error) {
	if opts.Store == nil {
		return nil, errors.New("courier: no store")
	}
	if opts.DataDir == "" {
		return nil, errors.New("courier: no data directory")
	}
	if opts.Axis != nil && strings.TrimSpace(opts.From) == "" {
		return nil, errors.New("courier: no sending address (this desk's agency code)")
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Minute
	}
	if opts.OfflineRetry <= 0 {
		opts.OfflineRetry = 5 * time.Second
	}
	opts.OfflineRetry = min(opts.OfflineRetry, opts.Interval)
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.Batch <= 0 {
		opts.Batch = 50
	}
	if opts.RetryBase <= 0 {
		opts.RetryBase = 30 * time.Second
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = 30 * time.Minute
	}
	opts.RetryMax = max(opts.RetryMax, opts.RetryBase)
	if opts.OrphanAfter <= 0 {
		opts.OrphanAfter = 7 * 24 * time.Hour
	}
	if opts.DirectoryEvery == 0 {
		opts.DirectoryEvery = 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Float64 //nolint:gosec // jitter needs no secret randomness
	}
	e := &Engine{
		store:         opts.Store,
		ax:            opts.Axis,
		from:          strings.TrimSpace(opts.From),
		opts:          opts,
		log:           opts.Logger,
		quarantineDir: filepath.Join(opts.DataDir, "quarantine"),
		spoolDir:      filepath.Join(opts.DataDir, "spool"),
		pass:          make(chan struct{}, 1),
		kick:          make(chan struct{}, 1),
		unacked:       map[string]ack{},
		waiting:       map[string]time.Time{},
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	for _, d := range []string{e.quarantineDir, e.spoolDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("courier: %w", err)
		}
	}
	if err := e.cleanSpool(); err != nil {
		return nil, err
	}
	im := &inbox.Importer{Store: opts.Store}
	if opts.Importer != nil {
		cp := *opts.Importer
		im = &cp
	}
	if im.Store == nil {
		im.Store = opts.Store
	}
	if im.Store != opts.Store {
		return nil, errors.New("courier: the importer stores into another store")
	}
	if im.TempDir == "" {
		im.TempDir = e.spoolDir
	}
	e.im = im
	dir, err := OpenDirectory(opts.DataDir)
	if err != nil {
		return nil, err
	}
	e.dir = dir
	e.st.Configured = opts.Axis != nil
	return e, nil
}

// cleanSpool removes the spool files of an earlier process.
func (e *Engine) cleanSpool() error {
	entries, err := os.ReadDir(e.spoolDir)
	if err != nil {
		return fmt.Errorf("courier: %w", err)
	}
	for _, ent := range entries {
		_ = os.RemoveAll(filepath.Join(e.spoolDir, ent.Name()))
	}
	return nil
}

// Directory returns the agency directory (the recipient picker's list).
func (e *Engine) Directory() *Directory { return e.dir }

// Kick asks Run for a pass now (after the desk queued something to send,
// or when a person asks), without waiting for it.
func (e *Engine) Kick() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// Status returns the engine's state, with the outbox as the store has it
// now.
func (e *Engine) Status(ctx context.Context) Status {
	sum, err := e.store.OutboxSummary(ctx)
	e.mu.Lock()
	defer e.mu.Unlock()
	if err == nil {
		e.st.Outbox, e.st.OutboxFailed = sum.Pending, sum.Failed
	}
	return e.st
}

// Run makes passes until ctx ends, every Interval, sooner when an outbox
// row falls due, when Kick asks, or (from OfflineRetry, doubling) while
// the axis cannot be reached. It returns ctx's error.
func (e *Engine) Run(ctx context.Context) error {
	backoff := e.opts.OfflineRetry
	for {
		rep, err := e.Once(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := e.opts.Interval
		switch {
		case errors.Is(err, ErrNoAxis):
		case errors.Is(err, ErrOffline):
			wait, backoff = backoff, min(backoff*2, e.opts.Interval)
		default:
			backoff = e.opts.OfflineRetry
			if !rep.NextAttempt.IsZero() {
				wait = min(wait, max(rep.NextAttempt.Sub(e.opts.Now()), 10*time.Millisecond))
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-e.kick:
			t.Stop()
		case <-t.C:
		}
	}
}

// Once makes one pass: send, receive documents then statuses while
// sending what receiving queues (the status 01 answers), send what is
// left, refresh the directory when due. It waits for a
// pass already running. The error is ErrOffline (wrapped) when the axis
// could not be reached, ErrNoAxis without an axis, ctx's error when it
// ended, or what failed in the store; packets that failed one by one are
// counted in the report, not returned.
func (e *Engine) Once(ctx context.Context) (Report, error) {
	select {
	case e.pass <- struct{}{}:
	case <-ctx.Done():
		return Report{}, ctx.Err()
	}
	defer func() { <-e.pass }()
	t := &tally{e: e}
	t.rep.Started = e.opts.Now()
	e.mu.Lock()
	e.st.Syncing = true
	e.mu.Unlock()
	err := e.once(ctx, t)
	rep := t.report()
	rep.Finished = e.opts.Now()
	if sum, serr := e.store.OutboxSummary(context.WithoutCancel(ctx)); serr == nil {
		rep.Outbox, rep.NextAttempt = sum.Pending, sum.NextAttempt
	}
	rep.Offline = errors.Is(err, ErrOffline)
	e.mu.Lock()
	e.st.Syncing = false
	e.st.LastAttempt = rep.Finished
	e.st.Outbox = rep.Outbox
	switch {
	case err != nil:
		e.st.LastError = err.Error()
	case rep.Failures() > 0:
		e.st.LastError = fmt.Sprintf("%d packets did not go through", rep.Failures())
	default:
		e.st.LastError = ""
	}
	if err == nil || !rep.Offline && !errors.Is(err, ErrNoAxis) && ctx.Err() == nil {
		e.st.LastSync = rep.Finished
	}
	e.mu.Unlock()
	e.report(Update{Phase: PhaseIdle, Done: rep.Received + rep.Statuses + rep.Sent, Total: rep.Received + rep.Statuses + rep.Sent, Bytes: rep.Bytes})
	level := slog.LevelInfo
	if err != nil || rep.Failures() > 0 {
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.Int("received", rep.Received), slog.Int("duplicates", rep.Duplicates), slog.Int("statuses", rep.Statuses),
		slog.Int("quarantined", rep.Quarantined), slog.Int("waiting", rep.Waiting), slog.Int("retry", rep.Retry),
		slog.Int("sent", rep.Sent), slog.Int("refused", rep.Refused), slog.Int("postponed", rep.Postponed),
		slog.Int("outbox", rep.Outbox), slog.Bool("offline", rep.Offline),
		slog.Duration("took", rep.Finished.Sub(rep.Started)),
	}
	if err != nil {
		attrs = append(attrs, slog.String("err", err.Error()))
	}
	e.log.LogAttrs(ctx, level, "sync pass", attrs...)
	return rep, err
}

func (e *Engine) once(ctx context.Context, t *tally) error {
	if e.ax == nil {
		return ErrNoAxis
	}
	var errs []error
	steps := []func(context.Context, *tally) error{
		e.push,
		e.pullAll,
		e.push,
		e.refreshIfDue,
	}
	for _, step := range steps {
		err := step(ctx, t)
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, ErrOffline) {
			return err
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// pullAll receives documents, then status messages, while what they queue
// is sent (pushWhilePulling).
func (e *Engine) pullAll(ctx context.Context, t *tally) error {
	kick, stop := e.pushWhilePulling(ctx, t)
	t.mu.Lock()
	t.imported = kick
	t.mu.Unlock()
	err := e.pull(ctx, axis.MessageEdoc, t)
	if err == nil || !errors.Is(err, ErrOffline) && ctx.Err() == nil {
		err = errors.Join(err, e.pull(ctx, axis.MessageStatus, t))
	}
	t.mu.Lock()
	t.imported = nil
	t.mu.Unlock()
	if perr := stop(); perr != nil && err == nil {
		err = perr
	}
	return err
}

// axisFailed records a failed call: offline when the axis was not reached.
func (e *Engine) axisFailed(err error) error {
	if unreachable(err) {
		e.setOnline(false)
		return fmt.Errorf("%w: %w", ErrOffline, err)
	}
	e.setOnline(true)
	return err
}

func (e *Engine) setOnline(on bool) {
	e.mu.Lock()
	e.st.Online = on
	e.mu.Unlock()
}

// report hands an update to Progress.
func (e *Engine) report(u Update) {
	if e.opts.Progress == nil {
		return
	}
	e.progMu.Lock()
	defer e.progMu.Unlock()
	e.opts.Progress.Report(u)
}

// jitter returns d scaled into [d/2, d).
func (e *Engine) jitter(d time.Duration) time.Duration {
	e.randMu.Lock()
	f := e.opts.Rand()
	e.randMu.Unlock()
	return d/2 + time.Duration(f*float64(d/2))
}

// RefreshAgencies fetches the axis's agency registry into the directory.
func (e *Engine) RefreshAgencies(ctx context.Context) error {
	if e.ax == nil {
		return ErrNoAxis
	}
	e.report(Update{Phase: PhaseDirectory})
	list, err := e.ax.Agencies(ctx)
	if err != nil {
		return e.axisFailed(err)
	}
	e.setOnline(true)
	out := make([]Agency, 0, len(list))
	for _, a := range list {
		if strings.TrimSpace(a.Code) == "" {
			continue
		}
		out = append(out, Agency{Code: a.Code, Name: a.Name, OldCode: a.OldCode, Mail: a.Mail, Parent: a.ParentID})
	}
	if err := e.dir.Replace(out, e.opts.Now()); err != nil {
		return err
	}
	e.report(Update{Phase: PhaseDirectory, Done: len(out), Total: len(out)})
	e.log.LogAttrs(ctx, slog.LevelInfo, "agency directory refreshed", slog.Int("agencies", len(out)))
	return nil
}

func (e *Engine) refreshIfDue(ctx context.Context, _ *tally) error {
	if e.opts.DirectoryEvery < 0 {
		return nil
	}
	if u := e.dir.Updated(); !u.IsZero() && e.opts.Now().Sub(u) < e.opts.DirectoryEvery {
		return nil
	}
	return e.RefreshAgencies(ctx)
}

// tally is a pass's report, written by several goroutines.
type tally struct {
	e   *Engine
	mu  sync.Mutex
	rep Report
	// progress of the current phase
	phase       Phase
	done, total int
	// imported is called after each batch the pull imports (nil: none).
	imported func()
}

// afterImport tells whoever waits for imports that a batch was imported.
func (t *tally) afterImport() {
	t.mu.Lock()
	f := t.imported
	t.mu.Unlock()
	if f != nil {
		f()
	}
}

func (t *tally) report() Report {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.rep
}

// add changes the counts under the lock.
func (t *tally) add(f func(r *Report)) {
	t.mu.Lock()
	f(&t.rep)
	t.mu.Unlock()
}

// start begins a phase's progress (or adds to its total).
func (t *tally) start(p Phase, total int) {
	t.mu.Lock()
	if t.phase != p {
		t.phase, t.done, t.total = p, 0, 0
	}
	t.total += total
	u := Update{Phase: p, Done: t.done, Total: t.total, Bytes: t.rep.Bytes}
	t.mu.Unlock()
	t.e.report(u)
}

// step counts packets handled and bytes moved in the current phase.
func (t *tally) step(items int, bytes int64) {
	t.mu.Lock()
	t.done += items
	t.rep.Bytes += bytes
	u := Update{Phase: t.phase, Done: t.done, Total: t.total, Bytes: t.rep.Bytes}
	t.mu.Unlock()
	t.e.report(u)
}
