// Package pdfwasmtest prepares PDFium's WebAssembly engine
// (inbox/internal/pdfwasm) for the tests of the packages that use it —
// inbox/pdftext, inbox/pdfrender and app/pdfview — and holds the fixtures
// they share. Only tests import it.
//
// Compiling PDFium takes seconds, and under the race detector wazero's
// compiler takes ten times longer. A test binary therefore keeps one
// compilation cache ([Cache]) in a temporary directory, filled once, under
// -race by a build of the same tests without the race detector; and its
// tests share one engine with its workers ([Shared]), since every wazero
// runtime costs seconds under -race. (wazero keys its cache by its version,
// which it cannot tell in a test binary: the cache of a command built from
// the same code does not serve the tests.)
package pdfwasmtest

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// Race is set when the tests run with -race, which slows wazero's Go code
// (module decoding and instantiation) by one or two orders of magnitude:
// the tests then fill their compilation cache from a build without it, and
// some do less work.
const Race = race

// Cache is the compilation cache the tests of one package share. Its
// zero value with Name set serves a package that fills the cache itself
// (through a command of its testdata, see [Cache.BuildTool]); with Fill
// and FillEnv set, [Cache.Warm] fills it.
type Cache struct {
	// Name is the package's name: the temporary directory is
	// os.TempDir()/Name-test-*.
	Name string
	// Fill starts the package's engine on the compilation cache dir and
	// closes it, which fills the cache.
	Fill func(dir string) error
	// FillEnv names the environment variable that, set to a directory,
	// makes the test binary fill that compilation cache (Fill) instead of
	// running the tests: under -race, Warm runs the tests built without
	// the race detector so.
	FillEnv string
	// TestFlags are more flags of `go test -c` for that build, e.g.
	// "-tags", "ci".
	TestFlags []string

	dir      string
	warmOnce sync.Once
	warmErr  error
	toolsMu  sync.Mutex
	tools    map[string]string // built commands, by name
}

// Main is the body of the package's TestMain: it fills the cache named by
// FillEnv and returns, or runs the tests with the cache in a new temporary
// directory, then closes closers (the engines the tests shared) and
// removes the directory. It returns the exit code.
func (c *Cache) Main(m *testing.M, closers ...io.Closer) int {
	if c.FillEnv != "" {
		if dir := os.Getenv(c.FillEnv); dir != "" {
			if err := c.Fill(dir); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			return 0
		}
	}
	dir, err := os.MkdirTemp("", c.Name+"-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	c.dir = filepath.Join(dir, "cache")
	code := m.Run()
	for _, cl := range closers {
		if err := cl.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "Close:", err)
			code = 1
		}
	}
	return code
}

// Dir returns the compilation cache directory, which Warm fills.
func (c *Cache) Dir() string { return c.dir }

// Warm fills the compilation cache once, with Fill, or under -race with
// the package's tests built without the race detector and run with
// FillEnv set, and returns its directory. It fails the test when the
// cache could not be filled. It needs Fill and FillEnv.
func (c *Cache) Warm(t testing.TB) string {
	t.Helper()
	c.warmOnce.Do(func() {
		if !Race {
			c.warmErr = c.Fill(c.dir)
			return
		}
		gocmd, err := exec.LookPath("go")
		if err != nil {
			c.warmErr = err
			return
		}
		bin := filepath.Join(filepath.Dir(c.dir), "filler.test")
		args := append(append([]string{"test"}, c.TestFlags...), "-c", "-o", bin, ".")
		build := exec.Command(gocmd, args...)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := build.CombinedOutput(); err != nil {
			c.warmErr = fmt.Errorf("go test -c: %w\n%s", err, msg)
			return
		}
		fill := exec.Command(bin)
		fill.Env = append(os.Environ(), c.FillEnv+"="+c.dir)
		if msg, err := fill.CombinedOutput(); err != nil {
			c.warmErr = fmt.Errorf("filling the compilation cache: %w\n%s", err, msg)
		}
	})
	if c.warmErr != nil {
		t.Fatal(c.warmErr)
	}
	return c.dir
}

// BuildTool builds the command in the package's testdata/name, without the
// race detector and without cgo, next to the compilation cache, and
// returns its path. A command is built once per test binary.
func (c *Cache) BuildTool(t testing.TB, name string) string {
	t.Helper()
	c.toolsMu.Lock()
	defer c.toolsMu.Unlock()
	if p, ok := c.tools[name]; ok {
		return p
	}
	gocmd := Need(t, "go", "golang")
	out := filepath.Join(filepath.Dir(c.dir), name)
	cmd := exec.Command(gocmd, "build", "-o", out, "./testdata/"+name)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./testdata/%s: %v\n%s", name, err, msg)
	}
	if c.tools == nil {
		c.tools = map[string]string{}
	}
	c.tools[name] = out
	return out
}

// Shared is an engine (a Renderer, an Extractor) the tests of a package
// share, started by the first test that needs it and closed by
// [Cache.Main].
type Shared[T io.Closer] struct {
	mu      sync.Mutex
	v       T
	started bool
}

// Get returns the shared engine, started with start if no test did yet;
// it fails the test when start fails.
func (s *Shared[T]) Get(t testing.TB, start func() (T, error)) T {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started {
		v, err := start()
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		s.v, s.started = v, true
	}
	return s.v
}

// Close closes the engine if a test started it.
func (s *Shared[T]) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started {
		return nil
	}
	return s.v.Close()
}

// CloseAtEnd fails the test if err, the error of starting v, is not nil,
// and otherwise closes v at the end of the test. It returns v.
func CloseAtEnd[T io.Closer](t testing.TB, v T, err error) T {
	t.Helper()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := v.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return v
}
