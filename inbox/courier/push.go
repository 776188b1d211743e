package courier

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vanthu/vanthu/inbox"
	"github.com/vanthu/vanthu/inbox/axis"
	"github.com/vanthu/vanthu/inbox/edxml"
	"github.com/vanthu/vanthu/internal/batch"
)

// pushChunk is how many due outbox rows one round of push takes.
const pushChunk = 200

// push sends the outbox rows that are due, each at most once per call,
// Workers at a time. The rows of one document go out one after the other,
// in the order they were queued, so that its statuses reach the other
// side in order.
func (e *Engine) push(ctx context.Context, t *tally) error { return e.pushRows(ctx, t, false) }

// pushRows is push; quiet counts the sends in the report but leaves the
// progress to the phase under way (see pushWhilePulling).
func (e *Engine) pushRows(ctx context.Context, t *tally, quiet bool) error {
	tried := map[int64]bool{}
	for {
		rows, err := e.store.PendingOutbox(ctx, pushChunk)
		if err != nil {
			return err
		}
		var groups [][]inbox.OutboxItem
		group := map[int64]int{} // document → index in groups
		n := 0
		for _, r := range rows {
			if tried[r.ID] {
				continue
			}
			tried[r.ID] = true
			n++
			g, ok := group[r.Document]
			if !ok || r.Document == 0 {
				g = len(groups)
				group[r.Document] = g
				groups = append(groups, nil)
			}
			groups[g] = append(groups[g], r)
		}
		if n == 0 {
			return nil
		}
		n = 0
		for i, g := range groups {
			slices.SortFunc(g, func(a, b inbox.OutboxItem) int { return cmp.Compare(a.ID, b.ID) })
			if groups[i], err = e.inTurn(ctx, g); err != nil {
				return err
			}
			n += len(groups[i])
		}
		if n == 0 {
			return nil
		}
		if !quiet {
			t.start(PhaseSend, n)
		}
		sendCtx, stop := context.WithCancelCause(ctx)
		rec := e.recordSent(ctx, t)
		var offline atomic.Pointer[error]
		jobs := make(chan []inbox.OutboxItem)
		var wg sync.WaitGroup
		for range e.opts.Workers {
			wg.Go(func() {
				for g := range jobs {
					held := false
					for _, row := range g {
						// After a row that must be tried again, the
						// document's later rows wait their turn.
						if sendCtx.Err() == nil && !held {
							ok, err := e.sendRow(sendCtx, row, t, rec)
							if err != nil {
								offline.CompareAndSwap(nil, &err)
								stop(ErrOffline)
							}
							held = !ok
						}
						if !quiet {
							t.step(1, 0)
						}
					}
				}
			})
		}
	feed:
		for _, g := range groups {
			select {
			case jobs <- g:
			case <-sendCtx.Done():
				break feed
			}
		}
		close(jobs)
		wg.Wait()
		rec.close()
		stop(nil)
		if p := offline.Load(); p != nil {
			e.setOnline(false)
			return fmt.Errorf("%w: %w", ErrOffline, *p)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// inTurn returns the rows of one document (in queue order) that may go
// now: those before any earlier row of the document that is pending but not
// due (a send postponed). Rows of no document are always in turn.
func (e *Engine) inTurn(ctx context.Context, g []inbox.OutboxItem) ([]inbox.OutboxItem, error) {
	if len(g) == 0 || g[0].Document == 0 {
		return g, nil
	}
	all, err := e.store.Outbox(ctx, g[0].Document)
	if err != nil {
		return nil, err
	}
	due := map[int64]bool{}
	for _, r := range g {
		due[r.ID] = true
	}
	for _, r := range all {
		if r.State == inbox.OutboxPending && !due[r.ID] {
			// The first waiting row: what was queued after it waits too.
			i := slices.IndexFunc(g, func(x inbox.OutboxItem) bool { return x.ID > r.ID })
			if i >= 0 {
				return g[:i], nil
			}
			return g, nil
		}
	}
	return g, nil
}

// sendRow sends one outbox row and records the outcome (a send the axis
// accepted through rec). ok is false when the row is to be tried again;
// err is set when the axis could not be reached (the row is left as it
// was: not an attempt the axis saw).
func (e *Engine) sendRow(ctx context.Context, row inbox.OutboxItem, t *tally, rec *sentRecorder) (ok bool, err error) {
	docID, size, err := e.deliver(ctx, row)
	// What the axis answered is recorded even when the pass is being
	// stopped: a send it accepted must not be sent again.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	attrs := []slog.Attr{slog.Int64("row", row.ID), slog.String("kind", string(row.Kind)),
		slog.String("documentId", row.DocumentID), slog.Any("to", row.Recipients)}
	switch {
	case err == nil:
		e.setOnline(true)
		t.add(func(r *Report) { r.Bytes += size })
		rec.add(sent{row: inbox.SentRow{ID: row.ID, AxisDocID: docID}, attrs: attrs})
		return true, nil
	case ctx.Err() != nil:
		return false, nil // not attempted, or the answer was not awaited: tried again next pass
	case unreachable(err):
		return false, err
	case refusedForGood(err):
		e.setOnline(true)
		reason := oneLine(err.Error())
		if err := e.store.MarkFailed(rctx, row.ID, reason, time.Time{}); err != nil {
			e.log.LogAttrs(ctx, slog.LevelError, "refusal not recorded", append(attrs, slog.String("err", err.Error()))...)
		}
		t.add(func(r *Report) { r.Refused++ })
		e.log.LogAttrs(ctx, slog.LevelWarn, "packet refused by the axis", append(attrs, slog.String("reason", reason))...)
		return true, nil
	default:
		e.setOnline(true)
		retry := e.retryAt(row, err)
		if err := e.store.MarkFailed(rctx, row.ID, oneLine(err.Error()), retry); err != nil {
			e.log.LogAttrs(ctx, slog.LevelError, "failed send not recorded", append(attrs, slog.String("err", err.Error()))...)
		}
		t.add(func(r *Report) { r.Postponed++ })
		e.log.LogAttrs(ctx, slog.LevelInfo, "send postponed", append(attrs, slog.Time("retryAt", retry), slog.String("err", err.Error()))...)
		return false, nil
	}
}

// retryAt is when a row that failed now is tried again: exponential
// backoff on its attempts, jittered, at least what the axis asked for.
func (e *Engine) retryAt(row inbox.OutboxItem, err error) time.Time {
	d := e.opts.RetryBase
	for i := 0; i < row.Attempts && d < e.opts.RetryMax; i++ {
		d *= 2
	}
	d = e.jitter(min(d, e.opts.RetryMax))
	var ra *axis.RetryAfterError
	if errors.As(err, &ra) {
		d = max(d, ra.After)
	}
	return e.opts.Now().Add(d)
}

// deliver sends a row's packet and returns the axis's DocId and the
// packet's size.
func (e *Engine) deliver(ctx context.Context, row inbox.OutboxItem) (string, int64, error) {
	switch row.Kind {
	case inbox.OutboxStatus:
		payload := row.Payload
		if len(payload) == 0 && row.PayloadSHA256 != "" {
			var err error
			if payload, err = e.readBlob(row.PayloadSHA256); err != nil {
				return "", 0, err
			}
		}
		if len(payload) == 0 {
			return "", 0, &permanentError{errors.New("the outbox row holds no packet")}
		}
		id, err := e.ax.Send(ctx, axis.MessageStatus, e.from, row.Recipients, bytes.NewReader(payload), int64(len(payload)))
		return id, int64(len(payload)), err
	case inbox.OutboxEdoc:
		path, size, err := e.encodeDocument(ctx, row.Document)
		if err != nil {
			return "", 0, err
		}
		defer os.Remove(path)
		id, err := e.ax.SendFile(ctx, axis.MessageEdoc, e.from, row.Recipients, path)
		return id, size, err
	}
	return "", 0, &permanentError{fmt.Errorf("unknown outbox row kind %q", row.Kind)}
}

func (e *Engine) readBlob(sha string) ([]byte, error) {
	rc, err := e.store.OpenBlob(sha)
	if err != nil {
		return nil, &permanentError{err}
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, &permanentError{err}
	}
	return b, nil
}

// encodeDocument writes the edXML packet of one of our documents to a
// spool file.
func (e *Engine) encodeDocument(ctx context.Context, id int64) (path string, size int64, err error) {
	doc, err := e.store.Get(ctx, id)
	if errors.Is(err, inbox.ErrNotFound) {
		return "", 0, &permanentError{err}
	}
	if err != nil {
		return "", 0, err
	}
	ed, err := inbox.EdocFor(doc)
	if err != nil {
		return "", 0, &permanentError{err}
	}
	tmp, err := os.CreateTemp(e.spoolDir, "outgoing-*.edxml")
	if err != nil {
		return "", 0, err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	err = edxml.EncodeEdoc(ctx, tmp, ed, blobSource{e.store}, edxml.EncodeOptions{TempDir: e.spoolDir})
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if errors.Is(err, edxml.ErrInvalid) || errors.Is(err, inbox.ErrCorruptBlob) || errors.Is(err, os.ErrNotExist) {
			return "", 0, &permanentError{fmt.Errorf("document %d cannot be encoded: %w", id, err)}
		}
		return "", 0, err
	}
	st, err := os.Stat(tmp.Name())
	if err != nil {
		return "", 0, err
	}
	return tmp.Name(), st.Size(), nil
}

// blobSource feeds the encoder from the store's blobs (EdocFor sets each
// attachment's Ref to its SHA-256).
type blobSource struct{ store *inbox.Store }

func (b blobSource) Open(_ context.Context, a *edxml.Attachment) (io.ReadCloser, error) {
	return b.store.OpenBlob(string(a.Ref))
}

// pushWhilePulling sends, while the pull goes on, what the pull queues
// (the status 01 answers of the documents it stores): a send waits on the
// axis and on the disk's sync of the record, an import on the processor,
// so the two overlap instead of following each other. A round runs each
// time kick is called (one at a time; a kick during a round asks for one
// more); stop waits for the round under way and returns the first error,
// after which no round starts. The pass's last push sends what is left.
func (e *Engine) pushWhilePulling(ctx context.Context, t *tally) (kick func(), stop func() error) {
	kicks := make(chan struct{}, 1)
	quit := make(chan struct{})
	done := make(chan struct{})
	var err error
	go func() {
		defer close(done)
		for {
			select {
			case <-quit:
				return
			case <-ctx.Done():
				return
			case <-kicks:
			}
			if perr := e.pushRows(ctx, t, true); perr != nil {
				err = perr
				return
			}
		}
	}()
	kick = func() {
		select {
		case kicks <- struct{}{}:
		default:
		}
	}
	var once sync.Once
	stop = func() error {
		once.Do(func() { close(quit) })
		<-done
		return err
	}
	return kick, stop
}

// sent is a send the axis accepted, to record.
type sent struct {
	row   inbox.SentRow
	attrs []slog.Attr
}

// sentRecorder records accepted sends in the store, as many in one
// transaction as arrive within recordWindow: the senders do not wait for
// the disk, and the disk sees a commit (a sync) per window rather than per
// send or two. A send the axis accepted but the store
// did not record is sent again in a later pass, and the recipient
// recognises the copy by its DocumentId.
type sentRecorder struct {
	in   chan sent
	done chan struct{}
}

// maxRecord bounds the rows of one recording transaction; recordWindow is
// how long it gathers them.
const (
	maxRecord    = 256
	recordWindow = 100 * time.Millisecond
)

func (e *Engine) recordSent(ctx context.Context, t *tally) *sentRecorder {
	r := &sentRecorder{in: make(chan sent, maxRecord), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for first := range r.in {
			e.record(ctx, batch.Gather([]sent{first}, r.in, maxRecord, recordWindow), t)
		}
	}()
	return r
}

func (r *sentRecorder) add(s sent) { r.in <- s }

// close records what is left and waits for it.
func (r *sentRecorder) close() {
	close(r.in)
	<-r.done
}

// record marks a batch of accepted sends, even when the pass is being
// stopped: a send the axis accepted must not be sent again.
func (e *Engine) record(ctx context.Context, batch []sent, t *tally) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	rows := make([]inbox.SentRow, len(batch))
	for i, s := range batch {
		rows[i] = s.row
	}
	errs, err := e.store.MarkSentMany(rctx, rows)
	for i, s := range batch {
		rowErr := err
		if rowErr == nil {
			rowErr = errs[i]
		}
		if rowErr != nil {
			e.log.LogAttrs(ctx, slog.LevelError, "sent packet not recorded", append(s.attrs, slog.String("axisDocId", s.row.AxisDocID), slog.String("err", rowErr.Error()))...)
			t.add(func(r *Report) { r.Postponed++ })
			continue
		}
		t.add(func(r *Report) { r.Sent++ })
		e.log.LogAttrs(ctx, slog.LevelDebug, "packet sent", append(s.attrs, slog.String("axisDocId", s.row.AxisDocID))...)
	}
}
