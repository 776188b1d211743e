package batch

import (
	"context"
	"errors"
	"sync"
)

// ErrClosed is returned by Group.Do once the group is closed.
var ErrClosed = errors.New("closed")

// Call is one value submitted to a Group, with what became of it.
type Call[T any] struct {
	Ctx   context.Context // the caller's: a call whose context ended before it runs is best skipped
	Value T
	Err   error // set by the group's run function
	done  chan struct{}
}

// Group commits in groups: one goroutine takes a call, drains the calls
// waiting behind it (up to a maximum) and hands them all to one run (one
// transaction, one commit, instead of one each). Do returns once its call
// has run.
type Group[T any] struct {
	run     func([]*Call[T])
	max     int
	calls   chan *Call[T]
	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

// NewGroup starts a group that hands up to maxLen calls at a time to run,
// which sets each call's Err. Close stops it.
func NewGroup[T any](maxLen int, run func([]*Call[T])) *Group[T] {
	g := &Group[T]{run: run, max: max(maxLen, 1), calls: make(chan *Call[T]),
		stop: make(chan struct{}), stopped: make(chan struct{})}
	go g.loop()
	return g
}

// Do submits v and waits until it has run, returning its Err; ctx ending
// before the call is taken returns ctx.Err(). Once taken, the call runs to
// its end (the run serves other callers too) and Do reports what became
// of it.
func (g *Group[T]) Do(ctx context.Context, v T) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := &Call[T]{Ctx: ctx, Value: v, done: make(chan struct{})}
	select {
	case g.calls <- c:
	case <-g.stop:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	<-c.done
	return c.Err
}

func (g *Group[T]) loop() {
	defer close(g.stopped)
	calls := make([]*Call[T], 0, g.max)
	for {
		select {
		case <-g.stop:
			return
		case c := <-g.calls:
			calls = append(calls[:0], c)
		}
		calls = Drain(calls, g.calls, g.max)
		g.run(calls)
		for i, c := range calls {
			close(c.done)
			calls[i] = nil
		}
	}
}

// Close stops the group after the run under way; calls taken have all
// run when it returns.
func (g *Group[T]) Close() {
	g.once.Do(func() { close(g.stop) })
	<-g.stopped
}
