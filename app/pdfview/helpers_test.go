package pdfview

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/vanthu/vanthu/inbox/pdfrender"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/demodoc"
	"github.com/vanthu/vanthu/signing/demopki"
)

// testCache is the compilation cache of PDFium the tests share, filled
// once by this test binary, or under -race by the same tests built
// without the race detector (fillEnv), which compiles ten times faster.
var testCache string

// fillEnv names the compilation cache directory that the test binary is
// to fill, instead of running the tests.
const fillEnv = "PDFVIEW_TEST_FILL_CACHE"

var (
	warmOnce  sync.Once
	warmErr   error
	sharedMu  sync.Mutex
	sharedRnd *pdfrender.Renderer
	pkiOnce   sync.Once
	pkiVal    *demopki.PKI
	pkiErr    error
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(fillEnv); dir != "" {
		r, err := pdfrender.New(context.Background(), pdfrender.Options{CacheDir: dir})
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
	dir, err := os.MkdirTemp("", "pdfview-test-")
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

// warmCache fills testCache.
func warmCache(t testing.TB) {
	t.Helper()
	warmOnce.Do(func() {
		if !raceDetector {
			var r *pdfrender.Renderer
			if r, warmErr = pdfrender.New(context.Background(), pdfrender.Options{CacheDir: testCache}); warmErr == nil {
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
		build := exec.Command(gocmd, "test", "-tags", "ci", "-c", "-o", bin, ".")
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

// renderer returns the Renderer the tests share.
func renderer(t testing.TB) *pdfrender.Renderer {
	t.Helper()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedRnd == nil {
		warmCache(t)
		r, err := pdfrender.New(context.Background(), pdfrender.Options{CacheDir: testCache})
		if err != nil {
			t.Fatalf("pdfrender.New: %v", err)
		}
		sharedRnd = r
	}
	return sharedRnd
}

// viewer is a Viewer in a test window of the given size, with a channel
// told of every result it applies.
type viewer struct {
	*Viewer
	win     fyne.Window
	settled chan struct{}
}

func newViewer(t *testing.T, r *pdfrender.Renderer, size fyne.Size) *viewer {
	t.Helper()
	test.NewTempApp(t)
	v := &viewer{Viewer: New(r), settled: make(chan struct{}, 100)}
	v.Viewer.settled = func() { v.settled <- struct{}{} }
	v.win = test.NewTempWindow(t, v.Viewer)
	v.win.Resize(size)
	t.Cleanup(v.Close)
	return v
}

// wait waits for the viewer to apply a result.
func (v *viewer) wait(t *testing.T) {
	t.Helper()
	select {
	case <-v.settled:
	case <-time.After(2 * time.Minute):
		t.Fatal("the viewer applied no result in 2 minutes")
	}
}

func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// signedDoc is a demo document of at least pages pages signed by the
// leader, with the signature image in the space the document keeps for it.
type signedDoc struct {
	path   string
	doc    *demodoc.Document
	result *signing.SignResult
}

func signedPDF(t *testing.T, pages int) signedDoc {
	t.Helper()
	spec := demodoc.Example(demodoc.CongVan, 7)
	spec.Pages = pages
	doc, err := demodoc.Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	pkiOnce.Do(func() { pkiVal, pkiErr = demopki.New(demopki.Options{NoServers: true}) })
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	in := writeTemp(t, "unsigned.pdf", doc.PDF)
	out := filepath.Join(t.TempDir(), "signed.pdf")
	rect := doc.SignatureRect
	res, err := signing.SignPDFFile(t.Context(), in, out, signing.PDFOptions{
		Signer: signing.Signer{Key: pkiVal.Leader.Key, Chain: pkiVal.Leader.Chain},
		Appearance: signing.Appearance{
			Kind: signing.AppearancePersonal, Page: doc.SignaturePage, Rect: &rect, ImageOnly: true,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return signedDoc{path: out, doc: doc, result: res}
}

// formBomb returns a one-page PDF whose page draws a form that draws the
// next one 8 times, 9 levels deep: 134 million paths.
func formBomb() []byte {
	var objs []string
	objs = append(objs, "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /X 5 0 R >> >> /Contents 4 0 R >>",
		formStream("", "/X Do"))
	const depth = 9
	for level := range depth {
		// Object 5+level draws object 6+level; the last one draws a path.
		if level == depth-1 {
			objs = append(objs, formStream("/Type /XObject /Subtype /Form /BBox [0 0 595 842]", "0 0 1 1 re f"))
			break
		}
		objs = append(objs, formStream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /XObject << /X %d 0 R >> >>", 6+level),
			strings.Repeat("/X Do ", 8)))
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func formStream(dict, data string) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}
