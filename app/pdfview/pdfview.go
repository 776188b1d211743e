// Package pdfview is the document screen's PDF viewer: a Fyne widget that
// shows one page of a PDF at a time, drawn by inbox/pdfrender, with page
// navigation (previous, next, page N of M), zoom in and out, fit to width
// and scrolling, and an optional callback that reports where on the page
// the user tapped, in PDF coordinates (for placing a visible signature).
//
// Pages are drawn off the UI goroutine; the results are applied with
// fyne.Do. While a page is drawn the viewer says so; a file that cannot be
// shown gets a message in plain words. Drawn pages are kept in a cache of
// bounded size, so that going back and forth does not draw them again.
//
// Its strings go through lang.L with these English keys: "Page %d of %d",
// "Previous page", "Next page", "Zoom in", "Zoom out", "Fit width",
// "Rendering…", "Opening…", and the messages of errorText.
package pdfview

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io/fs"
	"math"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vanthu/vanthu/inbox/pdfrender"
)

// unitsPerPoint makes 100% show a page at its printed size on a screen of
// 96 dpi, where a Fyne unit is about a pixel.
const unitsPerPoint = 96.0 / 72

// zoomSteps are the zoom levels of the zoom buttons.
var zoomSteps = []float64{0.25, 0.33, 0.5, 0.67, 0.75, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2, 2.5, 3, 4}

// DefaultCacheBytes bounds the memory of the drawn pages a Viewer keeps.
const DefaultCacheBytes = 96 << 20

// Viewer shows a PDF. Create it with New; its methods are called on the
// UI goroutine, like every Fyne widget's.
type Viewer struct {
	widget.BaseWidget

	r     *pdfrender.Renderer
	onTap func(page int, x, y float64)

	prev, next, zoomIn, zoomOut, fit *widget.Button
	pageLabel, zoomLabel, status     *widget.Label
	page                             *pageImage
	scroll                           *container.Scroll
	top, body                        *fyne.Container

	doc      *pdfrender.Doc
	index    int     // the page shown, 0-based
	zoom     float64 // 1 = 100%
	fitWidth bool    // zoom follows the width of the viewer
	geometry map[int]pdfrender.Page
	cache    *pageCache
	shown    cacheKey // the image on screen

	busy    bool // a page is being drawn
	pending bool // and another one was asked for meanwhile

	mu sync.Mutex // guards what follows, also read by the workers
	// gen counts the documents loaded; results for an earlier one are
	// dropped. ctx is the current document's: Load and Close cancel it,
	// which stops the drawing in progress. (A widget has no call to take
	// a context from; this one lives as long as the document is shown.)
	gen    uint64
	ctx    context.Context
	cancel context.CancelFunc
	work   sync.WaitGroup // the workers

	settled func() // called after each result is applied (tests)
}

// New returns a Viewer that draws with r. It shows nothing until Load.
func New(r *pdfrender.Renderer) *Viewer {
	v := &Viewer{
		r:        r,
		zoom:     1,
		fitWidth: true,
		geometry: map[int]pdfrender.Page{},
		cache:    newPageCache(DefaultCacheBytes),
	}
	v.prev = widget.NewButtonWithIcon("", theme.NavigateBackIcon(), func() { v.SetPage(v.index - 1) })
	v.next = widget.NewButtonWithIcon("", theme.NavigateNextIcon(), func() { v.SetPage(v.index + 1) })
	v.zoomOut = widget.NewButtonWithIcon("", theme.ZoomOutIcon(), v.ZoomOut)
	v.zoomIn = widget.NewButtonWithIcon("", theme.ZoomInIcon(), v.ZoomIn)
	v.fit = widget.NewButtonWithIcon(lang.L("Fit width"), theme.ViewFullScreenIcon(), v.FitWidth)
	v.prev.Importance, v.next.Importance = widget.LowImportance, widget.LowImportance
	v.pageLabel = widget.NewLabel("")
	v.zoomLabel = widget.NewLabel("")
	v.status = widget.NewLabel("")
	v.status.Alignment = fyne.TextAlignCenter
	v.status.Wrapping = fyne.TextWrapWord
	v.page = newPageImage(v.tapped)
	v.scroll = container.NewScroll(container.NewCenter(v.page))
	bar := container.NewHBox(v.prev, v.pageLabel, v.next, widget.NewSeparator(),
		v.zoomOut, v.zoomLabel, v.zoomIn, v.fit)
	v.top = container.NewCenter(bar)
	v.body = container.NewBorder(v.top, nil, nil, nil,
		container.NewStack(v.scroll, container.NewCenter(v.status)))
	v.ExtendBaseWidget(v)
	v.update()
	return v
}

