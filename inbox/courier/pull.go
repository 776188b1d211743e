package courier

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/edxml"
	"github.com/vanthu/vanthu/internal/batch"
	"github.com/vanthu/vanthu/internal/bufpool"
)

// errHeld is a status message left for the next pass behind an earlier
// one of its sender that could not be applied.
var errHeld = errors.New("waits for an earlier status message of its sender")

// ack is a transport acknowledgement to give.
type ack struct {
	docID  string
	status axis.TransportStatus
	reason string
}

// fetched is a downloaded packet, in memory (data) or in a spool file
// (path); neither when err.
type fetched struct {
	idx  int // in the list
	item axis.ReceivedItem
	data []byte
	buf  *bytes.Buffer // data's, back to packetBuffers once settled
	path string
	err  error

	// A document packet is prepared as soon as it is downloaded (see
	// receive): prep, or prepErr when that failed.
	prepared bool
	prep     *inbox.Prepared
	prepErr  error
}

// Downloaded packets up to memPacket bytes are kept in memory, as long as
// those kept take no more than memTotal; the others go to spool files.
const (
	memPacket = 256 << 10
	memTotal  = 64 << 20
)

// packetBuffers holds the buffers downloads are read into: one grown to a
// packet's size for each would be allocated, cleared and copied a few
// times over.
var packetBuffers = bufpool.New(2 * memPacket)

// verdict is what became of one received packet.
type verdict int

const (
	stored      verdict = iota // a new document stored (or a status applied): done
	duplicate                  // stored before: done
	bad                        // the packet's fault: quarantine, fail
	waitFor                    // a recall request ahead of its document: leave it
	passing                    // a passing failure: leave it for the next pass
	vanished                   // the axis no longer has it
	interrupted                // the pass ended first
)

// outcome is a verdict with its reason.
type outcome struct {
	v      verdict
	status bool // a status message (for the counts)
	reason string
	err    error
}

// pull receives the packets of one message type waiting on the axis,
// listing again until a list holds nothing new.
func (e *Engine) pull(ctx context.Context, mt axis.MessageType, t *tally) error {
	phase := PhaseDocuments
	if mt == axis.MessageStatus {
		phase = PhaseStatuses
	}
	t.start(phase, 0)
	seen := map[string]bool{}
	held := map[string]bool{} // senders whose statuses wait for an earlier one (importBatch)
	for {
		items, err := e.ax.ReceivedList(ctx, mt)
		if err != nil {
			return e.axisFailed(fmt.Errorf("list %s packets: %w", mt, err))
		}
		e.setOnline(true)
		var todo []axis.ReceivedItem
		var acks []ack
		for _, it := range items {
			if it.DocID == "" || seen[it.DocID] {
				continue // listed twice, or handled in this pass already
			}
			seen[it.DocID] = true
			if a, ok := e.unackedFor(it.DocID); ok {
				acks = append(acks, a)
				continue
			}
			if q, ok := e.quarantined(it.DocID); ok {
				if it.Status != string(axis.StatusFail) {
					acks = append(acks, ack{it.DocID, axis.StatusFail, q.Reason})
				}
				continue
			}
			if it.Status == string(axis.StatusFail) {
				continue // refused before
			}
			todo = append(todo, it)
		}
		if len(todo) == 0 && len(acks) == 0 {
			return nil
		}
		t.start(phase, len(todo))
		if err := e.receive(ctx, mt, todo, acks, held, t); err != nil {
			return err
		}
	}
}

