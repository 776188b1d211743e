package pdfwasm

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// MinMaxMemory is the smallest memory limit of an instance: PDFium's
// WebAssembly module itself starts with about 19 MiB.
const MinMaxMemory = 64 << 20

// Engine is PDFium's compiled module and the configuration of its
// runtimes. Its slots are owned by the caller, who discards them before
// Close.
type Engine struct {
	maxMemory uint64
	cache     wazero.CompilationCache
	rc        wazero.RuntimeConfig

	// base lives until Stop; every slot's context derives from it.
	base context.Context
	stop context.CancelFunc
}

// Start compiles PDFium's WebAssembly module (or loads the compiled code
// from the compilation cache in cacheDir; "" keeps it in memory only),
// starts a first slot and checks that an instance starts in it, so that a
// broken setup shows at once. A cache whose entries make the compilation
// fail is emptied and filled again. Instances get at most maxMemory bytes
// of memory (raised to MinMaxMemory). The compilation cannot be
// interrupted; ctx is checked before and after it. The error of wazero may
// span several lines (see FirstLine).
func Start(ctx context.Context, cacheDir string, maxMemory uint64) (*Engine, *Slot, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	base, stop := context.WithCancel(context.WithoutCancel(ctx))
	e := &Engine{maxMemory: max(maxMemory, MinMaxMemory), base: base, stop: stop}
	first := e.NewSlot()
	err := e.open(cacheDir)
	if err == nil {
		err = first.Start()
	}
	if err != nil && cacheDir != "" {
		// A damaged cache entry makes the compilation fail: drop the cache
		// and compile again.
		e.closeCache()
		if rerr := removeCache(cacheDir); rerr == nil {
			if err = e.open(cacheDir); err == nil {
				err = first.Start()
			}
		}
	}
	if err == nil {
		err = first.check(ctx)
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		first.Discard()
		e.closeCache()
		stop()
		return nil, nil, err
	}
	return e, first, nil
}

// open sets up the compilation cache and the runtime configuration.
func (e *Engine) open(dir string) error {
	if dir == "" {
		e.cache = wazero.NewCompilationCache()
	} else {
		c, err := wazero.NewCompilationCacheWithDir(dir)
		if err != nil {
			return err
		}
		e.cache = c
	}
	// PDFium's module lowers setjmp/longjmp to WebAssembly exceptions.
	e.rc = wazero.NewRuntimeConfig().
		WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling).
		WithCloseOnContextDone(true).
		WithCompilationCache(e.cache)
	return nil
}

func (e *Engine) closeCache() {
	if e.cache != nil {
		_ = e.cache.Close(e.base)
		e.cache = nil
	}
}

// removeCache deletes the entries wazero keeps in dir (one directory per
// wazero version and platform).
func removeCache(dir string) error {
	entries, err := filepath.Glob(filepath.Join(dir, "wazero-*"))
	if err != nil {
		return err
	}
	for _, p := range entries {
		if err := os.RemoveAll(p); err != nil {
			return err
		}
	}
	return nil
}

// Stop stops every instance's code that is running; slots no longer start.
func (e *Engine) Stop() { e.stop() }

// Stopped reports whether Stop was called.
func (e *Engine) Stopped() bool { return e.base.Err() != nil }

// Done is closed by Stop.
func (e *Engine) Done() <-chan struct{} { return e.base.Done() }

// Close stops the engine and releases the in-memory compiled code; the
// compilation cache on disk stays. The caller discards its slots first.
func (e *Engine) Close() error {
	e.stop()
	var err error
	if e.cache != nil {
		err = e.cache.Close(context.WithoutCancel(e.base))
		e.cache = nil
	}
	return err
}

// NewSlot returns a slot that starts when first needed.
func (e *Engine) NewSlot() *Slot { return &Slot{e: e} }

// A Slot is one worker: a go-pdfium pool of a single PDFium instance in its
// own wazero runtime. Its context is the only way to stop WebAssembly code
// that is running (wazero checks it in loops and calls), so every slot has
// its own, and a slot whose context was cancelled must be discarded and
// started again. A slot is used by one goroutine at a time.
type Slot struct {
	e    *Engine
	pool pdfium.Pool
	kill context.CancelFunc // cancels the context of pool
	mem  *memoryLimit
}

// Started reports whether the slot has a pool.
func (s *Slot) Started() bool { return s.pool != nil }

// Start makes the slot's pool if it has none. The module compiles on the
// first start of an Engine and comes from the compilation cache afterwards.
func (s *Slot) Start() error {
	if s.pool != nil {
		return nil
	}
	if s.e.Stopped() {
		return context.Canceled
	}
	s.mem = &memoryLimit{limit: s.e.maxMemory}
	ctx, kill := context.WithCancel(experimental.WithMemoryAllocator(s.e.base, s.mem))
	pool, err := webassembly.Init(webassembly.Config{
		Context:       ctx,
		MaxIdle:       1,
		MaxTotal:      1,
		RuntimeConfig: s.e.rc,
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
func (s *Slot) check(ctx context.Context) error {
	inst, err := s.Instance(ctx)
	if err != nil {
		return err
	}
	return inst.Close()
}

// Instance returns a new PDFium instance of the started slot; its Close
// discards it. At most one exists at a time.
func (s *Slot) Instance(ctx context.Context) (pdfium.Pdfium, error) {
	if s.pool == nil {
		return nil, errors.New("the PDFium slot is not started")
	}
	return s.pool.GetInstanceWithContext(ctx)
}

// KillFunc returns the function that stops the code running in the
// started slot's instance, for any goroutine to call (e.g. with
// context.AfterFunc); the slot must then be discarded.
func (s *Slot) KillFunc() func() { return s.kill }

// Discard stops the slot's pool, if any; the next Start makes a new one.
func (s *Slot) Discard() {
	if s.pool == nil {
		return
	}
	s.kill()
	_ = s.pool.Close()
	s.pool, s.kill = nil, nil
}

// ResetMemory forgets that the memory limit was reached.
func (s *Slot) ResetMemory() {
	if s.mem != nil {
		s.mem.reset()
	}
}

// MemoryExceeded reports whether an instance of the slot asked for more
// memory than the limit since the last ResetMemory; PDFium then stops, or
// skips what it could not allocate.
func (s *Slot) MemoryExceeded() bool { return s.mem != nil && s.mem.exceeded() }

// MaxMemory is the memory limit of an instance, in bytes.
func (e *Engine) MaxMemory() uint64 { return e.maxMemory }

// FirstLine returns the first line of err's message: wazero's errors carry
// a stack trace.
func FirstLine(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return msg
}
