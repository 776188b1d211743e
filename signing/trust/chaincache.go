package trust

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"hash"
	"sync"
	"sync/atomic"
	"time"
)

// The paths crypto/x509 builds are remembered across validations: an inbox
// receives thousands of documents signed under the same few CAs, and
// building a path checks the signature of every certificate on it (a P-384
// CA costs more than the document's own signature).
//
// A remembered answer is exact, not approximate. Path building depends on
// the certificates offered (anchors, intermediates, extras, leaf — all in
// the key, byte for byte and in order) and on the time checked only through
// each certificate's validity period. An answer is therefore kept together
// with the span of time around the time checked in which no certificate
// offered becomes valid or expires, and given again only for a time inside
// that span. Usage and revocation are checked on every validation; only
// successful path building is remembered.
const chainCacheSize = 1024

type chainKey [sha256.Size]byte

type chainEntry struct {
	chains [][]*x509.Certificate
	// from and until bound the span the answer holds for: from <= at < until.
	from, until time.Time
}

type chainCache struct {
	mu      sync.Mutex
	entries map[chainKey]chainEntry
}

var builtChains = &chainCache{entries: map[chainKey]chainEntry{}}

// chainBuilds counts the paths built rather than remembered (for tests).
var chainBuilds atomic.Int64

// poolDigest is the running hash of a store's anchors and intermediates,
// taken once per Store.
func poolDigest(roots, intermediates []*x509.Certificate) []byte {
	h := sha256.New()
	for i, set := range [][]*x509.Certificate{roots, intermediates} {
		h.Write([]byte{byte(i)})
		for _, c := range set {
			writeRaw(h, c.Raw)
		}
	}
	return h.Sum(nil)
}

func writeRaw(h hash.Hash, raw []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(raw)))
	h.Write(n[:])
	h.Write(raw)
}

// key names one path-building question: a store (by its digest), the
// extra certificates offered and the leaf.
func (s *Store) chainKey(leaf *x509.Certificate, extra []*x509.Certificate) chainKey {
	h := sha256.New()
	h.Write(s.digest)
	h.Write([]byte{2})
	for _, c := range extra {
		writeRaw(h, c.Raw)
	}
	h.Write([]byte{3})
	writeRaw(h, leaf.Raw)
	var k chainKey
	h.Sum(k[:0])
	return k
}

// validitySpan returns the span around at in which every certificate
// offered keeps the validity state it has at at: crypto/x509 takes a
// certificate as valid from NotBefore through NotAfter, both included.
func validitySpan(at time.Time, sets ...[]*x509.Certificate) (from, until time.Time) {
	var haveFrom, haveUntil bool
	edge := func(b time.Time) {
		if !b.After(at) {
			if !haveFrom || b.After(from) {
				from, haveFrom = b, true
			}
			return
		}
		if !haveUntil || b.Before(until) {
			until, haveUntil = b, true
		}
	}
	for _, set := range sets {
		for _, c := range set {
			edge(c.NotBefore)
			edge(c.NotAfter.Add(time.Nanosecond))
		}
	}
	if !haveFrom {
		from = time.Unix(-1<<62, 0) // before every certificate
	}
	if !haveUntil {
		until = time.Unix(1<<62, 0)
	}
	return from, until
}

func (c *chainCache) get(k chainKey, at time.Time) ([][]*x509.Certificate, bool) {
	c.mu.Lock()
	e, ok := c.entries[k]
	c.mu.Unlock()
	if !ok || at.Before(e.from) || !at.Before(e.until) {
		return nil, false
	}
	return e.chains, true
}

func (c *chainCache) put(k chainKey, e chainEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= chainCacheSize {
		// Forget about half, whichever the map yields first.
		n := 0
		for old := range c.entries {
			delete(c.entries, old)
			if n++; n >= chainCacheSize/2 {
				break
			}
		}
	}
	c.entries[k] = e
}

// sameCertificates returns chains with every certificate replaced by the
// caller's own copy of it (equal bytes) where it has one, so that a
// remembered path hands back the objects the caller passed in.
func sameCertificates(chains [][]*x509.Certificate, own ...[]*x509.Certificate) [][]*x509.Certificate {
	byRaw := map[string]*x509.Certificate{}
	for _, set := range own {
		for _, c := range set {
			byRaw[string(c.Raw)] = c
		}
	}
	out := make([][]*x509.Certificate, len(chains))
	for i, chain := range chains {
		out[i] = make([]*x509.Certificate, len(chain))
		for j, c := range chain {
			if mine, ok := byRaw[string(c.Raw)]; ok {
				c = mine
			}
			out[i][j] = c
		}
	}
	return out
}
