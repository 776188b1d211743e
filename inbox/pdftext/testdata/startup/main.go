// Command startup measures a new process reading PDFs with pdftext: how
// long New (compiling PDFium, or loading it from the cache) and the first
// Text take, and the memory of the process after n documents. The tests
// of pdftext build it without the race detector, which would make the
// compilation a hundred times slower and the memory meaningless.
//
//	startup -cache DIR [-n N] [-workers W] FILE.pdf...
//
// It prints: nanoseconds of New, of the first Text, bytes of the first
// text, then the resident set size after the first document, after n
// documents (read by W goroutines, cycling through the files), and its
// peak, in bytes (0 where /proc is missing).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vanthu/vanthu/inbox/pdftext"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	cache := flag.String("cache", "", "compilation cache directory")
	n := flag.Int("n", 1, "documents to read")
	workers := flag.Int("workers", 1, "workers")
	flag.Parse()
	files := flag.Args()
	if len(files) == 0 {
		return fmt.Errorf("usage: startup -cache DIR [-n N] [-workers W] FILE.pdf...")
	}
	ctx := context.Background()
	t0 := time.Now()
	e, err := pdftext.New(ctx, pdftext.Options{CacheDir: *cache, Workers: *workers})
	if err != nil {
		return err
	}
	defer e.Close()
	t1 := time.Now()
	text, err := e.TextFile(ctx, files[0])
	if err != nil {
		return err
	}
	t2 := time.Now()
	first := status("VmRSS:")

	var wg sync.WaitGroup
	errs := make(chan error, *workers)
	for w := range *workers {
		wg.Go(func() {
			for i := 1 + w; i < *n; i += *workers {
				if _, err := e.TextFile(ctx, files[i%len(files)]); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	runtime.GC()
	fmt.Println(t1.Sub(t0).Nanoseconds(), t2.Sub(t1).Nanoseconds(), len(text),
		first, status("VmRSS:"), status("VmHWM:"))
	return e.Close()
}

// status returns a memory field of /proc/self/status in bytes.
func status(field string) uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
