package pdfrender

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/vanthu/vanthu/inbox/internal/pdfwasm"
)

// Errors returned by the Renderer and Doc wrap one of these, or are the
// caller's context's error.
var (
	// ErrNotPDF means the data is not a PDF file, is damaged beyond what
	// PDFium can repair, or has no pages.
	ErrNotPDF = pdfwasm.ErrNotPDF
	// ErrEncrypted means the PDF needs a password to be opened, or uses an
	// encryption PDFium does not support.
	ErrEncrypted = pdfwasm.ErrEncrypted
	// ErrTooBig means a limit of [Options] was reached: an image larger
	// than MaxPixels, more memory than MaxMemory, or a file of 2 GiB or
	// more.
	ErrTooBig = errors.New("the PDF is too big to be shown")
	// ErrTimeout means a call took longer than [Options.Timeout].
	ErrTimeout = errors.New("showing the PDF took too long")
	// ErrNoPage means a page number out of the document's range.
	ErrNoPage = errors.New("the PDF has no such page")
	// ErrClosed means the Renderer or the Doc was closed.
	ErrClosed = errors.New("the PDF was closed")
)

// Defaults of [Options].
const (
	DefaultTimeout   = 15 * time.Second
	DefaultMaxMemory = 512 << 20
	DefaultMaxPixels = 32 << 20 // an A4 page at about 560 dpi

	maxFileSize = math.MaxInt32 // PDFium's file access is 32-bit in WebAssembly
)

// Options configure a [Renderer]. The zero value is usable.
type Options struct {
	// CacheDir is the directory of wazero's compilation cache, which keeps
	// the machine code compiled from PDFium across runs of the program;
	// "" means DefaultCacheDir. The directory holds executable code: it is
	// created private to the user (mode 0700). A damaged cache is rebuilt.
	CacheDir string
	// MemoryCacheOnly keeps the compiled code in memory only: every start
	// of the program compiles PDFium again.
	MemoryCacheOnly bool
	// Workers is the number of PDFium instances, i.e. of documents drawn
	// at the same time; each is single-threaded. Default 1.
	Workers int
	// Timeout bounds one call (opening a document, drawing a page), not
	// counting the wait for a free worker. Default 15 s.
	Timeout time.Duration
	// MaxMemory bounds the WebAssembly memory of one PDFium instance, in
	// bytes. Default 512 MiB; values below 64 MiB are raised to it.
	MaxMemory uint64
	// MaxPixels bounds the size of one image, in pixels. Default 32 Mi.
	MaxPixels int
}

func (o Options) withDefaults() Options {
	o.Workers = max(o.Workers, 1)
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxMemory == 0 {
		o.MaxMemory = DefaultMaxMemory
	}
	if o.MaxPixels <= 0 {
		o.MaxPixels = DefaultMaxPixels
	}
	return o
}

// DefaultCacheDir is the compilation cache directory of the user:
// os.UserCacheDir()/vanthu/wazero.
func DefaultCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "vanthu", "wazero"), nil
}

// Renderer draws PDF pages. It is safe for concurrent use; calls beyond
// Options.Workers wait for a free instance.
type Renderer struct {
	opts Options
	eng  *pdfwasm.Engine

	tokens chan struct{} // one per worker: held while using one

	mu     sync.Mutex
	idle   []*worker // workers not in use
	tick   uint64    // for least-recently-used choice
	closed bool
	calls  sync.WaitGroup
}

// New returns a Renderer. It starts eagerly: it compiles PDFium's
// WebAssembly module, or loads the compiled code from the compilation
// cache, and checks that an instance starts, so that a broken setup shows
// at once and the first page does not pay for the compilation. A cache
// directory that cannot be created leaves the compiled code in memory only.
// The compilation cannot be interrupted; ctx is checked before and after it.
func New(ctx context.Context, opts Options) (*Renderer, error) {
	opts = opts.withDefaults()
	dir := ""
	if !opts.MemoryCacheOnly {
		dir = opts.CacheDir
		if dir == "" {
			dir, _ = DefaultCacheDir()
		}
		if dir != "" && os.MkdirAll(dir, 0o700) != nil {
			dir = ""
		}
	}
	eng, first, err := pdfwasm.Start(ctx, dir, opts.MaxMemory)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("could not start PDFium: %s", pdfwasm.FirstLine(err))
	}
	r := &Renderer{
		opts:   opts,
		eng:    eng,
		tokens: make(chan struct{}, opts.Workers),
	}
	r.idle = append(r.idle, &worker{slot: first})
	r.tokens <- struct{}{}
	for range opts.Workers - 1 {
		r.idle = append(r.idle, &worker{slot: eng.NewSlot()})
		r.tokens <- struct{}{}
	}
	return r, nil
}

// Close stops the Renderer: calls in progress return ErrClosed, open
// documents can no longer be drawn, and the PDFium instances and the
// in-memory compiled code are released. The compilation cache on disk
// stays. Open documents are still to be closed, for their files.
func (r *Renderer) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.mu.Unlock()
	r.eng.Stop()
	r.calls.Wait()
	for range cap(r.tokens) {
		<-r.tokens
	}
	r.mu.Lock()
	for _, w := range r.idle {
		w.discard()
	}
	r.mu.Unlock()
	return r.eng.Close()
}

