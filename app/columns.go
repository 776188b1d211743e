package app

import (
	"slices"

	"fyne.io/fyne/v2"
)

// columns lays out a row's cells side by side: fixed widths, except the
// flex cell, which takes what is left (at least minFlex). When the row is
// too narrow for every cell, the cells listed in drop give up their room
// in that order. The header and every row of the document list share one,
// so their cells line up.
type columns struct {
	widths  []float32 // one per cell; the flex cell's entry is ignored
	flex    int
	minFlex float32
	drop    []int // cells that may be left out, least needed first
}

const cellGap = 6

// shown reports which cells fit in width.
func (c *columns) shown(width float32) []bool {
	show := make([]bool, len(c.widths))
	need := c.minFlex
	for i, w := range c.widths {
		show[i] = true
		if i != c.flex {
			need += w + cellGap
		}
	}
	for _, i := range c.drop {
		if need <= width {
			break
		}
		show[i] = false
		need -= c.widths[i] + cellGap
	}
	return show
}

func (c *columns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	show := c.shown(size.Width)
	fixed := float32(0)
	for i, w := range c.widths {
		if i != c.flex && show[i] {
			fixed += w + cellGap
		}
	}
	flexW := max(c.minFlex, size.Width-fixed)
	x := float32(0)
	for i, o := range objs {
		if i < len(show) && !show[i] {
			if o.Visible() {
				o.Hide()
			}
			continue
		}
		if !o.Visible() && slices.Contains(c.drop, i) {
			o.Show() // cells the rows hide themselves stay hidden
		}
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

// MinSize is the room of the cells that cannot be left out.
func (c *columns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	show := c.shown(0)
	w := c.minFlex
	for i, x := range c.widths {
		if i != c.flex && show[i] {
			w += x + cellGap
		}
	}
	return fyne.NewSize(w, h)
}
