package batch

import (
	"slices"
	"testing"
)

func TestDrain(t *testing.T) {
	ch := make(chan int, 10)
	for i := range 5 {
		ch <- i
	}
	if got := Drain([]int{-1}, ch, 3); !slices.Equal(got, []int{-1, 0, 1}) {
		t.Errorf("up to the limit: %v", got)
	}
	if got := Drain(nil, ch, 10); !slices.Equal(got, []int{2, 3, 4}) {
		t.Errorf("what waits, without blocking on an empty channel: %v", got)
	}
	ch <- 7
	close(ch)
	if got := Drain(nil, ch, 10); !slices.Equal(got, []int{7}) {
		t.Errorf("a closed channel: %v", got)
	}
}
