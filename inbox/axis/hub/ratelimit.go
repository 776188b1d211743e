package hub

import (
	"math"
	"sync"
	"time"
)

// RateLimit bounds each system's requests with a token bucket: PerSecond
// tokens are added each second, up to Burst. Zero PerSecond is no limit.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

type bucket struct {
	tokens float64
	last   time.Time
}

// limiter holds one bucket per system id (known systems only, so the map
// is bounded by the systems file).
type limiter struct {
	rate  float64
	burst float64
	mu    sync.Mutex
	byID  map[string]*bucket
}

func newLimiter(rl RateLimit) *limiter {
	if rl.PerSecond <= 0 {
		return nil
	}
	burst := float64(rl.Burst)
	if burst < 1 {
		burst = math.Max(1, math.Ceil(rl.PerSecond))
	}
	return &limiter{rate: rl.PerSecond, burst: burst, byID: map[string]*bucket{}}
}

// allow takes a token from id's bucket, or says how long until one is there.
func (l *limiter) allow(id string, now time.Time) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.byID[id]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.byID[id] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(l.burst, b.tokens+el*l.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}
