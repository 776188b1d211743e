package pdftext

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental"
)

// A slot is one worker: a go-pdfium pool of a single PDFium instance in its
// own wazero runtime. Its context is the only way to stop WebAssembly code
// that is running (wazero checks it in loops and calls), so every slot has
// its own, and a slot whose context was cancelled is discarded and started
// again. A slot is used by one goroutine at a time.
type slot struct {
	pool pdfium.Pool
	kill context.CancelFunc // cancels the context of pool
	mem  *memoryLimit
}

// start makes the slot's pool. The module compiles on the first start of an
// Extractor and comes from the shared compilation cache afterwards.
func (s *slot) start(e *Extractor) error {
	s.mem = &memoryLimit{limit: e.opts.MaxMemory}
	ctx, kill := context.WithCancel(experimental.WithMemoryAllocator(e.base, s.mem))
	pool, err := webassembly.Init(webassembly.Config{
		Context:       ctx,
		MaxIdle:       1,
		MaxTotal:      1,
		RuntimeConfig: e.rc,
		FSConfig:      wazero.NewFSConfig(), // no host directory
		Stdout:        io.Discard,
		Stderr:        io.Discard,
	})
	if err != nil {
		kill()
		return err
	}
	s.pool, s.kill = pool, kill
	return nil
}

// check starts and stops an instance.
func (s *slot) check(ctx context.Context) error {
	inst, err := s.pool.GetInstanceWithContext(ctx)
	if err != nil {
		return err
	}
	return inst.Close()
}

// discard stops the slot's pool, if any; the next use starts a new one.
func (s *slot) discard() {
	if s.pool == nil {
		return
	}
	s.kill()
	_ = s.pool.Close()
	s.pool, s.kill = nil, nil
}

// run reads one document on slot s, starting it if needed.
func (e *Extractor) run(ctx context.Context, s *slot, r io.ReaderAt, size int64) (string, error) {
	if s.pool == nil {
		if err := s.start(e); err != nil {
			if e.base.Err() != nil {
				return "", ErrClosed
			}
			return "", fmt.Errorf("could not start PDFium: %s", firstLine(err))
		}
	}
	docCtx, cancel := context.WithTimeoutCause(ctx, e.opts.Timeout, ErrTimeout)
	defer cancel()
	// On timeout or cancellation, stop the running WebAssembly code.
	stopKill := context.AfterFunc(docCtx, s.kill)
	s.mem.reset()

	d := &document{
		maxPages: e.opts.MaxPages,
		maxBytes: e.opts.MaxBytes,
	}
	inst, err := s.pool.GetInstanceWithContext(docCtx)
	if err != nil {
		err = fmt.Errorf("could not start PDFium: %s", firstLine(err))
	} else {
		src := &source{r: r, size: size}
		err = d.read(docCtx, inst, src)
		src.detach()
		// With workers not reused, Close also discards the instance.
		_ = inst.Close()
		if err != nil && src.err != nil {
			err = fmt.Errorf("could not read the file: %w", src.err)
		}
	}
	killed := !stopKill()
	if killed || e.base.Err() != nil {
		s.discard()
	}

	switch {
	case e.base.Err() != nil:
		return "", ErrClosed
	case err != nil && ctx.Err() != nil:
		return "", ctx.Err()
	case err != nil && errors.Is(context.Cause(docCtx), ErrTimeout):
		return d.text(), fmt.Errorf("%w: stopped after %s, %d of %d pages read", ErrTimeout, e.opts.Timeout, d.done, d.pages)
	case s.mem.exceeded():
		// PDFium stops, or skips what it could not allocate.
		return d.text(), fmt.Errorf("%w: it needs more than %d MiB of memory, %d of %d pages read", ErrTooBig, e.opts.MaxMemory>>20, d.done, d.pages)
	case err != nil:
		return d.text(), err
	}
	return d.text(), d.limitErr()
}

// firstLine returns the first line of err's message: wazero's errors carry
// a stack trace.
func firstLine(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}
