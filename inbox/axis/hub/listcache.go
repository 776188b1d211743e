package hub

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// listCacheBytes bounds the answers the list cache holds.
const listCacheBytes = 64 << 20

// listKey is one system's list of one message type.
type listKey struct{ system, messageType string }

// listAnswer is an encoded getReceivedEdocList answer, also gzipped
// unless it is small, and the queue stamp read before the list was.
type listAnswer struct {
	stamp uint64
	body  []byte
	gz    []byte // nil: not worth compressing
}

func (a listAnswer) size() int { return len(a.body) + len(a.gz) }

// gzipMin is the smallest answer worth compressing.
const gzipMin = 1 << 10

// newListAnswer encodes an answer: a list of many entries is verbose
// (the same keys, times and addresses again and again) and shrinks
// several times, which saves more time on the wire than compressing it
// once costs.
func newListAnswer(stamp uint64, body []byte) listAnswer {
	a := listAnswer{stamp: stamp, body: body}
	if len(body) < gzipMin {
		return a
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // a valid level: no error
	_, _ = zw.Write(body)                              // writes to a bytes.Buffer do not fail
	if zw.Close() == nil && buf.Len() < len(body) {
		a.gz = buf.Bytes()
	}
	return a
}

// write answers a, compressed when the client accepts gzip.
func (a listAnswer) write(w http.ResponseWriter, r *http.Request) {
	if a.gz == nil || !acceptsGzip(r.Header.Values("Accept-Encoding")) {
		w.Header().Add("Vary", "Accept-Encoding")
		writeBody(w, http.StatusOK, a.body)
		return
	}
	h := w.Header()
	h.Set("Content-Encoding", "gzip")
	h.Add("Vary", "Accept-Encoding")
	writeBody(w, http.StatusOK, a.gz)
}

// acceptsGzip reports whether Accept-Encoding values allow gzip (named
// with a q-value above 0, or as * with none of 0 for gzip).
func acceptsGzip(values []string) bool {
	star, gz := false, -1.0
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			q := 1.0
			for _, p := range strings.Split(params, ";") {
				if k, val, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
						q = f
					}
				}
			}
			switch name = strings.TrimSpace(name); {
			case strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
				gz = q
			case name == "*":
				star = q > 0
			}
		}
	}
	return gz > 0 || gz < 0 && star
}

// listCache keeps the last list answer of each system and message type
// (see Server.receivedList), at most max bytes of them.
type listCache struct {
	max int

	mu      sync.Mutex
	answers map[listKey]listAnswer
	size    int
	filling map[listKey]*fillLock
}

// fillLock is held while one request reads a list for the others.
type fillLock struct {
	sync.Mutex
	users int // requests holding or waiting for it
}

func newListCache(max int) *listCache {
	return &listCache{max: max, answers: map[listKey]listAnswer{}, filling: map[listKey]*fillLock{}}
}

// get returns the cached answer if it was read under a stamp at least
// stamp: it then holds every change stamp counts.
func (c *listCache) get(k listKey, stamp uint64) (listAnswer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.answers[k]
	if !ok || a.stamp < stamp {
		return listAnswer{}, false
	}
	return a, true
}

// put keeps an answer unless a fresher one is there, dropping others
// while the cache would exceed its bound.
func (c *listCache) put(k listKey, a listAnswer) {
	if a.size() > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.answers[k]; ok {
		if old.stamp > a.stamp {
			return
		}
		c.size -= old.size()
		delete(c.answers, k)
	}
	for other, o := range c.answers {
		if c.size+a.size() <= c.max {
			break
		}
		c.size -= o.size()
		delete(c.answers, other)
	}
	c.answers[k] = a
	c.size += a.size()
}

// lockFill takes the key's fill lock and returns its release.
func (c *listCache) lockFill(k listKey) (unlock func()) {
	c.mu.Lock()
	l := c.filling[k]
	if l == nil {
		l = &fillLock{}
		c.filling[k] = l
	}
	l.users++
	c.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		c.mu.Lock()
		if l.users--; l.users == 0 {
			delete(c.filling, k)
		}
		c.mu.Unlock()
	}
}
