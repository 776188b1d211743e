package pdftext

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sync"
	"time"

	"github.com/vanthu/vanthu/inbox/internal/pdfwasm"
)

// Errors returned by Text wrap one of these.
var (
	// ErrNotPDF means the data is not a PDF file, or is damaged beyond what
	// PDFium can repair.
	ErrNotPDF = pdfwasm.ErrNotPDF
	// ErrEncrypted means the PDF needs a password to be opened, or uses an
	// encryption PDFium does not support.
	ErrEncrypted = pdfwasm.ErrEncrypted
	// ErrTooBig means a limit of [Options] was reached: more pages than
	// MaxPages, more text than MaxBytes, more memory than MaxMemory, or a
	// file of 2 GiB or more. Text then returns the text it kept.
	ErrTooBig = errors.New("the PDF is too big to be read in full")
	// ErrTimeout means reading the PDF took longer than [Options.Timeout].
	// Text then returns the text of the pages read in time.
	ErrTimeout = errors.New("reading the PDF took too long")
	// ErrClosed means the Extractor was closed.
	ErrClosed = errors.New("the text extractor is closed")
)

// Defaults of [Options].
const (
	DefaultMaxPages  = 200
	DefaultMaxBytes  = 2 << 20
	DefaultTimeout   = 30 * time.Second
	DefaultMaxMemory = 512 << 20

	// MinMaxMemory is the smallest memory limit: PDFium's WebAssembly
	// module itself starts with about 19 MiB.
	MinMaxMemory = pdfwasm.MinMaxMemory

	maxFileSize = math.MaxInt32 // PDFium's file access is 32-bit in WebAssembly
)

// Options configure an [Extractor]. The zero value is usable.
type Options struct {
	// CacheDir is the directory of wazero's compilation cache, which keeps
	// the machine code compiled from PDFium across runs of the program; ""
	// keeps it in memory only. The directory holds executable code: it
	// must be private to the user (it is created with mode 0700), e.g. under
	// os.UserCacheDir. An unreadable or damaged cache is rebuilt.
	CacheDir string
	// Workers is the number of PDFium instances, i.e. of documents read at
	// the same time; each is single-threaded. Default 1.
	Workers int
	// MaxPages is the number of pages read per document. Default 200.
	MaxPages int
	// MaxBytes is the size of the text kept per document, in bytes of
	// UTF-8 (a Vietnamese letter takes 1 to 3). Default 2 MiB.
	MaxBytes int
	// Timeout bounds the time spent on one document, not counting the wait
	// for a free worker. Default 30 s.
	Timeout time.Duration
	// MaxMemory bounds the WebAssembly memory of one PDFium instance, in
	// bytes. Default 512 MiB; values below MinMaxMemory are raised to it,
	// and PDFium's module cannot use more than 2 GiB.
	MaxMemory uint64
}

func (o Options) withDefaults() Options {
	if o.Workers <= 0 {
		o.Workers = 1
	}
	if o.MaxPages <= 0 {
		o.MaxPages = DefaultMaxPages
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxMemory == 0 {
		o.MaxMemory = DefaultMaxMemory
	}
	o.MaxMemory = max(o.MaxMemory, MinMaxMemory)
	return o
}

// Extractor reads the text of PDF files. It is safe for concurrent use;
// calls beyond Options.Workers wait for a free instance.
type Extractor struct {
	opts Options
	eng  *pdfwasm.Engine

	slots chan *pdfwasm.Slot // idle workers

	mu     sync.Mutex
	closed bool
	calls  sync.WaitGroup
}

// New returns an Extractor. It starts eagerly: it compiles PDFium's
// WebAssembly module (or loads the compiled code from Options.CacheDir) and
// checks that an instance starts, so that a broken setup shows at once and
// the first document does not pay for the compilation. Further workers
// start when first needed. The compilation cannot be interrupted; ctx is
// checked before and after it.
func New(ctx context.Context, opts Options) (*Extractor, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	eng, first, err := pdfwasm.Start(ctx, opts.CacheDir, opts.MaxMemory)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("could not start PDFium: %s", pdfwasm.FirstLine(err))
	}
	e := &Extractor{
		opts:  opts,
		eng:   eng,
		slots: make(chan *pdfwasm.Slot, opts.Workers),
	}
	e.slots <- first
	for range opts.Workers - 1 {
		e.slots <- eng.NewSlot()
	}
	return e, nil
}

// Text returns the text of the PDF in r (size bytes): the text of each page,
// lines separated by "\n" and pages by "\f", in Unicode NFC. At most
// Options.MaxPages pages and Options.MaxBytes bytes are kept.
//
// Errors wrap ErrNotPDF, ErrEncrypted, ErrTooBig, ErrTimeout or ErrClosed,
// or are ctx's error. When reading stops part way (a limit of Options, the
// timeout, or a page that breaks PDFium), Text also returns the text read
// until then, for the search index to keep. A page that PDFium cannot load
// at all is read as empty, as pdftotext does.
//
// r is read only during the call, from the calling goroutine, as PDFium
// needs it; a read that blocks delays the timeout until it returns.
func (e *Extractor) Text(ctx context.Context, r io.ReaderAt, size int64) (string, error) {
	if err := e.enter(); err != nil {
		return "", err
	}
	defer e.calls.Done()
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if r == nil || size <= 0 {
		return "", fmt.Errorf("%w: the file is empty", ErrNotPDF)
	}
	if size > maxFileSize {
		return "", fmt.Errorf("%w: files of 2 GiB or more are not read", ErrTooBig)
	}
	if err := pdfwasm.Sniff(r, size); err != nil {
		return "", err
	}
	var s *pdfwasm.Slot
	select {
	case s = <-e.slots:
	case <-ctx.Done():
		return "", ctx.Err()
	case <-e.eng.Done():
		return "", ErrClosed
	}
	defer func() { e.slots <- s }()
	return e.run(ctx, s, r, size)
}

// TextFile is Text for the file at path. The file is read as PDFium needs
// it, not loaded into memory first.
func (e *Extractor) TextFile(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	return e.Text(ctx, f, st.Size())
}

// Close stops the Extractor: calls in progress return ErrClosed, and the
// PDFium instances and the in-memory compiled code are released. The
// compilation cache on disk stays.
func (e *Extractor) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()
	e.eng.Stop()
	e.calls.Wait()
	for range cap(e.slots) {
		(<-e.slots).Discard()
	}
	return e.eng.Close()
}

func (e *Extractor) enter() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	e.calls.Add(1)
	return nil
}
