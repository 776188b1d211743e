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
	"sync"
	"testing"
	"time"

	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/demodoc"
	"github.com/vanthu/vanthu/signing/demopki"
	"github.com/vanthu/vanthu/signing/sample"
)

// testCache is the compilation cache the tests share. It is filled once,
// by this test binary, or under -race by the same tests built without the
// race detector (fillEnv), which compiles PDFium ten times faster.
// (wazero keys its cache by its version, which it cannot tell in a test
// binary: the cache of a command such as testdata/firstpage does not
// serve the tests.)
var testCache string

// fillEnv names the compilation cache directory that the test binary is
// to fill, instead of running the tests.
const fillEnv = "PDFRENDER_TEST_FILL_CACHE"

var (
	toolOnce sync.Once
	toolPath string
	toolErr  error
	warmOnce sync.Once
	warmErr  error

	sharedMu  sync.Mutex
	sharedRnd *Renderer

	pkiOnce sync.Once
	pkiVal  *demopki.PKI
	pkiErr  error
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(fillEnv); dir != "" {
		r, err := New(context.Background(), Options{CacheDir: dir})
		if err == nil {
			err = r.Close()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "pdfrender-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	testCache = filepath.Join(dir, "cache")
	code := m.Run()
	if sharedRnd != nil {
		if err := sharedRnd.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "Close:", err)
			code = 1
		}
	}
	return code
}

// firstpageTool builds testdata/firstpage, without the race detector.
func firstpageTool(t testing.TB) string {
	t.Helper()
	toolOnce.Do(func() {
		gocmd, err := exec.LookPath("go")
		if err != nil {
			toolErr = err
			return
		}
		toolPath = filepath.Join(filepath.Dir(testCache), "firstpage")
		cmd := exec.Command(gocmd, "build", "-o", toolPath, "./testdata/firstpage")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			toolErr = fmt.Errorf("go build ./testdata/firstpage: %w\n%s", err, msg)
		}
	})
	if toolErr != nil {
		t.Fatal(toolErr)
	}
	return toolPath
}

// firstpage runs testdata/firstpage with args and the PDF, in env.
func firstpage(t testing.TB, env []string, pdf string, args ...string) (newTime, firstPage time.Duration) {
	t.Helper()
	cmd := exec.Command(firstpageTool(t), append(args, pdf)...)
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

// warmCache fills testCache.
func warmCache(t testing.TB) {
	t.Helper()
	warmOnce.Do(func() {
		if !raceDetector {
			var r *Renderer
			if r, warmErr = New(context.Background(), Options{CacheDir: testCache}); warmErr == nil {
				warmErr = r.Close()
			}
			return
		}
		gocmd, err := exec.LookPath("go")
		if err != nil {
			warmErr = err
			return
		}
		bin := filepath.Join(filepath.Dir(testCache), "filler.test")
		build := exec.Command(gocmd, "test", "-c", "-o", bin, ".")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := build.CombinedOutput(); err != nil {
			warmErr = fmt.Errorf("go test -c: %w\n%s", err, msg)
			return
		}
		fill := exec.Command(bin)
		fill.Env = append(os.Environ(), fillEnv+"="+testCache)
		if msg, err := fill.CombinedOutput(); err != nil {
			warmErr = fmt.Errorf("filling the compilation cache: %w\n%s", err, msg)
		}
	})
	if warmErr != nil {
		t.Fatal(warmErr)
	}
}

// newRenderer returns a Renderer on the shared cache, closed at the end of
// the test.
func newRenderer(t testing.TB, opts Options) *Renderer {
	t.Helper()
	if opts.CacheDir == "" && !opts.MemoryCacheOnly {
		warmCache(t)
		opts.CacheDir = testCache
	}
	r, err := New(t.Context(), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return r
}

// shared returns the Renderer with two workers that the tests share: under
// -race every wazero runtime costs seconds.
func shared(t testing.TB) *Renderer {
	t.Helper()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedRnd == nil {
		warmCache(t)
		r, err := New(context.Background(), Options{CacheDir: testCache, Workers: 2})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		sharedRnd = r
	}
	return sharedRnd
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

func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func need(t testing.TB, tool, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		t.Fatalf("%s not found: the tests of inbox/pdfrender need it (Debian package %s)", tool, debianPackage)
	}
	return p
}

// example generates a demo document of the given kind and minimum pages.
func example(t testing.TB, kind demodoc.Kind, seed int64, pages int) *demodoc.Document {
	t.Helper()
	spec := demodoc.Example(kind, seed)
	spec.Pages = pages
	doc, err := demodoc.Generate(spec)
	if err != nil {
		t.Fatalf("demodoc: %v", err)
	}
	return doc
}

func testPKI(t testing.TB) *demopki.PKI {
	t.Helper()
	pkiOnce.Do(func() { pkiVal, pkiErr = demopki.New(demopki.Options{NoServers: true}) })
	if pkiErr != nil {
		t.Fatalf("demo PKI: %v", pkiErr)
	}
	return pkiVal
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
	p := testPKI(t)
	in := writeTemp(t, "unsigned.pdf", doc.PDF)
	out := filepath.Join(t.TempDir(), "signed.pdf")
	rect := doc.SignatureRect
	res, err := signing.SignPDFFile(t.Context(), in, out, signing.PDFOptions{
		Signer: signing.Signer{Key: p.Leader.Key, Chain: p.Leader.Chain},
		Appearance: signing.Appearance{
			Kind:      signing.AppearancePersonal,
			Page:      doc.SignaturePage,
			Rect:      &rect,
			ImageOnly: true,
		},
	})
	if err != nil {
		t.Fatalf("SignPDFFile: %v", err)
	}
	pdf, err := os.ReadFile(out)
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
	tool := need(t, "pdftoppm", "poppler-utils")
	in := writeTemp(t, "in.pdf", pdf)
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
	f := &sample.Objects{}
	catalog := f.Reserve()
	pages := f.Reserve()
	prev := f.Add(sample.Stream("/Type /XObject /Subtype /Form /BBox [0 0 595 842]", []byte("0 0 1 1 re f")))
	for range depth {
		draw := strings.Repeat("/X Do ", fanout)
		prev = f.Add(sample.Stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /XObject << /X %d 0 R >> >>", prev),
			[]byte(draw)))
	}
	content := f.Add(sample.Stream("", []byte("/X Do")))
	page := f.Add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /X %d 0 R >> >> /Contents %d 0 R >>",
		pages, prev, content))
	f.Set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages))
	f.Set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", page))
	return f.Bytes(catalog)
}
