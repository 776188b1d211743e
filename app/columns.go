package app

import "fyne.io/fyne/v2"

// columns lays out a row's cells side by side: fixed widths, except the
// flex cell, which takes what is left (at least minFlex). The header and
// every row of the document list share one, so their cells line up.
type columns struct {
	widths  []float32 // one per cell; the flex cell's entry is ignored
	flex    int
	minFlex float32
}

const cellGap = 6

func (c *columns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	fixed := float32(0)
	for i, w := range c.widths {
		if i != c.flex {
			fixed += w
		}
	}
	flexW := max(c.minFlex, size.Width-fixed-cellGap*float32(len(c.widths)-1))
	x := float32(0)
	for i, o := range objs {
		w := flexW
		if i != c.flex && i < len(c.widths) {
			w = c.widths[i]
		}
		h := o.MinSize().Height
		o.Resize(fyne.NewSize(w, h))
		o.Move(fyne.NewPos(x, (size.Height-h)/2))
		x += w + cellGap
	}
}

func (c *columns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	w := c.minFlex
	for i, x := range c.widths {
		if i != c.flex {
			w += x
		}
	}
	return fyne.NewSize(w+cellGap*float32(len(c.widths)-1), h)
}
