package hub

import "sync"

// listCacheBytes bounds the answers the list cache holds.
const listCacheBytes = 64 << 20

// listKey is one system's list of one message type.
type listKey struct{ system, messageType string }

// listAnswer is an encoded getReceivedEdocList answer and the queue stamp
// read before the list was.
type listAnswer struct {
	stamp uint64
	body  []byte
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
func (c *listCache) get(k listKey, stamp uint64) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.answers[k]
	if !ok || a.stamp < stamp {
		return nil, false
	}
	return a.body, true
}

// put keeps an answer unless a fresher one is there, dropping others
// while the cache would exceed its bound.
func (c *listCache) put(k listKey, stamp uint64, body []byte) {
	if len(body) > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.answers[k]; ok {
		if old.stamp > stamp {
			return
		}
		c.size -= len(old.body)
		delete(c.answers, k)
	}
	for other, a := range c.answers {
		if c.size+len(body) <= c.max {
			break
		}
		c.size -= len(a.body)
		delete(c.answers, other)
	}
	c.answers[k] = listAnswer{stamp: stamp, body: body}
	c.size += len(body)
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