// SetOnTapPage sets the function called when the user taps the page: with
// the page (0-based) and the point tapped in the PDF's default user space,
// in points (as signing.Appearance.Rect uses). Nil removes it.
func (v *Viewer) SetOnTapPage(f func(page int, x, y float64)) { v.onTap = f }

// CreateRenderer implements fyne.Widget.
func (v *Viewer) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(v.body) }

// Resize implements fyne.Widget: with fit to width, the page follows.
func (v *Viewer) Resize(s fyne.Size) {
	old := v.Size()
	v.BaseWidget.Resize(s)
	if v.fitWidth && v.doc != nil && s.Width != old.Width {
		v.request()
	}
}

// Load opens the PDF at path, in the background, and shows its first
// page. The document shown before is closed.
func (v *Viewer) Load(path string) {
	old := v.doc
	v.doc, v.index, v.fitWidth = nil, 0, true
	clear(v.geometry)
	v.cache.clear()
	v.shown = cacheKey{}
	v.page.set(nil, fyne.Size{})
	v.status.SetText(lang.L("Opening…"))
	v.status.Show()
	ctx, gen := v.start()
	v.update()
	v.work.Go(func() {
		if old != nil {
			_ = old.Close()
		}
		d, err := v.r.OpenFile(ctx, path)
		fyne.Do(func() {
			if !v.current(gen) {
				if d != nil {
					v.work.Go(func() { _ = d.Close() })
				}
				return
			}
			if err != nil {
				v.showError(err)
				return
			}
			v.doc = d
			v.update()
			v.request()
		})
	})
}

// Close stops the drawing in progress and closes the document. The Viewer
// shows nothing afterwards, until the next Load.
func (v *Viewer) Close() {
	v.start()
	if v.doc != nil {
		d := v.doc
		v.work.Go(func() { _ = d.Close() })
	}
	v.doc = nil
	v.cache.clear()
	v.page.set(nil, fyne.Size{})
	v.status.Hide()
	v.update()
	v.work.Wait()
}

// PageCount is the number of pages of the document shown, 0 without one.
func (v *Viewer) PageCount() int {
	if v.doc == nil {
		return 0
	}
	return v.doc.PageCount()
}

// Page is the page shown, 0-based.
func (v *Viewer) Page() int { return v.index }

// SetPage shows page i (0-based), if the document has it.
func (v *Viewer) SetPage(i int) {
	if v.doc == nil || i < 0 || i >= v.doc.PageCount() || i == v.index {
		return
	}
	v.index = i
	v.scroll.ScrollToTop()
	v.update()
	v.request()
}

// Zoom is the zoom level, 1 for 100%.
func (v *Viewer) Zoom() float64 { return v.zoom }

// ZoomIn shows the page at the next zoom level.
func (v *Viewer) ZoomIn() {
	for _, z := range zoomSteps {
		if z > v.zoom*1.001 {
			v.setZoom(z)
			return
		}
	}
}

// ZoomOut shows the page at the previous zoom level.
func (v *Viewer) ZoomOut() {
	for i := len(zoomSteps) - 1; i >= 0; i-- {
		if zoomSteps[i] < v.zoom*0.999 {
			v.setZoom(zoomSteps[i])
			return
		}
	}
}

func (v *Viewer) setZoom(z float64) {
	v.fitWidth = false
	v.zoom = z
	v.update()
	v.request()
}

