// Package batch gathers what waits on a channel into one batch, for the
// loops that write many small things in one transaction.
package batch

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