// receive downloads, imports and acknowledges items, with acks to give
// besides. Downloads, the preparing of document packets and
// acknowledgements run on Workers goroutines each; this goroutine imports,
// taking what has arrived in one transaction (up to Batch packets).
func (e *Engine) receive(ctx context.Context, mt axis.MessageType, items []axis.ReceivedItem, acks []ack, held map[string]bool, t *tally) error {
	fetchCtx, stopFetching := context.WithCancelCause(ctx)
	defer stopFetching(nil)
	var offline atomic.Pointer[error]
	noteOffline := func(err error) {
		e.setOnline(false)
		offline.CompareAndSwap(nil, &err)
		stopFetching(ErrOffline)
	}

	jobs := make(chan int)
	got := make(chan fetched, e.opts.Batch) // downloads go on while a batch is imported
	// Acknowledgements queue up rather than hold the importer while the
	// axis answers the ones before them.
	ackq := make(chan ack, 4*e.opts.Batch)
	var fetchers, ackers sync.WaitGroup
	go func() {
		defer close(jobs)
		for i := range items {
			select {
			case jobs <- i:
			case <-fetchCtx.Done():
				return
			}
		}
	}()
	for range e.opts.Workers {
		fetchers.Go(func() {
			for i := range jobs {
				f := e.fetch(fetchCtx, items[i], t)
				f.idx = i
				if f.err != nil && unreachable(f.err) {
					noteOffline(f.err)
				}
				got <- f // the importer below reads until got closes
			}
		})
	}
	go func() {
		fetchers.Wait()
		close(got)
	}()
	// Document packets are prepared (decoded, their files stored, their
	// signatures checked) as soon as they are downloaded, on Workers
	// goroutines, each on its own: a batch prepared together would wait
	// for its slowest packet before the next could start.
	arrivals := got
	if mt == axis.MessageEdoc {
		ready := make(chan fetched, e.opts.Batch)
		var preparers sync.WaitGroup
		for range e.opts.Workers {
			preparers.Go(func() {
				for f := range got {
					e.prepareOne(ctx, &f, false)
					ready <- f
				}
			})
		}
		go func() {
			preparers.Wait()
			close(ready)
		}()
		arrivals = ready
	}
	for range e.opts.Workers {
		ackers.Go(func() {
			for a := range ackq {
				if err := e.acknowledge(ctx, a); err != nil {
					t.add(func(r *Report) { r.Retry++ })
					if unreachable(err) {
						noteOffline(err)
					}
				}
			}
		})
	}
	for _, a := range acks {
		ackq <- a
	}

	// Packets are imported in the order the axis listed them (statuses
	// about one document arrive in the order they were sent), in batches
	// of what has arrived. A batch of documents (prepared already) is
	// committed on its own goroutine while the next arrive (two may wait
	// for it: a commit that checkpoints the WAL takes longer than most);
	// statuses are applied one batch after the other.
	importBatch := func(batch []fetched) { e.importBatch(ctx, mt, batch, held, t, ackq) }
	var commits chan *prepared
	var committer sync.WaitGroup
	if mt == axis.MessageEdoc {
		commits = make(chan *prepared, 2)
		committer.Go(func() {
			for p := range commits {
				e.finishBatch(ctx, mt, p, nil, t, ackq)
			}
		})
		importBatch = func(batch []fetched) { commits <- e.joinBatch(ctx, batch) }
	}
	arrived := map[int]fetched{}
	next := 0
	// Documents are committed a full batch at a time, or what is ready
	// once the first of it has waited commitWait: they arrive one by one,
	// and a commit (a sync to disk) for each few would cost more than the
	// documents themselves. Statuses are applied as they are ready.
	var flush <-chan time.Time
	var flushTimer *time.Timer
	// importReady imports what has arrived, in order: while documents
	// still arrive, whole batches only unless partial; at the end (all),
	// everything, skipping what never arrived.
	importReady := func(partial, all bool) {
		for {
			if !partial && !all {
				ready := 0
				for ready < e.opts.Batch {
					if _, ok := arrived[next+ready]; !ok {
						break
					}
					ready++
				}
				if ready < e.opts.Batch {
					if ready > 0 && flush == nil {
						flushTimer = time.NewTimer(commitWait)
						flush = flushTimer.C
					}
					return
				}
			}
			var batch []fetched
			for len(batch) < e.opts.Batch && len(arrived) > 0 {
				f, ok := arrived[next]
				if !ok {
					if !all {
						break
					}
					next++ // never fetched (the pass stopped): skipped
					continue
				}
				delete(arrived, next)
				next++
				batch = append(batch, f)
			}
			if len(batch) == 0 {
				return
			}
			importBatch(batch)
		}
	}
	var waiting []fetched
	for open := true; open; {
		select {
		case f, ok := <-arrivals:
			if !ok {
				open = false
				break
			}
			waiting = batch.Drain(append(waiting[:0], f), arrivals, math.MaxInt)
			for _, f := range waiting {
				arrived[f.idx] = f
			}
			clear(waiting) // keeps no packet alive once handed on
			importReady(commits == nil, false)
		case <-flush:
			flush = nil
			importReady(true, false) // what is ready now goes
		}
	}
	if flushTimer != nil {
		flushTimer.Stop()
	}
	importReady(true, true)
	if commits != nil {
		close(commits)
		committer.Wait()
	}
	close(ackq)
	ackers.Wait()
	if p := offline.Load(); p != nil {
		return fmt.Errorf("%w: %w", ErrOffline, *p)
	}
	return ctx.Err()
}

