// Package batch gathers what waits on a channel into one batch, for the
// loops that write many small things in one transaction.
package batch

import "time"

// Drain appends to buf whatever is waiting on ch, without blocking, until
// buf holds max values or ch is closed or empty, and returns buf.
func Drain[T any](buf []T, ch <-chan T, maxLen int) []T {
	for len(buf) < maxLen {
		select {
		case v, ok := <-ch:
			if !ok {
				return buf
			}
			buf = append(buf, v)
		default:
			return buf
		}
	}
	return buf
}

// Gather is Drain that also waits: it appends what waits on ch and what
// arrives within d, until buf holds maxLen values or ch is closed. A loop
// that commits what it gathers commits once per d at most, however slowly
// its values trickle in.
func Gather[T any](buf []T, ch <-chan T, maxLen int, d time.Duration) []T {
	if d <= 0 {
		return Drain(buf, ch, maxLen)
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	for len(buf) < maxLen {
		select {
		case v, ok := <-ch:
			if !ok {
				return buf
			}
			buf = append(buf, v)
		case <-timer.C:
			return buf
		}
	}
	return buf
}
