package pdfrender

import (
	"context"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"sync"

	"github.com/klippa-app/go-pdfium/enums"
	"github.com/klippa-app/go-pdfium/requests"
)

// Doc is an open PDF. Its methods are safe for concurrent use; each waits
// for a worker of the Renderer.
type Doc struct {
	r     *Renderer
	ra    io.ReaderAt
	size  int64
	file  *os.File // opened by OpenFile
	count int

	mu     sync.Mutex
	pages  map[int]Page // geometry of the pages seen
	closed bool
	calls  sync.WaitGroup
}

// Page is the geometry of a page as it is shown.
type Page struct {
	Index int // 0-based
	// Width and Height are the size of the page as shown, in points: its
	// crop box, turned by its rotation.
	Width, Height float64
	// Rotation is the page's /Rotate, clockwise: 0, 90, 180 or 270.
	Rotation int

	toPDF [6]float64 // shown point → default user space
}

// ToPDF returns the point of the PDF's default user space shown at x, y
// points from the top left corner of the page.
func (p Page) ToPDF(x, y float64) (ux, uy float64) {
	m := p.toPDF
	return m[0]*x + m[2]*y + m[4], m[1]*x + m[3]*y + m[5]
}

// FromPDF is the inverse of ToPDF.
func (p Page) FromPDF(ux, uy float64) (x, y float64) {
	m := p.toPDF
	det := m[0]*m[3] - m[1]*m[2]
	dx, dy := ux-m[4], uy-m[5]
	return (m[3]*dx - m[2]*dy) / det, (m[0]*dy - m[1]*dx) / det
}

// PixelToPDF returns the point of the PDF's default user space under the
// pixel px, py of an image of the page of the given bounds (as Render
// returned it, or as shown scaled on a screen).
func (p Page) PixelToPDF(px, py float64, img image.Rectangle) (ux, uy float64) {
	return p.ToPDF((px-float64(img.Min.X))*p.Width/float64(img.Dx()), (py-float64(img.Min.Y))*p.Height/float64(img.Dy()))
}

// PixelSize is the size of the image Render makes at scale.
func (p Page) PixelSize(scale float64) (w, h int) {
	return max(1, int(math.Round(p.Width*scale))), max(1, int(math.Round(p.Height*scale)))
}

// PageCount is the number of pages, at least 1.
func (d *Doc) PageCount() int { return d.count }

