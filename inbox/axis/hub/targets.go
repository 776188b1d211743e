package hub

import "sync"

// target is what a call on one delivery needs of it: fields that never
// change once the delivery is stored (nothing deletes deliveries or
// packets), so that they can be remembered across calls and processes.
type target struct {
	docID, to        string
	packetID, sha256 string
	size             int64
}

func targetOf(e Entry) target {
	return target{docID: e.Delivery.DocID, to: e.Delivery.To, packetID: e.Packet.ID, sha256: e.Packet.SHA256, size: e.Packet.Size}
}

// recentTargets is the number of deliveries the target cache holds.
const recentTargets = 4096

// targetCache remembers the targets of the latest calls, the oldest
// forgotten first: a recipient downloads a packet and acknowledges it
// soon after, and the acknowledgement needs no store read.
type targetCache struct {
	mu   sync.Mutex
	m    map[string]target
	ring []string // docIds in the order they were added
	next int
}

func newTargetCache(n int) *targetCache {
	return &targetCache{m: make(map[string]target, n), ring: make([]string, n)}
}

func (c *targetCache) get(docID string) (target, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[docID]
	return t, ok
}

func (c *targetCache) put(t target) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[t.docID]; ok {
		return
	}
	if old := c.ring[c.next]; old != "" {
		delete(c.m, old)
	}
	c.ring[c.next] = t.docID
	c.next = (c.next + 1) % len(c.ring)
	c.m[t.docID] = t
}
