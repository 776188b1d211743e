// Command firstpage measures a new process showing the first page of a PDF
// with pdfrender: how long New (compiling PDFium, or loading it from the
// compilation cache) and then opening the file and drawing its first page
// take, as a user starting the program would see it. The tests of
// pdfrender build it to check where the compilation cache goes by default.
//
//	firstpage [-cache DIR | -nocache] FILE.pdf
//
// Without -cache it uses the default cache directory. It prints the
// nanoseconds of New and of the first page, and the page's size in pixels.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/vanthu/vanthu/inbox/pdfrender"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	cache := flag.String("cache", "", "compilation cache directory (default: the user's)")
	nocache := flag.Bool("nocache", false, "keep the compiled code in memory only")
	flag.Parse()
	if flag.NArg() != 1 {
		return fmt.Errorf("usage: firstpage [-cache DIR | -nocache] FILE.pdf")
	}
	ctx := context.Background()
	t0 := time.Now()
	r, err := pdfrender.New(ctx, pdfrender.Options{CacheDir: *cache, MemoryCacheOnly: *nocache})
	if err != nil {
		return err
	}
	defer r.Close()
	t1 := time.Now()
	d, err := r.OpenFile(ctx, flag.Arg(0))
	if err != nil {
		return err
	}
	defer d.Close()
	img, err := d.Render(ctx, 0, 96.0/72)
	if err != nil {
		return err
	}
	t2 := time.Now()
	fmt.Println(t1.Sub(t0).Nanoseconds(), t2.Sub(t1).Nanoseconds(), img.Rect.Dx(), img.Rect.Dy())
	if err := d.Close(); err != nil {
		return err
	}
	return r.Close()
}
