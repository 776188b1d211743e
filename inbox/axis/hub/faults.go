package hub

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Faults make the hub misbehave on purpose, for testing clients: a share of
// requests answered 5xx (before the work, or after it so that the client
// retries something that succeeded), connections dropped, packets listed
// twice, every answer delayed, credentials reported expired. Off unless
// configured. The draws come from one generator seeded with Seed, so a
// given sequence of requests meets the same faults every run.
type Faults struct {
	FiveXX float64       // share of requests answered 503
	Drop   float64       // share of connections closed without an answer
	Dup    float64       // share of received-list entries listed twice
	Expire float64       // share of authenticated requests answered AUTH_EXPIRED
	Delay  time.Duration // added before every answer
	Seed   uint64

	mu  sync.Mutex
	rng *rand.Rand
}

// ParseFaults reads a fault spec: comma-separated key=value pairs among
// 5xx, drop, dup, expire (shares between 0 and 1), delay (a duration) and
// seed (an unsigned integer, default 1), e.g.
// "5xx=0.3,drop=0.1,dup=0.1,delay=200ms,expire=0.05".
func ParseFaults(spec string) (*Faults, error) {
	f := &Faults{Seed: 1}
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		key, val, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("hub: fault %q is not key=value", item)
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		var share *float64
		switch key {
		case "5xx":
			share = &f.FiveXX
		case "drop":
			share = &f.Drop
		case "dup":
			share = &f.Dup
		case "expire":
			share = &f.Expire
		case "delay":
			d, err := time.ParseDuration(val)
			if err != nil || d < 0 || d > time.Minute {
				return nil, fmt.Errorf("hub: fault delay %q is not a duration up to 1m", val)
			}
			f.Delay = d
			continue
		case "seed":
			n, err := strconv.ParseUint(val, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("hub: fault seed %q is not an unsigned integer", val)
			}
			f.Seed = n
			continue
		default:
			return nil, fmt.Errorf("hub: unknown fault %q (known: 5xx, drop, dup, expire, delay, seed)", key)
		}
		v, err := strconv.ParseFloat(val, 64)
		if err != nil || v < 0 || v > 1 {
			return nil, fmt.Errorf("hub: fault %s=%q is not a share between 0 and 1", key, val)
		}
		*share = v
	}
	return f, nil
}

// String writes the spec back.
func (f *Faults) String() string {
	return fmt.Sprintf("5xx=%g,drop=%g,dup=%g,expire=%g,delay=%s,seed=%d", f.FiveXX, f.Drop, f.Dup, f.Expire, f.Delay, f.Seed)
}

// faultPlan is what happens to one request.
type faultPlan struct {
	delay      time.Duration
	fail, drop bool // answer 503 / close the connection
	after      bool // … after doing the work rather than before
	expire     bool
}

func (f *Faults) draw(share float64) bool {
	if f.rng == nil {
		f.rng = rand.New(rand.NewPCG(f.Seed, 0x7672_6178_6973)) //nolint:gosec // test faults, not security
	}
	// Always draw, so that the sequence does not depend on the shares.
	return f.rng.Float64() < share
}

// plan draws the faults of one request.
func (f *Faults) plan() faultPlan {
	if f == nil {
		return faultPlan{}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p := faultPlan{delay: f.Delay}
	p.fail = f.draw(f.FiveXX)
	p.drop = f.draw(f.Drop)
	p.after = f.draw(0.5)
	p.expire = f.draw(f.Expire)
	if p.fail && p.drop {
		p.drop = false
	}
	return p
}

// dup reports whether a list entry is listed twice.
func (f *Faults) dup() bool {
	if f == nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.draw(f.Dup)
}