// FitWidth zooms the page to the width of the viewer, and keeps it so when
// the viewer is resized.
func (v *Viewer) FitWidth() {
	v.fitWidth = true
	v.request()
}

// start stops the work for the document shown and begins a new session,
// for the next one.
func (v *Viewer) start() (context.Context, uint64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cancel != nil {
		v.cancel()
	}
	v.ctx, v.cancel = context.WithCancel(context.Background())
	v.gen++
	v.busy, v.pending = false, false
	return v.ctx, v.gen
}

// session returns the current document's context and number.
func (v *Viewer) session() (context.Context, uint64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.ctx, v.gen
}

// current reports whether gen is the current document's number.
func (v *Viewer) current(gen uint64) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return gen == v.gen
}

// request shows the current page at the current zoom: from the cache, or
// drawn in the background.
func (v *Viewer) request() {
	if v.doc == nil {
		return
	}
	i, scale := v.index, v.canvasScale()
	zoom := v.zoom
	if p, ok := v.geometry[i]; ok {
		if v.fitWidth {
			zoom = v.fitZoom(p)
		}
		key := cacheKey{page: i, width: pixelWidth(p, zoom, scale)}
		if img := v.cache.get(key); img != nil {
			v.zoom = zoom
			v.show(key, p, img)
			return
		}
	}
	if v.shown.page != i || v.page.img.Image == nil {
		v.status.SetText(lang.L("Rendering…"))
		v.status.Show()
	}
	// One page is drawn at a time: a request made meanwhile is served when
	// it ends, rather than by stopping it (which costs PDFium's instance).
	if v.busy {
		v.pending = true
		return
	}
	v.busy = true
	ctx, gen := v.session()
	doc, fit := v.doc, v.fitWidth
	avail := v.availableWidth()
	v.work.Go(func() {
		p, err := doc.Page(ctx, i)
		var img *image.RGBA
		if err == nil {
			if fit {
				zoom = fitZoomIn(p, avail)
			}
			img, err = doc.Render(ctx, i, zoom*unitsPerPoint*float64(scale))
		}
		fyne.Do(func() {
			if !v.current(gen) {
				return // another document
			}
			v.busy = false
			pending := v.pending
			v.pending = false
			if err != nil && !pending {
				v.showError(err)
				return
			}
			if err == nil {
				v.geometry[i] = p
				v.cache.put(cacheKey{page: i, width: img.Rect.Dx()}, img)
			}
			// Shows the page from the cache if it is still the one wanted,
			// else draws the one wanted now.
			v.request()
		})
	})
}

// show puts the image of page p on screen at the current zoom.
func (v *Viewer) show(key cacheKey, p pdfrender.Page, img *image.RGBA) {
	v.shown = key
	size := fyne.NewSize(float32(p.Width*v.zoom*unitsPerPoint), float32(p.Height*v.zoom*unitsPerPoint))
	v.page.set(img, size)
	v.status.Hide()
	v.update()
	v.scroll.Refresh()
	if v.settled != nil {
		v.settled()
	}
}

// showError replaces the page by the reason it cannot be shown.
func (v *Viewer) showError(err error) {
	v.page.set(nil, fyne.Size{})
	v.status.SetText(errorText(err))
	v.status.Show()
	v.update()
	if v.settled != nil {
		v.settled()
	}
}

// update sets the labels and buttons from the state.
func (v *Viewer) update() {
	n := v.PageCount()
	if n == 0 {
		v.pageLabel.SetText("")
		v.zoomLabel.SetText("")
	} else {
		v.pageLabel.SetText(fmt.Sprintf(lang.L("Page %d of %d"), v.index+1, n))
		v.zoomLabel.SetText(fmt.Sprintf("%.0f%%", 100*v.zoom))
	}
	enable(v.prev, n > 0 && v.index > 0)
	enable(v.next, n > 0 && v.index < n-1)
	enable(v.zoomOut, n > 0 && v.zoom > zoomSteps[0]*1.001)
	enable(v.zoomIn, n > 0 && v.zoom < zoomSteps[len(zoomSteps)-1]*0.999)
	enable(v.fit, n > 0)
	v.top.Refresh() // the labels' new widths
}