// commitWait is how long a document that is ready waits for a batch to
// fill before it is committed with what else is ready.
const commitWait = 100 * time.Millisecond

// fetchAttempts is how often fetch tries a download that failed for a
// passing reason (the axis client's own retries aside: it does not retry
// refused credentials, for one).
const fetchAttempts = 3

// fetch downloads a packet to a spool file.
func (e *Engine) fetch(ctx context.Context, it axis.ReceivedItem, t *tally) fetched {
	var f fetched
	for attempt := 1; ; attempt++ {
		f = e.fetchOnce(ctx, it, t)
		if f.err == nil || attempt == fetchAttempts || gone(f.err) || unreachable(f.err) || ctx.Err() != nil {
			return f
		}
		d := e.jitter(e.opts.RetryBase)
		e.log.LogAttrs(ctx, slog.LevelDebug, "download failed, retrying", slog.String("docId", it.DocID),
			slog.Int("attempt", attempt), slog.Duration("delay", d), slog.String("err", f.err.Error()))
		timer := time.NewTimer(min(d, time.Second))
		select {
		case <-ctx.Done():
			timer.Stop()
			return f
		case <-timer.C:
		}
	}
}

func (e *Engine) fetchOnce(ctx context.Context, it axis.ReceivedItem, t *tally) fetched {
	f := fetched{item: it}
	if err := ctx.Err(); err != nil {
		f.err = err
		return f
	}
	rc, err := e.open(ctx, it.DocID)
	if err != nil {
		f.err = err
		return f
	}
	defer rc.Close()
	head := packetBuffers.Get()
	n, err := io.Copy(head, io.LimitReader(rc, memPacket+1))
	if err != nil {
		packetBuffers.Put(head)
		f.err = fmt.Errorf("download %s: %w", it.DocID, err)
		return f
	}
	if n <= memPacket {
		if e.memBytes.Add(n) <= memTotal {
			t.step(0, n)
			f.data, f.buf = head.Bytes(), head
			return f
		}
		e.memBytes.Add(-n)
	}
	defer packetBuffers.Put(head)
	tmp, err := os.CreateTemp(e.spoolDir, "packet-*.edxml")
	if err != nil {
		f.err = err
		return f
	}
	n, err = io.Copy(tmp, io.MultiReader(head, rc))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		f.err = fmt.Errorf("download %s: %w", it.DocID, err)
		return f
	}
	t.step(0, n)
	f.path = tmp.Name()
	return f
}

