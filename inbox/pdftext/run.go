package pdftext

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/vanthu/vanthu/inbox/internal/pdfwasm"
)

// run reads one document on slot s, starting it if needed.
func (e *Extractor) run(ctx context.Context, s *pdfwasm.Slot, r io.ReaderAt, size int64) (string, error) {
	if err := s.Start(); err != nil {
		if e.eng.Stopped() {
			return "", ErrClosed
		}
		return "", fmt.Errorf("could not start PDFium: %s", pdfwasm.FirstLine(err))
	}
	docCtx, cancel := context.WithTimeoutCause(ctx, e.opts.Timeout, ErrTimeout)
	defer cancel()
	// On timeout or cancellation, stop the running WebAssembly code.
	stopKill := context.AfterFunc(docCtx, s.KillFunc())
	s.ResetMemory()

	d := &document{
		maxPages: e.opts.MaxPages,
		maxBytes: e.opts.MaxBytes,
	}
	inst, err := s.Instance(docCtx)
	if err != nil {
		err = fmt.Errorf("could not start PDFium: %s", pdfwasm.FirstLine(err))
	} else {
		src := pdfwasm.NewSource(r, size)
		err = d.read(docCtx, inst, src)
		src.Detach()
		// With workers not reused, Close also discards the instance.
		_ = inst.Close()
		if err != nil && src.Err() != nil {
			err = fmt.Errorf("could not read the file: %w", src.Err())
		}
	}
	killed := !stopKill()
	if killed || e.eng.Stopped() {
		s.Discard()
	}

	switch {
	case e.eng.Stopped():
		return "", ErrClosed
	case err != nil && ctx.Err() != nil:
		return "", ctx.Err()
	case err != nil && errors.Is(context.Cause(docCtx), ErrTimeout):
		return d.text(), fmt.Errorf("%w: stopped after %s, %d of %d pages read", ErrTimeout, e.opts.Timeout, d.done, d.pages)
	case s.MemoryExceeded():
		// PDFium stops, or skips what it could not allocate.
		return d.text(), fmt.Errorf("%w: it needs more than %d MiB of memory, %d of %d pages read", ErrTooBig, e.opts.MaxMemory>>20, d.done, d.pages)
	case err != nil:
		return d.text(), err
	}
	return d.text(), d.limitErr()
}
