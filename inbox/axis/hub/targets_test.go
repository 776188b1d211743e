package hub

import (
	"fmt"
	"testing"
)

func TestTargetCache(t *testing.T) {
	c := newTargetCache(3)
	for i := range 5 {
		c.put(target{docID: fmt.Sprint(i), to: "000.00.00.H41", size: int64(i)})
	}
	c.put(target{docID: "4", size: 99}) // already there: kept as it was
	for i := range 5 {
		got, ok := c.get(fmt.Sprint(i))
		if want := i >= 2; ok != want {
			t.Errorf("doc %d: cached %v, want %v (the oldest two forgotten)", i, ok, want)
		}
		if ok && got.size != int64(i) {
			t.Errorf("doc %d: got %+v", i, got)
		}
	}
	if len(c.m) != 3 {
		t.Errorf("the cache holds %d targets, want 3", len(c.m))
	}
}