// open streams a packet: downloadEdoc, or getEdoc from an axis that
// lacks it.
func (e *Engine) open(ctx context.Context, docID string) (io.ReadCloser, error) {
	e.mu.Lock()
	useGet := e.useGet
	e.mu.Unlock()
	if !useGet {
		rc, err := e.ax.Download(ctx, docID)
		if err == nil || !noSuchCall(err) {
			return rc, err
		}
	}
	b, err := e.ax.Get(ctx, docID)
	if err != nil {
		return nil, err
	}
	if !useGet {
		e.mu.Lock()
		e.useGet = true
		e.mu.Unlock()
		e.log.Info("the axis answers getEdoc but not downloadEdoc; packets are fetched with getEdoc")
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// importBatch imports what was downloaded and queues the acknowledgements.
// A status message that must be tried again holds back the later ones of
// its sender (held) until the next pass, so that a sender's statuses are
// applied in the order it sent them.
func (e *Engine) importBatch(ctx context.Context, mt axis.MessageType, batch []fetched, held map[string]bool, t *tally, ackq chan<- ack) {
	e.finishBatch(ctx, mt, e.prepareBatch(ctx, mt, batch, held), held, t, ackq)
}

// prepared is a batch made ready for import, waiting for its commit.
type prepared struct {
	batch    []fetched
	outcomes []outcome
	slots    []int // batch index of each packet prepared
	prep     *inbox.Prepared
	err      error // Prepare's
}

// open returns a reader of the downloaded packet, and its spool file to
// close after (nil for a packet in memory).
func (f *fetched) open() (io.ReadSeeker, *os.File, error) {
	if f.data != nil {
		return bytes.NewReader(f.data), nil, nil
	}
	file, err := os.Open(f.path)
	if err != nil {
		return nil, nil, err
	}
	return file, file, nil
}

// prepareOne prepares a downloaded document packet on its own
// (inbox.Importer.Prepare: files stored, signatures checked). A packet
// that is not a document (a status message in the documents' queue) is
// left for the importer, which applies such messages in their order,
// unless anyKind.
func (e *Engine) prepareOne(ctx context.Context, f *fetched, anyKind bool) {
	if f.err != nil {
		return
	}
	fh, file, err := f.open()
	if err != nil {
		f.prepared, f.prepErr = true, err
		return
	}
	if file != nil {
		defer file.Close()
	}
	if !anyKind {
		kind, err := edxml.Detect(fh)
		if err != nil || kind != edxml.KindEdoc {
			return
		}
		if _, err := fh.Seek(0, io.SeekStart); err != nil {
			f.prepared, f.prepErr = true, err
			return
		}
	}
	f.prepared = true
	f.prep, f.prepErr = e.im.Prepare(ctx, []io.ReadSeeker{fh})
}

// joinBatch gathers a batch of document packets prepared one at a time
// (preparing, in order, those left for it) for one commit.
func (e *Engine) joinBatch(ctx context.Context, batch []fetched) *prepared {
	p := &prepared{batch: batch, outcomes: make([]outcome, len(batch))}
	var parts []*inbox.Prepared
	for i := range batch {
		f := &batch[i]
		if f.err != nil {
			p.outcomes[i] = fetchOutcome(ctx, f.err)
			continue
		}
		if !f.prepared {
			e.prepareOne(ctx, f, true)
		}
		if f.prepErr != nil {
			p.outcomes[i] = e.judge(ctx, nil, f.prepErr)
			continue
		}
		parts = append(parts, f.prep)
		p.slots = append(p.slots, i)
	}
	p.prep = inbox.JoinPrepared(parts...)
	return p
}

// fetchOutcome is the verdict on a packet whose download failed.
func fetchOutcome(ctx context.Context, err error) outcome {
	switch {
	case gone(err):
		return outcome{v: vanished, err: err}
	case ctx.Err() != nil, errors.Is(err, context.Canceled):
		return outcome{v: interrupted, err: err}
	}
	return outcome{v: passing, err: err}
}

// prepareBatch decides what it can without the importer and prepares the
// rest (inbox.Importer.Prepare: files stored, signatures checked).
func (e *Engine) prepareBatch(ctx context.Context, mt axis.MessageType, batch []fetched, held map[string]bool) *prepared {
	p := &prepared{batch: batch, outcomes: make([]outcome, len(batch))}
	outcomes := p.outcomes
	var files []*os.File
	var readers []io.ReadSeeker
	for i, f := range batch {
		if mt == axis.MessageStatus {
			if held[f.item.From] {
				outcomes[i] = outcome{v: passing, err: errHeld}
				continue
			}
			if f.err != nil && !gone(f.err) {
				held[f.item.From] = true
			}
		}
		if f.err != nil {
			outcomes[i] = fetchOutcome(ctx, f.err)
			continue
		}
		fh, file, err := f.open()
		if err != nil {
			outcomes[i] = outcome{v: passing, err: err}
			continue
		}
		if file != nil {
			files = append(files, file)
		}
		if mt == axis.MessageStatus {
			if o, ok := e.screenRecall(ctx, f.item, fh); ok {
				outcomes[i] = o
				continue
			}
			if _, err := fh.Seek(0, io.SeekStart); err != nil {
				outcomes[i] = outcome{v: passing, err: err}
				continue
			}
		}
		readers = append(readers, fh)
		p.slots = append(p.slots, i)
	}
	if len(readers) > 0 {
		p.prep, p.err = e.im.Prepare(ctx, readers)
	}
	for _, fh := range files {
		fh.Close()
	}
	return p
}

// finishBatch commits a prepared batch and settles each packet.
func (e *Engine) finishBatch(ctx context.Context, mt axis.MessageType, p *prepared, held map[string]bool, t *tally, ackq chan<- ack) {
	if p.prep != nil || p.err != nil {
		var res []*inbox.ImportResult
		var errs []error
		err := p.err
		if err == nil {
			res, errs, err = p.prep.Commit(ctx)
		}
		for k, i := range p.slots {
			switch {
			case err != nil:
				p.outcomes[i] = e.judge(ctx, nil, err)
			default:
				p.outcomes[i] = e.judge(ctx, res[k], errs[k])
			}
		}
	}
	if mt == axis.MessageStatus {
		for i, o := range p.outcomes {
			if o.v == passing || o.v == interrupted {
				held[p.batch[i].item.From] = true
			}
		}
	}
	for i, f := range p.batch {
		e.settle(ctx, mt, f, p.outcomes[i], t, ackq)
	}
	t.afterImport()
}

// judge turns an import's result into a verdict.
func (e *Engine) judge(ctx context.Context, res *inbox.ImportResult, err error) outcome {
	switch {
	case err == nil && res.Duplicate:
		return outcome{v: duplicate, status: res.Kind == "status"}
	case err == nil:
		return outcome{v: stored, status: res.Kind == "status"}
	case ctx.Err() != nil:
		return outcome{v: interrupted, err: err}
	case errors.Is(err, edxml.ErrBadPacket), errors.Is(err, inbox.ErrInvalid):
		return outcome{v: bad, reason: err.Error(), err: err}
	case errors.Is(err, inbox.ErrNotFound), errors.Is(err, inbox.ErrIllegalTransition):
		// A status about a document this desk does not have, from an
		// organisation that is not its recipient, or that does not fit
		// the document's state.
		return outcome{v: bad, status: true, reason: err.Error(), err: err}
	}
	return outcome{v: passing, err: err}
}

// screenRecall decides on a recall request (status 13) before the
// importer: one recorded before is a duplicate (the store would record a
// second request after the first was refused), one ahead of its document
// waits, one about a refused document has nothing to recall. ok is false
// for the importer to decide.
func (e *Engine) screenRecall(ctx context.Context, it axis.ReceivedItem, r io.ReadSeeker) (outcome, bool) {
	if kind, err := edxml.Detect(r); err != nil || kind != edxml.KindStatus {
		return outcome{}, false
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return outcome{}, false
	}
	st, err := edxml.DecodeStatus(ctx, r, edxml.DecodeOptions{TempDir: e.spoolDir})
	if err != nil || st.StatusCode != edxml.StatusRecallRequest {
		return outcome{}, false
	}
	id, err := e.store.FindIncoming(ctx, st.ResponseFor.OrganID, st.ResponseFor.DocumentID)
	switch {
	case errors.Is(err, inbox.ErrNotFound):
		if first := e.firstSeen(it); e.opts.Now().Sub(first) < e.opts.OrphanAfter {
			return outcome{v: waitFor, status: true}, true
		}
		return outcome{v: bad, status: true, reason: fmt.Sprintf("recall request for %s, which never arrived here", st.ResponseFor.DocumentID)}, true
	case err != nil:
		return outcome{v: passing, status: true, err: err}, true
	}
	e.doneWaiting(it.DocID)
	doc, err := e.store.Get(ctx, id)
	if err != nil {
		return outcome{v: passing, status: true, err: err}, true
	}
	switch doc.State {
	case inbox.StateRecallRequested, inbox.StateRecalled:
		return outcome{v: duplicate, status: true}, true
	case inbox.StateRefused:
		e.log.LogAttrs(ctx, slog.LevelInfo, "recall request for a refused document: nothing to recall",
			slog.String("docId", it.DocID), slog.String("documentId", st.ResponseFor.DocumentID))
		return outcome{v: duplicate, status: true}, true
	}
	trail, err := e.store.AuditTrail(ctx, id)
	if err != nil {
		return outcome{v: passing, status: true, err: err}, true
	}
	for _, a := range trail {
		if a.Action != inbox.ActionRecallRequested {
			continue
		}
		var d struct{ Reason string }
		if json.Unmarshal(a.Detail, &d) == nil && d.Reason == st.Description {
			return outcome{v: duplicate, status: true}, true
		}
	}
	return outcome{}, false
}

// firstSeen is when a waiting packet was first listed: its creation time
// on the axis, or when this engine first saw it.
func (e *Engine) firstSeen(it axis.ReceivedItem) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "02/01/2006 15:04:05"} {
		if t, err := time.ParseInLocation(layout, it.Created, axis.VietnamTime); err == nil {
			return t
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t, ok := e.waiting[it.DocID]
	if !ok {
		t = e.opts.Now()
		e.waiting[it.DocID] = t
	}
	return t
}

func (e *Engine) doneWaiting(docID string) {
	e.mu.Lock()
	delete(e.waiting, docID)
	e.mu.Unlock()
}

// settle acts on an outcome: counts it, quarantines a bad packet, queues
// the acknowledgement, removes the spool file.
func (e *Engine) settle(ctx context.Context, mt axis.MessageType, f fetched, o outcome, t *tally, ackq chan<- ack) {
	it := f.item
	defer func() {
		if f.path != "" {
			_ = os.Remove(f.path)
		}
		e.memBytes.Add(-int64(len(f.data)))
		packetBuffers.Put(f.buf)
	}()
	switch o.v {
	case stored, duplicate:
		t.add(func(r *Report) {
			switch {
			case o.v == duplicate:
				r.Duplicates++
			case o.status:
				r.Statuses++
			default:
				r.Received++
			}
		})
		e.log.LogAttrs(ctx, slog.LevelDebug, "packet received", slog.String("docId", it.DocID),
			slog.String("messageType", string(mt)), slog.String("from", it.From), slog.Bool("duplicate", o.v == duplicate))
		a := ack{it.DocID, axis.StatusDone, ""}
		e.rememberAck(a)
		ackq <- a
	case bad:
		reason := oneLine(o.reason)
		q := Quarantined{DocID: it.DocID, MessageType: string(mt), From: it.From, Reason: reason, At: e.opts.Now()}
		if err := e.quarantine(q, f.path, f.data); err != nil {
			// Not kept: the packet stays on the axis for the next pass.
			e.log.LogAttrs(ctx, slog.LevelError, "quarantine failed", slog.String("docId", it.DocID), slog.String("err", err.Error()))
			t.add(func(r *Report) { r.Retry++ })
			break
		}
		f.path = ""
		t.add(func(r *Report) { r.Quarantined++ })
		e.log.LogAttrs(ctx, slog.LevelWarn, "packet refused", slog.String("docId", it.DocID),
			slog.String("messageType", string(mt)), slog.String("from", it.From), slog.String("reason", reason))
		a := ack{it.DocID, axis.StatusFail, reason}
		e.rememberAck(a)
		ackq <- a
	case waitFor:
		t.add(func(r *Report) { r.Waiting++ })
	case passing:
		t.add(func(r *Report) { r.Retry++ })
		level := slog.LevelWarn
		if errors.Is(o.err, errHeld) {
			level = slog.LevelDebug
		}
		e.log.LogAttrs(ctx, level, "packet left for the next pass", slog.String("docId", it.DocID),
			slog.String("messageType", string(mt)), slog.String("err", errString(o.err)))
	case interrupted:
		t.add(func(r *Report) { r.Retry++ })
	case vanished:
		e.log.LogAttrs(ctx, slog.LevelInfo, "packet no longer on the axis", slog.String("docId", it.DocID))
	}
	t.step(1, 0)
}

// acknowledge gives an acknowledgement; one the axis did not take stays
// remembered for the next pass, which gives it again without downloading
// the packet.
func (e *Engine) acknowledge(ctx context.Context, a ack) error {
	err := e.ax.UpdateStatus(ctx, a.docID, a.status, a.reason)
	if err != nil && !gone(err) {
		e.log.LogAttrs(ctx, slog.LevelWarn, "acknowledgement not taken", slog.String("docId", a.docID),
			slog.String("status", string(a.status)), slog.String("err", err.Error()))
		return err
	}
	e.mu.Lock()
	delete(e.unacked, a.docID)
	e.mu.Unlock()
	return nil
}

func (e *Engine) rememberAck(a ack) {
	e.mu.Lock()
	e.unacked[a.docID] = a
	e.mu.Unlock()
}

func (e *Engine) unackedFor(docID string) (ack, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, ok := e.unacked[docID]
	return a, ok
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// oneLine makes a reason fit one line.
func oneLine(s string) string {
	out := []rune{}
	space := false
	for _, r := range s {
		if r == '\n' || r == '\r' || r == '\t' || r == ' ' {
			space = len(out) > 0
			continue
		}
		if space {
			out = append(out, ' ')
			space = false
		}
		out = append(out, r)
	}
	return string(out)
}
