package hub

import (
	"math"
	"sync"
	"time"
)

// RateLimit bounds each system's requests with a token bucket: PerSecond
// tokens are added each second, up to Burst (default: one second's worth,
// at least 1). Zero PerSecond is no limit.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

type bucket struct {
	rate, burst float64
	tokens      float64
	last        time.Time
}

// limiter holds one bucket per system id (known systems only, so the map
// is bounded by the systems file): the system's own limit, or the
// server's.
type limiter struct {
	def  RateLimit
	own  map[string]RateLimit // by system id; read-only after New
	mu   sync.Mutex
	byID map[string]*bucket
}

// newLimiter returns nil when nothing is limited.
func newLimiter(def RateLimit, own map[string]RateLimit) *limiter {
	limited := def.PerSecond > 0
	for _, rl := range own {
		limited = limited || rl.PerSecond > 0
	}
	if !limited {
		return nil
	}
	return &limiter{def: def, own: own, byID: map[string]*bucket{}}
}

func (l *limiter) limitOf(id string) RateLimit {
	if rl, ok := l.own[id]; ok {
		return rl
	}
	return l.def
}

// allow takes a token from id's bucket, or says how long until one is there.
func (l *limiter) allow(id string, now time.Time) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	rl := l.limitOf(id)
	if rl.PerSecond <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.byID[id]
	if b == nil {
		b = &bucket{rate: rl.PerSecond, burst: float64(rl.Burst), last: now}
		if b.burst < 1 {
			b.burst = math.Max(1, math.Ceil(b.rate))
		}
		b.tokens = b.burst
		l.byID[id] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(b.burst, b.tokens+el*b.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}
