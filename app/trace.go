package app

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"os"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
)

// TraceEnv names the environment variable that turns tracing on. With it
// set (to anything but ""), the app writes one line per milestone to
// stderr, for the real-window test and the GUI benchmarks:
//
//	vanthu-trace list-painted ms=812 rows=100 doc=42 unread=true x=530 y=118 rowh=39 win=1400x820 scale=1
//
// ms is the time since the process started; rows the rows on the first
// list page; doc the first unread row's document (or the first row's) and
// x, y the centre of its subject cell in window pixels; rowh the distance
// between rows in pixels; win the window's
// size in pixels. "Painted" means a frame that holds those rows was drawn:
// a 1×1 raster under the content is refreshed with them, and the driver
// calls its generator while drawing that frame.
const TraceEnv = "VANTHU_TRACE"

// tracePrefix starts every trace line.
const tracePrefix = "vanthu-trace "

// processStart approximates the start of the process (package
// initialisation runs before main).
var processStart = time.Now()

func traceOn() bool { return os.Getenv(TraceEnv) != "" }

// traceOpen starts tracing the main window when TraceEnv is set; it does
// nothing otherwise.
func traceOpen(w fyne.Window, u *ui) {
	if !traceOn() || u == nil {
		return
	}
	t := &tracer{w: w, u: u}
	t.marker = canvas.NewRaster(t.generate)
	t.marker.Resize(fyne.NewSize(1, 1))
	w.SetContent(container.NewStack(container.NewWithoutLayout(t.marker), w.Content()))
	go t.watch(u.ctx)
}

// tracer reports when the first list page has been painted.
type tracer struct {
	w      fyne.Window
	u      *ui
	marker *canvas.Raster

	mu      sync.Mutex
	armed   bool // the list holds rows and the marker was refreshed with them
	painted time.Time
}

// generate is the marker's generator, called by the driver while it draws
// a frame that holds the marker's latest refresh.
func (t *tracer) generate(w, h int) image.Image {
	t.mu.Lock()
	if t.armed && t.painted.IsZero() {
		t.painted = time.Now()
		fyne.Do(t.report)
	}
	t.mu.Unlock()
	img := image.NewNRGBA(image.Rect(0, 0, max(w, 1), max(h, 1)))
	img.Set(0, 0, color.Transparent)
	return img
}

// watch checks on the UI goroutine, every few milliseconds, whether the
// first page of the list has arrived, and then refreshes the marker.
func (t *tracer) watch(ctx context.Context) {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	done := make(chan struct{})
	var once sync.Once
	for {
		select {
		case <-ctx.Done():
			return
		case <-done:
			return
		case <-tick.C:
			fyne.Do(func() {
				if len(t.u.list.rows) == 0 || t.u.list.loading {
					return
				}
				t.mu.Lock()
				arm := !t.armed
				t.armed = true
				t.mu.Unlock()
				if arm {
					t.marker.Refresh()
				}
				once.Do(func() { close(done) })
			})
		}
	}
}

// report writes the list-painted line (on the UI goroutine).
func (t *tracer) report() {
	t.mu.Lock()
	at := t.painted
	t.mu.Unlock()
	d := t.u.list
	scale := t.w.Canvas().Scale()
	px := func(v float32) int { return int(v*scale + 0.5) }
	doc, unread, x, y, rowH := int64(0), false, -1, -1, 0
	pick := func(wantUnread bool) bool {
		for _, s := range d.rows {
			if wantUnread && s.Read {
				continue
			}
			for _, r := range d.rowOf {
				if r.id != s.ID || !r.box.Visible() {
					continue
				}
				pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(r.subject)
				size := r.subject.Size()
				doc, unread = s.ID, !s.Read
				x, y = px(pos.X+size.Width/2), px(pos.Y+size.Height/2)
				rowH = px(r.box.Size().Height + d.list.Theme().Size(theme.SizeNamePadding))
				return true
			}
		}
		return false
	}
	if !pick(true) {
		pick(false)
	}
	size := t.w.Canvas().Size()
	traceLine("list-painted", "ms=%d rows=%d doc=%d unread=%t x=%d y=%d rowh=%d win=%dx%d scale=%g",
		at.Sub(processStart).Milliseconds(), len(d.rows), doc, unread, x, y, rowH, px(size.Width), px(size.Height), scale)
}

func traceLine(event, format string, args ...any) {
	fmt.Fprintf(os.Stderr, tracePrefix+event+" "+format+"\n", args...)
}