func enable(b *widget.Button, on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}

// tapped reports a tap at pos on the page image of the given size.
func (v *Viewer) tapped(pos fyne.Position, size fyne.Size) {
	p, ok := v.geometry[v.shown.page]
	if v.onTap == nil || !ok || v.page.img.Image == nil || size.Width <= 0 || size.Height <= 0 {
		return
	}
	x, y := p.ToPDF(float64(pos.X/size.Width)*p.Width, float64(pos.Y/size.Height)*p.Height)
	v.onTap(p.Index, x, y)
}

// canvasScale is the number of pixels per Fyne unit of the window.
func (v *Viewer) canvasScale() float32 {
	if app := fyne.CurrentApp(); app != nil {
		if c := app.Driver().CanvasForObject(v); c != nil && c.Scale() > 0 {
			return c.Scale()
		}
	}
	return 1
}

// availableWidth is the width a page can take without a horizontal
// scroll bar.
func (v *Viewer) availableWidth() float32 {
	w := v.scroll.Size().Width
	if w <= 0 {
		w = v.Size().Width
	}
	return w - 2*theme.Padding() - theme.ScrollBarSize()
}

func (v *Viewer) fitZoom(p pdfrender.Page) float64 { return fitZoomIn(p, v.availableWidth()) }

// fitZoomIn is the zoom that shows page p avail units wide, within the
// zoom levels.
func fitZoomIn(p pdfrender.Page, avail float32) float64 {
	if avail <= 0 {
		return 1
	}
	z := float64(avail) / (p.Width * unitsPerPoint)
	return math.Min(math.Max(z, zoomSteps[0]), zoomSteps[len(zoomSteps)-1])
}

// pixelWidth is the width of the image of p drawn at zoom on a canvas of
// the given scale, as pdfrender makes it.
func pixelWidth(p pdfrender.Page, zoom float64, scale float32) int {
	w, _ := p.PixelSize(zoom * unitsPerPoint * float64(scale))
	return w
}

// errorText says in plain words why a PDF cannot be shown.
func errorText(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return lang.L("The file cannot be found. It may have been moved or deleted.")
	case errors.Is(err, fs.ErrPermission):
		return lang.L("The file cannot be opened: access to it is not allowed.")
	case errors.Is(err, pdfrender.ErrEncrypted):
		return lang.L("This PDF is protected by a password and cannot be shown.")
	case errors.Is(err, pdfrender.ErrNotPDF):
		return lang.L("This file is not a PDF, or it is damaged. Ask the sender for a new copy.")
	case errors.Is(err, pdfrender.ErrTooBig):
		return lang.L("This page is too large to be shown at this zoom. Zoom out to see it.")
	case errors.Is(err, pdfrender.ErrTimeout):
		return lang.L("This PDF takes too long to show; it may be damaged. Ask the sender for a new copy.")
	}
	return lang.L("The PDF cannot be shown.")
}

// pageImage is the drawn page, which reports taps.
type pageImage struct {
	widget.BaseWidget
	img   *canvas.Image
	size  fyne.Size
	onTap func(pos fyne.Position, size fyne.Size)
}

var _ fyne.Tappable = (*pageImage)(nil)

func newPageImage(onTap func(fyne.Position, fyne.Size)) *pageImage {
	p := &pageImage{img: &canvas.Image{FillMode: canvas.ImageFillStretch, ScaleMode: canvas.ImageScaleSmooth}, onTap: onTap}
	p.ExtendBaseWidget(p)
	return p
}

// set shows img at size (units); nil shows nothing.
func (p *pageImage) set(img image.Image, size fyne.Size) {
	p.img.Image = img
	p.size = size
	p.img.Refresh()
	p.Refresh()
}

func (p *pageImage) MinSize() fyne.Size { return p.size }

func (p *pageImage) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(p.img) }

func (p *pageImage) Tapped(ev *fyne.PointEvent) { p.onTap(ev.Position, p.Size()) }
