package pdfview

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io/fs"
	"math"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/vanthu/vanthu/inbox/pdfrender"
	"github.com/vanthu/vanthu/internal/pdfwasmtest"
)

// TestNavigate loads a three-page signed dispatch: the label follows the
// page, previous and next move and stop at the ends, and a page seen
// before comes from the cache.
func TestNavigate(t *testing.T) {
	doc := signedPDF(t, 3)
	v := newViewer(t, renderer(t), fyne.NewSize(700, 900))
	v.Load(doc.path)
	v.wait(t)
	n := doc.doc.Pages
	if n < 3 {
		t.Fatalf("the demo document has %d pages, want 3 or more", n)
	}
	if got, want := v.pageLabel.Text, fmt.Sprintf("Page 1 of %d", n); got != want {
		t.Fatalf("label %q, want %q", got, want)
	}
	if !v.prev.Disabled() || v.next.Disabled() {
		t.Errorf("on page 1: previous disabled %v, next disabled %v", v.prev.Disabled(), v.next.Disabled())
	}
	if v.page.img.Image == nil || v.status.Visible() {
		t.Fatalf("page 1 not shown (status %q)", v.status.Text)
	}
	for i := 2; i <= n; i++ {
		test.Tap(v.next)
		v.wait(t)
		if got, want := v.pageLabel.Text, fmt.Sprintf("Page %d of %d", i, n); got != want {
			t.Errorf("label %q, want %q", got, want)
		}
		if v.Page() != i-1 || v.shown.page != i-1 {
			t.Errorf("page %d, image of page %d, want %d", v.Page()+1, v.shown.page+1, i)
		}
	}
	if !v.next.Disabled() {
		t.Error("next enabled on the last page")
	}
	test.Tap(v.next) // disabled: nothing happens
	if v.Page() != n-1 {
		t.Errorf("next on the last page went to page %d", v.Page()+1)
	}
	first := v.page.img.Image
	test.Tap(v.prev)
	v.wait(t) // from the cache: applied before Tap returns
	if got, want := v.pageLabel.Text, fmt.Sprintf("Page %d of %d", n-1, n); got != want {
		t.Errorf("after previous: label %q, want %q", got, want)
	}
	if v.page.img.Image == first {
		t.Error("previous still shows the last page")
	}
}

// TestZoom: zooming in and out changes the size of the drawn page and of
// the page on screen; fit width makes the page as wide as the viewer.
func TestZoom(t *testing.T) {
	doc := signedPDF(t, 1)
	v := newViewer(t, renderer(t), fyne.NewSize(600, 800))
	v.Load(doc.path)
	v.wait(t)
	fitted := v.page.img.Image.Bounds().Dx()
	avail := v.availableWidth()
	if math.Abs(float64(fitted)-float64(avail)) > 2 {
		t.Errorf("fit width: page %d pixels wide, want about %.0f", fitted, avail)
	}
	before, zoomBefore := fitted, v.Zoom()
	test.Tap(v.zoomIn)
	v.wait(t)
	if v.Zoom() <= zoomBefore {
		t.Fatalf("zoom in: %v, was %v", v.Zoom(), zoomBefore)
	}
	after := v.page.img.Image.Bounds().Dx()
	if want := float64(before) * v.Zoom() / zoomBefore; math.Abs(float64(after)-want) > 2 {
		t.Errorf("zoom in: page %d pixels wide, want %.0f", after, want)
	}
	if got, want := v.zoomLabel.Text, fmt.Sprintf("%.0f%%", 100*v.Zoom()); got != want {
		t.Errorf("zoom label %q, want %q", got, want)
	}
	if got := v.page.MinSize().Width; math.Abs(float64(got)-float64(after)) > 1 {
		t.Errorf("page on screen %v units wide, image %d pixels (canvas scale 1)", got, after)
	}
	test.Tap(v.zoomOut)
	v.wait(t)
	test.Tap(v.zoomOut)
	v.wait(t)
	if smaller := v.page.img.Image.Bounds().Dx(); smaller >= before {
		t.Errorf("zoom out twice: page %d pixels wide, not less than %d", smaller, before)
	}
	test.Tap(v.fit)
	v.wait(t)
	if got := v.page.img.Image.Bounds().Dx(); got != fitted {
		t.Errorf("fit width again: %d pixels, want %d", got, fitted)
	}
	// With fit width, the page follows the window.
	v.win.Resize(fyne.NewSize(900, 800))
	v.wait(t)
	if got := v.page.img.Image.Bounds().Dx(); got <= fitted {
		t.Errorf("wider window: page %d pixels wide, not more than %d", got, fitted)
	}
}

