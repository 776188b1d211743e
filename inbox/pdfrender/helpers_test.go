package pdfrender

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vanthu/vanthu/internal/pdfwasmtest"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/demodoc"
	"github.com/vanthu/vanthu/signing/sample"
)

// testCache is the compilation cache the tests share, filled by this
// test binary, or under -race by the same tests built without the race
// detector (PDFRENDER_TEST_FILL_CACHE), which compiles PDFium ten times
// faster.
var testCache = &pdfwasmtest.Cache{
	Name:    "pdfrender",
	Fill:    fillCache,
	FillEnv: "PDFRENDER_TEST_FILL_CACHE",
}

// sharedRnd is the Renderer with two workers that the tests share.
var sharedRnd pdfwasmtest.Shared[*Renderer]

func TestMain(m *testing.M) {
	os.Exit(testCache.Main(m, &sharedRnd))
}

// fillCache fills the compilation cache dir.
func fillCache(dir string) error {
	r, err := New(context.Background(), Options{CacheDir: dir})
	if err != nil {
		return err
	}
	return r.Close()
}

// firstpage runs testdata/firstpage with args and the PDF, in env.
func firstpage(t testing.TB, env []string, pdf string, args ...string) (newTime, firstPage time.Duration) {
	t.Helper()
	cmd := exec.Command(testCache.BuildTool(t, "firstpage"), append(args, pdf)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("firstpage: %v\n%s", err, exit.Stderr)
		}
		t.Fatalf("firstpage: %v", err)
	}
	var w, h int
	if _, err := fmt.Sscan(string(out), &newTime, &firstPage, &w, &h); err != nil || w == 0 || h == 0 {
		t.Fatalf("firstpage printed %q", out)
	}
	return newTime, firstPage
}

// newRenderer returns a Renderer on the shared cache, closed at the end of
// the test.
func newRenderer(t testing.TB, opts Options) *Renderer {
	t.Helper()
	if opts.CacheDir == "" && !opts.MemoryCacheOnly {
		opts.CacheDir = testCache.Warm(t)
	}
	r, err := New(t.Context(), opts)
	return pdfwasmtest.CloseAtEnd(t, r, err)
}

// shared returns the Renderer with two workers that the tests share: under
// -race every wazero runtime costs seconds.
func shared(t testing.TB) *Renderer {
	t.Helper()
	return sharedRnd.Get(t, func() (*Renderer, error) {
		return New(context.Background(), Options{CacheDir: testCache.Warm(t), Workers: 2})
	})
}

// open opens pdf with r, closed at the end of the test.
func open(t testing.TB, r *Renderer, pdf []byte) *Doc {
	t.Helper()
	d, err := r.Open(t.Context(), bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("Doc.Close: %v", err)
		}
	})
	return d
}

// signed is a demo document signed by the leader with a visible signature
// (the blue signature image) in the space the document keeps for it.
type signed struct {
	doc    *demodoc.Document
	pdf    []byte
	result *signing.SignResult
}

func signDoc(t testing.TB, doc *demodoc.Document) signed {
	t.Helper()
	path, res := pdfwasmtest.Sign(t, doc)
	pdf, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return signed{doc: doc, pdf: pdf, result: res}
}

// pixelRect returns the pixels of img covering the user-space rectangle
// r ([llx lly urx ury]) of page p, shrunk by inset pixels on each side.
func pixelRect(p Page, img *image.RGBA, r [4]float64, inset int) image.Rectangle {
	sx := float64(img.Rect.Dx()) / p.Width
	sy := float64(img.Rect.Dy()) / p.Height
	x0, y0 := p.FromPDF(r[0], r[1])
	x1, y1 := p.FromPDF(r[2], r[3])
	out := image.Rect(int(x0*sx), int(y0*sy), int(x1*sx), int(y1*sy)).Canon() // Canon orders the corners
	return out.Inset(inset).Intersect(img.Rect)
}

// counts returns the pixels of img in r that are not white, and those that
// are clearly blue (the signature image).
func counts(img *image.RGBA, r image.Rectangle) (nonWhite, blue int) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := img.RGBAAt(x, y)
			if c.R < 250 || c.G < 250 || c.B < 250 {
				nonWhite++
			}
			if int(c.B) > int(c.R)+60 && int(c.B) > int(c.G)+30 {
				blue++
			}
		}
	}
	return nonWhite, blue
}

// poppler renders page (1-based) of pdf with pdftoppm at the given scale.
func poppler(t testing.TB, pdf []byte, page int, scale float64) image.Image {
	t.Helper()
	tool := pdfwasmtest.Need(t, "pdftoppm", "poppler-utils")
	in := pdfwasmtest.WriteTemp(t, "in.pdf", pdf)
	prefix := filepath.Join(t.TempDir(), "page")
	dpi := fmt.Sprintf("%g", scale*72)
	out, err := exec.Command(tool, "-png", "-r", dpi, "-f", fmt.Sprint(page), "-l", fmt.Sprint(page), "-singlefile", in, prefix).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	f, err := os.ReadFile(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// page is one page of pagesPDF.
type testPage struct {
	mediaBox string // "0 0 595 842" by default
	extra    string // more entries of the page dictionary, e.g. "/Rotate 90"
	content  string // drawing operators
}

// pagesPDF returns a PDF of the given pages.
func pagesPDF(pages ...testPage) []byte {
	f := &sample.Objects{}
	catalog := f.Reserve()
	root := f.Reserve()
	var kids []string
	for _, p := range pages {
		box := p.mediaBox
		if box == "" {
			box = "0 0 595 842"
		}
		content := f.Add(sample.Stream("", []byte(p.content)))
		page := f.Add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [%s] %s /Resources << >> /Contents %d 0 R >>",
			root, box, p.extra, content))
		kids = append(kids, fmt.Sprintf("%d 0 R", page))
	}
	f.Set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", root))
	f.Set(root, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids)))
	return f.Bytes(catalog)
}

// formBombPDF returns a one-page PDF whose page draws a form that draws
// the next one fanout times, depth levels deep: fanout^depth paths from a
// file of a few kilobytes.
func formBombPDF(depth, fanout int) []byte {
	return pdfwasmtest.FormBombPDF(depth, fanout, func(f *sample.Objects) int {
		return f.Add(sample.Stream("/Type /XObject /Subtype /Form /BBox [0 0 595 842]", []byte("0 0 1 1 re f")))
	})
}
