package desk

import (
	"context"
	"sync"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/courier"
)

// ChangeKind says what a Change is about.
type ChangeKind string

// Change kinds.
const (
	// ChangeDocuments: documents changed. Documents holds their ids; empty
	// means any document may have changed (after a sync pass that received
	// or sent something): re-read what is shown. Folder counts may have
	// changed too.
	ChangeDocuments ChangeKind = "documents"
	// ChangeArrived: new incoming documents arrived (Documents), for a
	// notification. A ChangeDocuments event precedes it.
	ChangeArrived ChangeKind = "arrived"
	// ChangeSync: sync progress (Progress) and state (Status).
	ChangeSync ChangeKind = "sync"
	// ChangeDeadline: open documents whose deadline is near or passed
	// (Documents), each announced once per desk session.
	ChangeDeadline ChangeKind = "deadline"
)

// Change is an event the desk emits after an action or a sync pass.
type Change struct {
	Kind      ChangeKind
	Documents []int64
	// Progress and Status are set for ChangeSync: Progress.Phase is
	// courier.PhaseIdle when a pass has ended.
	Progress courier.Update
	Status   courier.Status
	At       time.Time
}

// Subscribe registers fn for every Change from now on and returns a
// function that unregisters it. fn runs on the desk's event goroutine (never
// on the goroutine of the action that caused the change), one event at a
// time, in order; it must return quickly (a GUI hands the work to fyne.Do).
// After cancel returns fn is not called again, unless an event is being
// delivered to it at that moment.
func (d *Desk) Subscribe(fn func(Change)) (cancel func()) {
	return d.bus.subscribe(fn)
}

// emit queues a change for the subscribers.
func (d *Desk) emit(c Change) {
	if c.At.IsZero() {
		c.At = d.now()
	}
	d.bus.post(func(context.Context) { d.bus.deliver(c) })
}

// changed emits ChangeDocuments for ids.
func (d *Desk) changed(ids ...int64) {
	d.emit(Change{Kind: ChangeDocuments, Documents: ids})
}

// onProgress receives the sync engine's progress; it runs on the engine's
// goroutine and only queues work.
func (d *Desk) onProgress(u courier.Update) {
	d.bus.post(func(ctx context.Context) {
		st := d.eng.Status(ctx)
		d.bus.deliver(Change{Kind: ChangeSync, Progress: u, Status: st, At: d.now()})
		if u.Phase != courier.PhaseIdle {
			return
		}
		if u.Done > 0 {
			d.bus.deliver(Change{Kind: ChangeDocuments, At: d.now()})
		}
		d.announceArrivals(ctx)
		d.checkDeadlinesOn(ctx)
	})
}

// announceArrivals emits ChangeArrived for incoming documents newer than
// the last announced. It runs on the event goroutine.
func (d *Desk) announceArrivals(ctx context.Context) {
	d.mu.Lock()
	last := d.lastSeen
	d.mu.Unlock()
	page, _, err := d.store.List(ctx, inbox.Filter{Direction: inbox.Incoming}, inbox.Page{Limit: 200})
	if err != nil {
		d.log.Warn("list new documents", "err", err)
		return
	}
	var fresh []int64
	newest := last
	for _, s := range page {
		if s.ID > last {
			fresh = append(fresh, s.ID)
			newest = max(newest, s.ID)
		}
	}
	if len(fresh) == 0 {
		return
	}
	d.mu.Lock()
	d.lastSeen = max(d.lastSeen, newest)
	d.mu.Unlock()
	d.bus.deliver(Change{Kind: ChangeArrived, Documents: fresh, At: d.now()})
}

// newestIncoming is the largest id among the newest incoming documents.
func (d *Desk) newestIncoming(ctx context.Context) (int64, error) {
	page, _, err := d.store.List(ctx, inbox.Filter{Direction: inbox.Incoming, IncludeHidden: true}, inbox.Page{Limit: 200})
	if err != nil {
		return 0, err
	}
	var n int64
	for _, s := range page {
		n = max(n, s.ID)
	}
	return n, nil
}

// checkDeadlines queues a deadline check.
func (d *Desk) checkDeadlines(context.Context) {
	d.bus.post(d.checkDeadlinesOn)
}

// checkDeadlinesOn emits ChangeDeadline for open documents due within
// Options.DeadlineWarning that were not announced yet. It runs on the
// event goroutine.
func (d *Desk) checkDeadlinesOn(ctx context.Context) {
	if d.opts.DeadlineWarning < 0 {
		return
	}
	due, err := d.store.DueBefore(ctx, d.now().Add(d.opts.DeadlineWarning), 500)
	if err != nil {
		d.log.Warn("list approaching deadlines", "err", err)
		return
	}
	var fresh []int64
	d.mu.Lock()
	for _, s := range due {
		if !d.warned[s.ID] {
			d.warned[s.ID] = true
			fresh = append(fresh, s.ID)
		}
	}
	d.mu.Unlock()
	if len(fresh) > 0 {
		d.bus.deliver(Change{Kind: ChangeDeadline, Documents: fresh, At: d.now()})
	}
}

// bus runs queued work, in order, on one goroutine it owns.
type bus struct {
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	cond   *sync.Cond
	queue  []func(context.Context)
	closed bool

	subMu sync.Mutex
	subs  map[int]func(Change)
	next  int
}

func newBus() *bus {
	ctx, cancel := context.WithCancel(context.Background())
	b := &bus{ctx: ctx, cancel: cancel, done: make(chan struct{}), subs: map[int]func(Change){}}
	b.cond = sync.NewCond(&b.mu)
	go b.loop()
	return b
}

func (b *bus) loop() {
	defer close(b.done)
	for {
		b.mu.Lock()
		for len(b.queue) == 0 && !b.closed {
			b.cond.Wait()
		}
		if len(b.queue) == 0 {
			b.mu.Unlock()
			return
		}
		work := b.queue[0]
		b.queue[0] = nil
		b.queue = b.queue[1:]
		b.mu.Unlock()
		work(b.ctx)
	}
}

// post queues work; after close it is dropped.
func (b *bus) post(work func(context.Context)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.queue = append(b.queue, work)
	b.cond.Signal()
}

// deliver calls every subscriber with c; it runs on the bus goroutine.
func (b *bus) deliver(c Change) {
	b.subMu.Lock()
	fns := make([]func(Change), 0, len(b.subs))
	for i := range b.next {
		if fn, ok := b.subs[i]; ok {
			fns = append(fns, fn)
		}
	}
	b.subMu.Unlock()
	for _, fn := range fns {
		fn(c)
	}
}

func (b *bus) subscribe(fn func(Change)) func() {
	b.subMu.Lock()
	id := b.next
	b.next++
	b.subs[id] = fn
	b.subMu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			b.subMu.Lock()
			delete(b.subs, id)
			b.subMu.Unlock()
		})
	}
}

// close drops queued work that has not started, stops the goroutine and
// waits for it.
func (b *bus) close() {
	b.mu.Lock()
	b.closed = true
	b.queue = nil
	b.cond.Signal()
	b.mu.Unlock()
	b.cancel()
	<-b.done
}
