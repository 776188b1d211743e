package pdfview

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/vanthu/vanthu/inbox/pdfrender"
	"github.com/vanthu/vanthu/internal/pdfwasmtest"
	"github.com/vanthu/vanthu/signing"
	"github.com/vanthu/vanthu/signing/demodoc"
)

// testCache is the compilation cache of PDFium the tests share, filled
// once by this test binary, or under -race by the same tests built
// without the race detector (PDFVIEW_TEST_FILL_CACHE), which compiles ten
// times faster. That build uses Fyne's headless driver (-tags ci): it
// needs no cgo.
var testCache = &pdfwasmtest.Cache{
	Name:      "pdfview",
	Fill:      fillCache,
	FillEnv:   "PDFVIEW_TEST_FILL_CACHE",
	TestFlags: []string{"-tags", "ci"},
}

// sharedRnd is the Renderer the tests share.
var sharedRnd pdfwasmtest.Shared[*pdfrender.Renderer]

func TestMain(m *testing.M) {
	os.Exit(testCache.Main(m, &sharedRnd))
}

// fillCache fills the compilation cache dir.
func fillCache(dir string) error {
	r, err := pdfrender.New(context.Background(), pdfrender.Options{CacheDir: dir})
	if err != nil {
		return err
	}
	return r.Close()
}

// renderer returns the Renderer the tests share.
func renderer(t testing.TB) *pdfrender.Renderer {
	t.Helper()
	return sharedRnd.Get(t, func() (*pdfrender.Renderer, error) {
		return pdfrender.New(context.Background(), pdfrender.Options{CacheDir: testCache.Warm(t)})
	})
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

// signedDoc is a demo document of at least pages pages signed by the
// leader, with the signature image in the space the document keeps for it.
type signedDoc struct {
	path   string
	doc    *demodoc.Document
	result *signing.SignResult
}

func signedPDF(t *testing.T, pages int) signedDoc {
	t.Helper()
	doc := pdfwasmtest.Example(t, demodoc.CongVan, 7, pages)
	path, res := pdfwasmtest.Sign(t, doc)
	return signedDoc{path: path, doc: doc, result: res}
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
