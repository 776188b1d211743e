package app

import (
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
)

func TestColumnsDropInOrder(t *testing.T) {
	c := &columns{widths: []float32{10, 0, 20, 30}, flex: 1, minFlex: 50, drop: []int{3, 0}}
	full := float32(50 + 10 + 20 + 30 + 3*cellGap)
	cases := []struct {
		width float32
		want  []bool
	}{
		{full, []bool{true, true, true, true}},
		{full - 1, []bool{true, true, true, false}},
		{full - 30 - cellGap - 1, []bool{false, true, true, false}},
		{0, []bool{false, true, true, false}}, // cell 2 is never dropped
	}
	for _, tc := range cases {
		if got := c.shown(tc.width); !slices.Equal(got, tc.want) {
			t.Errorf("width %v: got %v, want %v", tc.width, got, tc.want)
		}
	}
	objs := []fyne.CanvasObject{canvas.NewRectangle(nil), canvas.NewRectangle(nil), canvas.NewRectangle(nil), canvas.NewRectangle(nil)}
	if got, want := c.MinSize(objs).Width, float32(50+20+cellGap); got != want {
		t.Errorf("min width %v, want %v", got, want)
	}
	// In a narrow row the subject takes what the dropped cells gave up.
	c.Layout(objs, fyne.NewSize(full-1, 20))
	if got, want := objs[1].Size().Width, float32(50+30+cellGap-1); got != want {
		t.Errorf("flex width %v, want %v", got, want)
	}
	if objs[3].Visible() {
		t.Error("the dropped cell is still shown")
	}
	if got, want := objs[2].Position().X, objs[1].Position().X+objs[1].Size().Width+cellGap; got != want {
		t.Errorf("cell after the subject at %v, want %v", got, want)
	}
	// Room again: the cell comes back.
	c.Layout(objs, fyne.NewSize(full, 20))
	if !objs[3].Visible() || objs[3].Size().Width != 30 {
		t.Errorf("the cell did not come back: shown %v, width %v", objs[3].Visible(), objs[3].Size().Width)
	}
}