func (r *Renderer) enter() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	r.calls.Add(1)
	return nil
}

// Open opens the PDF in ra (size bytes) and counts its pages. ra is read
// as PDFium needs it, from the goroutines that call the Doc's methods,
// until the Doc is closed; it must stay readable until then.
func (r *Renderer) Open(ctx context.Context, ra io.ReaderAt, size int64) (*Doc, error) {
	if ra == nil || size <= 0 {
		return nil, fmt.Errorf("%w: the file is empty", ErrNotPDF)
	}
	if size > maxFileSize {
		return nil, fmt.Errorf("%w: files of 2 GiB or more are not shown", ErrTooBig)
	}
	if err := pdfwasm.Sniff(ra, size); err != nil {
		return nil, err
	}
	d := &Doc{r: r, ra: ra, size: size, pages: map[int]Page{}}
	err := r.do(ctx, d, func(w *worker) error {
		n, err := w.pageCount()
		d.count = n
		return err
	})
	if err != nil {
		_ = r.unload(d)
		return nil, err
	}
	if d.count == 0 {
		_ = r.unload(d)
		return nil, fmt.Errorf("%w: it has no pages", ErrNotPDF)
	}
	return d, nil
}

// OpenFile is Open for the file at path, which stays open until the Doc
// is closed.
func (r *Renderer) OpenFile(ctx context.Context, path string) (*Doc, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	d, err := r.Open(ctx, f, st.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	d.file = f
	return d, nil
}

// acquire waits for a free worker, preferring one that has d loaded, then
// an empty one, then the least recently used.
func (r *Renderer) acquire(ctx context.Context, d *Doc) (*worker, error) {
	select {
	case <-r.tokens:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-r.eng.Done():
		return nil, ErrClosed
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	best := 0
	for i, w := range r.idle {
		switch b := r.idle[best]; {
		case w.doc == d:
			best = i
		case b.doc == d:
		case w.doc == nil && b.doc != nil:
			best = i
		case (w.doc == nil) == (b.doc == nil) && w.used < b.used:
			best = i
		}
	}
	w := r.idle[best]
	r.idle = append(r.idle[:best], r.idle[best+1:]...)
	r.tick++
	w.used = r.tick
	return w, nil
}

func (r *Renderer) release(w *worker) {
	r.mu.Lock()
	r.idle = append(r.idle, w)
	r.mu.Unlock()
	r.tokens <- struct{}{}
}

// do runs fn on a worker that has d loaded, within the time limit.
func (r *Renderer) do(ctx context.Context, d *Doc, fn func(*worker) error) error {
	if err := r.enter(); err != nil {
		return err
	}
	defer r.calls.Done()
	if err := ctx.Err(); err != nil {
		return err
	}
	w, err := r.acquire(ctx, d)
	if err != nil {
		return err
	}
	defer r.release(w)

	if err := w.slot.Start(); err != nil {
		if r.eng.Stopped() {
			return ErrClosed
		}
		return fmt.Errorf("could not start PDFium: %s", pdfwasm.FirstLine(err))
	}
	callCtx, cancel := context.WithTimeoutCause(ctx, r.opts.Timeout, ErrTimeout)
	defer cancel()
	// On timeout or cancellation, stop the running WebAssembly code.
	stopKill := context.AfterFunc(callCtx, w.slot.KillFunc())
	w.slot.ResetMemory()
	err = w.load(callCtx, d)
	if err == nil {
		err = fn(w)
	}
	killed := !stopKill()
	exceeded := w.slot.MemoryExceeded()
	readErr := w.readErr()
	if killed || exceeded || r.eng.Stopped() {
		// The instance is dead, or in a state not worth keeping.
		w.discard()
	}
	switch {
	case r.eng.Stopped():
		return ErrClosed
	case killed && ctx.Err() != nil:
		return ctx.Err()
	case killed && errors.Is(context.Cause(callCtx), ErrTimeout):
		return fmt.Errorf("%w: stopped after %s", ErrTimeout, r.opts.Timeout)
	case exceeded:
		return fmt.Errorf("%w: it needs more than %d MiB of memory", ErrTooBig, r.eng.MaxMemory()>>20)
	case readErr != nil:
		// The file changed or went away: read it again next time.
		w.unload()
		return fmt.Errorf("could not read the file: %w", readErr)
	case err != nil:
		// PDFium failed on this document: the next call starts afresh.
		w.unload()
	}
	return err
}

// unload removes d from the idle workers that have it loaded. Calls on d
// have ended.
func (r *Renderer) unload(d *Doc) error {
	if err := r.enter(); err != nil {
		return nil // Close discarded every worker
	}
	defer r.calls.Done()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range r.idle {
		if w.doc == d {
			w.unload()
		}
	}
	return nil
}