// TestTapReportsPDFCoordinates taps the middle of the signature on the
// page: the point reported lies in the signature's rectangle; a tap at the
// top left corner reports the top left of the A4 page.
func TestTapReportsPDFCoordinates(t *testing.T) {
	doc := signedPDF(t, 1)
	v := newViewer(t, renderer(t), fyne.NewSize(700, 900))
	type tap struct {
		page int
		x, y float64
	}
	var taps []tap
	v.SetOnTapPage(func(page int, x, y float64) { taps = append(taps, tap{page, x, y}) })
	v.Load(doc.path)
	v.wait(t)
	for v.Page() < doc.result.Page-1 {
		test.Tap(v.next)
		v.wait(t)
	}
	p := v.geometry[v.Page()]
	size := v.page.Size()
	r := doc.result.Rect
	cx, cy := p.FromPDF((r[0]+r[2])/2, (r[1]+r[3])/2)
	test.TapAt(v.page, fyne.NewPos(float32(cx/p.Width)*size.Width, float32(cy/p.Height)*size.Height))
	test.TapAt(v.page, fyne.NewPos(0, 0))
	if len(taps) != 2 {
		t.Fatalf("%d taps reported, want 2", len(taps))
	}
	if got := taps[0]; got.page != doc.result.Page-1 || got.x < r[0] || got.x > r[2] || got.y < r[1] || got.y > r[3] {
		t.Errorf("tap on the signature reported page %d (%.1f, %.1f), want page %d in %v", got.page+1, got.x, got.y, doc.result.Page, r)
	}
	if got := taps[1]; math.Abs(got.x) > 1 || math.Abs(got.y-p.Height) > 1 {
		t.Errorf("tap at the top left reported (%.1f, %.1f), want (0, %.1f)", got.x, got.y, p.Height)
	}
}

// TestBrokenFile: a damaged file and a missing one each show a message a
// clerk understands, and no page.
func TestBrokenFile(t *testing.T) {
	v := newViewer(t, renderer(t), fyne.NewSize(600, 600))
	for _, tc := range []struct {
		name, path string
		want       error
	}{
		{"damaged", pdfwasmtest.WriteTemp(t, "broken.pdf", append([]byte("%PDF-1.7\n"), strings.Repeat("hỏng ", 2000)...)), pdfrender.ErrNotPDF},
		{"missing", t.TempDir() + "/missing.pdf", fs.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v.Load(tc.path)
			v.wait(t)
			if got, want := v.status.Text, errorText(tc.want); !v.status.Visible() || got != want {
				t.Errorf("status %q (visible %v), want %q", got, v.status.Visible(), want)
			}
			if v.page.img.Image != nil || v.PageCount() != 0 || v.pageLabel.Text != "" || !v.next.Disabled() || !v.zoomIn.Disabled() {
				t.Errorf("a page or controls shown for a broken file: %d pages, label %q", v.PageCount(), v.pageLabel.Text)
			}
		})
	}
}

// TestRenderingPlaceholder: while the renderer is busy with another
// document, the viewer says that it is drawing; pages asked for meanwhile
// (next, next) are not all drawn in turn: the viewer ends on the last one
// asked for.
func TestRenderingPlaceholder(t *testing.T) {
	testCache.Warm(t)
	r, err := pdfrender.New(t.Context(), pdfrender.Options{CacheDir: testCache.Dir(), Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	v := newViewer(t, r, fyne.NewSize(600, 800))
	doc := signedPDF(t, 3)
	v.Load(doc.path)
	v.wait(t)

	// Hold the only worker with a page that draws for ever.
	bomb, err := r.OpenFile(t.Context(), pdfwasmtest.WriteTemp(t, "bomb.pdf", formBomb()))
	if err != nil {
		t.Fatal(err)
	}
	defer bomb.Close()
	ctx, cancel := context.WithCancel(t.Context())
	busy := make(chan error, 1)
	go func() { _, err := bomb.Render(ctx, 0, 1); busy <- err }()
	time.Sleep(200 * time.Millisecond) // let it take the worker

	test.Tap(v.next)
	if !v.status.Visible() || v.status.Text != "Rendering…" {
		t.Errorf("while the renderer is busy: status %q (visible %v), want %q", v.status.Text, v.status.Visible(), "Rendering…")
	}
	test.Tap(v.next)
	if got, want := v.pageLabel.Text, fmt.Sprintf("Page 3 of %d", doc.doc.Pages); got != want {
		t.Errorf("label %q, want %q", got, want)
	}
	cancel()
	if err := <-busy; !errors.Is(err, context.Canceled) {
		t.Errorf("the bomb: %v, want context.Canceled", err)
	}
	v.wait(t)
	if v.status.Visible() || v.shown.page != 2 {
		t.Errorf("after the renderer is free: status %q, page %d shown, want page 3", v.status.Text, v.shown.page+1)
	}
	if v.busy || v.pending {
		t.Errorf("busy %v, pending %v after the last page is shown", v.busy, v.pending)
	}
}

// TestPageCache: the cache keeps the most recently used pages within its
// bytes.
func TestPageCache(t *testing.T) {
	img := func() *image.RGBA { return image.NewRGBA(image.Rect(0, 0, 10, 10)) } // 400 bytes
	c := newPageCache(1000)
	k := func(p int) cacheKey { return cacheKey{page: p, width: 10} }
	c.put(k(0), img())
	c.put(k(1), img())
	c.get(k(0)) // 1 is now the least recently used
	c.put(k(2), img())
	for _, tc := range []struct {
		page int
		want bool
	}{{0, true}, {1, false}, {2, true}} {
		if got := c.get(k(tc.page)) != nil; got != tc.want {
			t.Errorf("page %d cached: %v, want %v", tc.page, got, tc.want)
		}
	}
	if c.size != 800 {
		t.Errorf("size %d, want 800", c.size)
	}
	big := image.NewRGBA(image.Rect(0, 0, 100, 100))
	c.put(k(3), big)
	if c.get(k(3)) == nil || len(c.entries) != 1 {
		t.Errorf("a page larger than the cache: kept %v, %d entries, want it alone", c.get(k(3)) != nil, len(c.entries))
	}
}
