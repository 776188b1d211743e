package batch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
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

func TestGather(t *testing.T) {
	ch := make(chan int)
	go func() {
		for i := range 5 {
			ch <- i
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond)
		ch <- 5
		close(ch)
	}()
	start := time.Now()
	if got := Gather([]int{-1}, ch, 10, 150*time.Millisecond); !slices.Equal(got, []int{-1, 0, 1, 2, 3, 4}) {
		t.Errorf("what trickles in within the window: %v", got)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("returned after %v, before its window ended", d)
	}
	if got := Gather(nil, ch, 10, time.Second); !slices.Equal(got, []int{5}) {
		t.Errorf("up to the channel's close: %v", got)
	}
	full := make(chan int, 5)
	for i := range 5 {
		full <- i
	}
	start = time.Now()
	if got := Gather(nil, full, 3, time.Hour); !slices.Equal(got, []int{0, 1, 2}) || time.Since(start) > time.Second {
		t.Errorf("a full batch at once: %v after %v", got, time.Since(start))
	}
}

func TestGroup(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	var runs [][]int
	g := NewGroup(3, func(calls []*Call[int]) {
		if calls[0].Value == 0 {
			close(started)
			<-release // holds the group while the others queue up
		}
		var vals []int
		for _, c := range calls {
			vals = append(vals, c.Value)
			if c.Value%2 == 1 {
				c.Err = fmt.Errorf("odd %d", c.Value)
			}
		}
		runs = append(runs, vals) // one run at a time: read after the calls return
	})
	errs := make([]error, 6)
	var wg sync.WaitGroup
	wg.Go(func() { errs[0] = g.Do(context.Background(), 0) })
	<-started
	for i := 1; i < 6; i++ {
		wg.Go(func() { errs[i] = g.Do(context.Background(), i) })
	}
	time.Sleep(50 * time.Millisecond) // the five queue up behind the first
	close(release)
	wg.Wait()
	for i, err := range errs {
		switch {
		case i%2 == 0 && err != nil:
			t.Errorf("call %d: %v", i, err)
		case i%2 == 1 && fmt.Sprint(err) != fmt.Sprintf("odd %d", i):
			t.Errorf("call %d: %v, want its own error", i, err)
		}
	}
	if len(runs) != 3 || len(runs[0]) != 1 || len(runs[1]) != 3 || len(runs[2]) != 2 {
		t.Errorf("runs %v: want the first alone, then the five waiting in runs of at most 3", runs)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.Do(ctx, 8); !errors.Is(err, context.Canceled) {
		t.Errorf("ended context: %v", err)
	}
	g.Close()
	g.Close()
	if err := g.Do(context.Background(), 10); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}