func (d *Doc) enter(i int) error {
	if i < 0 || i >= d.count {
		return fmt.Errorf("%w: page %d of %d", ErrNoPage, i+1, d.count)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	d.calls.Add(1)
	return nil
}

// Page returns the geometry of page i (0-based).
func (d *Doc) Page(ctx context.Context, i int) (Page, error) {
	if err := d.enter(i); err != nil {
		return Page{}, err
	}
	defer d.calls.Done()
	if p, ok := d.cached(i); ok {
		return p, nil
	}
	var p Page
	err := d.r.do(ctx, d, func(w *worker) error {
		var err error
		p, err = d.page(w, i)
		return err
	})
	return p, err
}

func (d *Doc) cached(i int) (Page, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, ok := d.pages[i]
	return p, ok
}

// page returns the geometry of page i, read by w if it is not known yet.
func (d *Doc) page(w *worker, i int) (Page, error) {
	if p, ok := d.cached(i); ok {
		return p, nil
	}
	broken := fmt.Errorf("%w: page %d cannot be read", ErrNotPDF, i+1)
	ref := w.pageRef(i)
	size, err := w.inst.GetPageSize(&requests.GetPageSize{Page: ref})
	if err != nil {
		return Page{}, broken
	}
	p := Page{Index: i, Width: size.Width, Height: size.Height}
	if !(p.Width > 0 && p.Height > 0 && p.Width < 1e6 && p.Height < 1e6) {
		return Page{}, fmt.Errorf("%w: page %d has no valid size", ErrNotPDF, i+1)
	}
	rot, err := w.inst.FPDFPage_GetRotation(&requests.FPDFPage_GetRotation{Page: ref})
	if err != nil {
		return Page{}, broken
	}
	p.Rotation = 90 * int(rot.PageRotation)
	// PDFium's own mapping from the shown page to user space, probed at
	// three corners of the page shown 16 pixels per point.
	sx, sy := max(1, int(math.Round(p.Width*16))), max(1, int(math.Round(p.Height*16)))
	var pt [3][2]float64
	for k, dev := range [3][2]int{{0, 0}, {sx, 0}, {0, sy}} {
		res, err := w.inst.FPDF_DeviceToPage(&requests.FPDF_DeviceToPage{
			Page: ref, SizeX: sx, SizeY: sy, Rotate: enums.FPDF_PAGE_ROTATION_NONE,
			DeviceX: dev[0], DeviceY: dev[1],
		})
		if err != nil {
			return Page{}, broken
		}
		pt[k] = [2]float64{res.PageX, res.PageY}
	}
	p.toPDF = [6]float64{
		(pt[1][0] - pt[0][0]) / p.Width, (pt[1][1] - pt[0][1]) / p.Width,
		(pt[2][0] - pt[0][0]) / p.Height, (pt[2][1] - pt[0][1]) / p.Height,
		pt[0][0], pt[0][1],
	}
	d.mu.Lock()
	d.pages[i] = p
	d.mu.Unlock()
	return p, nil
}

// Render draws page i (0-based) at scale pixels per point (1 is 72 dpi)
// on white, with its annotations, form fields and signature appearances.
// The image is Page.PixelSize(scale) pixels.
func (d *Doc) Render(ctx context.Context, i int, scale float64) (*image.RGBA, error) {
	if !(scale > 0 && scale < 1e4) {
		return nil, fmt.Errorf("invalid scale %v", scale)
	}
	if err := d.enter(i); err != nil {
		return nil, err
	}
	defer d.calls.Done()
	if p, ok := d.cached(i); ok {
		if err := d.checkSize(p, scale); err != nil {
			return nil, err
		}
	}
	var img *image.RGBA
	err := d.r.do(ctx, d, func(w *worker) error {
		p, err := d.page(w, i)
		if err != nil {
			return err
		}
		img, err = d.render(w, p, scale)
		return err
	})
	return img, err
}

// checkSize refuses an image of page p at scale beyond MaxPixels.
func (d *Doc) checkSize(p Page, scale float64) error {
	if p.Width*scale*p.Height*scale > float64(d.r.opts.MaxPixels) {
		return fmt.Errorf("%w: page %d at %.0f%% would take more than %d million pixels", ErrTooBig, p.Index+1, 100*scale*72/96, d.r.opts.MaxPixels/1e6)
	}
	return nil
}

func (d *Doc) render(w *worker, p Page, scale float64) (*image.RGBA, error) {
	if err := d.checkSize(p, scale); err != nil {
		return nil, err
	}
	width, height := p.PixelSize(scale)
	res, err := w.inst.RenderPageInPixels(&requests.RenderPageInPixels{
		Page:        w.pageRef(p.Index),
		Width:       width,
		Height:      height,
		RenderFlags: enums.FPDF_RENDER_FLAG_ANNOT,
		RenderForm:  true,
		Document:    &w.ref,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: page %d cannot be drawn", ErrNotPDF, p.Index+1)
	}
	defer res.Cleanup()
	src, ok := res.Result.RenderedImage.(*image.RGBA)
	if !ok {
		return nil, fmt.Errorf("%w: page %d cannot be drawn", ErrNotPDF, p.Index+1)
	}
	// The pixels live in PDFium's memory until Cleanup: copy them.
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	copyOnWhite(img, src, res.Result.HasTransparency)
	return img, nil
}

// copyOnWhite copies src into dst, the part they share; with alpha, src's
// pixels (straight alpha, as PDFium draws them) are laid on white.
func copyOnWhite(dst, src *image.RGBA, alpha bool) {
	w := min(dst.Rect.Dx(), src.Rect.Dx())
	h := min(dst.Rect.Dy(), src.Rect.Dy())
	for y := range h {
		s := src.Pix[y*src.Stride : y*src.Stride+4*w]
		t := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		if !alpha {
			copy(t, s)
			continue
		}
		for x := 0; x < len(s); x += 4 {
			a := uint32(s[x+3])
			for c := range 3 {
				t[x+c] = uint8((uint32(s[x+c])*a + 255*(255-a) + 127) / 255)
			}
			t[x+3] = 255
		}
	}
	// Rows or columns PDFium's rounding left out stay white.
	if w == dst.Rect.Dx() && h == dst.Rect.Dy() {
		return
	}
	for y := range dst.Rect.Dy() {
		for x := range dst.Rect.Dx() {
			if x >= w || y >= h {
				o := y*dst.Stride + 4*x
				copy(dst.Pix[o:o+4], []byte{255, 255, 255, 255})
			}
		}
	}
}

// Close closes the document: calls in progress end first, and the file
// opened by OpenFile is closed.
func (d *Doc) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	d.mu.Unlock()
	d.calls.Wait()
	_ = d.r.unload(d)
	if d.file != nil {
		return d.file.Close()
	}
	return nil
}
